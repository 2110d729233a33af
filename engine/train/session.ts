/**
 * Training as the worker and the command line run it: text from a source, a checked
 * config, an optional checkpoint to resume, checkpoints written to a folder.
 */
import { currentBackend } from '../backend';
import { checkSaveTarget, loadCheckpoint, readCheckpointMeta, removeCheckpoint, saveCheckpoint } from '../checkpoint/checkpoint';
import { loadCorpus, type CorpusSource } from '../text/corpus';
import { parseTrainConfig, type TrainConfig, type TrainConfigInput } from './config';
import { configureOptimizer, modelFor, prepareData, trainModel, type TrainEvent, type TrainResult } from './trainer';

export interface TrainRequest {
  source: CorpusSource;
  config?: TrainConfigInput;
  /** Folder for the checkpoint; none = train without saving. */
  outDir?: string;
  /** 'best' (default) keeps the best validation loss; 'last' the final weights. */
  keep?: 'best' | 'last';
  /** A checkpoint folder to continue from: its model, vocabulary, optimiser and step. */
  resumeFrom?: string;
  /**
   * With keep 'best': a folder for the latest weights, written every `checkpointEvery` steps
   * (so a crash loses at most that much) and when the run is stopped; removed when the run
   * ends normally, since the best checkpoint is what is kept then.
   */
  lastDir?: string;
  maxCharacters?: number;
}

export interface TrainSummary extends TrainResult {
  /** The kept checkpoint (the best, or the last with keep 'last'). */
  checkpoint: string | null;
  /** The weights as they were when the run stopped (`lastDir`, or `outDir` when nothing else was saved). */
  lastCheckpoint: string | null;
  vocabSize: number;
  vocabularyReason: string;
  corpus: string;
  corpusCharacters: number;
  config: TrainConfig;
}

/** The config keys that shape the model: a resumed run must keep them. */
const MODEL_KEYS = ['cell', 'layers', 'hidden', 'embed', 'normalization'] as const;

export async function* trainFromRequest(request: TrainRequest, signal?: AbortSignal): AsyncGenerator<TrainEvent, TrainSummary> {
  // Before any work: a folder that a save would refuse to replace is refused now, not minutes later.
  if (request.outDir) checkSaveTarget(request.outDir);
  if (request.lastDir && request.lastDir !== request.resumeFrom) checkSaveTarget(request.lastDir);
  const resumed = request.resumeFrom ? loadCheckpoint(request.resumeFrom) : undefined;
  const config = parseTrainConfig({ ...(resumed?.meta.training.config ?? {}), ...request.config });
  if (resumed) {
    const saved = resumed.meta.training.config as Partial<TrainConfig>;
    const changed = MODEL_KEYS.filter((k) => saved[k] !== undefined && saved[k] !== config[k]);
    if (changed.length) {
      resumed.model.dispose();
      throw new Error(`cannot resume ${request.resumeFrom} with a different model shape (${changed.map((k) => `${k}: ${saved[k]} -> ${config[k]}`).join(', ')}); start a new model instead`);
    }
  }
  const corpus = await loadCorpus(request.source, { minLength: 2 * (config.seqLen + 1), maxCharacters: request.maxCharacters });
  const data = prepareData(corpus.text, config, resumed?.vocabulary);
  const model = resumed?.model ?? modelFor(config, data.vocabulary.size);
  if (resumed) {
    model.train();
    configureOptimizer(model, config);
    model.getOptimizer().loadState(resumed.optimizerState, resumed.meta.training.state.optimizerStep);
  }
  const keep = request.keep ?? 'best';
  let checkpoint: string | null = null;
  let lastCheckpoint: string | null = null;
  let resumeState = resumed?.meta.training.state;
  if (resumeState && request.outDir && request.outDir !== request.resumeFrom && keep === 'best') {
    // Resuming from the latest weights (<run>-last) of a run whose best is kept in outDir: that
    // best may be newer than the latest weights know (evaluated after them, before the crash);
    // it stays the one to beat, and the run's checkpoint.
    try {
      const kept = readCheckpointMeta(request.outDir).training.state;
      checkpoint = request.outDir;
      if (kept.bestValLoss !== null && (resumeState.bestValLoss === null || kept.bestValLoss < resumeState.bestValLoss)) {
        resumeState = { ...resumeState, bestValLoss: kept.bestValLoss, bestStep: kept.bestStep };
      }
    } catch {
      // no best kept yet
    }
  }
  const saveTo = (dir: string, state: Parameters<typeof saveCheckpoint>[1]['state']) => saveCheckpoint(dir, {
    model, vocabulary: data.vocabulary, config, state, backend: currentBackend()?.name ?? 'unknown', corpus: corpus.origin,
  });
  try {
    const result = yield* trainModel(model, data, config, {
      resume: resumeState,
      saveCheckpoint: request.outDir ? (which, state, reason) => {
        if (which === 'periodic') {
          if (request.lastDir) lastCheckpoint = saveTo(request.lastDir, state);
        } else if (which === keep) {
          checkpoint = saveTo(request.outDir!, state);
        } else if (which === 'last' && (reason === 'cancelled' || checkpoint === null)) {
          // Stopped, or ended before any evaluation: keep the weights as they are, beside the best.
          if (request.lastDir) lastCheckpoint = saveTo(request.lastDir, state);
          else checkpoint = lastCheckpoint = saveTo(request.outDir!, state);
        } else if (which === 'last' && request.lastDir) {
          // A normal end: the best is kept; the latest weights were only there for a crash.
          removeCheckpoint(request.lastDir);
          lastCheckpoint = null;
        }
      } : undefined,
    }, signal);
    return {
      ...result, checkpoint, lastCheckpoint, vocabSize: data.vocabulary.size, vocabularyReason: data.vocabularyReason, corpus: corpus.origin,
      corpusCharacters: [...corpus.text].length, config,
    };
  } finally {
    model.dispose();
  }
}
