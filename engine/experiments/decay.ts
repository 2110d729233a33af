/** How fast a gradient norm falls with distance: shared by vanishing-gradients and the gradient-flow playground (no TensorFlow.js, so the playground's web worker can bundle it). */

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
