/**
 * Extension host <-> webview protocol, for the Training view and the Gate inspector.
 * The webview speaks first (`ready`); the reply carries the strings, settings and state
 * it needs, after which the host sends events. Messages are validated where they arrive
 * (`isToWebview` / `isFromWebview`): anything else is dropped and logged.
 * No `vscode` import here: both sides compile this file. What the engine defines (a figure,
 * an experiment's output, a verdict) is imported from it as a type, never retyped: `import type`
 * only, which esbuild drops, so no engine code reaches a webview bundle through this file.
 */
import type { LossBaselines } from '../engine/core/curve';
import type { Verdict } from '../engine/chapter/claims';
import type { SettingField } from '../engine/experiments/settingFields';
import type { ExperimentOutput, Figure } from '../engine/experiments/types';

/** A setting shown in the training form, with what the form needs to check it. */
export interface FieldSpec {
  key: string; // the setting id under seqlab.train., e.g. "hiddenSize"
  /** In the user's language. */
  label: string;
  kind: 'integer' | 'number' | 'enum';
  min?: number;
  /** The value must be above this (a learning rate above 0). */
  exclusiveMin?: number;
  max?: number;
  options?: string[];
}

export interface TrainingStatePayload {
  running: boolean;
  corpus: { origin: string; characters: number; vocabSize: number | null; reason: string | null } | null;
  /** Training loss, about one point a second: the mean over the steps since the previous point (nats/char). */
  train: Array<{ step: number; seconds: number; loss: number }>;
  /** Validation loss at each evaluation (nats/char). */
  val: Array<{ step: number; seconds: number; loss: number }>;
  /** The run's reference losses (nats/char): ln V and the unigram cross-entropy of its validation text; null for checkpoints that predate them. */
  baselines?: LossBaselines | null;
  /** The unit every loss is shown in (`seqlab.units`); the numbers above stay in nats. */
  units: 'nats' | 'bits';
  /** `passes`: characters trained on over the text's length (0.01 = 1% of one pass); `passSeconds`: what one pass takes at this speed. */
  last: { step: number; totalSteps: number; charsPerSecond: number; etaSeconds: number | null; bitsPerChar: number; workers: number; passes?: number; passSeconds?: number | null } | null;
  /** "PyTorch 2.4.0" while the PyTorch engine computes the run (its `workers` are then processes); null for the built-in engine. */
  engine?: string | null;
  sample: string | null;
  message: string | null;
  model: { name: string; cell: string; valLoss: number | null } | null;
  /**
   * How the last run ended, for the view's outcome card: the end reason in the user's
   * language, the best validation loss and its step, and the checkpoint kept (its folder name).
   */
  outcome: {
    /** `interrupted`: a run an earlier window trained, shown while the offer to resume it waits. */
    reason: 'completed' | 'time-budget' | 'plateau' | 'cancelled' | 'diverged' | 'failed' | 'interrupted';
    text: string; steps: number; bestValLoss: number | null; bestStep: number | null; checkpoint: string | null;
    /** The run's name when it can be resumed (stopped with its weights saved, or interrupted): the card offers Resume. */
    resumable?: string;
  } | null;
}

export interface ProbeMatrix { rows: number; cols: number; data: Float32Array }

export interface ProbePayload {
  /** The model's cell ('lstm', 'gru', 'rnn-tanh', ...): names the quantities and their equations. */
  cell: string;
  /** Every character of the text, one column each; `surprisal` has one entry fewer (nothing follows the last). */
  tokens: string[];
  /** Row-major (time x units) matrices, as Float32Arrays: VS Code passes typed arrays to a webview as binary. */
  layers: Array<{ layer: number; gates: Record<string, ProbeMatrix>; h: ProbeMatrix; c?: ProbeMatrix }>;
  surprisal: Array<{ actual: string; probability: number; bits: number; top: Array<{ token: string; probability: number }> }>;
  gradientNorms: number[][];
  warnings: string[];
}

