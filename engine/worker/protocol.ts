/**
 * Host <-> engine worker protocol: every message between the extension host (or any
 * other host, such as the tests) and the worker thread that trains, samples and probes.
 *
 * Requests carry an `id`; the worker answers each with exactly one `reply` or `error`
 * naming it in `inReplyTo`, and may send `event`s for it before that (progress,
 * samples, checkpoints, tokens). Requests are validated on arrival (`parseRequest`): a
 * malformed one gets an error reply, never a crash. Large arrays (probe matrices) travel
 * as transferable Float32Arrays.
 */
import { z } from 'zod';
import { BACKEND_NAMES, type BackendName } from '../core/names';
import type { ChapterCheck, ChapterProgress } from '../chapter/check';
import type { CheckpointMeta } from '../checkpoint/format';
import type { ExperimentOutput, ExperimentPlan, Figure } from '../experiments/types';
import type { SettingField } from '../experiments/settingFields';
import { LANGS, type Lang } from '../core/lang';
import type { EngineMessage } from '../core/messages';
import type { ProbeResult } from '../model/probe';
import { CONNECTIVITY_MAX_WINDOW, type Drivers } from '../model/connectivityTypes';
import type { SampleSummary } from '../model/sample';
import { GenerationRequestSchema } from '../model/generationConfig';
import { TrainRequestSchema } from '../train/request';
import type { TrainSummary } from '../train/session';
import type { TrainEvent } from '../train/trainer';

export const RequestSchema = z.discriminatedUnion('type', [
  /** Start training; events follow until the `TrainSummary` reply. One training at a time. */
  TrainRequestSchema.extend({ type: z.literal('train'), id: z.number().int() }),
  /** Stop the request `target` (a train or sample) within one step; replies when it has stopped. */
  z.object({ type: z.literal('cancel'), id: z.number().int(), target: z.number().int() }),
  /** Make the checkpoint in `dir` the active model for sample and probe. */
  z.object({ type: z.literal('load'), id: z.number().int(), dir: z.string() }),
  /** Write the active model as a checkpoint into `dir`. */
  z.object({ type: z.literal('save'), id: z.number().int(), dir: z.string() }),
  /** Write a PyTorch project for the checkpoint `modelDir` into the new folder `outDir`. */
  z.object({ type: z.literal('exportTorch'), id: z.number().int(), modelDir: z.string(), outDir: z.string() }),
  /** Continue `prompt` with the active model; `token` events stream the text. */
  z.object({
    type: z.literal('sample'), id: z.number().int(), prompt: z.string(),
    /** The generation options (model/generationConfig.ts: their ranges and defaults, applied on arrival). */
    options: z.optional(GenerationRequestSchema),
  }),
  /** Probe the active model on `text`. */
  z.object({
    type: z.literal('probe'), id: z.number().int(), text: z.string(),
    options: z.object({ maxLength: z.number().int().positive().optional(), maxInfluenceLength: z.number().int().min(0).optional(), includeLast: z.boolean().optional(), gradientNorms: z.boolean().optional(), connectivityWindow: z.number().int().min(0).max(CONNECTIVITY_MAX_WINDOW).optional() }).strict().optional(),
  }),
  /** What drove the last character of `text` (connectivity over `window` characters back), in the text's own offsets. */
  z.object({ type: z.literal('whatDrove'), id: z.number().int(), text: z.string(), window: z.number().int().min(1).max(CONNECTIVITY_MAX_WINDOW).optional() }),
  /** Run an experiment by name with a config (defaults fill the rest); `experiment` events report progress. Cancel stops it. */
  /** `lang`: the language of everything it says (default English). */
  z.object({ type: z.literal('experiment'), id: z.number().int(), name: z.string(), config: z.record(z.string(), z.unknown()).optional(), lang: z.enum(LANGS).optional(), figuresIn: z.array(z.enum(LANGS)).max(LANGS.length).optional() }),
  /**
   * Check the chapter's claims (engine/chapter/check.ts): every experiment they need at once, a result
   * kept in `cacheDir` read instead of run; `chapter` events report progress. Cancel stops it (the
   * experiments finished by then stay kept).
   */
  z.object({ type: z.literal('chapter'), id: z.number().int(), quick: z.boolean(), lang: z.enum(LANGS), cacheDir: z.string().min(1) }),
  /** The experiments: names, titles, descriptions (in `lang`) and default configs. */
  z.object({ type: z.literal('listExperiments'), id: z.number().int(), lang: z.enum(LANGS).optional() }),
  /** Which backends this machine has, and which is in use. */
  z.object({ type: z.literal('listBackends'), id: z.number().int() }),
  /** Switch the backend (before or between jobs). */
  z.object({ type: z.literal('setBackend'), id: z.number().int(), name: z.enum(BACKEND_NAMES) }),
]);

export type Request = z.infer<typeof RequestSchema>;
export type RequestType = Request['type'];
export type RequestOf<T extends RequestType> = Extract<Request, { type: T }>;

/** What each request's reply carries. */
export interface ReplyMap {
  train: TrainSummary;
  cancel: { cancelled: boolean };
  load: ModelInfo;
  save: { dir: string };
  exportTorch: { dir: string; files: string[] };
  sample: SampleSummary;
  probe: ProbeResult;
  whatDrove: Drivers;
  /** `figuresIn`: the figures in each language the request asked for. */
  experiment: { name: string; config: unknown; output: ExperimentOutput<unknown>; figuresIn?: Partial<Record<Lang, Figure[]>> };
  chapter: ChapterCheck;
  /** `form`: the experiment's settings as the panel's form draws them (settingsForm.ts). */
  listExperiments: Array<{ name: string; title: string; description: string; defaults: unknown; form: SettingField[] }>;
  listBackends: { current: BackendName | null; reason: string | null; available: BackendName[] };
  setBackend: { name: BackendName; reason: string };
}

