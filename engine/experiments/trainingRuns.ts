/**
 * exploding-gradients, normalization and lstm-vs-gru: experiments made of ordinary
 * character-model training runs (the same loop as `seqlab train`), compared.
 */
import { z } from 'zod';
import { tf } from '../backend';
import { CELL_TYPES, NORMALIZATIONS, OPTIMIZER_NAMES } from '../names';
import { generateCorpus } from '../text/generated-corpus';
import { parseTrainConfig, type TrainConfigInput } from '../train/config';
import { modelFor, prepareData, trainModel, type TrainResult } from '../train/trainer';
import { round, sig3 } from './common';
import { checkpoint, ExperimentCancelled, type Experiment, type ExperimentContext, type Figure } from './types';

interface Run {
  name: string;
  steps: number[];
  trainLoss: number[];
  gradNorm: number[];
  seconds: number[];
  valSteps: number[];
  valLoss: number[];
  valSeconds: number[];
  result: TrainResult;
  parameters: number;
}

/** Trains one configuration on `text`, recording every progress event. */
async function record(name: string, text: string, input: TrainConfigInput, ctx: ExperimentContext, share: [number, number], prepare?: (m: ReturnType<typeof modelFor>) => void): Promise<Run> {
  const config = parseTrainConfig({ progressIntervalMs: 0, sampleInterval: 0, ...input }); // every step recorded
  const data = prepareData(text, config);
  const model = modelFor(config, data.vocabulary.size);
  prepare?.(model);
  const run: Run = { name, steps: [], trainLoss: [], gradNorm: [], seconds: [], valSteps: [], valLoss: [], valSeconds: [], result: undefined as unknown as TrainResult, parameters: model.parameterCount() };
  try {
    const gen = trainModel(model, data, config, {}, ctx.signal);
    for (;;) {
      const next = await gen.next();
      if (next.done) {
        run.result = next.value;
        break;
      }
      const e = next.value;
      if (e.kind !== 'progress' || e.step === 0) continue;
      if (run.steps.at(-1) !== e.step) {
        run.steps.push(e.step);
        run.trainLoss.push(round(e.trainLoss));
        run.gradNorm.push(round(e.gradNorm));
        run.seconds.push(round(e.elapsedSeconds));
      }
      if (e.evaluated && e.valLoss !== null) {
        run.valSteps.push(e.step);
        run.valLoss.push(round(e.valLoss));
        run.valSeconds.push(round(e.elapsedSeconds));
      }
      ctx.progress(share[0] + share[1] * (e.step / config.steps), `${name}: step ${e.step}`);
    }
  } finally {
    model.dispose();
  }
  if (run.result.reason === 'cancelled') throw new ExperimentCancelled();
  await checkpoint(ctx);
  return run;
}

/** Series over a shared x (the union of steps), null where a run has no point. */
function aligned(runs: Run[], pick: (r: Run) => [number[], number[]]): Pick<Figure, 'x' | 'series'> {
  const x = [...new Set(runs.flatMap((r) => pick(r)[0]))].sort((a, b) => a - b);
  return {
    x,
    series: runs.map((r) => {
      const [xs, ys] = pick(r);
      const at = new Map(xs.map((v, i) => [v, ys[i]]));
      return { name: r.name, y: x.map((v) => at.get(v) ?? null) };
    }),
  };
}

/** A mark at the last finite point of each run that diverged: "diverged (NaN) at step N". */
function divergenceMarks(runs: Run[], pick: (r: Run) => number[]): NonNullable<Figure['marks']> {
  return runs.flatMap((r) => {
    if (r.result.reason !== 'diverged') return [];
    const ys = pick(r);
    let i = ys.length - 1;
    while (i >= 0 && !(Number.isFinite(ys[i]) && ys[i] > 0)) i--;
    return i >= 0 ? [{ series: r.name, x: r.steps[i], y: ys[i], label: `${r.name}: diverged (NaN) at step ${r.result.steps + 1}` }] : [];
  });
}

