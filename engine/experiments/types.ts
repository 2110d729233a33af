/**
 * An experiment: a typed, seeded config with defaults, the independent runs it is made of
 * (cells x seeds x lengths), a function that does one run, and a summary of all runs into
 * a typed result with the figures to draw. The runs go to a pool of worker threads, one
 * per core (`pool.ts`), from the palette, the panel or `seqlab experiment NAME`. Each
 * experiment says in two or three sentences what the chapter claims and what its figure
 * shows.
 */
import type { z } from 'zod';
import type { Bilingual, Lang, Tr } from '../core/lang';
import type { RunRequest } from './poolProtocol';
import type { RunShape } from './bounds';

/** What one run (or a whole experiment) is given: cancel, and a place to say how far it got. */
export interface RunContext {
  signal?: AbortSignal;
  /** Reports progress in [0, 1] with a short message; the runner throttles it. */
  progress(fraction: number, message: string): void;
  /** The student's language, for progress messages. */
  tr: Tr;
}

/**
 * Threads that do planned runs of any experiment, longest expected first (pool.ts's RunPool),
 * shared by experiments running at the same time (the chapter check's).
 */
export interface SharedRunPool {
  readonly threads: number;
  /** Does run `request.index` of `request.experiment`; rejects with ExperimentCancelled when `signal` aborts first. `priority`: larger first. */
  run(request: Omit<RunRequest, 'type' | 'backend'>, priority: number, progress: (fraction: number, message: string) => void, signal?: AbortSignal): Promise<unknown>;
}

export interface ExperimentContext extends Omit<RunContext, 'tr' | 'progress'> {
  /** Progress in [0, 1], a message, and the seconds left (from the estimate, then the pace so far; null when unknown). */
  progress(fraction: number, message: string, secondsLeft?: number | null): void;
  /** Worker threads for the runs: undefined = one per core (at most one per run); 1 = all in this thread. */
  workers?: number;
  /** Threads shared with other experiments running at the same time (the chapter check's); `workers` is then not read. */
  pool?: SharedRunPool;
  /** The language of everything the experiment says (default English). */
  lang?: Lang;
  /** Where it runs, for the time estimate: in the editor the runs share the cores with it (estimate.ts). */
  host?: 'cli' | 'editor';
  /** Before the first run: what will run, on how many threads, and about how long. */
  plan?(plan: ExperimentPlan): void;
  /** After each run but the last: the figures and tables of the runs finished so far. */
  partial?(output: ExperimentOutput<unknown>, done: number, total: number): void;
  /** The most the experiment may take, in bytes (default: bounds.ts's memoryBound of this machine); above it, it is refused before its first run. */
  memoryBound?: number;
  /** Also the figures in these languages (the chapter keeps a run's figures in every language, so a switch of language needs no run). */
  figuresIn?: readonly Lang[];
}

/** What an experiment is about to do, for the panel to say before it starts. */
export interface ExperimentPlan {
  runs: number;
  threads: number;
  /** About this many seconds on this machine (see estimate.ts); null when never measured. */
  estimateSeconds: number | null;
  /** "3 seeds x 6 cells" in the run's language: what the runs are. */
  summary: string;
  /** About this many bytes at the peak: the process, its threads and the largest runs they hold at once (bounds.ts). */
  memoryBytes: number;
  /** The most an experiment may take here (bounds.ts's memoryBound): above it, it is refused before its first run. */
  memoryBoundBytes: number;
}

/** One independent run of an experiment: plain JSON, so it can be done on any thread, in any order. */
export interface PlannedRun<J> {
  /** "lstm, length 100, seed 2": for progress messages and errors, in the plan's language. */
  label: string;
  /** Relative cost (e.g. steps x length x cell weight), to start the longest runs first. */
  cost: number;
  job: J;
}

/**
 * A line chart, chosen for its claim: x values and named series (null = no point).
 * `logY` plots powers of ten (gradient norms, losses that explode); figures with the same
 * `shareY` are drawn on one y range so their panels compare; `marks` label events on a
 * series (a divergence, an underflow to 0, a crossing); `caption` says what to look at.
 */
