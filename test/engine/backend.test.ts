/** Backend choice, the replaced wasm kernels, and the built bundle. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { tf, initBackend } from '../../engine';
import { Random } from '../../engine/core/random';

/** Runs `f` on cpu and on wasm (with SeqLab's replacement kernels) and returns both results. */
async function onBoth(f: () => tf.Tensor | tf.Tensor[]): Promise<[number[][], number[][]]> {
  const results: number[][][] = [];
  for (const backend of ['cpu', 'wasm'] as const) {
    await initBackend(backend);
    const out = tf.tidy(() => f());
    const list = Array.isArray(out) ? out : [out];
    results.push(list.map((t) => [...t.shape, -1, ...t.dataSync()]));
    tf.dispose(list);
  }
  return [results[0], results[1]];
}

describe('backends', () => {
  it('picks the fastest available backend and says why', async () => {
    const info = await initBackend();
    assert.ok(['tensorflow', 'wasm'].includes(info.name), info.name);
    assert.match(info.reason, /fastest available/);
  });

  it('explains a backend that cannot be had', async (t) => {
    let tfjsNodeInstalled = true;
    try {
      require.resolve('@tensorflow/tfjs-node');
    } catch {
      tfjsNodeInstalled = false;
    }
    if (tfjsNodeInstalled) return t.skip('@tensorflow/tfjs-node is installed here: nothing to refuse');
    await assert.rejects(initBackend('tensorflow'), /@tensorflow\/tfjs-node is not installed.*npm install @tensorflow\/tfjs-node/);
  });

  it('wasm Slice, SplitV, Unpack and Transpose replacements match the cpu backend exactly', async () => {
    const rng = new Random(11);
    for (let trial = 0; trial < 30; trial++) {
      const rank = 1 + rng.int(4);
      const shape = Array.from({ length: rank }, () => 1 + rng.int(6));
      const data = Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.next());
      const begin = shape.map((d) => rng.int(d));
      const size = shape.map((d, i) => (rng.next() < 0.3 ? -1 : 1 + rng.int(d - begin[i])));
      const axis = rng.int(rank);
      const perm = rank >= 2 ? [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2] : [0];
      const [cpu, wasm] = await onBoth(() => {
        const x = tf.tensor(data, shape);
        return [tf.slice(x, begin, size), ...tf.split(x, shape[axis] > 1 ? [1, shape[axis] - 1] : 1, axis), ...tf.unstack(x, axis), tf.transpose(x, perm)];
      });
      assert.deepEqual(wasm, cpu, `shape [${shape}] begin [${begin}] size [${size}] axis ${axis}`);
    }
    const [cpu, wasm] = await onBoth(() => tf.transpose(tf.range(0, 100 * 70).reshape([100, 70])));
    assert.deepEqual(wasm, cpu, 'a transpose larger than one tile');
  });

  it('the built bundle dist/engine.js finds its wasm binary and trains', () => {
    const root = path.join(__dirname, '..', '..');
    const script = `
      const e = require(${JSON.stringify(path.join(root, 'dist', 'engine.js'))});
      e.initBackend('wasm').then((info) => {
        const m = new e.LSTM({ inputSize: 2, hiddenSize: 3, seed: 1 });
        const out = m.forward(e.tf.ones([4, 1, 2])).output;
        console.log(JSON.stringify({ backend: info.name, shape: out.shape }));
      });`;
    const out = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    assert.deepEqual(JSON.parse(out.trim().split('\n').pop()!), { backend: 'wasm', shape: [4, 1, 3] });
  });
});
