// What a normalised tanh RNN costs in long-range-memory (the adding problem: length 100,
// batch 64, hidden 32, 800 steps): a forward and backward pass of each recurrent layer on one
// thread, warm, median of 12; its TensorFlow.js kernels; and the seconds 800 such steps take.
// With SeqLab's wasm kernels a normalised plain RNN's time loop is one kernel call each way;
// SEQLAB_WASM_KERNELS=off measures the step-by-step path it replaced (TensorFlow.js's ops).
// Usage: node --import tsx bench/normalizedAdding.mts
import { initBackend, tf } from '../engine/core/backend';
import { GRU, LSTM, RNN, type RNNBase } from '../engine/nn/recurrent';

await initBackend('wasm');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const layers: Array<[string, () => RNNBase]> = [
  ['rnn-tanh', () => new RNN({ inputSize: 2, hiddenSize: 32, seed: 1 })],
  ['lstm', () => new LSTM({ inputSize: 2, hiddenSize: 32, seed: 1 })],
  ['gru', () => new GRU({ inputSize: 2, hiddenSize: 32, seed: 1 })],
  ['rnn-tanh, layer norm', () => new RNN({ inputSize: 2, hiddenSize: 32, seed: 1, normalization: 'layer' })],
  ['rnn-tanh, batch norm', () => new RNN({ inputSize: 2, hiddenSize: 32, seed: 1, normalization: 'batch', bnMaxSteps: 100 })],
];
console.log(['layer', 'ms per step (median of 12)', 'kernels per step', 's for 800 steps'].join('\t'));
for (const [name, make] of layers) {
  const layer = make();
  const variables = layer.parameters();
  const step = async (seed: number) => {
    const x = tf.randomUniform([100, 64, 2], 0, 1, 'float32', seed);
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(layer.forward(x).hN)) as tf.Scalar, variables);
    await Promise.all(Object.values(grads).map((g) => g.data()));
    tf.dispose([x, value, ...Object.values(grads)]);
  };
  for (let i = 0; i < 2; i++) await step(i); // warm
  const profile = await tf.profile(() => step(99));
  const times: number[] = [];
  for (let i = 0; i < 12; i++) {
    const started = performance.now();
    await step(100 + i);
    times.push(performance.now() - started);
  }
  console.log([name, median(times).toFixed(1), profile.kernels.length, (median(times) * 0.8).toFixed(0)].join('\t'));
  layer.dispose();
}
