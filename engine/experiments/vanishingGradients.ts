/**
 * vanishing-gradients: how far back the loss's gradient reaches in each kind of cell.
 */
import { z } from 'zod';
import { CELL_TYPES, type CellType } from '../names';
import { gradientNormsThroughTime } from '../probe';
import { Random } from '../random';
import { charModel, corpusIds, decayPerStep, randomWindows, round, sig3, windowsTensor } from './common';
import { checkpoint, type Experiment, type Figure } from './types';

const schema = z.object({
  cells: z.array(z.enum([...CELL_TYPES, 'lstm-forget1'])).min(1).default(['rnn-sigmoid', 'rnn-tanh', 'rnn-relu', 'lstm', 'gru', 'lstm-forget1']),
  hidden: z.number().int().min(1).max(1024).default(128),
  seqLen: z.number().int().min(10).max(1000).default(100), // distances up to seqLen - 1
  batch: z.number().int().min(1).max(256).default(8),
  trainSteps: z.number().int().min(0).max(10_000).default(40), // "after some training" (char LM, Adam)
  seed: z.number().int().min(0).default(1),
}).strict();

export interface VanishingResult {
  /** Cell -> ||d loss_T / d h_t|| indexed by distance T - t, at initialisation. */
  gradNorm: Record<string, number[]>;
  /** The same after `trainSteps` steps of training. */
  gradNormTrained: Record<string, number[]>;
  /** Cell -> geometric decay per step at initialisation (exp of the log-linear slope). */
  decayPerStep: Record<string, number>;
  decayPerStepTrained: Record<string, number>;
}

export const vanishingGradients: Experiment<typeof schema, VanishingResult> = {
  name: 'vanishing-gradients',
  title: 'Vanishing gradients through time',
  description: 'The chapter claims that a plain RNN loses its gradient over long spans, a sigmoid RNN faster than a tanh one, and that the LSTM\'s cell state (a "conveyor belt") keeps it alive. '
    + 'The figure shows the norm of the gradient of the loss at the last position with respect to the hidden state d steps earlier, on a log scale, for each cell at initialisation (PyTorch\'s) and after a little training; "lstm-forget1" starts with the forget-gate bias at 1.',
  schema,
  async run(c, ctx) {
    const { vocabulary, ids } = corpusIds();
    const rng = new Random(c.seed);
    const rows = randomWindows(ids, c.batch, c.seqLen + 1, rng);
    const inputs = rows.map((r) => r.slice(0, -1));
    const lastTargets = rows.map((r) => r[r.length - 1]);
    const result: VanishingResult = { gradNorm: {}, gradNormTrained: {}, decayPerStep: {}, decayPerStepTrained: {} };
    const byDistance = (norms: Float32Array) => Array.from(norms).reverse().map((v) => round(v, 6)); // index = T - t
    for (const [i, name] of c.cells.entries()) {
      const cell: CellType = name === 'lstm-forget1' ? 'lstm' : name;
      const model = charModel(cell, vocabulary.size, c.hidden, c.seed, name === 'lstm-forget1' ? { forgetBias: 1 } : {});
      try {
        ctx.progress(i / c.cells.length, `${name}: gradients at initialisation`);
        await checkpoint(ctx);
        result.gradNorm[name] = byDistance(gradientNormsThroughTime(model, inputs, lastTargets)[0]);
        model.setOptimizer({ learningRate: 3e-3, clipNorm: 1 });
        for (let s = 0; s < c.trainSteps; s++) {
          if (s % 10 === 0) {
            ctx.progress((i + 0.2 + (0.7 * s) / Math.max(1, c.trainSteps)) / c.cells.length, `${name}: training step ${s}`);
            await checkpoint(ctx);
          }
          const batch = windowsTensor(randomWindows(ids, 16, 65, rng));
          model.trainStep(batch);
          batch.dispose();
        }
        result.gradNormTrained[name] = byDistance(gradientNormsThroughTime(model, inputs, lastTargets)[0]);
        result.decayPerStep[name] = round(decayPerStep(result.gradNorm[name], Math.min(50, c.seqLen - 1)));
        result.decayPerStepTrained[name] = round(decayPerStep(result.gradNormTrained[name], Math.min(50, c.seqLen - 1)));
      } finally {
        model.dispose();
      }
    }
    const x = Array.from({ length: c.seqLen }, (_, d) => d);
    // A norm that reaches exactly 0 has underflowed float32: marked where it happens, since a log scale cannot draw 0.
    const underflows = (data: Record<string, number[]>) => Object.entries(data).flatMap(([name, y]) => {
      const d = y.findIndex((v, i) => v === 0 && y.slice(i).every((w) => w === 0));
      return d > 0 ? [{ series: name, x: d - 1, y: y[d - 1], label: `${name} → 0 (underflow) from d = ${d}` }] : [];
    });
    const figure = (id: string, title: string, caption: string, data: Record<string, number[]>): Figure => ({
      id, title, caption, xLabel: 'distance T - t (steps back from the last position)', yLabel: '||d loss_T / d h_t||', logY: true, shareY: 'gradient', x,
      series: Object.entries(data).map(([name, y]) => ({ name, y: y.map((v) => (v > 0 ? v : null)), dash: name === 'lstm-forget1' })),
      marks: underflows(data),
    });
    const at = (name: string, d: number) => result.gradNorm[name]?.[d] ?? NaN;
    const d30 = Math.min(30, c.seqLen - 1);
    const shown = (v: number) => (v === 0 ? '0 (underflow)' : sig3(v));
    return {
      result,
      figures: [
        figure('init', 'At initialisation (PyTorch\'s)', 'Each line falls as the gradient travels back: the steeper, the faster it vanishes. The sigmoid RNN\'s drops fastest and underflows to 0 (marked); the LSTM with its forget gate open (dashed) falls slowest.', result.gradNorm),
        figure('trained', `After ${c.trainSteps} training steps`, 'The same measurement after a little training, on the same y scale: compare each line with its own line in the first figure.', result.gradNormTrained),
      ],
      table: [['cell', 'decay per step (init)', 'decay per step (trained)', 'norm at d = 10', `norm at d = ${d30}`],
        ...c.cells.map((n) => [n, result.decayPerStep[n], result.decayPerStepTrained[n], at(n, 10), at(n, d30)])],
      headline: `Gradient norm ${d30} steps back, at initialisation: ${c.cells.map((n) => `${n} ${shown(at(n, d30))}`).join(', ')}.`,
    };
  },
};
