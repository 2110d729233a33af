/**
 * A loss curve's arithmetic, shared by the trainer (the curve a checkpoint keeps), the
 * extension host (what it sends and exports) and the chart webview; no DOM, no TensorFlow.js:
 * TensorBoard's smoothing, the unit of a loss, and the thinning of a long curve.
 */

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

/** "nats/char" or "bits/char". */
export const unitLabel = (unit: LossUnit) => `${unit}/char`;

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
