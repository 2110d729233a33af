/**
 * Training as the worker and the command line run it: text from a source, a checked
 * config, an optional checkpoint to resume, checkpoints written to a folder.
 */
import { CataloguedError, message, messageOf } from '../core/messages';
import * as path from 'node:path';
import { currentBackend } from '../core/backend';
import { lockFolder, type FolderLock } from '../checkpoint/lock';
import { checkSaveTarget, readCheckpointMeta, recordRunCurves, removeCheckpoint } from '../checkpoint/format';
import { loadCheckpoint, saveCheckpoint } from './checkpointing';
import { DataParallelStepper, ReplicaError, workersFor } from './dataParallel';
import { loadCorpus } from '../text/corpus';
import { codePointCount } from '../text/codePoints';
import { parseTrainConfig, type TrainConfig } from './config';
import { TrainRequestSchema, type TrainRequest } from './request';
import { prepareData } from './data';
export type { TrainRequest } from './request';
import { createOptimizer, LocalStepper, stepRulesOf, type Stepper } from './stepper';
import { TorchEngineError, TorchStepper, uniformTorchTimeouts } from './torchStepper';
import { modelFor, trainModel, type TrainEvent, type TrainResult } from './trainer';

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
  /** Threads that computed the gradients (1 = the training thread itself), or the PyTorch engine's processes. */
  workers: number;
  /** What computed the steps. */
  engine: RunEngine;
}

/** What computed a run's steps: the engine, its device, its processes (or threads), in words for the log. */
export interface RunEngine {
  name: 'builtin' | 'pytorch';
  /** 'wasm', 'tensorflow', 'cpu' for the built-in engine; 'cpu', 'cuda', 'mps' for PyTorch. */
  device: string;
  processes: number;
  /** "PyTorch 2.4.0 on cuda (NVIDIA RTX 4060), 1 process · Python 3.12.1 (/usr/bin/python3)". */
  description: string;
}

/** The config keys that shape the model: a resumed run must keep them. */
const MODEL_KEYS = ['cell', 'layers', 'hidden', 'embed', 'normalization'] as const;

/** What a run tells besides its events: lines for a log (the PyTorch engine's warnings). */
export interface SessionHooks {
  onLog?: (line: string) => void;
  /** A process the run started (the PyTorch engine) began or ended. */
  onProcess?: (pid: number, running: boolean) => void;
}

export async function* trainFromRequest(request: TrainRequest, signal?: AbortSignal, hooks: SessionHooks = {}): AsyncGenerator<TrainEvent, TrainSummary> {
  // The worker checks its messages against this schema; the command line builds its request itself: one check for both.
  const checked = TrainRequestSchema.safeParse(request);
  if (!checked.success) throw new Error(`the training request is not valid: ${checked.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; ')}`);
  // Before any work: a folder that a save would refuse to replace is refused now, not minutes later.
  if (request.outDir) checkSaveTarget(request.outDir);
  if (request.lastDir && request.lastDir !== request.resumeFrom) checkSaveTarget(request.lastDir);
  // One run per folder: a second run on the same folders (another process, another window) is refused, naming the first.
  const locks: FolderLock[] = [];
  try {
    for (const dir of new Set([request.outDir, request.lastDir].filter((d): d is string => !!d).map((d) => path.resolve(d)))) locks.push(lockFolder(dir, 'training'));
    return yield* trainLocked(request, signal, hooks);
  } catch (err) {
    // A trap in the wasm backend (a thread's heap is at most 4 GiB): what to change, not only "memory access out of bounds".
    if (err instanceof WebAssembly.RuntimeError) {
      const c = parseTrainConfig(request.config);
      throw new CataloguedError(message('wasm-memory', { reason: err.message, hidden: c.hidden, layers: c.layers, batch: c.batch, seqLen: c.seqLen }));
    }
    throw err;
  } finally {
    for (const lock of locks.reverse()) lock.release();
  }
}

