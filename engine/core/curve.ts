/**
 * A loss curve's arithmetic, shared by the trainer (the curve a checkpoint keeps), the
 * extension host (what it sends and exports) and the chart webview; no DOM, no TensorFlow.js:
 * TensorBoard's smoothing, the unit of a loss, and the thinning of a long curve.
 */
import { langOf, type Lang } from './lang';

/**
 * TensorBoard's scalar smoothing: an exponential moving average with weight `w` in [0, 1),
 * debiased so the first points are not pulled towards 0 (tensorboard/.../vz_line_chart).
 * Non-finite values pass through unsmoothed and do not enter the average.
 */
export function smooth(values: readonly number[], w: number): number[] {
  if (w <= 0) return [...values];
  let last = 0;
  let count = 0;
  return values.map((v) => {
    if (!Number.isFinite(v)) return v;
    last = last * w + (1 - w) * v;
    count++;
    return last / (1 - w ** count);
  });
}

export type LossUnit = 'nats' | 'bits';

/** A loss in nats per character, in the chosen unit. */
export const inUnit = (nats: number, unit: LossUnit) => (unit === 'bits' ? nats / Math.LN2 : nats);

/**
 * "nats/char" or "bits/char", "纳特/字符" or "比特/字符": one term per language everywhere (the
 * Training view, the status bar, the experiments' axes, the chapter page). `lang` defaults to
 * the page's own (`<html lang>`, which the extension sets to the display language) in a webview,
 * English elsewhere.
 */
export const unitLabel = (unit: LossUnit, lang: Lang = pageLang()) => (lang === 'zh-cn' ? (unit === 'bits' ? '比特/字符' : '纳特/字符') : `${unit}/char`);

/** A webview's language, from its <html lang>; English outside a page. */
function pageLang(): Lang {
  return langOf((globalThis as { document?: { documentElement?: { lang?: string } } }).document?.documentElement?.lang);
}

export interface CurvePoint { step: number; seconds: number; loss: number }

/** Points a curve keeps (in a checkpoint, in the chart): a run of hours stays cheap to save, send and draw. */
export const MAX_CURVE_POINTS = 3000;

/**
 * Keeps a curve at most `max` points long by merging neighbours in pairs (`merge(older,
 * newer)`), oldest first, so recent points keep their resolution longest.
 */
export function thinCurve<T>(points: T[], max: number, merge: (older: T, newer: T) => T): T[] {
  if (points.length <= max) return points;
  const excess = points.length - max;
  const merged: T[] = [];
  let i = 0;
  for (; i < 2 * excess && i + 1 < points.length; i += 2) merged.push(merge(points[i], points[i + 1]));
  return [...merged, ...points.slice(i)];
}

/** Two chart points as one: their mean loss, at the later step. */
export const mergeCurvePoints = (a: CurvePoint, b: CurvePoint): CurvePoint => ({ step: b.step, seconds: b.seconds, loss: (a.loss + b.loss) / 2 });

/**
 * Two losses a model must beat to have learned anything, in nats per character, from the
 * run's own text: `uniform`, ln V (every token of the vocabulary equally likely, what an
 * untrained model scores), and `unigram`, the cross-entropy of the validation text under the
 * training text's token frequencies (add-one smoothed, so a token the training part never
 * shows costs ln(N + V) rather than infinity): the score of a model that knows which
 * characters are common but nothing of their order.
 */
export interface LossBaselines { uniform: number; unigram: number }

export function lossBaselines(train: ArrayLike<number>, validation: ArrayLike<number>, vocabSize: number): LossBaselines {
  const counts = new Float64Array(vocabSize);
  for (let i = 0; i < train.length; i++) counts[train[i]]++;
  const denominator = Math.log(train.length + vocabSize);
  let sum = 0;
  for (let i = 0; i < validation.length; i++) sum += denominator - Math.log(counts[validation[i]] + 1);
  return { uniform: Math.log(vocabSize), unigram: validation.length ? sum / validation.length : Math.log(vocabSize) };
}

/** Evaluations in a row whose validation loss rose, while the training loss fell, before a run is said to overfit. */
export const OVERFITTING_RISES = 3;

/**
 * Where a run began to overfit: the first evaluation after which the validation loss rose
 * OVERFITTING_RISES times in a row while the training loss (the mean of the training points
 * since the previous evaluation) fell over the same evaluations. `fromStep` is the step of
 * that evaluation (the validation minimum before the rise), `seenAt` the evaluation that
 * showed it; null when the curves show no such rise.
 */
export function overfittingFrom(val: readonly Pick<CurvePoint, 'step' | 'loss'>[], train: readonly Pick<CurvePoint, 'step' | 'loss'>[]): { fromStep: number; seenAt: number } | null {
  const trainBefore = (k: number): number => {
    const after = k > 0 ? val[k - 1].step : -Infinity;
    let sum = 0;
    let n = 0;
    for (const p of train) {
      if (p.step > after && p.step <= val[k].step && Number.isFinite(p.loss)) {
        sum += p.loss;
        n++;
      }
    }
    return n ? sum / n : NaN;
  };
  for (let i = OVERFITTING_RISES; i < val.length; i++) {
    let rising = true;
    for (let j = i - OVERFITTING_RISES + 1; j <= i && rising; j++) rising = val[j].loss > val[j - 1].loss;
    if (!rising) continue;
    const start = trainBefore(i - OVERFITTING_RISES);
    const end = trainBefore(i);
    if (Number.isFinite(start) && Number.isFinite(end) && end < start) return { fromStep: val[i - OVERFITTING_RISES].step, seenAt: val[i].step };
  }
  return null;
}
