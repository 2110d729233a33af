/**
 * The engine's worker-thread entry (`dist/worker.js`): trains, samples and probes on
 * behalf of a host (see protocol.ts). It holds one active model; one training runs at a
 * time, while sampling and probing the active model stay available.
 */
import { parentPort } from 'node:worker_threads';
import { BACKEND_NAMES, currentBackend, initBackend, type BackendName } from '../core/backend';
import type { CharLM } from '../model/charlm';
import { readCheckpointMeta } from '../checkpoint/format';
import { loadCheckpoint, saveCheckpoint } from '../train/checkpointing';
import { EXPERIMENTS, runExperiment } from '../experiments';
import { checkChapter, type ChapterProgress } from '../chapter/check';
import { folderCache } from '../chapter/judge';
import { exportTorchProject } from '../export/torchProject';
import { ExperimentCancelled, throttledProgress } from '../experiments/types';
import { ExperimentTooLarge } from '../experiments/bounds';
import { TextTooShortError } from '../text/corpus';
import { inLang } from '../core/lang';
import { CataloguedError, message, messageOf, type EngineMessage } from '../core/messages';
import { settingsForm } from '../experiments/settingsForm';
import { probe } from '../model/probe';
import { whatDrove } from '../model/connectivity';
import { sample } from '../model/sample';
import type { NamedArray } from '../checkpoint/safetensors';
import type { Vocabulary } from '../text/vocabulary';
import { ReplicaError } from '../train/dataParallel';
import type { TrainConfig } from '../train/config';
import { trainFromRequest } from '../train/session';
import { TorchEngineError } from '../train/torchStepper';
import { parseRequest, type EngineFailure, type ErrorCode, type ErrorDetails, type FromWorker, type ModelInfo, type ReplyMap, type Request, type RequestOf, type RequestType, type WorkerEvent } from './protocol';

if (!parentPort) throw new Error('engine/worker/worker.ts runs as a worker thread (new Worker(...)), not as a script');
const port = parentPort;

class JobError extends CataloguedError {
  constructor(readonly code: Exclude<ErrorCode, keyof ErrorDetails>, m: EngineMessage) {
    super(m);
  }
}

/** The loaded model; its optimiser state is kept so that Export writes it unchanged. */
interface ActiveModel { model: CharLM; vocabulary: Vocabulary; info: ModelInfo; config: Partial<TrainConfig>; optimizerState: Record<string, NamedArray> }
let active: ActiveModel | undefined;
let training: { id: number; controller: AbortController } | undefined;
const sampling = new Map<number, AbortController>();
let preferredBackend: BackendName | undefined;
/** The latest load; sample, probe and save wait for it, so requests sent after a load see its model. */
let loading: Promise<unknown> = Promise.resolve();

function post(msg: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(msg, transfer);
}

function emit(requestId: number, event: WorkerEvent): void {
  post({ type: 'event', requestId, event });
}

async function ensureBackend(): Promise<void> {
  const before = currentBackend();
  const info = await initBackend(preferredBackend);
  if (before?.name !== info.name) post({ type: 'backend', engine: 'tensorflow.js', name: info.name, reason: info.reason, kernels: info.kernels });
}

function activate(dir: string): ModelInfo {
  const loaded = loadCheckpoint(dir);
  active?.model.dispose();
  const info: ModelInfo = { dir: loaded.dir, meta: loaded.meta, parameters: loaded.model.parameterCount() };
  active = { model: loaded.model, vocabulary: loaded.vocabulary, info, config: loaded.config, optimizerState: loaded.optimizerState };
  return info;
}

async function requireModel(): Promise<ActiveModel> {
  await loading.catch(() => undefined);
  if (!active) throw new JobError('no-model', message('no-model', {}));
  return active;
}

/** Transferable buffers inside a probe result. */
function probeBuffers(result: ReplyMap['probe']): ArrayBuffer[] {
  const arrays = [
    result.logits.data,
    ...result.layers.flatMap((l) => [...Object.values(l.gates), l.h, ...(l.c ? [l.c] : [])].map((m) => m.data)),
    ...result.gradientNorms,
    ...(result.influence ? [result.influence.data] : []),
    ...(result.connectivity ? [result.connectivity.data] : []),
  ];
  return [...new Set(arrays.map((a) => a.buffer as ArrayBuffer))];
}

/**
 * One heavy job at a time (training, an experiment, the chapter check), cancellable from the
 * moment it arrives: a Stop sent while the backend starts (about a second on a fresh worker)
 * ends it before its first step.
 */
async function heavyJob<T>(id: number, job: (signal: AbortSignal) => Promise<T>): Promise<T> {
  if (training) throw new JobError('busy', message('busy-training', { request: training.id }));
  const controller = new AbortController();
  training = { id, controller };
  try {
    await ensureBackend();
    return await job(controller.signal);
  } finally {
    training = undefined;
  }
}

