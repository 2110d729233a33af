// A training step of the normalization experiment's models, on one thread: each cell with no,
// layer and batch normalisation (hidden 64, windows of 32, 16 a step, as the experiment trains
// them), warm, median of 15 steps; the TensorFlow.js kernels one step runs; and each normalised
// step's time as a multiple of the same cell's unnormalised (fused) step, measured in this run.
// Usage: node --import tsx bench/normalizedSteps.mts
import { initBackend, tf } from '../engine/core/backend';
import { parseTrainConfig } from '../engine/train/config';
import { prepareData } from '../engine/train/data';
import { LocalStepper } from '../engine/train/stepper';
import { modelFor } from '../engine/train/trainer';
import { generateCorpus } from '../engine/text/generatedCorpus';
import { Random } from '../engine/core/random';

await initBackend('wasm');
const text = generateCorpus(60_000);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(['cell', 'normalisation', 'ms per step (median of 15)', 'kernels per step', 'x the fused step'].join('\t'));
for (const cell of ['lstm', 'rnn-tanh', 'gru'] as const) {
  let fused = NaN;
  for (const normalization of ['none', 'layer', 'batch'] as const) {
    const config = parseTrainConfig({ cell, hidden: 64, embed: 32, seqLen: 32, batch: 16, normalization, seed: 1, progressIntervalMs: 0, sampleInterval: 0 });
    const data = prepareData(text, config);
    const model = modelFor(config, data.vocabulary.size);
    const stepper = LocalStepper.forConfig(model, config);
    const rng = new Random(1);
    const width = config.seqLen + 1;
    const windows = () => {
      const w = new Int32Array(config.batch * width);
      for (let r = 0; r < config.batch; r++) {
        const start = rng.int(data.train.length - width);
        w.set(data.train.subarray(start, start + width), r * width);
      }
      return w;
    };
    for (let i = 0; i < 3; i++) await stepper.step(windows(), config.batch, width, 3e-3); // warm: kernels compiled, buffers sized
    const profile = await tf.profile(async () => { await stepper.step(windows(), config.batch, width, 3e-3); });
    const times: number[] = [];
    for (let i = 0; i < 15; i++) {
      const started = performance.now();
      await stepper.step(windows(), config.batch, width, 3e-3);
      times.push(performance.now() - started);
    }
    const ms = median(times);
    if (normalization === 'none') fused = ms;
    console.log([cell, normalization, ms.toFixed(1), profile.kernels.length, (ms / fused).toFixed(2)].join('\t'));
    await stepper.dispose();
    model.dispose();
  }
}
