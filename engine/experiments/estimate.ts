/**
 * How long an experiment will take, said before it starts: the seconds its defaults took
 * when measured (`seqlab experiment NAME`, wasm, on a 2-core machine with 2 worker
 * threads), scaled by the plan's cost (each run's relative cost, summed) against the
 * defaults' and by the threads. A rough figure, stated as one: a machine whose wasm is
 * slower, or settings the cost model does not weigh, take longer; the panel corrects it
 * from the measured progress once the runs are under way.
 */
import type { Experiment, PlannedRun } from './types';
import { translator } from '../core/lang';
import measured from './measuredSeconds.json';

/**
 * Seconds for the defaults (lstm-vs-gru on the built-in corpus), each experiment alone through
 * the command line on a 2-core machine, wasm, 2 worker threads: written by
 * `node bench/experimentTimes.mjs --repeat 3 --write`, with the date and the machine.
 */
export const MEASURED_SECONDS: Readonly<Record<string, number>> = measured.seconds;
/**
 * In VS Code the same runs share the two cores with the editor, its extension host and the
 * webviews: measured there (npm run test:ui, from the plan to the headline). Before SeqLab's
 * own wasm kernels the defaults took 1.14-1.35 times their command-line time; with them the
 * runs are shorter and the editor's share is not. Two UI runs of 2026-12-03 measured 1.6-2.8
 * times; one of 2026-12-07 against the command line the same day, 1.76 (vanishing-gradients,
 * 37 s against 21) and 2.2 (normalization, 116 s against 52): 2, the middle.
 */
export const IN_EDITOR_FACTOR = 2;

/** The threads the measurements ran on. */
export const MEASURED_THREADS = 2;
/** Seconds a run costs whatever its size (a model built, a thread's first kernels compiled). */
const PER_RUN_SECONDS = 0.3;

const totalCost = (plan: ReadonlyArray<PlannedRun<unknown>>) => plan.reduce((a, r) => a + r.cost, 0);

/** Each experiment's default plan: its runs and their summed cost (planned once). */
const defaultPlans = new Map<string, { runs: number; cost: number }>();
function defaultPlan(e: Experiment): { runs: number; cost: number } {
  let known = defaultPlans.get(e.name);
  if (!known) {
    const plan = e.plan(e.schema.parse({}) as never, translator('en'));
    known = { runs: plan.length, cost: totalCost(plan) };
    defaultPlans.set(e.name, known);
  }
  return known;
}

/** Seconds `plan` (a plan of `e`) should take on `threads` threads, or null when the experiment was never measured. */
export function estimateSeconds(e: Experiment, plan: ReadonlyArray<PlannedRun<unknown>>, threads: number): number | null {
  const measured = MEASURED_SECONDS[e.name];
  if (measured === undefined) return null;
  const defaults = defaultPlan(e);
  const parallel = (n: number, t: number) => Math.min(n, Math.max(1, t));
  // Work scales with the cost; wall time with the threads the runs can use; each run has a fixed part.
  const fixed = (n: number, t: number) => (PER_RUN_SECONDS * n) / parallel(n, t);
  const work = Math.max(0, measured - fixed(defaults.runs, MEASURED_THREADS)) * parallel(defaults.runs, MEASURED_THREADS);
  return (work * (totalCost(plan) / (defaults.cost || 1))) / parallel(plan.length, threads) + fixed(plan.length, threads);
}

/**
 * Seconds left, from the plan's estimate and the pace so far, the pace trusted more as more
 * of the work is measured (at 2% done it has half the say, at 10% five sixths): the plan
 * alone counted down to zero on a busy machine and then jumped 4-10x (0:14 -> 2:35) when
 * 5% was reached. With nothing measured and the plan's time used up, it is unknown (null),
 * never a countdown that has run out. `fraction`: the work done, each run's steps counted.
 */
export function secondsLeft(fraction: number, elapsed: number, estimate: number | null): number | null {
  if (fraction >= 1) return 0;
  const paceTotal = fraction > 0 ? elapsed / fraction : Infinity;
  if (estimate === null) return fraction >= PACE_HALF_WEIGHT && elapsed >= 1 ? paceTotal - elapsed : null;
  if (fraction <= 0) return elapsed < estimate ? estimate - elapsed : null;
  const paceWeight = fraction / (fraction + PACE_HALF_WEIGHT);
  const total = paceWeight * paceTotal + (1 - paceWeight) * estimate;
  // Behind the plan (the blend still below the time spent): what is left follows the pace alone.
  return Math.max(0, total > elapsed ? total - elapsed : paceTotal - elapsed);
}

/** The share of the work done at which the pace so far and the plan's estimate weigh the same. */
const PACE_HALF_WEIGHT = 0.02;
