/**
 * An experiment: a typed, seeded config with defaults, the independent runs it is made of
 * (cells x seeds x lengths), a function that does one run, and a summary of all runs into
 * a typed result with the figures to draw. The runs go to a pool of worker threads, one
 * per core (`pool.ts`), from the palette, the panel or `seqlab experiment NAME`. Each
 * experiment says in two or three sentences what the chapter claims and what its figure
 * shows.
 */
import type { z } from 'zod';

/** What one run (or a whole experiment) is given: cancel, and a place to say how far it got. */
export interface RunContext {
  signal?: AbortSignal;
  /** Reports progress in [0, 1] with a short message; the runner throttles it. */
  progress(fraction: number, message: string): void;
}

export interface ExperimentContext extends RunContext {
  /** Worker threads for the runs: undefined = one per core (at most one per run); 1 = all in this thread. */
  workers?: number;
}

/** One independent run of an experiment: plain JSON, so it can be done on any thread, in any order. */
export interface PlannedRun<J> {
  /** "lstm, length 100, seed 2": for progress messages and errors. */
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
   * `band` is the min-max range over seeds around a series that is their mean.
   */
  series: Array<{ name: string; y: Array<number | null>; dash?: boolean; points?: boolean; band?: { lower: Array<number | null>; upper: Array<number | null> } }>;
  /** Horizontal reference lines (e.g. the adding problem's 0.167 baseline). */
  references?: Array<{ name: string; y: number }>;
  marks?: Array<{ series: string; x: number; y: number; label: string }>;
  /** A drawing instead of a chart: the stacked LSTMCell loop (what goes up a layer, what goes along). */
  diagram?: { kind: 'lstm-stack'; layers: number; steps: number };
}

/** A table of headline numbers: first row is the header. */
export type Table = Array<Array<string | number>>;

export interface ExperimentOutput<R> {
  result: R;
  figures: Figure[];
  table: Table;
  /** One sentence with the measured outcome, for the CLI and the panel. */
  headline: string;
}

export interface Experiment<S extends z.ZodType = z.ZodType, R = unknown, J = unknown, O = unknown> {
  name: string;
  title: string;
  /** What the chapter claims, what the figure shows, and the measurement behind the defaults. */
  description: string;
  schema: S;
  /** The independent runs, deterministic in the config (a worker re-plans and takes run i). */
  plan(config: z.output<S>): Array<PlannedRun<J>>;
  /** Does one run; its outcome is plain JSON (it crosses a thread boundary). */
  runOne(config: z.output<S>, job: J, ctx: RunContext): Promise<O>;
  /** All runs' outcomes, in plan order, into the result, figures, table and headline. */
  summarize(config: z.output<S>, outcomes: O[]): ExperimentOutput<R>;
}

export class ExperimentCancelled extends Error {
  override readonly name = 'ExperimentCancelled';
  constructor() {
    super('the experiment was cancelled');
  }
}

/** A progress callback that passes on at most one report every `ms` (a few a second is enough to watch; more is message traffic). */
export function throttledProgress(report: RunContext['progress'], ms = 200): RunContext['progress'] {
  let last = 0;
  return (fraction, message) => {
    const now = Date.now();
    if (now - last < ms) return;
    last = now;
    report(fraction, message);
  };
}

/** Throws when cancelled; yields to the event loop so a cancel message can arrive. */
export async function checkpoint(ctx: RunContext): Promise<void> {
  await new Promise((r) => setImmediate(r));
  if (ctx.signal?.aborted) throw new ExperimentCancelled();
}
