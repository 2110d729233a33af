/**
 * The training loss: cross-entropy of the output layer, as torch.nn.functional.cross_entropy
 * (mean over rows, integer targets), checked against the same sums done in float64 here;
 * and the chunked head + loss (headCrossEntropy) against the plain linear + crossEntropy,
 * value and every gradient, over one, two and three chunks, on every backend.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../engine/core/backend';
import { HEAD_CHUNK_ROWS, crossEntropy, headCrossEntropy, linear } from '../../engine/nn/ops';
import { Random } from '../../engine/core/random';

/** Loss and gradients of mean CE(h W^T + b, targets), in float64. */
function reference(h: Float32Array, w: Float32Array, b: Float32Array, targets: number[], M: number, H: number, V: number) {
  const dh = new Float64Array(M * H);
  const dW = new Float64Array(V * H);
  const db = new Float64Array(V);
  let loss = 0;
  for (let m = 0; m < M; m++) {
    const logits = Array.from({ length: V }, (_, v) => {
      let s = b[v];
      for (let k = 0; k < H; k++) s += h[m * H + k] * w[v * H + k];
      return s;
    });
    const max = Math.max(...logits);
    const total = logits.reduce((a, z) => a + Math.exp(z - max), 0);
    loss += Math.log(total) + max - logits[targets[m]];
    for (let v = 0; v < V; v++) {
      const d = (Math.exp(logits[v] - max) / total - (v === targets[m] ? 1 : 0)) / M;
      db[v] += d;
      for (let k = 0; k < H; k++) {
        dh[m * H + k] += d * w[v * H + k];
        dW[v * H + k] += d * h[m * H + k];
      }
    }
  }
  return { loss: loss / M, grads: [dh, dW, db] };
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
};

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`cross-entropy of the output layer (${backend})`, () => {
    for (const M of [7, HEAD_CHUNK_ROWS + 3, 2 * HEAD_CHUNK_ROWS + 1]) {
      it(`${M} rows: the value and the gradients of h, W and b, chunked and plain, match float64`, async () => {
        await initBackend(backend);
        const H = 6;
        const V = 11;
        const rng = new Random(M);
        const data = (n: number, scale: number) => Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * scale);
        const hData = data(M * H, 2);
        const wData = data(V * H, 1.5);
        const bData = data(V, 1);
        const targetIds = Array.from({ length: M }, (_, i) => (i * 5 + 3) % V);
        const ref = reference(hData, wData, bData, targetIds, M, H, V);
        const h = tf.tensor2d(hData, [M, H]);
        const w = tf.tensor2d(wData, [V, H]);
        const b = tf.tensor1d(bData);
        const targets = tf.tensor1d(targetIds, 'int32');
        try {
          const plain = (x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) => crossEntropy(linear(x as tf.Tensor2D, y as tf.Tensor2D, z), targets);
          const chunked = (x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) => headCrossEntropy(x as tf.Tensor2D, y as tf.Tensor2D, z, targets, { gradients: true });
          for (const [name, f] of [['linear + crossEntropy', plain], ['headCrossEntropy', chunked]] as const) {
            const { value, grads } = tf.valueAndGrads(f)([h, w, b]);
            assert.ok(Math.abs(value.dataSync()[0] - ref.loss) < 1e-5, `${name}: loss ${value.dataSync()[0]} vs ${ref.loss}`);
            grads.forEach((g, i) => assert.ok(maxDiff(g.dataSync(), ref.grads[i]) < 1e-6, `${name}: gradient ${['h', 'W', 'b'][i]} off by ${maxDiff(g.dataSync(), ref.grads[i])}`));
            tf.dispose([value, ...grads]);
          }
          const evaluation = headCrossEntropy(h, w, b, targets, { gradients: false });
          assert.ok(Math.abs(evaluation.dataSync()[0] - ref.loss) < 1e-5, 'the evaluation path gives the same loss');
          evaluation.dispose();
        } finally {
          tf.dispose([h, w, b, targets]);
        }
      });
    }

    it('holds no (rows, V) logits: its peak memory does not grow with the rows, the plain path\'s does', async () => {
      await initBackend(backend);
      const H = 16;
      const V = 4000;
      const w = tf.randomNormal([V, H], 0, 0.1, 'float32', 2) as tf.Tensor2D;
      const b = tf.zeros([V]);
      /** Peak bytes of tensors while computing the loss and its gradients for `rows` rows. */
      const peak = async (rows: number, chunked: boolean) => {
        const h = tf.randomNormal([rows, H], 0, 1, 'float32', 1) as tf.Tensor2D;
        const targets = tf.tensor1d(Array.from({ length: rows }, (_, i) => i % V), 'int32');
        const f = (x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) => (chunked
          ? headCrossEntropy(x as tf.Tensor2D, y as tf.Tensor2D, z, targets, { gradients: true })
          : crossEntropy(linear(x as tf.Tensor2D, y as tf.Tensor2D, z), targets));
        const p = await tf.profile(() => tf.dispose(tf.grads(f)([h, w, b])));
        tf.dispose([h, targets]);
        return p.peakBytes;
      };
      try {
        const [chunkedSmall, chunkedLarge, plainSmall, plainLarge] = [await peak(1024, true), await peak(4096, true), await peak(1024, false), await peak(4096, false)];
        const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
        assert.ok(plainLarge > 3 * plainSmall, `the plain path grows with the rows: ${mib(plainSmall)} -> ${mib(plainLarge)}`);
        assert.ok(chunkedLarge < 1.3 * chunkedSmall, `the chunked path does not: ${mib(chunkedSmall)} -> ${mib(chunkedLarge)}`);
        assert.ok(chunkedLarge < plainLarge / 5, `${mib(chunkedLarge)} against ${mib(plainLarge)} for 4,096 rows`);
      } finally {
        tf.dispose([w, b]);
      }
    });
  });
}
