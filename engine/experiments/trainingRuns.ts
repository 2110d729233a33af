/**
 * exploding-gradients, normalization and lstm-vs-gru: experiments made of ordinary
 * character-model training runs (the same loop as `seqlab train`), compared.
 */
import { z } from 'zod';
import { tf } from '../core/backend';
import { CELL_TYPES, NORMALIZATIONS, OPTIMIZER_NAMES, type CellType, type Normalization } from '../core/names';
import { generateCorpus } from '../text/generated-corpus';
import { parseTrainConfig, type TrainConfigInput } from '../train/config';
import { LocalSteps } from '../train/step';
import { modelFor, prepareData, trainModel, type TrainResult } from '../train/trainer';
import { meanOf, meanRange, ofSeeds, round, SEEDS_DEFAULT, seedBand, seedsFrom, sig3 } from './common';
import { checkpoint, ExperimentCancelled, type Experiment, type Figure, type RunContext } from './types';

/** One training run, as recorded: plain JSON (it comes back from a worker thread). */
interface Run {
  name: string;
  seed: number;
  steps: number[];
  trainLoss: number[];
  gradNorm: number[];
  seconds: number[];
  valSteps: number[];
  valLoss: number[];
  valSeconds: number[];
  result: Omit<TrainResult, 'state'>;
  parameters: number;
}

