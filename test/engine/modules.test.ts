/** The module API beyond the numbers: shapes, checks and their messages, memory, state dicts. */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend, GRU, LSTM, LSTMCell, RNN, GRUCell } from '../../engine';
import { CharLM, embeddingGrad } from '../../engine/model/charlm';
import { sampleText } from '../../engine/model/sample';
import { Vocabulary } from '../../engine/text/vocabulary';
import { createOptimizer, LocalStepper } from '../../engine/train/stepper';

describe('recurrent modules', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('names parameters as PyTorch state_dict does, in its order and shapes', () => {
    const m = new LSTM({ inputSize: 3, hiddenSize: 5, numLayers: 2, bidirectional: true, seed: 1 });
    const names = m.namedParameters().map(([n, p]) => `${n}:${p.shape.join('x')}`);
    assert.deepEqual(names, [
      'weight_ih_l0:20x3', 'weight_hh_l0:20x5', 'bias_ih_l0:20', 'bias_hh_l0:20',
      'weight_ih_l0_reverse:20x3', 'weight_hh_l0_reverse:20x5', 'bias_ih_l0_reverse:20', 'bias_hh_l0_reverse:20',
      'weight_ih_l1:20x10', 'weight_hh_l1:20x5', 'bias_ih_l1:20', 'bias_hh_l1:20',
      'weight_ih_l1_reverse:20x10', 'weight_hh_l1_reverse:20x5', 'bias_ih_l1_reverse:20', 'bias_hh_l1_reverse:20',
    ]);
    m.dispose();
  });

  it('initialises every weight from U(-1/sqrt(H), 1/sqrt(H))', () => {
    const m = new GRU({ inputSize: 30, hiddenSize: 64, seed: 3 });
    const bound = 1 / 8;
    for (const [name, p] of m.namedParameters()) {
      const v = p.dataSync();
      const [lo, hi] = [Math.min(...v), Math.max(...v)];
      assert.ok(lo >= -bound && hi <= bound, `${name} in [${lo}, ${hi}]`);
      assert.ok(hi - lo > 1.8 * bound, `${name} spans the range`);
    }
    m.dispose();
  });

  it('gives PyTorch shapes for batchFirst, bidirectional, several layers and unbatched input', () => {
    const m = new LSTM({ inputSize: 4, hiddenSize: 6, numLayers: 3, bidirectional: true, batchFirst: true, seed: 1 });
    const r = m.forward(tf.ones([2, 7, 4]));
    assert.deepEqual(r.output.shape, [2, 7, 12]);
    assert.deepEqual(r.hN.shape, [6, 2, 6]); // (D*layers, N, H) whatever batchFirst says
    assert.deepEqual(r.cN!.shape, [6, 2, 6]);
    const u = new GRU({ inputSize: 4, hiddenSize: 6, seed: 1 }).forward(tf.ones([7, 4]));
    assert.deepEqual(u.output.shape, [7, 6]);
    assert.deepEqual(u.hN.shape, [1, 6]);
    m.dispose();
  });

  it('runs the same numbers on the fused path and the step-by-step path that returns gates', () => {
    const m = new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, seed: 5 });
    const x = tf.randomNormal([6, 2, 3], 0, 1, 'float32', 1);
    const fused = m.forward(x);
    const stepped = m.forward(x, undefined, undefined, { returnGates: true });
    assert.ok(tf.max(tf.abs(tf.sub(fused.output, stepped.output))).dataSync()[0] < 1e-6);
    assert.equal(stepped.steps!.length, 4);
    assert.deepEqual(Object.keys(stepped.steps![0]).sort(), ['c', 'f', 'g', 'h', 'i', 'o']);
    assert.deepEqual(stepped.steps![0].f!.shape, [6, 2, 4]);
    // The gates at a step are those of LSTMCell with the same weights, fed the same state.
    const cell = new LSTMCell({ inputSize: 3, hiddenSize: 4, seed: 1 });
    const sd = m.stateDict();
    cell.loadStateDict({ weight_ih: sd.weight_ih_l0, weight_hh: sd.weight_hh_l0, bias_ih: sd.bias_ih_l0, bias_hh: sd.bias_hh_l0 });
    const s0 = cell.forward(tf.slice(x, [0, 0, 0], [1, 2, 3]).squeeze([0]));
    const step0 = tf.slice(stepped.steps![0].i!, [0, 0, 0], [1, 2, 4]).squeeze([0]);
    assert.ok(tf.max(tf.abs(tf.sub(s0.gates.i, step0))).dataSync()[0] < 1e-6);
    m.dispose();
    cell.dispose();
  });

  it('checks constructor arguments with messages that say what is wrong', () => {
    assert.throws(() => new LSTM({ inputSize: 3, hiddenSize: 12.5 }), /hiddenSize must be a positive integer, got 12.5/);
    assert.throws(() => new GRU({ inputSize: 0, hiddenSize: 4 }), /inputSize must be a positive integer, got 0/);
    assert.throws(() => new RNN({ inputSize: 3, hiddenSize: 4, dropout: 1.5 }), /dropout should be a number in range \[0, 1\]/);
    assert.throws(() => new RNN({ inputSize: 3, hiddenSize: 4, nonlinearity: 'gelu' as 'tanh' }), /Unknown nonlinearity 'gelu'/);
    assert.throws(() => new LSTM({ inputSize: 3, hiddenSize: 4, hidden_size: 4 } as never), /unknown option "hidden_size"/);
    assert.throws(() => new LSTM({ inputSize: 3, hiddenSize: 4, normalization: 'group' as 'layer' }), /normalization must be one of/);
    assert.throws(() => new GRUCell({ inputSize: 3, hiddenSize: -1 }), /hiddenSize must be a positive integer/);
  });

  it('warns, as PyTorch does, when dropout is set with one layer', () => {
    const warnings: string[] = [];
    const original = console.warn;
    console.warn = (msg: string) => warnings.push(msg);
    try {
      new LSTM({ inputSize: 3, hiddenSize: 4, dropout: 0.5, numLayers: 1 }).dispose();
    } finally {
      console.warn = original;
    }
    assert.match(warnings.join('\n'), /non-zero dropout expects numLayers greater than 1, but got dropout=0.5 and numLayers=1/);
  });

  it('checks forward arguments: input size and state shapes', () => {
    const m = new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, seed: 1 });
    assert.throws(() => m.forward(tf.ones([5, 2, 7])), /input.size\(-1\) must be equal to input_size. Expected 3, got 7/);
    assert.throws(() => m.forward(tf.ones([5, 2, 3]), tf.zeros([1, 2, 4])), /Expected h0 of size \[2,2,4\], got \[1,2,4\]/);
    assert.throws(() => new GRU({ inputSize: 3, hiddenSize: 4 }).forward(tf.ones([5, 2, 3]), undefined, tf.zeros([1, 2, 4])), /takes no c0/);
    m.dispose();
  });

  it('loadStateDict names the tensor that does not fit and changes nothing', () => {
    const m = new GRU({ inputSize: 3, hiddenSize: 4, seed: 1 });
    const before = m.stateDict().weight_hh_l0.dataSync().slice();
    assert.throws(() => m.loadStateDict({ weight_ih_l0: tf.zeros([12, 3]), weight_hh_l0: tf.zeros([12, 5]) }, false),
      /size mismatch for weight_hh_l0: copying a param with shape \[12,5\], the parameter in the current model has shape \[12,4\]/);
    assert.deepEqual(m.stateDict().weight_hh_l0.dataSync(), before);
    assert.throws(() => m.loadStateDict({ weight_ih_l0: tf.zeros([12, 3]) }), /missing key "weight_hh_l0"/);
    assert.throws(() => m.loadStateDict({ weight_ih_l9: tf.zeros([12, 3]) }, false), /unexpected key "weight_ih_l9"/);
    m.dispose();
  });

  it('starts the forget gate open when forgetBias is given', () => {
    const m = new LSTM({ inputSize: 2, hiddenSize: 3, forgetBias: 1, seed: 1 });
    const sd = m.stateDict();
    assert.deepEqual(Array.from(sd.bias_ih_l0.dataSync().slice(3, 6)), [1, 1, 1]);
    assert.deepEqual(Array.from(sd.bias_hh_l0.dataSync().slice(3, 6), (v) => v + 0), [0, 0, 0]); // -0 is 0
    m.dispose();
  });

  it('applies dropout between layers only while training', () => {
    const m = new GRU({ inputSize: 3, hiddenSize: 8, numLayers: 2, dropout: 0.5, seed: 2 });
    const x = tf.randomNormal([5, 4, 3], 0, 1, 'float32', 2);
    const a = m.forward(x).output;
    const b = m.forward(x).output;
    assert.ok(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] > 1e-3, 'two training passes differ');
    m.eval();
    const c = m.forward(x).output;
    const d = m.forward(x).output;
    assert.equal(tf.max(tf.abs(tf.sub(c, d))).dataSync()[0], 0);
    m.dispose();
  });

  for (const backend of ['wasm', 'cpu'] as const) {
    it(`leaks no tensors in forward + backward (${backend})`, async () => {
      await initBackend(backend);
      for (const make of [
        () => new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, seed: 1 }),
        () => new RNN({ inputSize: 3, hiddenSize: 4, nonlinearity: 'relu', normalization: 'batch', seed: 1 }),
        () => new GRU({ inputSize: 3, hiddenSize: 4, normalization: 'layer', seed: 1 }),
      ]) {
        const m = make();
        const x = tf.randomNormal([5, 2, 3]);
        const before = tf.memory().numTensors;
        for (let i = 0; i < 2; i++) {
          const { value, grads } = tf.variableGrads(() => tf.sum(m.forward(x).output), m.parameters());
          value.dispose();
          tf.dispose(grads);
          tf.dispose(m.forward(x, undefined, undefined, { returnGates: true }) as unknown as tf.TensorContainer);
        }
        assert.equal(tf.memory().numTensors, before, `${m.constructor.name} ${m.normalization}`);
        x.dispose();
        m.dispose();
      }
      await initBackend('wasm');
    });
  }
});

