/**
 * An experiment: a typed, seeded config with defaults, a function that runs it (in the
 * worker, from the palette, the panel or `seqlab experiment NAME`) and a typed result
 * with the figures to draw. Each says in two or three sentences what the chapter claims
 * and what its figure shows.
 */
import type { z } from 'zod';

export interface ExperimentContext {
  signal?: AbortSignal;
  /** Reports progress in [0, 1] with a short message; the runner throttles it. */
  progress(fraction: number, message: string): void;
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
  /** Drawn in order (later on top); `dash` and `points` keep overlapping series visible. */
  series: Array<{ name: string; y: Array<number | null>; dash?: boolean; points?: boolean }>;
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

export interface Experiment<S extends z.ZodType = z.ZodType, R = unknown> {
  name: string;
  title: string;
  /** What the chapter claims and what the figure shows (2-3 sentences). */
  description: string;
  schema: S;
  run(config: z.output<S>, ctx: ExperimentContext): Promise<ExperimentOutput<R>>;
}

export class ExperimentCancelled extends Error {
  override readonly name = 'ExperimentCancelled';
  constructor() {
    super('the experiment was cancelled');
  }
}

/** Throws when cancelled; yields to the event loop so a cancel message can arrive. */
export async function checkpoint(ctx: ExperimentContext): Promise<void> {
  await new Promise((r) => setImmediate(r));
  if (ctx.signal?.aborted) throw new ExperimentCancelled();
}