export interface ModelInfo {
  dir: string;
  meta: CheckpointMeta;
  parameters: number;
}

/** A token of a sample stream. */
export interface TokenEvent { kind: 'token'; text: string }
/** How far an experiment has got, and about how long it has left (null: unknown). */
export interface ExperimentProgressEvent { kind: 'experiment'; fraction: number; message: string; secondsLeft: number | null }
/** Before an experiment's first run: what it will run, on how many threads, about how long. */
export interface ExperimentPlanEvent { kind: 'experimentPlan'; plan: ExperimentPlan }
/** The figures and tables of the runs finished so far (`done` of `total`). */
export interface ExperimentPartialEvent { kind: 'experimentPartial'; output: ExperimentOutput<unknown>; done: number; total: number }
/** How far a chapter check has got. */
export interface ChapterProgressEvent extends ChapterProgress { kind: 'chapter' }
export type WorkerEvent = TrainEvent | TokenEvent | ExperimentProgressEvent | ExperimentPlanEvent | ExperimentPartialEvent | ChapterProgressEvent;

//#region from worker
/** The answer to request `inReplyTo`. */
export interface ReplyMessage<T extends RequestType = RequestType> { type: 'reply'; inReplyTo: number; request: T; result: ReplyMap[T] }
/** Request `inReplyTo` failed (or was malformed; -1 when it had no id): what went wrong, as `EngineFailure`. */
export interface ErrorMessage extends EngineFailure { type: 'error'; inReplyTo: number }
/** Something happened while request `requestId` runs. */
export interface EventMessage { type: 'event'; requestId: number; event: WorkerEvent }
/** A line for the log channel (warnings). */
export interface LogMessage { type: 'log'; level: 'info' | 'warn'; message: string }
/**
 * The worker chose (or changed) where it computes, before the job that needed it: the
 * engine (this worker is the built-in TensorFlow.js engine) and its backend, with why.
 */
export interface BackendMessage {
  type: 'backend'; engine: 'tensorflow.js'; name: BackendName; reason: string;
  /** SeqLab's own wasm kernels in use on the wasm backend, e.g. "relaxed-simd (the runtime has relaxed SIMD)"; absent on other backends. */
  kernels?: string;
}
/**
 * A process the worker started (the PyTorch engine) began or ended. A terminated worker thread
 * cannot end it (its pipes belong to this process, which lives on), so the host does.
 */
export interface ChildProcessMessage { type: 'childProcess'; pid: number; running: boolean }
export type FromWorker = ReplyMessage | ErrorMessage | EventMessage | LogMessage | BackendMessage | ChildProcessMessage;
//#endregion

/**
 * Why a request failed, for a host to branch on (never on the message's text):
 * `bad-request`: malformed; `busy`: one training at a time; `no-model`: load or train first;
 * `replica-failed`: a data-parallel replica of a training run failed, the run stopped and its
 * latest checkpoint can be resumed; `text-too-short`: the text does not hold two windows of
 * the sequence length (lower it, or give more text); `cancelled`: stopped on request
 * (experiments; a training run that is stopped replies with its summary instead);
 * `torch-failed`: the PyTorch engine could not start (no torch, no such device: `duringRun`
 * false, nothing was trained) or failed during the run (a crash, out of memory: its latest
 * checkpoint can be resumed); `too-large`: an experiment was refused before its first run, its
 * estimated peak memory above the bound (experiments/bounds.ts; the message names the settings
 * to lower); `failed`: the job itself failed.
 */
export type ErrorCode = 'bad-request' | 'busy' | 'no-model' | 'replica-failed' | 'text-too-short' | 'torch-failed' | 'too-large' | 'cancelled' | 'failed';

/** What each code says besides its message. */
export interface ErrorDetails {
  /** The text's length and the length training needs, in characters (or tokens). */
  'text-too-short': { length: number; needed: number };
  /** The PyTorch engine's own code (engine/torch/protocol.ts), and whether the run had started. */
  'torch-failed': { torchCode: string; duringRun: boolean };
  /** The estimated peak and the bound, in bytes, and the settings to lower (config keys, dotted). */
  'too-large': { peakBytes: number; boundBytes: number; settings: string[] };
}

/**
 * A failure as it crosses a boundary: a code to branch on, a message (English: logs, the command
 * line), details for the remedy, and `engineMessage`, the catalogue's code and parameters
 * (engine/core/messages.ts) when the text is in it: the host shows that in the display language.
 */
export interface EngineFailure { code: ErrorCode; message: string; details?: ErrorDetails[keyof ErrorDetails]; engineMessage?: EngineMessage }

export type ParsedRequest = { ok: true; request: Request } | { ok: false; id: number; message: string };

export function parseRequest(raw: unknown): ParsedRequest {
  const id = typeof (raw as { id?: unknown })?.id === 'number' ? (raw as { id: number }).id : -1;
  const result = RequestSchema.safeParse(raw);
  if (result.success) return { ok: true, request: result.data };
  const problems = result.error.issues.map((i) => `${i.path.join('.') || 'message'}: ${i.message}`);
  return { ok: false, id, message: `malformed request: ${problems.join('; ')}` };
}
