/**
 * Checkpoints: a folder with
 *   model.safetensors      the weights under PyTorch state_dict names (embedding.weight,
 *                          rnn.weight_ih_l0, ..., head.weight, head.bias), loadable into
 *                          torch.nn.Embedding + LSTM/GRU/RNN + Linear;
 *   optimizer.safetensors  the optimiser's state (exp_avg.<param>, ...);
 *   seqlab.json            format version, model and training config, vocabulary,
 *                          training state (step, losses, random state), and the SHA-256
 *                          of both tensor files, so a mismatched or edited pair is caught.
 * Saving and reading the folder (ownership, the swap, reads during a save) is in
 * folder.ts. Loading checks everything before it builds a model, and names what is wrong:
 * a hostile seqlab.json cannot make it allocate more than the tensor files hold.
 */
import { z } from 'zod';
import { CharLM, type CharLMConfig } from '../model/charlm';
import { CELL_TYPES, NORMALIZATIONS } from '../core/names';
import { Vocabulary, type VocabularyJSON } from '../text/vocabulary';
import { MODEL_LIMITS, TrainConfigSchema, type TrainConfig } from '../train/config';
import { Optimizer } from '../train/optim';
import {
  CHECKPOINT_FORMAT, CheckpointError, META_FILE, MODEL_FILE, OPTIMIZER_FILE, checkFormatTag, readCheckpointFolder, readMetaJSON, resolveCheckpointDir,
  sha256, writeCheckpointFolder, type CheckpointFolderContents, type HeaderCheck,
} from './folder';
import { truncate } from '../io/safeText';
import { decodeSafetensors, encodeSafetensors, namedArrays, type NamedArray } from './safetensors';

export { CHECKPOINT_FORMAT, CheckpointError, META_FILE, MODEL_FILE, OPTIMIZER_FILE, checkSaveTarget, removeCheckpoint } from './folder';
export const CHECKPOINT_VERSION = 1;
/** Unicode has 0x110000 code points; a capped vocabulary adds one unknown token. */
const MAX_VOCABULARY = 0x110000 + 1;

export interface TrainingState {
  step: number;
  optimizerStep: number;
  trainLoss: number | null;
  valLoss: number | null;
  bestValLoss: number | null;
  bestStep: number | null;
  initialValLoss: number | null;
  /** Position of the batch sampler's random generator, for an exact resume. */
  rngState: number;
  elapsedSeconds: number;
  /** Evaluations so far, for redrawing the loss chart (`seconds` of training time since SeqLab 0.2). */
  history: Array<{ step: number; trainLoss: number; valLoss: number; seconds?: number }>;
  /** The training loss as the chart drew it: [step, seconds, mean loss since the previous point], at most 3,000 points. */
  trainCurve?: Array<[number, number, number]>;
}

const finiteOrNull = z.number().finite().nullable();
/** Where a run's text came from ("notes.md", "3 files", "selection in poems.txt"): a name, not a text. */
export const MAX_CORPUS_NAME = 1024;
const MetaSchema = z.object({
  format: z.literal(CHECKPOINT_FORMAT),
  version: z.number().int().min(1),
  // Shown in views, messages and exported READMEs: bounded here, escaped where they are shown.
  created: z.string().max(64),
  backend: z.string().max(64),
  // Bounded as the training config is, so that no seqlab.json describes a model SeqLab could not have trained.
  model: z.object({
    vocabSize: z.number().int().positive().max(MAX_VOCABULARY),
    embeddingSize: z.number().int().positive().max(MODEL_LIMITS.embed),
    hiddenSize: z.number().int().positive().max(MODEL_LIMITS.hidden),
    numLayers: z.number().int().positive().max(MODEL_LIMITS.layers),
    cell: z.enum(CELL_TYPES),
    dropout: z.number().min(0).max(1),
    normalization: z.enum(NORMALIZATIONS),
    forgetBias: z.number().optional(),
  }),
  vocabulary: z.object({ mode: z.enum(['char', 'byte']), tokens: z.array(z.string()).max(MAX_VOCABULARY).optional(), capped: z.boolean().optional() }),
  training: z.object({
    config: TrainConfigSchema.partial().passthrough(),
    corpus: z.string().max(MAX_CORPUS_NAME).optional(),
    state: z.object({
      step: z.number().int().min(0),
      optimizerStep: z.number().int().min(0),
      trainLoss: finiteOrNull,
      valLoss: finiteOrNull,
      bestValLoss: finiteOrNull,
      bestStep: z.number().int().nullable(),
      initialValLoss: finiteOrNull,
      rngState: z.number().int(),
      elapsedSeconds: z.number().min(0),
      history: z.array(z.object({ step: z.number(), trainLoss: z.number(), valLoss: z.number(), seconds: z.number().optional() })),
      trainCurve: z.array(z.tuple([z.number(), z.number(), z.number()])).max(100_000).optional(),
    }),
    /**
     * The whole run's curves, to its end, in the best checkpoint of a run that went on after
     * its best (`state` is the best step's, for resuming; charts and Compare Runs draw these).
     */
    run: z.object({
      step: z.number().int().min(0),
      elapsedSeconds: z.number().min(0),
      history: z.array(z.object({ step: z.number(), trainLoss: z.number(), valLoss: z.number(), seconds: z.number().optional() })),
      trainCurve: z.array(z.tuple([z.number(), z.number(), z.number()])).max(100_000).optional(),
    }).optional(),
  }),
  files: z.record(z.string(), z.string()),
});
export type CheckpointMeta = z.infer<typeof MetaSchema>;

