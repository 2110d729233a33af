/** Helpers shared by the experiments: text batches, fitting decay rates, small models. */
import { tf } from '../core/backend';
import { CharLM, type CellType } from '../model/charlm';
import { Random } from '../core/random';
import { generateCorpus } from '../text/generated-corpus';
import { Vocabulary } from '../text/vocabulary';

/** The built-in corpus as token ids (the experiments' default text). */
export function corpusIds(text = generateCorpus(120_000)): { vocabulary: Vocabulary; ids: Int32Array } {
  const { vocabulary } = Vocabulary.fromText(text, { mode: 'char' });
  return { vocabulary, ids: vocabulary.encode(text).ids };
}

/** `batch` random windows of `width` tokens, as rows. */
export function randomWindows(ids: Int32Array, batch: number, width: number, rng: Random): number[][] {
  return Array.from({ length: batch }, () => {
    const start = rng.int(ids.length - width);
    return Array.from(ids.subarray(start, start + width));
  });
}

export function windowsTensor(rows: number[][]): tf.Tensor2D {
  return tf.tensor2d(rows, [rows.length, rows[0].length], 'int32');
}

export function charModel(cell: CellType, vocabSize: number, hidden: number, seed: number, extra: { forgetBias?: number; embed?: number; layers?: number } = {}): CharLM {
  return new CharLM({ vocabSize, embeddingSize: extra.embed ?? 32, hiddenSize: hidden, numLayers: extra.layers ?? 1, cell, forgetBias: extra.forgetBias, seed });
}

/**
 * The geometric decay per step of a gradient norm over distance: exp(slope) of a
 * least-squares line through log(norm) against distance, over distances with a finite,
 * positive norm. 1 means no decay; 0.5 halves per step. NaN when under two points.
 */
export function decayPerStep(norms: ArrayLike<number>, maxDistance = norms.length - 1): number {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let d = 0; d <= maxDistance && d < norms.length; d++) {
    const v = norms[d];
    if (v > 0 && Number.isFinite(v)) {
      xs.push(d);
      ys.push(Math.log(v));
    }
  }
  if (xs.length < 2) return NaN;
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return Math.exp(num / den);
}

export const round = (v: number, digits = 4) => (Number.isFinite(v) ? Number(v.toPrecision(digits)) : v);

/**
 * A number for a headline or a printed table: 3 significant digits, plain for everyday
 * magnitudes, scientific for tiny or huge ones, "0" for zero (the JSON keeps the exact value).
 */
export function sig3(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  if (v === 0) return '0';
  const a = Math.abs(v);
  // The panel's formatCell writes a table's numbers the same way (thousands separated), so a headline and its table agree to the character.
  if (a >= 1e-3 && a < 1e5) return Number(v.toPrecision(3)).toLocaleString('en', { maximumFractionDigits: 20 });
  return v.toExponential(2).replace('e+', 'e');
}

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

/** "0.123 (0.101-0.150)": a mean over seeds with its range, for tables. */
export function meanRange(values: number[]): string {
  const finite = values.filter(Number.isFinite);
  if (!finite.length) return '–';
  const [lo, hi] = [Math.min(...finite), Math.max(...finite)];
  return lo === hi ? sig3(lo) : `${sig3(meanOf(finite))} (${sig3(lo)}–${sig3(hi)})`;
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
  const [lo, hi] = [Math.min(...positive), Math.max(...positive)];
  return lo === hi ? sig3(lo) : `${sig3(geometricMean(positive))} (${sig3(lo)}–${sig3(hi)})`;
}

/** The `seeds` config key every experiment that trains or measures at initialisation has. */
export const SEEDS_DEFAULT = 3;