//#region to webview
/** Reply to `ready`: localised strings, the form's fields and values, and the state to draw. */
export interface InitMessage { type: 'init'; strings: Record<string, string>; fields: FieldSpec[]; values: Record<string, unknown>; state: TrainingStatePayload; layout?: TrainingLayout }
/** The Training view in the side bar (form, outcome, chart), or its chart alone, large, in an editor tab. */
export type TrainingLayout = 'sidebar' | 'panel';
/** The training state changed (throttled by the engine to a few per second). */
export interface StateMessage { type: 'state'; state: TrainingStatePayload }
/** Settings changed outside the form. */
export interface ValuesMessage { type: 'values'; values: Record<string, unknown> }
/** A setting the form wrote was refused; `message` says why. */
export interface FieldErrorMessage { type: 'fieldError'; key: string; message: string }
/** A line under a field that the host learns later: under `engine`, the PyTorch found (or that none was). */
export interface FieldHintMessage { type: 'fieldHint'; key: string; hint: string }
/** Inspector: probe results for a text. */
export interface ProbeMessage { type: 'probe'; title: string; result: ProbePayload }
/** Experiments panel: a finished experiment (or one in progress: `running`). */
export interface ExperimentMessage {
  type: 'experiment';
  title: string;
  description: string;
  running: boolean;
  progress?: { fraction: number; message: string; secondsLeft?: number | null };
  /** What runs, on how many threads, about how long (before and while it runs). */
  /** `tookSeconds`: set once the experiment has ended, which the finished page says instead of the estimate. */
  plan?: { runs: number; threads: number; estimateSeconds: number | null; summary: string; tookSeconds?: number };
  /** While running: the output is the runs finished so far (`done` of `total`); after a cancel, what had finished. */
  partial?: { done: number; total: number; cancelled?: boolean };
  /** An experiment's output as the engine makes it (engine/experiments/types.ts), with its name and config; the result may be left out. */
  output?: Omit<ExperimentOutput<unknown>, 'result'> & {
    name: string; config: unknown; result?: unknown;
    /** Per row of `table` after its header: experiments a button in the row runs with these settings (the chapter's claims). */
    rowRuns?: Array<Array<{ name: string; config: Record<string, unknown>; label?: string; torchScript?: boolean }>>;
    /** The chapter's page: each row's verdict, which colours the cell in `column` (the words are the table's, in the user's language). */
    verdicts?: { column: number; rows: Verdict[] };
  };
}
/**
 * Experiments panel: the picked experiment's settings as a form (from its schema), filled
 * with `values`; Run sends them back (`runExperiment`). Sent when an experiment is picked.
 */
/** `torchScript`: the experiment has a PyTorch script ("Open as PyTorch Script" is offered). */
export interface ExperimentFormMessage { type: 'experimentForm'; name: string; title: string; description: string; fields: SettingField[]; values: Record<string, unknown>; torchScript?: boolean }
/**
 * Inspector: connectivity of the probed text (asked for with `wantConnectivity` when the
 * student picks it: it costs seconds). Row t is the prediction read at character t (of
 * character t+1); column k the character k back from t. `characters`: how many of the text's
 * characters it covers (the first ones, when the text is longer than the limit).
 */
export interface ConnectivityMessage { type: 'connectivity'; request: number; window: number; characters: number; matrix: ProbeMatrix | null; error?: string }
/** A figure, as the engine makes it (engine/experiments/types.ts says what each field means). */
export type ExperimentFigure = Figure;
export type ToWebview = InitMessage | StateMessage | ValuesMessage | FieldErrorMessage | FieldHintMessage | ProbeMessage | ExperimentMessage | ExperimentFormMessage | ConnectivityMessage;
//#endregion