/** An optimiser's state as a checkpoint holds it: the rule's name and its tensors by torch's names. */
export interface SavedOptimizerState {
  name: string;
  tensors: Record<string, NamedArray>;
}

export interface SaveInput {
  model: CharLM;
  /** The run's optimiser (or a loaded checkpoint's saved state), which a resumed run continues from. */
  optimizer: Optimizer | SavedOptimizerState;
  vocabulary: Vocabulary;
  config: Partial<TrainConfig>;
  state: TrainingState;
  backend: string;
  corpus?: string;
}

/**
 * Writes a checkpoint folder atomically, replacing only a SeqLab checkpoint or an empty
 * folder at `dir` (see folder.ts). Returns the folder.
 */
export function saveCheckpoint(dir: string, input: SaveInput): string {
  const cfg = input.model.config;
  const modelBytes = encodeSafetensors(namedArrays(input.model.stateDict()), { format: 'pt', producer: 'seqlab' });
  const saved = input.optimizer instanceof Optimizer ? { name: input.optimizer.settings.name, tensors: namedArrays(input.optimizer.stateTensors()) } : input.optimizer;
  const optimizerBytes = encodeSafetensors(saved.tensors, { optimizer: saved.name });
  const meta: CheckpointMeta = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    created: new Date().toISOString(),
    backend: input.backend,
    model: {
      vocabSize: cfg.vocabSize, embeddingSize: cfg.embeddingSize, hiddenSize: cfg.hiddenSize, numLayers: cfg.numLayers,
      cell: cfg.cell, dropout: cfg.dropout, normalization: cfg.normalization,
      ...(cfg.forgetBias !== undefined ? { forgetBias: cfg.forgetBias } : {}),
    },
    vocabulary: input.vocabulary.toJSON() as CheckpointMeta['vocabulary'],
    training: { config: input.config, corpus: input.corpus === undefined ? undefined : truncate(input.corpus, MAX_CORPUS_NAME / 2), state: input.state },
    files: { [MODEL_FILE]: sha256(modelBytes), [OPTIMIZER_FILE]: sha256(optimizerBytes) },
  };
  return writeCheckpointFolder(dir, [
    [MODEL_FILE, modelBytes],
    [OPTIMIZER_FILE, optimizerBytes],
    [META_FILE, JSON.stringify(meta, null, 2) + '\n'],
  ]);
}

/**
 * Adds the whole run's curves (`training.run`) to the checkpoint in `dir`, rewritten
 * atomically with its weights unchanged: a run kept at its best step still shows where it went.
 */
export function recordRunCurves(dir: string, run: Pick<TrainingState, 'step' | 'elapsedSeconds' | 'history' | 'trainCurve'>): string {
  const contents = readCheckedCheckpointFolder(dir);
  const meta = checkMeta(contents.meta, contents.dir);
  meta.training.run = { step: run.step, elapsedSeconds: run.elapsedSeconds, history: run.history, ...(run.trainCurve ? { trainCurve: run.trainCurve } : {}) };
  return writeCheckpointFolder(contents.dir, [
    [MODEL_FILE, contents.model.bytes],
    [OPTIMIZER_FILE, contents.optimizer.bytes],
    [META_FILE, JSON.stringify(meta, null, 2) + '\n'],
  ]);
}

export interface LoadedCheckpoint {
  dir: string;
  meta: CheckpointMeta;
  model: CharLM;
  vocabulary: Vocabulary;
  /** The optimiser state, applied by `restoreOptimizer` when training resumes. */
  optimizerState: Record<string, NamedArray>;
}

/** Reads only the metadata (for listings), checked. */
export function readCheckpointMeta(dir: string): CheckpointMeta {
  const folder = resolveCheckpointDir(dir);
  return checkMeta(readMetaJSON(folder), folder);
}