async function* trainLocked(request: TrainRequest, signal: AbortSignal | undefined, hooks: SessionHooks): AsyncGenerator<TrainEvent, TrainSummary> {
  const resumed = request.resumeFrom ? loadCheckpoint(request.resumeFrom) : undefined;
  const config = parseTrainConfig({ ...(resumed?.config ?? {}), ...request.config });
  if (resumed) {
    const saved = resumed.config;
    const changed = MODEL_KEYS.filter((k) => saved[k] !== undefined && saved[k] !== config[k]);
    if (changed.length) {
      resumed.model.dispose();
      throw new CataloguedError(message('resume-shape-changed', { dir: request.resumeFrom ?? '', changes: changed.map((k) => `${k}: ${saved[k]} -> ${config[k]}`).join(', ') }));
    }
  }
  // The text is needed only until it is token ids: nothing below keeps it (a 24M-character text is 48 MB as a string, 48 MB as ids).
  const { origin, characters: corpusCharacters, data } = await (async () => {
    const corpus = await loadCorpus(request.source, { minLength: 2 * (config.seqLen + 1), maxCharacters: request.maxCharacters });
    return { origin: corpus.origin, characters: codePointCount(corpus.text), data: prepareData(corpus.text, config, resumed?.vocabulary) };
  })();
  const model = resumed?.model ?? modelFor(config, data.vocabulary.size);
  model.train();
  const rules = stepRulesOf(config);
  const optimizer = createOptimizer(model, rules.optimizer);
  let stepper: Stepper;
  // A PyTorch run stopped before its engine started ends through a built-in stepper that takes no step: said so, not "the built-in engine".
  let stoppedBeforeEngine = false;
  try {
    if (resumed) optimizer.loadState(resumed.optimizerState, resumed.meta.training.state.optimizerStep);
    if (request.engine === 'pytorch' && !signal?.aborted) {
      if (!request.torch) throw new TorchEngineError('bad-request', message('torch-no-python', {}));
      try {
        stepper = await TorchStepper.create(model, optimizer, rules, config.seed, {
          python: { command: request.torch.python, args: request.torch.pythonArgs ?? [], source: 'request' },
          device: request.torch.device ?? 'auto', processes: request.torch.processes ?? 1, precision: request.torch.precision ?? 'fp32', onLog: hooks.onLog, onProcess: hooks.onProcess,
          signal, timeouts: request.torch.timeoutSeconds === undefined ? undefined : uniformTorchTimeouts(request.torch.timeoutSeconds),
        });
      } catch (err) {
        if (!(err instanceof TorchEngineError && err.code === 'cancelled')) throw err;
        // Stopped while the engine was starting: the loop below ends at once, as for any Stop before the first step.
        stepper = new LocalStepper(model, optimizer, rules.clip);
        stoppedBeforeEngine = true;
      }
    } else if (request.engine === 'pytorch') {
      // Stopped before it began: no Python is started for a run that ends before its first step.
      stepper = new LocalStepper(model, optimizer, rules.clip);
      stoppedBeforeEngine = true;
    } else {
      // Replicas take a second to start: not for a run that was stopped before it began.
      const workers = signal?.aborted ? 1 : workersFor(request.workers ?? 1, config.batch);
      stepper = workers > 1
        ? await DataParallelStepper.create(model, optimizer, rules, { workers, backend: currentBackend()?.name })
        : new LocalStepper(model, optimizer, rules.clip);
    }
  } catch (err) {
    optimizer.dispose();
    model.dispose();
    throw err;
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
  const engine: RunEngine = stoppedBeforeEngine
    ? { name: 'pytorch', device: request.torch?.device ?? 'auto', processes: request.torch?.processes ?? 1, description: 'the PyTorch engine, stopped before it started' }
    : engineOf(stepper);
  // seqlab.json's `backend` says what computed the weights: "wasm", or "pytorch 2.4.0 cuda" (Compare Runs shows it).
  const backend = stepper instanceof TorchStepper ? `pytorch ${stepper.runtime.torch} ${engine.device}` : currentBackend()?.name ?? 'unknown';
  const saveTo = (dir: string, state: Parameters<typeof saveCheckpoint>[1]['state']) => saveCheckpoint(dir, {
    model, optimizer, vocabulary: data.vocabulary, config, state, backend, corpus: origin, baselines: data.baselines,
  });
  try {
    const result = yield* trainModel(model, stepper, data, config, {
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
        // The best checkpoint of a run that went on after its best step keeps the whole run's curves beside its own.
        if (which === 'last' && keep === 'best' && checkpoint && checkpoint !== lastCheckpoint && state.bestStep !== null && state.step > state.bestStep) recordRunCurves(checkpoint, state);
      } : undefined,
    }, signal);
    return {
      ...result, checkpoint, lastCheckpoint, vocabSize: data.vocabulary.size, vocabularyReason: data.vocabularyReason, corpus: origin,
      corpusCharacters, config, workers: stepper.workers, engine,
    };
  } catch (err) {
    if (!(err instanceof ReplicaError) && !(err instanceof TorchEngineError)) throw err;
    // The replicas (or the PyTorch process) may hold other weights than this thread now: stop, and say what is kept to resume from.
    const kept = lastCheckpoint ?? checkpoint;
    const cause = messageOf(err);
    const stopped = message('run-failed', { said: err.message, kept: kept ?? null, ...(cause ? { cause: [cause] } : {}) });
    if (!(err instanceof TorchEngineError)) throw new ReplicaError(stopped);
    const during = new TorchEngineError(err.code, stopped);
    during.duringRun = true;
    throw during;
  } finally {
    await stepper.dispose();
    model.dispose();
  }
}

function engineOf(stepper: Stepper): RunEngine {
  if (stepper instanceof TorchStepper) {
    const r = stepper.runtime;
    const where = r.device === 'cpu' ? `cpu, ${r.threads} thread${r.threads === 1 ? '' : 's'}` : `${r.device} (${r.deviceName})`;
    return {
      name: 'pytorch', device: r.device, processes: r.processes,
      description: `PyTorch ${r.torch} on ${where}, ${r.processes} process${r.processes === 1 ? '' : 'es'}${r.precision === 'fp32' ? '' : `, mixed precision ${r.precision}`} · Python ${r.pythonVersion} (${r.python})`,
    };
  }
  const backend = currentBackend();
  return {
    name: 'builtin', device: backend?.name ?? 'unknown', processes: stepper.workers,
    description: `the built-in engine (TensorFlow.js ${backend?.name ?? ''}), ${stepper.workers === 1 ? 'one thread' : `${stepper.workers} data-parallel threads`}`,
  };
}
