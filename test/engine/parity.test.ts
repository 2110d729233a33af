/**
 * Parity with PyTorch: every fixture in test/fixtures/rnn (made by
 * make_rnn_fixtures.py with torch) on every backend available here.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend, GRU, GRUCell, LSTM, LSTMCell, RNN, RNNCell, type RNNBase, type Normalization, type Nonlinearity } from '../../engine';
import { assertClose, availableBackends, loadFixtures, toTensor, type EncodedTensor } from './helpers';

interface Fixture {
  name: string;
  kind: 'module' | 'cell';
  config: {
    mode: 'rnn' | 'lstm' | 'gru'; nonlinearity?: Nonlinearity; inputSize: number; hiddenSize: number; numLayers: number;
    bidirectional: boolean; batchFirst?: boolean; bias?: boolean; norm: Normalization; bnMaxSteps?: number;
  };
  inputs: Record<string, EncodedTensor>;
  params: Record<string, EncodedTensor>;
  lossWeights: Record<string, EncodedTensor>;
  expected: Record<string, EncodedTensor> & { gates?: Record<string, EncodedTensor> };
  grads: Record<string, EncodedTensor>;
  buffersAfter?: Record<string, EncodedTensor>;
  expectedEval?: Record<string, EncodedTensor>;
  /** Normalised cases only: 4x PyTorch's own float32 error on the case (see the generator), >= 1e-5. */
  tolerance?: number;
}

const fixtures = loadFixtures<Fixture>();

function buildModule(f: Fixture): RNNBase {
  const c = f.config;
  const options = {
    inputSize: c.inputSize, hiddenSize: c.hiddenSize, numLayers: c.numLayers, bidirectional: c.bidirectional,
    batchFirst: c.batchFirst, bias: c.bias ?? true, normalization: c.norm, seed: 1,
    ...(c.bnMaxSteps ? { bnMaxSteps: c.bnMaxSteps } : {}),
  };
  const m = c.mode === 'lstm' ? new LSTM(options) : c.mode === 'gru' ? new GRU(options) : new RNN({ ...options, nonlinearity: c.nonlinearity });
  m.loadStateDict(f.params);
  return m;
}

function weightedSum(parts: Array<[tf.Tensor | undefined, EncodedTensor | undefined]>): tf.Scalar {
  let total: tf.Scalar = tf.scalar(0);
  for (const [t, w] of parts) if (t && w) total = tf.add(total, tf.sum(tf.mul(t, toTensor(w))));
  return total;
}

function checkModule(f: Fixture): void {
  const m = buildModule(f);
  const tol = f.tolerance ?? 1e-5;
  const check = (name: string, a: tf.Tensor, e: EncodedTensor) => assertClose(name, a, e, tol, tol);
  try {
    tf.tidy(() => {
      const inputs: Record<string, tf.Variable> = Object.fromEntries(Object.entries(f.inputs).map(([k, v]) => [k, tf.variable(toTensor(v), true, `${f.name}/${k}/${Math.random()}`)]));
      const vars = [...Object.values(inputs), ...m.parameters()];
      const outputs: Record<string, tf.Tensor | undefined> = {};
      const { value, grads } = tf.variableGrads(() => {
        const r = m.forward(inputs.input, inputs.h0, inputs.c0);
        Object.assign(outputs, { output: tf.keep(r.output), hN: tf.keep(r.hN), cN: r.cN && tf.keep(r.cN) });
        return weightedSum([[r.output, f.lossWeights.output], [r.hN, f.lossWeights.hN], [r.cN, f.lossWeights.cN]]);
      }, vars);
      value.dispose();
      for (const [k, e] of Object.entries(f.expected)) check(`${f.name} ${k}`, outputs[k]!, e as EncodedTensor);
      const byName: Record<string, tf.Tensor> = {};
      for (const [k, v] of Object.entries(inputs)) byName[k] = grads[v.name];
      for (const [k, p] of m.namedParameters()) byName[k] = grads[p.name];
      assert.deepEqual(Object.keys(byName).sort(), Object.keys(f.grads).sort(), `${f.name}: gradient names`);
      for (const [k, e] of Object.entries(f.grads)) check(`${f.name} d/d${k}`, byName[k], e);
      for (const v of Object.values(inputs)) v.dispose();
      if (f.buffersAfter) {
        const state = m.stateDict();
        for (const [k, e] of Object.entries(f.buffersAfter)) check(`${f.name} ${k}`, state[k], e);
        m.eval();
        const r = m.forward(toTensor(f.inputs.input), toTensor(f.inputs.h0), f.inputs.c0 && toTensor(f.inputs.c0));
        check(`${f.name} eval output`, r.output, f.expectedEval!.output);
        check(`${f.name} eval hN`, r.hN, f.expectedEval!.hN);
      }
    });
  } finally {
    m.dispose();
  }
}