const explodingSchema = z.object({
  clipNorms: z.array(z.number().min(0)).min(1).default([0, 1, 5]), // 0 = no clipping
  hidden: z.number().int().min(1).max(1024).default(128),
  seqLen: z.number().int().min(2).max(1000).default(100),
  steps: z.number().int().min(1).max(100_000).default(120),
  learningRate: z.number().gt(0).max(10).default(0.1),
  // The ReLU RNN's W_hh is multiplied by this. At PyTorch's own initialisation (1) it did not
  // explode within 120 steps here (largest gradient norm 1.9); at 1.5 it diverges unclipped.
  reluRecurrentScale: z.number().gt(0).max(100).default(1.5),
  tanhRecurrentScale: z.number().gt(0).max(100).default(3), // the tanh RNN's W_hh is multiplied by this
  seed: z.number().int().min(0).default(1),
}).strict();

export interface ExplodingResult {
  runs: Array<{ name: string; clipNorm: number; reason: string; divergedAtStep: number | null; finalTrainLoss: number | null; maxGradNorm: number }>;
}

export const explodingGradients: Experiment<typeof explodingSchema, ExplodingResult> = {
  name: 'exploding-gradients',
  title: 'Exploding gradients, and clipping',
  description: 'The chapter says a ReLU RNN\'s gradients can explode (and a tanh RNN\'s with large recurrent weights), and that clipping the gradient norm stops it. '
    + 'The figures show the training loss and the gradient norm for each run, with clipping off and at a few thresholds; a run whose loss becomes NaN or infinite stops there, and the table gives that step.',
  schema: explodingSchema,
  async run(c, ctx) {
    const text = generateCorpus(60_000);
    const configs = [
      ...c.clipNorms.map((clip) => ({ name: `relu${c.reluRecurrentScale !== 1 ? ` x${c.reluRecurrentScale}` : ''}, ${clip ? `clip ${clip}` : 'no clip'}`, cell: 'rnn-relu' as const, clip, scale: c.reluRecurrentScale })),
      ...c.clipNorms.filter((v) => v === 0 || v === Math.min(...c.clipNorms.filter((x) => x > 0))).map((clip) => ({ name: `tanh x${c.tanhRecurrentScale}, ${clip ? `clip ${clip}` : 'no clip'}`, cell: 'rnn-tanh' as const, clip, scale: c.tanhRecurrentScale })),
    ];
    const runs: Run[] = [];
    for (const [i, cfg] of configs.entries()) {
      runs.push(await record(cfg.name, text, {
        cell: cfg.cell, hidden: c.hidden, embed: 32, seqLen: c.seqLen, batch: 16, steps: c.steps, optimizer: 'sgd', lr: c.learningRate,
        momentum: 0.9, clipNorm: cfg.clip, evalInterval: c.steps, seed: c.seed,
      }, ctx, [i / configs.length, 1 / configs.length], cfg.scale !== 1 ? (m) => {
        const sd = m.stateDict();
        m.rnn.loadStateDict({ weight_hh_l0: tf.mul(sd['rnn.weight_hh_l0'], cfg.scale) }, false);
      } : undefined));
    }
    const result: ExplodingResult = {
      runs: runs.map((r, i) => ({
        name: r.name, clipNorm: configs[i].clip, reason: r.result.reason,
        divergedAtStep: r.result.reason === 'diverged' ? r.result.steps + 1 : null,
        finalTrainLoss: r.result.reason === 'diverged' ? null : r.result.trainLoss, maxGradNorm: round(Math.max(...r.gradNorm.filter(Number.isFinite), 0)),
      })),
    };
    return {
      result,
      figures: [
        {
          id: 'loss', title: 'Training loss (log scale)', caption: 'Find the unclipped runs: where a loss becomes NaN the line ends at a mark saying so; the clipped runs keep training. A log scale keeps a spike from hiding the rest.',
          xLabel: 'step', yLabel: 'training loss (nats/char)', logY: true, ...aligned(runs, (r) => [r.steps, r.trainLoss]), marks: divergenceMarks(runs, (r) => r.trainLoss),
        },
        {
          id: 'grad', title: 'Gradient norm before clipping (log scale)', caption: 'Unclipped, the gradient norm grows by orders of magnitude before the loss breaks; with clipping each step is capped, whatever this norm is.',
          xLabel: 'step', yLabel: '||g|| (before clipping)', logY: true, ...aligned(runs, (r) => [r.steps, r.gradNorm]), marks: divergenceMarks(runs, (r) => r.gradNorm),
        },
      ],
      table: [['run', 'stopped', 'diverged at step', 'final train loss', 'max gradient norm'], ...result.runs.map((r) => [r.name, r.reason, r.divergedAtStep ?? '-', r.finalTrainLoss ?? '-', r.maxGradNorm])],
      headline: result.runs.map((r) => `${r.name}: ${r.divergedAtStep ? `diverged (NaN) at step ${r.divergedAtStep}` : `loss ${sig3(r.finalTrainLoss)}`}`).join('; '),
    };
  },
};