//#region from webview
/** The webview has loaded and wants its strings and state. */
export interface ReadyMessage { type: 'ready' }
/** The user changed a field. */
export interface SetValueMessage { type: 'setValue'; key: string; value: unknown }
/** Start or Stop pressed, the "All settings…" link, or a next step offered after a run. */
export interface CommandMessage { type: 'command'; command: TrainingViewCommand }
export const TRAINING_VIEW_COMMANDS = ['start', 'stop', 'openSettings', 'generate', 'inspect', 'compare', 'openChart', 'resume', 'discard'] as const;
export type TrainingViewCommand = typeof TRAINING_VIEW_COMMANDS[number];
/** Inspector, after a window reload: the text it showed, to probe again. */
export interface RestoreMessage { type: 'restore'; text: string; title: string }
/** Experiments panel: save the result (json, csv) or a figure (png as a data URL, svg as text). */
export interface ExportMessage { type: 'export'; format: 'json' | 'csv' | 'png' | 'svg' | 'md'; figureId?: string; data?: string }
/** The run's settings were unfolded: the host now looks for what only the form shows (the PyTorch found, a few seconds of a Python's time). */
export interface FormOpenedMessage { type: 'formOpened' }
/** Experiments panel: Run pressed with these settings, "Copy as CLI command", or "Open as PyTorch Script" (the experiment as a Python file). */
export interface RunExperimentMessage { type: 'runExperiment' | 'copyExperimentCommand' | 'openTorchScript'; name: string; config: Record<string, unknown> }
/** Inspector: the student picked "what drove each character": compute connectivity for the text shown (`request` comes back with it). */
export interface WantConnectivityMessage { type: 'wantConnectivity'; request: number }
/**
 * Experiments panel, gradient-flow playground: the picture it shows now (sent when the slider
 * rests), so the host's exports, its copy for a reload and the restored panel are this one.
 */
export interface PlaygroundShownMessage { type: 'playgroundShown'; message: ExperimentMessage }
export type FromWebview = ReadyMessage | SetValueMessage | CommandMessage | RestoreMessage | ExportMessage | FormOpenedMessage | RunExperimentMessage | WantConnectivityMessage | PlaygroundShownMessage;
//#endregion

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

export function isFromWebview(v: unknown): v is FromWebview {
  if (!isObject(v)) return false;
  switch (v.type) {
    case 'ready':
    case 'formOpened':
      return true;
    case 'wantConnectivity':
      return Number.isInteger(v.request);
    case 'playgroundShown':
      return isObject(v.message) && v.message.type === 'experiment' && isObject(v.message.output);
    case 'setValue':
      return typeof v.key === 'string' && 'value' in v;
    case 'command':
      return (TRAINING_VIEW_COMMANDS as readonly unknown[]).includes(v.command);
    case 'restore':
      return typeof v.text === 'string' && typeof v.title === 'string';
    case 'export':
      return ['json', 'csv', 'png', 'svg', 'md'].includes(v.format as string) && (v.data === undefined || typeof v.data === 'string');
    case 'runExperiment':
    case 'copyExperimentCommand':
    case 'openTorchScript':
      return typeof v.name === 'string' && isObject(v.config) && !Array.isArray(v.config);
    default:
      return false;
  }
}

export function isToWebview(v: unknown): v is ToWebview {
  return isObject(v) && ['init', 'state', 'values', 'fieldError', 'fieldHint', 'probe', 'experiment', 'experimentForm', 'connectivity'].includes(v.type as string);
}

//#region experiments panel <-> its playground worker (webview/flowWorker.ts)
/**
 * The gradient-flow playground computes in a web worker of the Experiments panel itself, as
 * TensorFlow Playground computes in the page: a slider step costs the computation and the
 * drawing, not two trips through the extension host (measured: ~150 ms of round trip
 * alone in the test VS Code, against 25 ms of computing).
 */
export interface FlowWorkerRequest { seq: number; config: Record<string, unknown>; lang: 'en' | 'zh-cn' }
/** The figures for setting number `seq`, or why there are none. */
export interface FlowWorkerReply { seq: number; output?: NonNullable<ExperimentMessage['output']>; error?: string }
//#endregion
