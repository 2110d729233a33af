/** Probes: gates, surprisal, gradients through time and influence, checked by hand where possible. */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../engine';
import { CharLM } from '../../engine/model/charlm';
import { probe, largest } from '../../engine/model/probe';
import { Vocabulary } from '../../engine/text/vocabulary';

const vocabulary = Vocabulary.fromText('abcdefgh xyz').vocabulary;

describe('probes', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('returns gates, states and surprisal with the right shapes and values', () => {
    const m = new CharLM({ vocabSize: vocabulary.size, embeddingSize: 4, hiddenSize: 6, numLayers: 2, seed: 1 });
    const r = probe(m, vocabulary, 'abc defg');
    assert.deepEqual(r.tokens, ['a', 'b', 'c', ' ', 'd', 'e', 'f']);
    assert.equal(r.layers.length, 2);
    assert.deepEqual(Object.keys(r.layers[0].gates).sort(), ['f', 'g', 'i', 'o']);
    assert.deepEqual([r.layers[1].h.rows, r.layers[1].h.cols], [7, 6]);
    for (const v of r.layers[0].gates.f.data) assert.ok(v > 0 && v < 1);
    // The last layer's h equals what the fused forward computes.
    const fused = tf.tidy(() => {
      m.eval();
      const ids = Array.from(vocabulary.encode('abc defg').ids).slice(0, -1);
      return m.rnn.forward(m.embed(tf.tensor2d([ids], [1, 7], 'int32'))).output.dataSync();
    });
    r.layers[1].h.data.forEach((v, i) => assert.ok(Math.abs(v - fused[i]) < 1e-6));
    for (const s of r.surprisal) {
      assert.ok(s.probability > 0 && s.probability <= 1);
      assert.ok(Math.abs(s.bits + Math.log2(s.probability)) < 1e-9);
      assert.equal(s.top.length, 5);
      assert.ok(s.top[0].probability >= s.probability - 1e-7);
    }
    assert.equal(r.surprisal[0].actual, 'b');
    m.dispose();
  });

  it('the gradient at the last position equals W_head^T (softmax - onehot), by hand', () => {
    const m = new CharLM({ vocabSize: vocabulary.size, embeddingSize: 4, hiddenSize: 6, cell: 'gru', seed: 2 });
    const r = probe(m, vocabulary, 'abcdx');
    const norms = r.gradientNorms[0];
    assert.equal(norms.length, 4);
    const expected = tf.tidy(() => {
      const ids = Array.from(vocabulary.encode('abcd').ids);
      const logits = m.forward(tf.tensor2d([ids], [1, 4], 'int32')).logits;
      const last = tf.slice(logits, [3, 0], [1, -1]);
      const target = vocabulary.encode('x').ids[0];
      const d = tf.sub(tf.softmax(last), tf.oneHot([target], vocabulary.size));
      return tf.norm(tf.matMul(d, m.headWeight)).dataSync()[0];
    });
    assert.ok(Math.abs(norms[3] - expected) < 1e-5, `${norms[3]} vs ${expected}`);
    for (const v of norms) assert.ok(Number.isFinite(v) && v >= 0);
    m.dispose();
  });

  it('influence is causal: zero above the diagonal, nonzero on it', () => {
    const m = new CharLM({ vocabSize: vocabulary.size, embeddingSize: 4, hiddenSize: 6, cell: 'rnn-tanh', seed: 3 });
    const r = probe(m, vocabulary, 'abcdefgh');
    const inf = r.influence!;
    assert.equal(inf.rows, 7);
    for (let t = 0; t < 7; t++) {
      assert.ok(inf.data[t * 7 + t] > 0, `diagonal ${t}`);
      for (let s = t + 1; s < 7; s++) assert.equal(inf.data[t * 7 + s], 0, `(${t}, ${s})`);
    }
    const skipped = probe(m, vocabulary, 'abcdefgh', { maxInfluenceLength: 3 });
    assert.equal(skipped.influence, undefined);
    assert.match(skipped.warnings[0], /influence matrix was skipped/);
    m.dispose();
  });

  it('names characters it had to skip, refuses a text too short, leaks nothing', () => {
    const m = new CharLM({ vocabSize: vocabulary.size, embeddingSize: 4, hiddenSize: 6, seed: 4 });
    const before = tf.memory().numTensors;
    const r = probe(m, vocabulary, 'abQc');
    assert.match(r.warnings[0], /"Q" \(U\+0051\)/);
    assert.throws(() => probe(m, vocabulary, 'a'), /at least two characters/);
    assert.equal(tf.memory().numTensors, before);
    m.dispose();
  });
});

describe('top guesses', () => {
  it('picks the k largest as a stable descending sort would, ties by lower id', () => {
    let seed = 7;
    const next = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + Math.floor(next() * 40);
      const values = Float32Array.from({ length: n }, () => Math.floor(next() * 8) / 8); // many ties
      const bySort = Array.from(values, (v, id) => [v, id] as const).sort((a, b) => b[0] - a[0]).slice(0, 5).map(([, id]) => id);
      assert.deepEqual(largest(values, 5), bySort, `values ${Array.from(values)}`);
    }
  });
});