/** Trains one configuration on `text`, recording every progress event. */
async function record(name: string, seed: number, text: string, input: TrainConfigInput, ctx: RunContext, prepare?: (m: ReturnType<typeof modelFor>) => void): Promise<Run> {
  const config = parseTrainConfig({ progressIntervalMs: 0, sampleInterval: 0, ...input, seed }); // every step recorded
  const data = prepareData(text, config);
  const model = modelFor(config, data.vocabulary.size);
  prepare?.(model);
  const steps = LocalSteps.forConfig(model, config);
  const run: Run = { name, seed, steps: [], trainLoss: [], gradNorm: [], seconds: [], valSteps: [], valLoss: [], valSeconds: [], result: undefined as unknown as TrainResult, parameters: model.parameterCount() };
  try {
    // One thread per run: the experiment's runs are already spread over the cores (pool.ts).
    const gen = trainModel(model, steps, data, config, {}, ctx.signal);
    for (;;) {
      const next = await gen.next();
      if (next.done) {
        const { state: _state, ...result } = next.value; // the training state (curves, optimizer) stays here
        run.result = result;
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
      ctx.progress(e.step / config.steps, `step ${e.step}`);
    }
  } finally {
    await steps.dispose();
    model.dispose();
  }
  if (run.result.reason === 'cancelled') throw new ExperimentCancelled();
  await checkpoint(ctx);
  return run;
}

/** Runs grouped by name (one per seed), in first-seen order. */
function byName(runs: Run[]): Array<[string, Run[]]> {
  const groups = new Map<string, Run[]>();
  for (const r of runs) groups.set(r.name, [...(groups.get(r.name) ?? []), r]);
  return [...groups];
}

/**
 * One series per name: the mean over its seeds with the min-max band, over a shared x
 * (the union of the groups' x), null where a group has no point. `pick` gives a run's x
 * and y; a group's x is the mean over seeds at each index (steps agree; seconds differ).
 */
function banded(runs: Run[], pick: (r: Run) => [number[], number[]], geometric = false): Pick<Figure, 'x' | 'series'> {
  const groups = byName(runs).map(([name, rs]) => {
    const length = Math.max(...rs.map((r) => pick(r)[0].length));
    const xs = Array.from({ length }, (_, i) => round(meanOf(rs.map((r) => pick(r)[0][i]).filter((v) => v !== undefined)), 6));
    return { name, xs, ...seedBand(rs.map((r) => pick(r)[1]), geometric) };
  });
  const x = [...new Set(groups.flatMap((g) => g.xs))].sort((a, b) => a - b);
  const onX = (g: (typeof groups)[number], ys: Array<number | null>) => {
    const at = new Map(g.xs.map((v, i) => [v, ys[i] ?? null]));
    return x.map((v) => at.get(v) ?? null);
  };
  return { x, series: groups.map((g) => ({ name: g.name, y: onX(g, g.y), band: { lower: onX(g, g.band.lower), upper: onX(g, g.band.upper) } })) };
}

/** For each name with diverged seeds, a mark where its mean line ends: "diverged (NaN) in 3 of 3 seeds (steps 6-9)". */
function divergenceMarks(runs: Run[], figure: Pick<Figure, 'x' | 'series'>, seeds: number): NonNullable<Figure['marks']> {
  return byName(runs).flatMap(([name, rs]) => {
    const at = rs.filter((r) => r.result.reason === 'diverged').map((r) => r.result.steps + 1);
    if (!at.length) return [];
    const y = figure.series.find((sr) => sr.name === name)!.y;
    let i = y.length - 1;
    while (i >= 0 && !(typeof y[i] === 'number' && Number.isFinite(y[i]) && y[i]! > 0)) i--;
    const steps = Math.min(...at) === Math.max(...at) ? `step ${at[0]}` : `steps ${Math.min(...at)}–${Math.max(...at)}`;
    return i >= 0 ? [{ series: name, x: figure.x[i], y: y[i]!, label: `${name}: diverged (NaN) in ${ofSeeds(at.length, seeds)} (${steps})` }] : [];
  });
}

const explodingSchema = z.object({
  clipNorms: z.array(z.number().min(0)).min(1).default([0, 1, 5]), // 0 = no clipping
  hidden: z.number().int().min(1).max(1024).default(128),
  seqLen: z.number().int().min(2).max(1000).default(100),
  steps: z.number().int().min(1).max(100_000).default(120),
  learningRate: z.number().gt(0).max(10).default(0.1),
  // The ReLU RNN's W_hh is multiplied by this (see the description for the measurement behind it).
  reluRecurrentScale: z.number().gt(0).max(100).default(2.5),
  tanhRecurrentScale: z.number().gt(0).max(100).default(3), // the tanh RNN's W_hh is multiplied by this
  seeds: z.number().int().min(1).max(20).default(SEEDS_DEFAULT),
  seed: z.number().int().min(0).default(1),
}).strict();

export interface ExplodingResult {
  seeds: number[];
  /** Per configuration: how many seeds diverged, at which steps, and the largest gradient norm over seeds. */
  configs: Array<{ name: string; clipNorm: number; scale: number; diverged: number; divergedAtSteps: number[]; finalTrainLoss: number | null; maxGradNorm: number }>;
  /** Every run (configuration x seed). */
  runs: Array<{ name: string; seed: number; clipNorm: number; reason: string; divergedAtStep: number | null; finalTrainLoss: number | null; maxGradNorm: number }>;
}

type ExplodingJob = { name: string; cell: 'rnn-relu' | 'rnn-tanh'; clip: number; scale: number; seed: number };

function explodingConfigs(c: z.output<typeof explodingSchema>) {
  const scaled = (scale: number) => (scale !== 1 ? ` x${scale}` : '');
  const smallestClip = Math.min(...c.clipNorms.filter((x) => x > 0));
  return [
    ...c.clipNorms.map((clip) => ({ name: `relu${scaled(c.reluRecurrentScale)}, ${clip ? `clip ${clip}` : 'no clip'}`, cell: 'rnn-relu' as const, clip, scale: c.reluRecurrentScale })),
    // PyTorch's own initialisation, unclipped: the contrast that makes the scale the cause.
    ...(c.reluRecurrentScale !== 1 ? [{ name: 'relu x1 (PyTorch init), no clip', cell: 'rnn-relu' as const, clip: 0, scale: 1 }] : []),
    ...c.clipNorms.filter((v) => v === 0 || v === smallestClip).map((clip) => ({ name: `tanh${scaled(c.tanhRecurrentScale)}, ${clip ? `clip ${clip}` : 'no clip'}`, cell: 'rnn-tanh' as const, clip, scale: c.tanhRecurrentScale })),
  ];
}

export const explodingGradients: Experiment<typeof explodingSchema, ExplodingResult, ExplodingJob, Run> = {
  name: 'exploding-gradients',
  title: 'Exploding gradients, and clipping',
  description: 'The chapter says a ReLU RNN\'s gradients can explode (and a tanh RNN\'s with large recurrent weights), and that clipping the gradient norm stops it. '
    + 'The figures show the training loss and the gradient norm (mean of 3 seeds on a log scale, band = range) for the ReLU RNN with its recurrent weights W_hh x 2.5, unclipped and clipped, for the same RNN at PyTorch\'s initialisation, and for a tanh RNN with W_hh x 3; a run whose loss becomes NaN stops there, and a mark says in how many seeds and at which steps. '
    + 'Measured (SGD with momentum, lr 0.1, 120 steps): with W_hh x 2.5 the unclipped ReLU RNN diverges in every seed (seeds 1-6, by step 2-8); at x 2 in 2 of seeds 1-3 and 3 of seeds 4-6; at x 1.5 in 1 of 3; at PyTorch\'s x 1 in none (largest gradient norm 2-5). Every clipped run trains.',
  schema: explodingSchema,
  plan(c) {
    return seedsFrom(c.seed, c.seeds).flatMap((seed) => explodingConfigs(c).map((cfg) => ({ label: `${cfg.name}, seed ${seed}`, cost: cfg.cell === 'rnn-relu' && !cfg.clip ? 0.5 : 1, job: { ...cfg, seed } })));
  },
  async runOne(c, job, ctx) {
    return record(job.name, job.seed, generateCorpus(60_000), {
      cell: job.cell, hidden: c.hidden, embed: 32, seqLen: c.seqLen, batch: 16, steps: c.steps, optimizer: 'sgd', lr: c.learningRate,
      momentum: 0.9, clipNorm: job.clip, evalInterval: c.steps,
    }, ctx, job.scale !== 1 ? (m) => {
      const sd = m.stateDict();
      m.rnn.loadStateDict({ weight_hh_l0: tf.mul(sd['rnn.weight_hh_l0'], job.scale) }, false);
    } : undefined);
  },
  summarize(c, runs) {
    const seeds = seedsFrom(c.seed, c.seeds);
    const maxNorm = (r: Run) => round(Math.max(...r.gradNorm.filter(Number.isFinite), 0));
    const divergedAt = (r: Run) => (r.result.reason === 'diverged' ? r.result.steps + 1 : null);
    const result: ExplodingResult = {
      seeds,
      runs: runs.map((r) => ({ name: r.name, seed: r.seed, clipNorm: explodingConfigs(c).find((x) => x.name === r.name)!.clip, reason: r.result.reason, divergedAtStep: divergedAt(r), finalTrainLoss: r.result.reason === 'diverged' ? null : r.result.trainLoss, maxGradNorm: maxNorm(r) })),
      configs: explodingConfigs(c).map((cfg) => {
        const rs = runs.filter((r) => r.name === cfg.name);
        const at = rs.map(divergedAt).filter((v): v is number => v !== null);
        const finals = rs.filter((r) => r.result.reason !== 'diverged').map((r) => r.result.trainLoss ?? NaN);
        return { name: cfg.name, clipNorm: cfg.clip, scale: cfg.scale, diverged: at.length, divergedAtSteps: at, finalTrainLoss: finals.length ? round(meanOf(finals), 6) : null, maxGradNorm: Math.max(...rs.map(maxNorm)) };
      }),
    };
    const loss = banded(runs, (r) => [r.steps, r.trainLoss], true);
    const grad = banded(runs, (r) => [r.steps, r.gradNorm], true);
    const outcome = (k: ExplodingResult['configs'][number]) => (k.diverged ? `diverged in ${ofSeeds(k.diverged, seeds.length)} (step${k.divergedAtSteps.length > 1 ? 's' : ''} ${k.divergedAtSteps.join(', ')})` : `trained in ${ofSeeds(seeds.length, seeds.length)}, largest gradient norm ${sig3(k.maxGradNorm)}`);
    return {
      result,
      figures: [
        {
          id: 'loss', title: `Training loss (log scale; mean of ${seeds.length} seeds, band = range)`, caption: 'Find the unclipped runs: where a loss becomes NaN the line ends at a mark saying in how many seeds; the clipped runs keep training. A log scale keeps a spike from hiding the rest.',
          xLabel: 'step', yLabel: 'training loss (nats/char)', logY: true, ...loss, marks: divergenceMarks(runs, loss, seeds.length),
        },
        {
          id: 'grad', title: 'Gradient norm before clipping (log scale)', caption: 'Unclipped, the gradient norm grows by orders of magnitude before the loss breaks; with clipping each step is capped, whatever this norm is. PyTorch\'s own initialisation (x1) stays far below.',
          xLabel: 'step', yLabel: '||g|| (before clipping)', logY: true, ...grad, marks: divergenceMarks(runs, grad, seeds.length),
        },
      ],
      table: [['run', 'diverged (NaN)', 'final train loss (mean)', 'max gradient norm'], ...result.configs.map((k) => [k.name, k.diverged ? `${ofSeeds(k.diverged, seeds.length)}, step${k.divergedAtSteps.length > 1 ? 's' : ''} ${k.divergedAtSteps.join(', ')}` : `0 of ${seeds.length}`, k.finalTrainLoss ?? '-', k.maxGradNorm])],
      headline: result.configs.map((k) => `${k.name}: ${outcome(k)}`).join('; '),
    };
  },
};

const normSchema = z.object({
  // The LSTM is Cooijmans et al.'s (2016) setting; the tanh RNN is a second panel.
  cells: z.array(z.enum(CELL_TYPES)).min(1).default(['lstm', 'rnn-tanh']),
  hidden: z.number().int().min(1).max(1024).default(64),
  seqLen: z.number().int().min(2).max(1000).default(32),
  steps: z.number().int().min(1).max(100_000).default(100),
  learningRate: z.number().gt(0).max(10).default(3e-3),
  normalizations: z.array(z.enum(NORMALIZATIONS)).min(1).default(['none', 'layer', 'batch']),
  // Recurrent batch norm's initial gain (gamma): Cooijmans et al. recommend 0.1; it decides the tanh RNN's result.
  bnGain: z.number().gt(0).max(10).default(0.1),
  seeds: z.number().int().min(1).max(20).default(SEEDS_DEFAULT),
  seed: z.number().int().min(0).default(1),
}).strict();

export interface NormalizationResult {
  seeds: number[];
  /** `${cell}/${normalization}` -> final validation loss, mean over seeds. */
  finalValLoss: Record<string, number>;
  /** `${cell}/${normalization}` -> seconds, mean over seeds. */
  seconds: Record<string, number>;
  /** Cell -> normalisation -> in how many seeds it ended below no normalisation. */
  beatsNone: Record<string, Record<string, number>>;
  runs: Array<{ cell: string; normalization: string; seed: number; finalValLoss: number; seconds: number }>;
}

export const normalization: Experiment<typeof normSchema, NormalizationResult, { cell: CellType; norm: Normalization; seed: number }, Run> = {
  name: 'normalization',
  title: 'Normalisation of the recurrence',
  description: 'The chapter recommends normalisation (it names batch norm) to help recurrent networks train; Cooijmans et al. (2016) showed recurrent batch norm speeding up the LSTM. The same model, data and seeds are trained with no normalisation, layer normalisation and recurrent batch normalisation (gain 0.1, as in the paper), for an LSTM and, in a second panel, a tanh RNN; '
    + 'the figures show validation loss against steps and against wall time (mean of 3 seeds, band = range; normalised cells run step by step, so each step costs more). '
    + 'Measured with these defaults (100 steps): for the LSTM, layer and batch norm end below no normalisation in 3 of 3 seeds (mean validation loss 1.28 and 1.76 against 2.06); for the tanh RNN, layer norm does in 3 of 3, batch norm with gain 0.1 in only 1 of 3 (1.72 against 1.69), and with `bnGain` 1 in 3 of 3 (about 1.36).',
  schema: normSchema,
  plan(c) {
    return seedsFrom(c.seed, c.seeds).flatMap((seed) => c.cells.flatMap((cell) => c.normalizations.map((norm) => ({
      label: `${cell}, ${norm}, seed ${seed}`, cost: (cell === 'lstm' ? 2 : 1) * (norm === 'none' ? 0.3 : norm === 'batch' ? 1.3 : 1), job: { cell, norm, seed },
    }))));
  },
  async runOne(c, { cell, norm, seed }, ctx) {
    return record(`${cell}/${norm}`, seed, generateCorpus(60_000), {
      cell, hidden: c.hidden, embed: 32, seqLen: c.seqLen, batch: 16, steps: c.steps, lr: c.learningRate, normalization: norm,
      evalInterval: Math.max(1, Math.floor(c.steps / 10)), evalWindows: 32,
    }, ctx, norm === 'batch' && c.bnGain !== 0.1 ? (m) => {
      const sd = m.rnn.stateDict();
      m.rnn.loadStateDict(Object.fromEntries(Object.keys(sd).filter((k) => /^bn_(ih|hh|c)_weight/.test(k)).map((k) => [k, tf.fill(sd[k].shape, c.bnGain)])), false);
    } : undefined);
  },
  summarize(c, runs) {
    const seeds = seedsFrom(c.seed, c.seeds);
    const final = (r: Run) => r.valLoss.at(-1)!;
    const result: NormalizationResult = {
      seeds, finalValLoss: {}, seconds: {}, beatsNone: {},
      runs: runs.map((r) => ({ cell: r.name.split('/')[0], normalization: r.name.split('/')[1], seed: r.seed, finalValLoss: final(r), seconds: r.seconds.at(-1)! })),
    };
    for (const [name, rs] of byName(runs)) {
      result.finalValLoss[name] = round(meanOf(rs.map(final)), 6);
      result.seconds[name] = round(meanOf(rs.map((r) => r.seconds.at(-1)!)), 6);
    }
    for (const cell of c.cells) {
      result.beatsNone[cell] = {};
      for (const norm of c.normalizations.filter((n) => n !== 'none')) {
        result.beatsNone[cell][norm] = seeds.filter((seed) => {
          const pick = (n: string) => runs.find((r) => r.name === `${cell}/${n}` && r.seed === seed);
          const a = pick(norm);
          const b = pick('none');
          return a && b ? final(a) < final(b) : false;
        }).length;
      }
    }
    const ofCell = (cell: string) => runs.filter((r) => r.name.startsWith(`${cell}/`)).map((r) => ({ ...r, name: r.name.split('/')[1] }));
    const claims = c.normalizations.includes('none') ? c.cells.map((cell) => `${cell}: ${Object.entries(result.beatsNone[cell]).map(([n, k]) => `${n} norm below none in ${ofSeeds(k, seeds.length)}`).join(', ')}`).filter((v) => !v.endsWith(': ')) : [];
    return {
      result,
      figures: c.cells.flatMap((cell) => [
        { id: `${cell}-steps`, title: `${cell}: validation loss against steps (mean of ${seeds.length} seeds, band = range)`, caption: cell === 'lstm' ? 'Lower is better: the line that falls fastest per step learns fastest per step. This is the paper\'s setting, an LSTM.' : `The same for a tanh RNN: with batch norm's gain at ${c.bnGain} its recurrence starts weak (set bnGain to 1 to compare).`, xLabel: 'step', yLabel: 'validation loss (nats/char)', shareY: 'val', ...banded(ofCell(cell), (r) => [r.valSteps, r.valLoss]) },
        { id: `${cell}-time`, title: `${cell}: validation loss against wall time`, caption: 'The same runs against seconds: normalised cells run step by step, so each step costs more; here the cheapest route to a low loss wins.', xLabel: 'seconds', yLabel: 'validation loss (nats/char)', shareY: 'val', ...banded(ofCell(cell), (r) => [r.valSeconds, r.valLoss]) },
      ]),
      table: [['cell', 'normalisation', 'final validation loss (mean, range)', 'seconds (mean)'], ...byName(runs).map(([name, rs]) => [name.split('/')[0], name.split('/')[1], meanRange(rs.map(final)), result.seconds[name]])],
      headline: claims.length ? `${claims.join('; ')} (final validation loss, mean: ${Object.entries(result.finalValLoss).map(([k, v]) => `${k} ${sig3(v)}`).join(', ')}).` : Object.entries(result.finalValLoss).map(([k, v]) => `${k}: validation loss ${sig3(v)}`).join('; '),
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
  seeds: z.number().int().min(1).max(20).default(SEEDS_DEFAULT),
  seed: z.number().int().min(0).default(1),
}).strict();

export interface VersusResult {
  seeds: number[];
  parameters: Record<string, number>;
  /** Means over seeds. */
  finalValLoss: Record<string, number>;
  bestValLoss: Record<string, number>;
  seconds: Record<string, number>;
  /** Each run; `initialValLoss` is before its first step, so a run that learned nothing shows it. */
  runs: Array<{ cell: string; seed: number; initialValLoss: number; finalValLoss: number; bestValLoss: number; seconds: number }>;
}

export const lstmVsGru: Experiment<typeof versusSchema, VersusResult, { cell: 'lstm' | 'gru'; seed: number }, Run> = {
  name: 'lstm-vs-gru',
  title: 'LSTM against GRU on your text',
  description: 'The chapter compares the LSTM (three gates and a cell state) with the GRU (two gates, no separate cell state): the GRU has fewer parameters and often learns as well. '
    + 'Both train on the same text (its first 20,000 characters by default, `maxCharacters`) with the same settings and 3 seeds; the figures show validation loss against steps and against wall time (mean, band = range), and the table their parameter counts.',
  schema: versusSchema,
  plan(c) {
    return seedsFrom(c.seed, c.seeds).flatMap((seed) => (['lstm', 'gru'] as const).map((cell) => ({ label: `${cell}, seed ${seed}`, cost: cell === 'lstm' ? 1.2 : 1, job: { cell, seed } })));
  },
  async runOne(c, { cell, seed }, ctx) {
    const text = [...(c.text ?? generateCorpus(80_000))].slice(0, c.maxCharacters).join('');
    return record(cell, seed, text, {
      cell, hidden: c.hidden, layers: c.layers, embed: 32, seqLen: c.seqLen, batch: c.batch, steps: c.steps, optimizer: c.optimizer, lr: c.learningRate,
      evalInterval: Math.max(1, Math.floor(c.steps / 10)),
    }, ctx);
  },
  summarize(c, runs) {
    const seeds = seedsFrom(c.seed, c.seeds);
    const groups = byName(runs);
    const by = <T>(f: (rs: Run[]) => T) => Object.fromEntries(groups.map(([name, rs]) => [name, f(rs)])) as Record<string, T>;
    const result: VersusResult = {
      seeds,
      parameters: by((rs) => rs[0].parameters),
      finalValLoss: by((rs) => round(meanOf(rs.map((r) => r.valLoss.at(-1)!)), 6)),
      bestValLoss: by((rs) => round(meanOf(rs.map((r) => r.result.bestValLoss ?? NaN)), 6)),
      seconds: by((rs) => round(meanOf(rs.map((r) => r.seconds.at(-1)!)), 6)),
      runs: runs.map((r) => ({ cell: r.name, seed: r.seed, initialValLoss: round(r.result.initialValLoss ?? NaN), finalValLoss: r.valLoss.at(-1)!, bestValLoss: round(r.result.bestValLoss ?? NaN), seconds: r.seconds.at(-1)! })),
    };
    const gruBetter = seeds.filter((seed) => {
      const f = (cell: string) => runs.find((r) => r.name === cell && r.seed === seed)?.valLoss.at(-1) ?? NaN;
      return f('gru') < f('lstm');
    }).length;
    return {
      result,
      figures: [
        { id: 'steps', title: `Validation loss against steps (mean of ${seeds.length} seeds, band = range)`, caption: 'Lower is better: compare the two lines step for step on the same text; the bands show how much the seeds differ.', xLabel: 'step', yLabel: 'validation loss (nats/char)', shareY: 'val', ...banded(runs, (r) => [r.valSteps, r.valLoss]) },
        { id: 'time', title: 'Validation loss against wall time', caption: 'The same runs against seconds: the GRU has fewer parameters and does less work per step.', xLabel: 'seconds', yLabel: 'validation loss (nats/char)', shareY: 'val', ...banded(runs, (r) => [r.valSeconds, r.valLoss]) },
      ],
      // Parameter counts are exact (a PyTorch user checks them with sum(p.numel())): text, not a rounded number.
      table: [['cell', 'parameters', 'final validation loss (mean, range)', 'best validation loss (mean)', 'seconds (mean)'], ...groups.map(([name, rs]) => [name, result.parameters[name].toLocaleString('en'), meanRange(rs.map((r) => r.valLoss.at(-1)!)), result.bestValLoss[name], result.seconds[name]])],
      headline: `${groups.map(([name]) => `${name}: ${result.parameters[name].toLocaleString('en')} parameters, validation loss ${sig3(result.finalValLoss[name])} in ${sig3(result.seconds[name])} s`).join('; ')} (means of ${seeds.length} seeds; the GRU ended lower in ${ofSeeds(gruBetter, seeds.length)}).`,
    };
  },
};