const handlers: { [T in RequestType]: (r: RequestOf<T>) => Promise<ReplyMap[T]> } = {
  async train(r) {
    return heavyJob(r.id, async (signal) => {
      const { type: _type, id: _id, ...request } = r;
      const run = trainFromRequest(request, signal, {
        onLog: (line) => post({ type: 'log', level: 'info', message: `pytorch: ${line}` }),
        onProcess: (pid, running) => post({ type: 'childProcess', pid, running }),
      });
      for (;;) {
        const next = await run.next();
        if (next.done) {
          const kept = next.value.checkpoint ?? next.value.lastCheckpoint;
          if (kept) activate(kept);
          return next.value;
        }
        emit(r.id, next.value);
      }
    });
  },

  async cancel(r) {
    const controller = training?.id === r.target ? training.controller : sampling.get(r.target);
    controller?.abort();
    return { cancelled: controller !== undefined };
  },

  async load(r) {
    const job = (async () => {
      await ensureBackend();
      readCheckpointMeta(r.dir); // fails fast, with the checkpoint's own message, before the old model is dropped
      return activate(r.dir);
    })();
    loading = job;
    return job;
  },

  async save(r) {
    const { model, vocabulary, info, config, optimizerState } = await requireModel();
    const dir = saveCheckpoint(r.dir, {
      model, vocabulary, optimizer: { name: config.optimizer ?? 'adam', tensors: optimizerState }, config, state: info.meta.training.state,
      backend: currentBackend()?.name ?? 'unknown', corpus: info.meta.training.corpus,
    });
    return { dir };
  },

  async exportTorch(r) {
    return exportTorchProject(r.modelDir, r.outDir);
  },

  async sample(r) {
    const controller = new AbortController();
    sampling.set(r.id, controller); // cancellable while the model loads, too
    try {
      const { model, vocabulary } = await requireModel();
      await ensureBackend();
      const gen = sample(model, vocabulary, r.prompt, r.options ?? {}, controller.signal);
      for (;;) {
        const next = await gen.next();
        if (next.done) return next.value;
        emit(r.id, { kind: 'token', text: next.value });
      }
    } finally {
      sampling.delete(r.id);
    }
  },

  async probe(r) {
    const { model, vocabulary } = await requireModel();
    await ensureBackend();
    return probe(model, vocabulary, r.text, r.options ?? {});
  },

  async whatDrove(r) {
    const { model, vocabulary } = await requireModel();
    await ensureBackend();
    return whatDrove(model, vocabulary, r.text, r.window);
  },

  async experiment(r) {
    return heavyJob(r.id, (signal) => runExperiment(r.name, r.config ?? {}, {
      signal,
      progress: throttledProgress((fraction, message, secondsLeft) => emit(r.id, { kind: 'experiment', fraction, message, secondsLeft: secondsLeft ?? null })),
      lang: r.lang,
      figuresIn: r.figuresIn,
      host: 'editor', // the worker serves the extension (the CLI runs experiments in its own process)
      plan: (plan) => emit(r.id, { kind: 'experimentPlan', plan }),
      partial: (output, done, total) => emit(r.id, { kind: 'experimentPartial', output, done, total }),
    }));
  },

  async chapter(r) {
    const throttled = throttledProgress((p: ChapterProgress) => emit(r.id, { kind: 'chapter', ...p }));
    let done = 0;
    return heavyJob(r.id, (signal) => checkChapter({
      quick: r.quick, lang: r.lang, cache: folderCache(r.cacheDir), signal,
      // An experiment finishing is always told; the rest at most five times a second.
      progress: (p) => (p.done !== done ? (done = p.done, emit(r.id, { kind: 'chapter', ...p })) : throttled(p)),
    }));
  },

  async listExperiments(r) {
    const lang = r.lang ?? 'en';
    return EXPERIMENTS.map((e) => ({ name: e.name, title: inLang(e.title, lang), description: inLang(e.description, lang), defaults: e.schema.parse({}), form: settingsForm(e.schema, lang, e.hints) }));
  },

  async listBackends() {
    const current = currentBackend();
    const available: BackendName[] = [];
    for (const name of BACKEND_NAMES) {
      try {
        if (name === 'tensorflow') require.resolve('@tensorflow/tfjs-node');
        available.push(name);
      } catch {
        // not installed on this machine
      }
    }
    return { current: current?.name ?? null, reason: current?.reason ?? null, available };
  },

  async setBackend(r) {
    if (training) throw new JobError('busy', message('busy-backend', {}));
    preferredBackend = r.name;
    const info = await initBackend(r.name);
    return { name: info.name, reason: info.reason };
  },
};

/** The typed failure a host branches on, for an error a job threw. */
function failureOf(err: Error): EngineFailure {
  const engineMessage = messageOf(err);
  const failure = failureCodeOf(err);
  return engineMessage ? { ...failure, engineMessage } : failure;
}

function failureCodeOf(err: Error): EngineFailure {
  const { message } = err;
  if (err instanceof JobError) return { code: err.code, message };
  if (err instanceof TextTooShortError) return { code: 'text-too-short', message, details: err.details };
  if (err instanceof ReplicaError) return { code: 'replica-failed', message };
  if (err instanceof TorchEngineError) return { code: 'torch-failed', message, details: { torchCode: err.code, duringRun: err.duringRun } };
  if (err instanceof ExperimentCancelled) return { code: 'cancelled', message };
  if (err instanceof ExperimentTooLarge) return { code: 'too-large', message, details: err.details };
  return { code: 'failed', message };
}

async function handle(request: Request): Promise<void> {
  try {
    const handler = handlers[request.type] as (r: Request) => Promise<ReplyMap[RequestType]>;
    const result = await handler(request);
    post({ type: 'reply', inReplyTo: request.id, request: request.type, result } as FromWorker, request.type === 'probe' ? probeBuffers(result as ReplyMap['probe']) : []);
  } catch (err) {
    post({ type: 'error', inReplyTo: request.id, ...failureOf(err as Error) });
  }
}

port.on('message', (raw: unknown) => {
  const parsed = parseRequest(raw);
  if (!parsed.ok) {
    post({ type: 'error', inReplyTo: parsed.id, message: parsed.message, code: 'bad-request' });
    return;
  }
  void handle(parsed.request);
});