/** Checks seqlab.json as read (`readCheckpointFolder`'s `meta`): format, version, schema. */
export function checkMeta(raw: unknown, folder: string): CheckpointMeta {
  checkFormatTag(raw, folder);
  const version = (raw as { version?: unknown }).version;
  if (typeof version === 'number' && version > CHECKPOINT_VERSION) {
    throw new CheckpointError(`${folder} was written by a newer SeqLab (checkpoint format ${version}; this one reads up to ${CHECKPOINT_VERSION}); update SeqLab`);
  }
  const parsed = MetaSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 5).map((i) => {
      const message = i.message.replace(/^Invalid input: /, '').replace(/, received undefined$/, ', but it is missing');
      return `${i.path.join('.') || '(top level)'}: ${message}`;
    });
    throw new CheckpointError(`${META_FILE} in ${folder} is damaged: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/** Gates per step of each cell: the rows of weight_ih / weight_hh are gates x hidden. */
const GATES: Record<CheckpointMeta['model']['cell'], number> = { lstm: 4, gru: 3, 'rnn-tanh': 1, 'rnn-relu': 1, 'rnn-sigmoid': 1 };

/**
 * Checks the shapes in model.safetensors' header against the model seqlab.json
 * describes, before the model is built: the model then takes no more memory than the
 * file holds, whatever seqlab.json claims.
 */
function checkShapes(shapes: Record<string, number[]>, model: CheckpointMeta['model'], folder: string): void {
  const { vocabSize: V, embeddingSize: E, hiddenSize: H, numLayers: L } = model;
  const G = GATES[model.cell];
  const expected: Array<[string, number[]]> = [['embedding.weight', [V, E]], ['head.weight', [V, H]], ['head.bias', [V]]];
  for (let k = 0; k < L; k++) expected.push([`rnn.weight_ih_l${k}`, [G * H, k === 0 ? E : H]], [`rnn.weight_hh_l${k}`, [G * H, H]]);
  for (const [name, shape] of expected) {
    const got = shapes[name];
    if (!got) throw new CheckpointError(`${MODEL_FILE} in ${folder} does not fit the model in ${META_FILE}: it has no tensor ${name}`);
    if (got.length !== shape.length || got.some((d, i) => d !== shape[i])) {
      throw new CheckpointError(`${MODEL_FILE} in ${folder} does not fit the model in ${META_FILE}: ${name} has shape [${got}] in the file, the model needs [${shape}]`);
    }
  }
  if (shapes[`rnn.weight_ih_l${L}`]) throw new CheckpointError(`${MODEL_FILE} in ${folder} does not fit the model in ${META_FILE}: the file has more than ${L} layers`);
  // Biases and normalisation parameters are small beside the weights: anything much larger is not this model.
  const needed = expected.reduce((sum, [, shape]) => sum + elements(shape), 0);
  const held = Object.values(shapes).reduce((sum, shape) => sum + elements(shape), 0);
  if (held > 2 * needed + 1_000_000) {
    throw new CheckpointError(`${MODEL_FILE} in ${folder} does not fit the model in ${META_FILE}: it holds ${held.toLocaleString('en')} numbers, the model has about ${needed.toLocaleString('en')}`);
  }
}

const elements = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * Checks each tensor file's header against seqlab.json before its data is read (see
 * readCheckpointFolder): model.safetensors must hold the model seqlab.json describes, and
 * optimizer.safetensors at most three numbers per weight (Adam keeps two). A 2 GB file
 * that does not fit is refused in milliseconds, unread.
 */
function headerCheck(): HeaderCheck {
  let modelElements = 0;
  return (rawMeta, file, shapes, folder) => {
    const meta = checkMeta(rawMeta, folder);
    if (file === MODEL_FILE) {
      checkShapes(shapes, meta.model, folder);
      modelElements = Object.values(shapes).reduce((sum, shape) => sum + elements(shape), 0);
    } else if (file === OPTIMIZER_FILE) {
      const held = Object.values(shapes).reduce((sum, shape) => sum + elements(shape), 0);
      if (held > 3 * modelElements + 1000) {
        throw new CheckpointError(`${OPTIMIZER_FILE} in ${folder} does not fit the model in ${META_FILE}: it holds ${held.toLocaleString('en')} numbers for a model of ${modelElements.toLocaleString('en')}`);
      }
    }
  };
}

/** Reads a checkpoint folder whole, each tensor file checked against seqlab.json before its data is read. */
export function readCheckedCheckpointFolder(dir: string): CheckpointFolderContents {
  return readCheckpointFolder(dir, headerCheck());
}

/** Loads and checks a checkpoint; the model is ready for sampling (eval mode). */
export function loadCheckpoint(dir: string): LoadedCheckpoint {
  const contents = readCheckedCheckpointFolder(dir);
  const folder = contents.dir;
  const meta = checkMeta(contents.meta, folder);
  const weights = decodeSafetensors(contents.model.bytes, `${MODEL_FILE} in ${folder}`).tensors;
  const optimizerState = decodeSafetensors(contents.optimizer.bytes, `${OPTIMIZER_FILE} in ${folder}`).tensors;
  let vocabulary: Vocabulary;
  try {
    vocabulary = Vocabulary.fromJSON(meta.vocabulary as VocabularyJSON);
  } catch (err) {
    throw new CheckpointError(`${META_FILE} in ${folder}: ${(err as Error).message}`);
  }
  if (vocabulary.size !== meta.model.vocabSize) {
    throw new CheckpointError(`${META_FILE} in ${folder}: the vocabulary has ${vocabulary.size} tokens but the model expects ${meta.model.vocabSize}`);
  }
  const model = new CharLM({ ...(meta.model as CharLMConfig), seed: 0 });
  try {
    model.loadStateDict(weights);
  } catch (err) {
    model.dispose();
    throw new CheckpointError(`${MODEL_FILE} in ${folder} does not fit the model in ${META_FILE}: ${(err as Error).message}`);
  }
  model.eval();
  return { dir: folder, meta, model, vocabulary, optimizerState };
}