const normSchema = z.object({
  cell: z.enum(CELL_TYPES).default('rnn-tanh'),
  hidden: z.number().int().min(1).max(1024).default(128),
  seqLen: z.number().int().min(2).max(1000).default(50),
  steps: z.number().int().min(1).max(100_000).default(150),
  learningRate: z.number().gt(0).max(10).default(3e-3),
  normalizations: z.array(z.enum(NORMALIZATIONS)).min(1).default(['none', 'layer', 'batch']),
  seed: z.number().int().min(0).default(1),
}).strict();

export const normalization: Experiment<typeof normSchema, { finalValLoss: Record<string, number>; seconds: Record<string, number> }> = {
  name: 'normalization',
  title: 'Normalisation of the recurrence',
  description: 'The chapter recommends normalisation (it names batch norm) to help recurrent networks train. The same model, data and seed are trained with no normalisation, layer normalisation and recurrent batch normalisation; '
    + 'the figures show validation loss against steps and against wall time (normalised cells run step by step, so each step costs more).',
  schema: normSchema,
  async run(c, ctx) {
    const text = generateCorpus(60_000);
    const runs: Run[] = [];
    for (const [i, norm] of c.normalizations.entries()) {
      runs.push(await record(norm, text, {
        cell: c.cell, hidden: c.hidden, embed: 32, seqLen: c.seqLen, batch: 16, steps: c.steps, lr: c.learningRate, normalization: norm,
        evalInterval: Math.max(1, Math.floor(c.steps / 10)), evalWindows: 32, seed: c.seed,
      }, ctx, [i / c.normalizations.length, 1 / c.normalizations.length]));
    }
    const finalValLoss = Object.fromEntries(runs.map((r) => [r.name, r.valLoss.at(-1)!]));
    const seconds = Object.fromEntries(runs.map((r) => [r.name, r.seconds.at(-1)!]));
    return {
      result: { finalValLoss, seconds },
      figures: [
        { id: 'steps', title: 'Validation loss against steps', caption: 'Lower is better: the line that falls fastest per step learns fastest per step.', xLabel: 'step', yLabel: 'validation loss (nats/char)', shareY: 'val', ...aligned(runs, (r) => [r.valSteps, r.valLoss]) },
        { id: 'time', title: 'Validation loss against wall time', caption: 'The same runs against seconds: normalised cells run step by step, so each step costs more; here the cheapest route to a low loss wins.', xLabel: 'seconds', yLabel: 'validation loss (nats/char)', shareY: 'val', ...aligned(runs, (r) => [r.valSeconds, r.valLoss]) },
      ],
      table: [['normalisation', 'final validation loss', 'seconds'], ...runs.map((r) => [r.name, finalValLoss[r.name], seconds[r.name]])],
      headline: runs.map((r) => `${r.name}: validation loss ${sig3(finalValLoss[r.name])} in ${sig3(seconds[r.name])} s`).join('; '),
    };
  },
};