describe('CharLM', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('forms the embedding gradient as a scatter-add, equal to the one-hot product it replaced', () => {
    const ids = Int32Array.from([1, 4, 1, 6, 0, 4, 4]);
    const dy = Float32Array.from({ length: ids.length * 3 }, (_, i) => Math.sin(i * 1.7));
    const expected = tf.tidy(() => tf.matMul(tf.oneHot(tf.tensor1d(ids, 'int32'), 7), tf.tensor2d(dy, [ids.length, 3]), true, false).arraySync() as number[][]);
    const got = embeddingGrad(ids, dy, 7, 3);
    expected.flat().forEach((v, i) => assert.ok(Math.abs(v - got[i]) < 1e-6, `element ${i}: ${got[i]} vs ${v}`));
    // Through the model: d sum(embed(ids) * R) / d embedding.weight, row by row.
    const model = new CharLM({ vocabSize: 7, embeddingSize: 3, hiddenSize: 4, seed: 1 });
    const input = tf.tensor2d([[1, 4, 1, 6], [0, 4, 4, 2]], [2, 4], 'int32');
    const R = tf.randomNormal([4, 2, 3], 0, 1, 'float32', 5);
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(model.embed(input), R)) as tf.Scalar, [model.embedding]);
    const reference = tf.tidy(() => tf.matMul(tf.oneHot(tf.transpose(input).reshape([8]), 7), R.reshape([8, 3]), true, false));
    const diff = tf.max(tf.abs(tf.sub(grads[model.embedding.name], reference))).dataSync()[0];
    assert.ok(diff < 1e-6, `max difference ${diff}`);
    tf.dispose([input, R, reference, ...Object.values(grads)]);
    model.dispose();
  });

  it('uses PyTorch names for a composed model', () => {
    const m = new CharLM({ vocabSize: 10, embeddingSize: 4, hiddenSize: 6, seed: 1 });
    assert.deepEqual(m.namedParameters().map(([n]) => n), [
      'embedding.weight', 'rnn.weight_ih_l0', 'rnn.weight_hh_l0', 'rnn.bias_ih_l0', 'rnn.bias_hh_l0',
      'head.weight', 'head.bias',
    ]);
    m.dispose();
  });

  it('learns a repeating pattern: the loss falls well below chance, without leaking tensors', async () => {
    const m = new CharLM({ vocabSize: 5, embeddingSize: 4, hiddenSize: 16, cell: 'gru', seed: 1 });
    const clip = { clipNorm: 1, clipValue: 0 };
    const steps = new LocalStepper(m, createOptimizer(m, { name: 'adam' }), clip);
    const pattern = Array.from({ length: 4 * 17 }, (_, i) => [0, 1, 2, 3, 4, 3, 2, 1][i % 8]);
    const windows = tf.tensor2d(pattern, [4, 17], 'int32');
    const before = tf.memory().numTensors;
    const first = steps.stepTensor(windows, 1e-2).loss;
    let last = first;
    for (let i = 0; i < 60; i++) last = steps.stepTensor(windows, 1e-2).loss;
    assert.ok(first > 1.4, `starts near log(5)=1.61, got ${first}`);
    assert.ok(last < 0.3, `ends far below, got ${last}`);
    // The optimiser's state was made with it: steps add no tensors.
    assert.equal(tf.memory().numTensors, before);
    const { vocabulary } = Vocabulary.fromText('abcde'); // ids 0..4 in order
    assert.equal(await sampleText(m, vocabulary, 'abc', { length: 5, temperature: 0 }), 'dedcb');
    windows.dispose();
    await steps.dispose();
    m.dispose();
  });
});