export interface Figure {
  id: string;
  title: string;
  /** One sentence: what a student should look at. */
  caption: string;
  xLabel: string;
  yLabel: string;
  logY?: boolean;
  shareY?: string;
  x: number[];
  /**
   * Drawn in order (later on top); `dash` and `points` keep overlapping series visible.
   * `band` is the min-max range over seeds around a series that is their mean. `faint` (the
   * playground's previous setting): a thin grey line under the others, outside the palette.
   */
  series: Array<{ name: string; y: Array<number | null>; dash?: boolean; points?: boolean; faint?: boolean; band?: { lower: Array<number | null>; upper: Array<number | null> } }>;
  /** Horizontal reference lines (e.g. the adding problem's 0.167 baseline). */
  references?: Array<{ name: string; y: number }>;
  marks?: Array<{ series: string; x: number; y: number; label: string }>;
  /** A drawing instead of a chart: the stacked LSTMCell loop (what goes up a layer, what goes along). */
  diagram?: { kind: 'lstm-stack'; layers: number; steps: number; legend: string };
  /** A picture instead of lines: `values` row-major, a row per `y` (units), a column per `x` (time steps), on a colour scale (`log`: of log10). */
  heatmap?: { y: number[]; values: number[]; log?: boolean; valueLabel: string };
}

/**
 * A table of headline numbers: first row is the header, which says what each number is
 * (mean or geometric mean over seeds; at initialisation or after training). Numbers are
 * shown with 3 significant digits (`sig3`, as the headline writes them).
 */
export type Table = Array<Array<string | number>>;

export interface ExperimentOutput<R> {
  result: R;
  figures: Figure[];
  table: Table;
  /** What the table is, when the panel should say it above the table. */
  tableTitle?: string;
  /** Further tables with their titles (cell-walkthrough: the hand-stepped loop, then the shape explorer). */
  tables?: Array<{ title: string; table: Table }>;
  /** One sentence with the measured outcome, for the CLI and the panel; its numbers are the table's. */
  headline: string;
}

export interface Experiment<S extends z.ZodType = z.ZodType, R = unknown, J = unknown, O = unknown> {
  name: string;
  title: Bilingual;
  /** Hints for the settings form where this experiment means more than the shared ones (settingsForm.ts's SETTING_HINTS). */
  hints?: Record<string, Bilingual>;
  /** What the chapter claims, what the figure shows, and the measurement behind the defaults. */
  description: Bilingual;
  schema: S;
  /** The independent runs, deterministic in the config (a worker re-plans and takes run i); labels in `tr`'s language. */
  plan(config: z.output<S>, tr: Tr): Array<PlannedRun<J>>;
  /** What run `job` holds in memory: bounds.ts estimates its bytes, for the plan and its bound. */
  footprint(config: z.output<S>, job: J): RunShape;
  /** The settings that size a run's memory, most effective first: what a refusal asks to lower. */
  memorySettings: readonly string[];
  /** Does one run; its outcome is plain JSON (it crosses a thread boundary). */
  runOne(config: z.output<S>, job: J, ctx: RunContext): Promise<O>;
  /** All runs' outcomes, in plan order, into the result, figures, table and headline, in `tr`'s language. */
  summarize(config: z.output<S>, outcomes: O[], tr: Tr): ExperimentOutput<R>;
}

export class ExperimentCancelled extends Error {
  override readonly name = 'ExperimentCancelled';
  constructor() {
    super('the experiment was cancelled');
  }
}

/** A progress callback that passes on at most one report every `ms` (a few a second is enough to watch; more is message traffic). */
export function throttledProgress<A extends unknown[]>(report: (...args: A) => void, ms = 200): (...args: A) => void {
  let last = 0;
  return (...args) => {
    const now = Date.now();
    if (now - last < ms) return;
    last = now;
    report(...args);
  };
}

/** setImmediate where there is one (Node: the next turn, without setTimeout's 1 ms); else setTimeout (the playground's web worker bundles this file). */
const yieldNow: (resume: () => void) => void = (globalThis as { setImmediate?: (f: () => void) => void }).setImmediate ?? ((f) => setTimeout(f, 0));

/** A point where an experiment may stop: yields to the event loop (so a cancel message can arrive), then throws if it was cancelled. */
export async function cancellationPoint(ctx: RunContext): Promise<void> {
  await new Promise<void>((r) => yieldNow(r));
  if (ctx.signal?.aborted) throw new ExperimentCancelled();
}