const versusSchema = z.object({
  text: z.string().optional(), // the user's text (selection or file); the built-in corpus when absent
  maxCharacters: z.number().int().min(1_000).max(50_000_000).default(20_000), // the first this-many characters: the run's time does not grow with the file
  hidden: z.number().int().min(1).max(1024).default(128),
  layers: z.number().int().min(1).max(4).default(1),
  seqLen: z.number().int().min(2).max(1000).default(64),
  batch: z.number().int().min(1).max(256).default(32),
  steps: z.number().int().min(1).max(100_000).default(150),
  optimizer: z.enum(OPTIMIZER_NAMES).default('adam'),
  learningRate: z.number().gt(0).max(10).default(3e-3),
  seed: z.number().int().min(0).default(1),
}).strict();

export const lstmVsGru: Experiment<typeof versusSchema, { parameters: Record<string, number>; finalValLoss: Record<string, number>; bestValLoss: Record<string, number>; seconds: Record<string, number> }> = {
  name: 'lstm-vs-gru',
  title: 'LSTM against GRU on your text',
  description: 'The chapter compares the LSTM (three gates and a cell state) with the GRU (two gates, no separate cell state): the GRU has fewer parameters and often learns as well. '
    + 'Both train on the same text (its first 20,000 characters by default, `maxCharacters`) with the same settings; the figures show validation loss against steps and against wall time, and the table their parameter counts.',
  schema: versusSchema,
  async run(c, ctx) {
    const text = [...(c.text ?? generateCorpus(80_000))].slice(0, c.maxCharacters).join('');
    const runs: Run[] = [];
    for (const [i, cell] of (['lstm', 'gru'] as const).entries()) {
      runs.push(await record(cell, text, {
        cell, hidden: c.hidden, layers: c.layers, embed: 32, seqLen: c.seqLen, batch: c.batch, steps: c.steps, optimizer: c.optimizer, lr: c.learningRate,
        evalInterval: Math.max(1, Math.floor(c.steps / 10)), seed: c.seed,
      }, ctx, [i / 2, 1 / 2]));
    }
    const by = <T>(f: (r: Run) => T) => Object.fromEntries(runs.map((r) => [r.name, f(r)])) as Record<string, T>;
    const result = { parameters: by((r) => r.parameters), finalValLoss: by((r) => r.valLoss.at(-1)!), bestValLoss: by((r) => round(r.result.bestValLoss ?? NaN)), seconds: by((r) => r.seconds.at(-1)!) };
    return {
      result,
      figures: [
        { id: 'steps', title: 'Validation loss against steps', caption: 'Lower is better: compare the two lines step for step on the same text.', xLabel: 'step', yLabel: 'validation loss (nats/char)', shareY: 'val', ...aligned(runs, (r) => [r.valSteps, r.valLoss]) },
        { id: 'time', title: 'Validation loss against wall time', caption: 'The same runs against seconds: the GRU has fewer parameters and does less work per step.', xLabel: 'seconds', yLabel: 'validation loss (nats/char)', shareY: 'val', ...aligned(runs, (r) => [r.valSeconds, r.valLoss]) },
      ],
      // Parameter counts are exact (a PyTorch user checks them with sum(p.numel())): text, not a rounded number.
      table: [['cell', 'parameters', 'final validation loss', 'best validation loss', 'seconds'], ...runs.map((r) => [r.name, result.parameters[r.name].toLocaleString('en'), result.finalValLoss[r.name], result.bestValLoss[r.name], result.seconds[r.name]])],
      headline: runs.map((r) => `${r.name}: ${result.parameters[r.name].toLocaleString('en')} parameters, validation loss ${sig3(result.finalValLoss[r.name])} in ${sig3(result.seconds[r.name])} s`).join('; '),
    };
  },
};
