/** Seeds as an axis: which seeds a run uses, and a claim's mean and range over them (bands, table cells). */
import { round, sig3 } from './format';

/** The seeds of a K-seed experiment: `first`, `first + 1`, ... (each seeds weights and data). */
export function seedsFrom(first: number, count: number): number[] {
  return Array.from({ length: count }, (_, k) => first + k);
}

/**
 * A mean curve over seeds with the min-max range as a band, point by point; seeds with
 * no finite value at a point (a run that diverged or ended) are left out there, and a
 * point no seed reached is null. `geometric` averages logarithms: the mean for a log axis
 * (gradient norms spanning decades), where an arithmetic mean would be the largest seed's.
 */
export function seedBand(curves: Array<ArrayLike<number | null>>, geometric = false): { y: Array<number | null>; band: { lower: Array<number | null>; upper: Array<number | null> } } {
  const length = Math.max(0, ...curves.map((c) => c.length));
  const y: Array<number | null> = [];
  const lower: Array<number | null> = [];
  const upper: Array<number | null> = [];
  for (let i = 0; i < length; i++) {
    const values = curves.map((c) => c[i]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v) && (!geometric || v > 0));
    if (!values.length) {
      y.push(null);
      lower.push(null);
      upper.push(null);
      continue;
    }
    const mean = geometric ? Math.exp(values.reduce((a, v) => a + Math.log(v), 0) / values.length) : values.reduce((a, v) => a + v, 0) / values.length;
    y.push(round(mean, 5));
    lower.push(round(Math.min(...values), 5));
    upper.push(round(Math.max(...values), 5));
  }
  return { y, band: { lower, upper } };
}

/** The mean of finite values (NaN when none), for tables over seeds. */
export function meanOf(values: number[]): number {
  const finite = values.filter(Number.isFinite);
  return finite.length ? finite.reduce((a, v) => a + v, 0) / finite.length : NaN;
}

/**
 * "lowest–highest" of values as written by `show`, or the one value when both ends read the
 * same ("at step 80", "2.56 times": one seed, or seeds that agree to the digits shown, never
 * "80–80"). Empty for no values. What every range in a sentence or a cell goes through.
 */
export function spanText(values: number[], show: (v: number) => string = sig3): string {
  if (!values.length) return '';
  const [lo, hi] = [show(Math.min(...values)), show(Math.max(...values))];
  return lo === hi ? lo : `${lo}–${hi}`;
}

/** "centre (lowest–highest)" of the values kept, or the one value when they agree to the digits shown. */
function withRange(kept: number[], centre: (values: number[]) => number): string {
  const span = spanText(kept);
  return span.includes('–') ? `${sig3(centre(kept))} (${span})` : span;
}

/** "0.123 (0.101–0.150)": a mean over seeds with its range, for tables. */
export function meanRange(values: number[]): string {
  const finite = values.filter(Number.isFinite);
  return finite.length ? withRange(finite, meanOf) : '–';
}

/** The mean of a `meanRange` text ("0.123 (0.101–0.150)" -> "0.123"): what a headline quotes of a table's cell. */
export const meanPart = (text: string) => text.replace(/ \(.*\)$/, '');

/** The geometric mean of positive values (NaN when none): the mean for numbers spanning decades. */
export function geometricMean(values: number[]): number {
  const positive = values.filter((v) => Number.isFinite(v) && v > 0);
  return positive.length ? Math.exp(positive.reduce((a, v) => a + Math.log(v), 0) / positive.length) : NaN;
}

/** "1.59e-9 (1.2e-9–2.1e-9)": a geometric mean over seeds with its range, for tables of gradient norms. */
export function geometricMeanRange(values: number[]): string {
  const positive = values.filter((v) => Number.isFinite(v) && v > 0);
  if (!positive.length) return values.some((v) => v === 0) ? '0' : '–';
  return withRange(positive, geometricMean);
}

/** The `seeds` config key every experiment that trains or measures at initialisation has. */
export const SEEDS_DEFAULT = 3;

/** How far a training run got: its mean loss over the last 10 steps (all of them when it trained fewer). */
export const lastStepsLoss = (loss: number[]) => meanOf(loss.slice(-10));
