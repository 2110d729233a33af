/**
 * Saving and loading a run: a model, its vocabulary and its optimiser to a checkpoint
 * folder and back. The format itself (seqlab.json's schema, the checks, the atomic folder)
 * is engine/checkpoint/, which knows no model; this file is where TensorFlow.js meets it.
 */
import { message, messageOf } from '../core/messages';
import { CharLM, type CharLMConfig } from '../model/charlm';
import { CheckpointError, META_FILE, MODEL_FILE, readCheckpoint, writeCheckpoint, type CheckpointMeta, type SavedOptimizerState, type TrainingState } from '../checkpoint/format';
import { namedArrays, type NamedArray } from '../checkpoint/safetensors';
import { Vocabulary, type VocabularyJSON } from '../text/vocabulary';
import { savedTrainConfig, type TrainConfig } from './config';
import { Optimizer } from './optim';

export interface SaveInput {
  model: CharLM;
  /** The run's optimiser (or a loaded checkpoint's saved state), which a resumed run continues from. */
  optimizer: Optimizer | SavedOptimizerState;
  vocabulary: Vocabulary;
  config: Partial<TrainConfig>;
  state: TrainingState;
  backend: string;
  corpus?: string;
  baselines?: CheckpointMeta['training']['baselines'];
}

/** Writes the run as a checkpoint folder, atomically (see checkpoint/format.ts). Returns the folder. */
export function saveCheckpoint(dir: string, input: SaveInput): string {
  const cfg = input.model.config;
  const optimizer = input.optimizer instanceof Optimizer ? { name: input.optimizer.settings.name, tensors: namedArrays(input.optimizer.stateTensors()) } : input.optimizer;
  return writeCheckpoint(dir, {
    weights: namedArrays(input.model.stateDict()),
    optimizer,
    meta: {
      backend: input.backend,
      model: {
        vocabSize: cfg.vocabSize, embeddingSize: cfg.embeddingSize, hiddenSize: cfg.hiddenSize, numLayers: cfg.numLayers,
        cell: cfg.cell, dropout: cfg.dropout, normalization: cfg.normalization,
        ...(cfg.forgetBias !== undefined ? { forgetBias: cfg.forgetBias } : {}),
      },
      vocabulary: input.vocabulary.toJSON() as CheckpointMeta['vocabulary'],
      training: { config: input.config as CheckpointMeta['training']['config'], corpus: input.corpus, ...(input.baselines ? { baselines: input.baselines } : {}), state: input.state },
    },
  });
}

export interface LoadedCheckpoint {
  dir: string;
  meta: CheckpointMeta;
  /** The run's training config as saved, checked against the training config's schema. */
  config: Partial<TrainConfig>;
  model: CharLM;
  vocabulary: Vocabulary;
  /** The optimiser state, which a resumed run loads into its optimiser (`Optimizer.loadState`). */
  optimizerState: Record<string, NamedArray>;
}

/** Loads and checks a checkpoint; the model is ready for sampling (eval mode). */
export function loadCheckpoint(dir: string): LoadedCheckpoint {
  const { dir: folder, meta, weights, optimizerState } = readCheckpoint(dir);
  let config: Partial<TrainConfig>;
  let vocabulary: Vocabulary;
  try {
    config = savedTrainConfig(meta.training.config);
    vocabulary = Vocabulary.fromJSON(meta.vocabulary as VocabularyJSON);
  } catch (err) {
    const cause = messageOf(err);
    throw new CheckpointError(message('ckpt-meta-damaged', { folder, file: META_FILE, said: (err as Error).message, ...(cause ? { cause: [cause] } : {}) }));
  }
  if (vocabulary.size !== meta.model.vocabSize) {
    throw new CheckpointError(message('ckpt-vocab-mismatch', { folder, file: META_FILE, size: vocabulary.size, expected: meta.model.vocabSize }));
  }
  const model = new CharLM({ ...(meta.model as CharLMConfig), seed: 0 });
  try {
    model.loadStateDict(weights);
  } catch (err) {
    model.dispose();
    throw new CheckpointError(message('ckpt-misfit', { folder, file: MODEL_FILE, meta: META_FILE, how: [message('misfit-load', { said: (err as Error).message })] }));
  }
  model.eval();
  return { dir: folder, meta, config, model, vocabulary, optimizerState };
}
