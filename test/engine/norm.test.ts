/**
 * Norms that are the quantity they name: scaled before squaring, so float32 squares neither
 * underflow (a plain norm reads 0 for 64 entries of 2e-23) nor overflow (inf for 1e20),
 * in the probes, the experiments and gradient clipping. On every backend.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../engine/core/backend';
import { stableGlobalNorm, stableNorm } from '../../engine/nn/ops';
import { clipGradients } from '../../engine/train/stepper';

const relClose = (got: number, want: number, what: string, tol = 1e-5) => assert.ok(Math.abs(got - want) <= tol * Math.abs(want), `${what}: ${got} vs ${want}`);

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`stable norms (${backend})`, () => {
    it('are right from 1e-30 to 1e30, where a plain norm reads 0 or Infinity', async () => {
      await initBackend(backend);
      for (const value of [1e-30, 2e-23, 1e-20, 0.5, 3, 1e20, 1e30]) {
        const x = tf.fill([64], value);
        relClose(stableNorm(x).dataSync()[0], value * 8, `64 entries of ${value}`);
        x.dispose();
      }
      // The trap itself, kept as evidence: the plain norm squares in float32.
      const tiny = tf.fill([64], 2e-23);
      assert.equal(tf.norm(tiny).dataSync()[0], 0, 'a plain norm underflows at 2e-23');
      const huge = tf.fill([64], 1e20);
      assert.equal(tf.norm(huge).dataSync()[0], Infinity, 'and overflows at 1e20');
      tf.dispose([tiny, huge]);
      // Mixed magnitudes and signs, and zeros.
      const mixed = tf.tensor1d([3e-30, -4e-30]);
      relClose(stableNorm(mixed).dataSync()[0], 5e-30, '(3e-30, -4e-30)');
      assert.equal(stableNorm(tf.zeros([5])).dataSync()[0], 0);
      mixed.dispose();
    });

    it('along an axis, each row on its own scale', async () => {
      await initBackend(backend);
      const rows = tf.tensor2d([[3e-25, 4e-25], [0, 0], [3e25, -4e25], [1, 0]]);
      const n = Array.from(stableNorm(rows, 1).dataSync());
      [5e-25, 0, 5e25, 1].forEach((want, i) => (want === 0 ? assert.equal(n[i], 0) : relClose(n[i], want, `row ${i}`)));
      rows.dispose();
    });

    it('gradient clipping reports and clips by the true global norm of tiny and huge gradients', async () => {
      await initBackend(backend);
      const tiny = [tf.fill([10], 1e-24), tf.fill([6], -1e-24)];
      relClose(stableGlobalNorm(tiny).dataSync()[0], 4e-24, 'global norm of 16 entries of 1e-24');
      const huge = [tf.fill([3], 2e25), tf.fill([1], 2e25)];
      const { grads, norm } = clipGradients(huge, 1);
      relClose(norm.dataSync()[0], 4e25, 'the reported norm before clipping');
      relClose(stableGlobalNorm(grads).dataSync()[0], 1, 'clipped to norm 1', 1e-4);
      for (const g of grads) for (const v of g.dataSync()) relClose(v, 0.5, 'each entry of the clipped gradient', 1e-4);
      tf.dispose([...tiny, ...huge, ...grads, norm]);
    });

    it('the global norm takes the plain sum of squares when it is a normal number (fewer kernels), and the scaled one below it: both exact', async () => {
      await initBackend(backend);
      const ordinary = [tf.randomNormal([50, 20], 0, 1, 'float32', 1), tf.randomNormal([20], 0, 1e-3, 'float32', 2)];
      const flat = tf.concat(ordinary.map((t) => t.reshape([-1])));
      relClose(stableGlobalNorm(ordinary).dataSync()[0], stableNorm(flat).dataSync()[0], 'plain against scaled, ordinary gradients', 1e-6);
      // On either side of the floor (1e-30 for the sum of squares): 1,000 entries of 1e-15 (sum 1e-27) and of 1e-17 (sum 1e-31).
      const above = [tf.fill([1000], 1e-15)];
      const below = [tf.fill([1000], 1e-17)];
      relClose(stableGlobalNorm(above).dataSync()[0], Math.sqrt(1000) * 1e-15, 'plain path, 1e-15 entries');
      relClose(stableGlobalNorm(below).dataSync()[0], Math.sqrt(1000) * 1e-17, 'scaled path, 1e-17 entries');
      tf.dispose([...ordinary, flat, ...above, ...below]);
    });
  });
}