function checkCell(f: Fixture): void {
  const c = f.config;
  const options = { inputSize: c.inputSize, hiddenSize: c.hiddenSize, bias: c.bias, seed: 1 };
  const cell = c.mode === 'lstm' ? new LSTMCell(options) : c.mode === 'gru' ? new GRUCell(options) : new RNNCell({ ...options, nonlinearity: c.nonlinearity });
  cell.loadStateDict(f.params);
  try {
    tf.tidy(() => {
      const inputs: Record<string, tf.Variable> = Object.fromEntries(Object.entries(f.inputs).map(([k, v]) => [k, tf.variable(toTensor(v), true, `${f.name}/${k}/${Math.random()}`)]));
      const outputs: Record<string, tf.Tensor> = {};
      const gates: Record<string, tf.Tensor> = {};
      const { value, grads } = tf.variableGrads(() => {
        const r: { h: tf.Tensor; c?: tf.Tensor; gates?: Record<string, tf.Tensor> } = cell instanceof LSTMCell
          ? cell.forward(inputs.x, { h: inputs.h, c: inputs.c }) as unknown as { h: tf.Tensor; c: tf.Tensor; gates: Record<string, tf.Tensor> }
          : cell.forward(inputs.x, inputs.h) as { h: tf.Tensor; gates?: Record<string, tf.Tensor> };
        outputs.h = tf.keep(r.h);
        if (r.c) outputs.c = tf.keep(r.c);
        for (const [k, g] of Object.entries(r.gates ?? {})) gates[k] = tf.keep(g);
        return weightedSum([[r.h, f.lossWeights.h], [r.c, f.lossWeights.c]]);
      }, [...Object.values(inputs), ...cell.parameters()]);
      value.dispose();
      assertClose(`${f.name} h`, outputs.h, f.expected.h);
      if (f.expected.c) assertClose(`${f.name} c`, outputs.c, f.expected.c);
      for (const [k, e] of Object.entries(f.expected.gates ?? {})) assertClose(`${f.name} gate ${k}`, gates[k], e);
      for (const [k, v] of Object.entries(inputs)) assertClose(`${f.name} d/d${k}`, grads[v.name], f.grads[k]);
      for (const [k, p] of cell.namedParameters()) assertClose(`${f.name} d/d${k}`, grads[p.name], f.grads[k]);
      for (const v of Object.values(inputs)) v.dispose();
    });
  } finally {
    cell.dispose();
  }
}

describe('PyTorch parity fixtures', async () => {
  const backends = await availableBackends();
  it('has fixtures and at least the wasm and cpu backends', () => {
    assert.ok(fixtures.length >= 100, `expected the committed fixtures, found ${fixtures.length}`);
    assert.ok(backends.includes('wasm') && backends.includes('cpu'), `backends found: ${backends.join(', ')}`);
  });
  for (const backend of backends) {
    describe(`on ${backend}`, () => {
      before(async () => {
        await initBackend(backend);
      });
      for (const f of fixtures) {
        it(f.name, () => (f.kind === 'cell' ? checkCell(f) : checkModule(f)));
      }
    });
  }
});
