/** Connectivity: the batched, windowed probe against one full-text backward pass per prediction. */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../engine';
import { CharLM } from '../../engine/model/charlm';
import { connectivity } from '../../engine/model/connectivity';
import { probe } from '../../engine/model/probe';
import { Vocabulary } from '../../engine/text/vocabulary';
import { Random } from '../../engine/core/random';
import { stableNorm } from '../../engine/nn/ops';

const text = 'the cat sat on the mat, and the dog sat on the log. ';
const vocabulary = Vocabulary.fromText(text).vocabulary;

/** ||d log p(x_{t+1}) / d e_s|| for every s <= t, by differentiating the whole text once per t. */
function bruteForce(model: CharLM, ids: number[]): number[][] {
  const inputs = ids.slice(0, -1);
  const L = inputs.length;
  const x = tf.tidy(() => model.embed(tf.tensor2d([inputs], [1, L], 'int32')));
  const rows: number[][] = [];
  for (let t = 0; t < L; t++) {
    const norms = tf.tidy(() => {
      const g = tf.grad((xs: tf.Tensor) => {
        const logits = model.forwardEmbedded(xs as tf.Tensor3D).logits;
        return tf.slice(tf.logSoftmax(tf.slice(logits, [t, 0], [1, -1])), [0, ids[t + 1]], [1, 1]).sum();
      })(x);
      return stableNorm(g.reshape([L, -1]), 1);
    });
    rows.push(Array.from(norms.dataSync()));
    norms.dispose();
  }
  x.dispose();
  return rows;
}

describe('connectivity', () => {
  before(async () => {
    await initBackend('wasm');
  });

  for (const [cell, layers, normalization] of [['lstm', 2, 'none'], ['gru', 1, 'none'], ['rnn-tanh', 1, 'layer'], ['lstm', 1, 'layer']] as const) {
    it(`${cell}, ${layers} layer(s), normalisation ${normalization}: equals the full-text gradient inside the window, batched`, () => {
      const m = new CharLM({ vocabSize: vocabulary.size, embeddingSize: 6, hiddenSize: 10, numLayers: layers, cell, normalization, seed: 7 });
      m.eval();
      const rng = new Random(3);
      const ids = Array.from({ length: 41 }, () => Math.floor(rng.next() * vocabulary.size));
      const window = 9;
      const got = connectivity(m, ids.slice(0, -1), ids.slice(1), window);
      const want = bruteForce(m, ids);
      assert.deepEqual([got.rows, got.cols], [40, window]);
      let compared = 0;
      for (let t = 0; t < 40; t++) {
        for (let k = 0; k < window; k++) {
          const value = got.data[t * window + k];
          if (t - k < 0) {
            assert.equal(value, 0, `(${t}, ${k}) is before the text`);
            continue;
          }
          const expected = want[t][t - k];
          assert.ok(Math.abs(value - expected) <= 1e-4 * Math.max(1e-3, expected), `(${t}, ${k}): ${value} vs ${expected}`);
          compared++;
        }
        // Causal: the full-text gradient after t is zero (nothing later reaches a prediction).
        for (let s = t + 1; s < 40; s++) assert.equal(want[t][s], 0);
      }
      assert.ok(compared > 300);
      m.dispose();
    });
  }

  it('comes with the probe (states reused) and with a window longer than the text', () => {
    const m = new CharLM({ vocabSize: vocabulary.size, embeddingSize: 4, hiddenSize: 8, cell: 'lstm', seed: 2 });
    const r = probe(m, vocabulary, 'the cat sat', { connectivityWindow: 100, includeLast: true });
    const c = r.connectivity!;
    assert.deepEqual([c.rows, c.cols], [10, 100]);
    const alone = connectivity(m, Array.from(vocabulary.encode('the cat sa').ids), Array.from(vocabulary.encode('he cat sat').ids), 100);
    c.data.forEach((v, i) => assert.ok(Math.abs(v - alone.data[i]) <= 1e-6 * Math.max(1, Math.abs(v)), `entry ${i}: ${v} vs ${alone.data[i]}`));
    // Every prediction depends on its own input character.
    for (let t = 0; t < 10; t++) assert.ok(c.data[t * 100] > 0);
    assert.equal(probe(m, vocabulary, 'the cat sat').connectivity, undefined);
    assert.throws(() => connectivity(m, [1, 2], [2, 3], 0), /window must be a whole number/);
    m.dispose();
  });
});

describe('what drove a character', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('maps the last row back to the text\'s offsets, characters outside the vocabulary included', async () => {
    const { whatDrove } = await import('../../engine/model/connectivity');
    const m = new CharLM({ vocabSize: vocabulary.size, embeddingSize: 4, hiddenSize: 8, cell: 'gru', seed: 5 });
    // '😀' (two UTF-16 units) and 'Z' are not in the vocabulary (uncapped: skipped).
    const text = 'the 😀cat Zsat';
    const r = whatDrove(m, vocabulary, text, 6);
    assert.deepEqual(r.target, { ...r.target, start: text.length - 1, end: text.length, text: 't' });
    assert.ok(r.target.probability > 0 && r.target.probability < 1);
    // The six tokens before the last: 'a', 's', ' ', 't', 'a', 'c' ('Z' was not read: no shade).
    assert.equal(r.drivers.map((d) => d.text).join(''), 'cat sa');
    assert.equal(r.drivers[0].start, text.indexOf('cat'));
    for (const d of r.drivers) assert.equal(text.slice(d.start, d.end), d.text);
    assert.match(r.warnings[0], /skipped/);
    // The same numbers as the matrix's last row.
    const ids = Array.from(vocabulary.encode('the cat sat').ids);
    const row = connectivity(m, ids.slice(0, -1), ids.slice(1), 6);
    const t = ids.length - 2;
    const mine = r.drivers.map((d) => d.value).reverse();
    mine.forEach((v, k) => assert.ok(Math.abs(v - row.data[t * 6 + k]) <= 1e-6 * Math.max(1, v), `k ${k}: ${v} vs ${row.data[t * 6 + k]}`));
    assert.throws(() => whatDrove(m, vocabulary, 'abc😀', 6), /not in the model's vocabulary/);
    m.dispose();
  });
});
