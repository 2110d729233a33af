/**
 * exploding-gradients, normalization and lstm-vs-gru: experiments made of ordinary
 * character-model training runs (the same loop as `seqlab train`), compared.
 */
import { z } from 'zod';
import { tf } from '../core/backend';
import { CELL_TYPES, NORMALIZATIONS, OPTIMIZER_NAMES, type CellType, type Normalization } from '../core/names';
import { generateCorpus } from '../text/generated-corpus';
import { parseTrainConfig, type TrainConfigInput } from '../train/config';
import { prepareData } from '../train/data';
import { LocalStepper } from '../train/stepper';
import { modelFor, trainModel, type TrainResult } from '../train/trainer';
import { meanOf, meanPart, meanRange, round, SEEDS_DEFAULT, seedBand, seedsFrom, sig3 } from './common';
import { meanOfSeeds, ofSeeds, type Tr } from './lang';
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
  const stepper = LocalStepper.forConfig(model, config);
  const run: Run = { name, seed, steps: [], trainLoss: [], gradNorm: [], seconds: [], valSteps: [], valLoss: [], valSeconds: [], result: undefined as unknown as TrainResult, parameters: model.parameterCount() };
  try {
    // One thread per run: the experiment's runs are already spread over the cores (pool.ts).
    const gen = trainModel(model, stepper, data, config, {}, ctx.signal);
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
      ctx.progress(e.step / config.steps, ctx.tr(`step ${e.step}`, `第 ${e.step} 步`));
    }
  } finally {
    await stepper.dispose();
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
function divergenceMarks(runs: Run[], figure: Pick<Figure, 'x' | 'series'>, seeds: number, tr: Tr): NonNullable<Figure['marks']> {
  return byName(runs).flatMap(([name, rs]) => {
    const at = rs.filter((r) => r.result.reason === 'diverged').map((r) => r.result.steps + 1);
    if (!at.length) return [];
    const y = figure.series.find((sr) => sr.name === name)!.y;
    let i = y.length - 1;
    while (i >= 0 && !(typeof y[i] === 'number' && Number.isFinite(y[i]) && y[i]! > 0)) i--;
    const steps = Math.min(...at) === Math.max(...at) ? tr(`step ${at[0]}`, `第 ${at[0]} 步`) : tr(`steps ${Math.min(...at)}–${Math.max(...at)}`, `第 ${Math.min(...at)}–${Math.max(...at)} 步`);
    return i >= 0 ? [{ series: name, x: figure.x[i], y: y[i]!, label: tr(`${name}: diverged (NaN) in ${ofSeeds(tr, at.length, seeds)} (${steps})`, `${name}：发散（NaN），${ofSeeds(tr, at.length, seeds)}（${steps}）`) }] : [];
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
  title: { en: 'Exploding gradients, and clipping', zh: '梯度爆炸与梯度裁剪' },
  description: {
    en: 'The chapter says a ReLU RNN\'s gradients can explode (and a tanh RNN\'s with large recurrent weights), and that clipping the gradient norm stops it. '
      + 'The figures show the training loss and the gradient norm (mean of 3 seeds on a log scale, band = range) for the ReLU RNN with its recurrent weights W_hh x 2.5, unclipped and clipped, for the same RNN at PyTorch\'s initialisation, and for a tanh RNN with W_hh x 3; a run whose loss becomes NaN stops there, and a mark says in how many seeds and at which steps. '
      + 'Measured (SGD with momentum, lr 0.1, 120 steps): with W_hh x 2.5 the unclipped ReLU RNN diverges in every seed (seeds 1-6, by step 2-8); at x 2 in 2 of seeds 1-3 and 3 of seeds 4-6; at x 1.5 in 1 of 3; at PyTorch\'s x 1 in none (largest gradient norm 2-5). Every clipped run trains.',
    zh: '教材指出：ReLU RNN 的梯度可能爆炸（循环权重很大的 tanh RNN 也会），而裁剪梯度范数可以阻止它。'
      + '图中画出训练损失和梯度范数（3 个种子的平均，对数坐标，阴影 = 范围）：循环权重 W_hh 乘以 2.5 的 ReLU RNN（不裁剪与裁剪）、同一 RNN 在 PyTorch 初始化下的情形，以及 W_hh 乘以 3 的 tanh RNN；损失变成 NaN 的训练就此停止，标记写明有几个种子、在第几步。'
      + '测得（带动量的 SGD，学习率 0.1，120 步）：W_hh 乘以 2.5 时，不裁剪的 ReLU RNN 在每个种子中都发散（种子 1-6，第 2-8 步之前）；乘以 2 时，种子 1-3 中有 2 个、种子 4-6 中有 3 个发散；乘以 1.5 时 3 个中有 1 个；PyTorch 原始的乘以 1 时一个也没有（最大梯度范数 2-5）。每个裁剪过的训练都能正常训练。',
  },
  schema: explodingSchema,
  plan(c, tr) {
    return seedsFrom(c.seed, c.seeds).flatMap((seed) => explodingConfigs(c).map((cfg) => ({ label: tr(`${cfg.name}, seed ${seed}`, `${cfg.name}，种子 ${seed}`), cost: (cfg.cell === 'rnn-relu' && !cfg.clip ? 0.5 : 1) * (c.steps / 120) * (c.seqLen / 100) * (c.hidden / 128), job: { ...cfg, seed } })));
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
  summarize(c, runs, tr) {
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
    // Of the seeds run so far (all of them once the experiment is done).
    const seedsOf = (k: ExplodingResult['configs'][number]) => runs.filter((r) => r.name === k.name).length;
    const divergedText = (k: ExplodingResult['configs'][number]) => tr(`${ofSeeds(tr, k.diverged, seedsOf(k))}, step${k.divergedAtSteps.length > 1 ? 's' : ''} ${k.divergedAtSteps.join(', ')}`, `${ofSeeds(tr, k.diverged, seedsOf(k))}，第 ${k.divergedAtSteps.join('、')} 步`);
    const outcome = (k: ExplodingResult['configs'][number]) => (k.diverged
      ? tr(`diverged in ${divergedText(k)}`, `发散：${divergedText(k)}`)
      : tr(`trained in ${ofSeeds(tr, seedsOf(k), seedsOf(k))}, largest gradient norm ${sig3(k.maxGradNorm)}`, `${ofSeeds(tr, seedsOf(k), seedsOf(k))}正常训练，最大梯度范数 ${sig3(k.maxGradNorm)}`));
    // The loss panel keeps only the runs that trained: a diverged run's loss spans ten decades and flattens every other line into one.
    const trained = runs.filter((r) => !result.configs.find((k) => k.name === r.name)!.diverged);
    // ...and starts where the clipped runs' first spikes (up to 1e6 here, in the figure above) are over: from the
    // first step after which every band stays within 10 times the highest final loss, on a linear scale.
    const trainedAll = banded(trained, (r) => [r.steps, r.trainLoss], true);
    const finalHighest = Math.max(...trainedAll.series.map((sr) => sr.y.filter((v): v is number => v !== null).at(-1) ?? 0));
    const calm = (j: number) => trainedAll.series.every((sr) => (sr.band?.upper[j] ?? sr.y[j] ?? 0) <= 10 * finalHighest);
    let from = trainedAll.x.length - 1;
    while (from > 0 && calm(from - 1)) from--;
    const trainedLoss = {
      x: trainedAll.x.slice(from),
      series: trainedAll.series.map((sr) => ({ ...sr, y: sr.y.slice(from), ...(sr.band ? { band: { lower: sr.band.lower.slice(from), upper: sr.band.upper.slice(from) } } : {}) })),
    };
    const fromStep = trainedLoss.x[0] ?? 0;
    return {
      result,
      figures: [
        {
          id: 'grad', title: tr(`Gradient norm before clipping (log scale; ${meanOfSeeds(tr, seeds.length)})`, `裁剪前的梯度范数（对数坐标；${meanOfSeeds(tr, seeds.length)}）`),
          caption: tr('Unclipped, the gradient norm grows by orders of magnitude before the loss breaks (a mark says where, in how many seeds); with clipping each step is capped, whatever this norm is. PyTorch\'s own initialisation (x1) stays far below.',
            '不裁剪时，梯度范数在损失崩溃之前增长好几个数量级（标记写明在哪一步、几个种子）；裁剪后每一步都被限制住，不论这个范数多大。PyTorch 自己的初始化（x1）始终远低于它们。'),
          xLabel: tr('step', '步'), yLabel: tr('||g|| (before clipping)', '||g||（裁剪前）'), logY: true, ...grad, marks: divergenceMarks(runs, grad, seeds.length, tr),
        },
        {
          id: 'loss', title: tr(`Training loss of every run (log scale; ${meanOfSeeds(tr, seeds.length)})`, `所有训练的训练损失（对数坐标；${meanOfSeeds(tr, seeds.length)}）`),
          caption: tr('Where a loss becomes NaN the line ends at a mark saying in how many seeds; the clipped runs keep training. The next figure shows only the runs that trained, on their own scale.',
            '损失变成 NaN 的地方，线条在一个标记处结束，标记写明有几个种子；裁剪过的训练继续进行。下一张图只画正常训练的那些，用它们自己的刻度。'),
          xLabel: tr('step', '步'), yLabel: tr('training loss (nats/char)', '训练损失（nats/字符）'), logY: true, ...loss, marks: divergenceMarks(runs, loss, seeds.length, tr),
        },
        ...(trained.length && trained.length < runs.length ? [{
          id: 'loss-trained', title: tr('Training loss of the runs that trained (their own scale)', '正常训练的那些训练损失（用它们自己的刻度）'),
          caption: tr(`Zoomed in on the runs that did not diverge, from step ${fromStep} (before it, the clipped runs' first steps spike: the figure above shows them): clipping lets the ReLU RNN with large recurrent weights learn like the others.`,
            `放大看没有发散的训练，从第 ${fromStep} 步开始（在此之前，裁剪过的训练最初几步会出现尖峰，见上图）：裁剪让循环权重很大的 ReLU RNN 也能像其他模型一样学习。`),
          xLabel: tr('step', '步'), yLabel: tr('training loss (nats/char)', '训练损失（nats/字符）'), ...trainedLoss,
        }] : []),
      ],
      table: [[tr('run', '训练'), tr('diverged (NaN)', '发散（NaN）'), tr('final train loss (mean over the seeds that trained)', '最终训练损失（正常训练的种子的平均）'), tr('largest gradient norm (over seeds and steps)', '最大梯度范数（所有种子和步）')],
        ...result.configs.map((k) => [k.name, k.diverged ? divergedText(k) : ofSeeds(tr, 0, seedsOf(k)), k.finalTrainLoss ?? '–', sig3(k.maxGradNorm)])],
      headline: result.configs.map((k) => `${k.name}: ${outcome(k)}`).join(tr('; ', '；')),
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
  title: { en: 'Normalisation of the recurrence', zh: '循环中的归一化' },
  description: {
    en: 'The chapter recommends normalisation (it names batch norm) to help recurrent networks train; Cooijmans et al. (2016) showed recurrent batch norm speeding up the LSTM. The same model, data and seeds are trained with no normalisation, layer normalisation and recurrent batch normalisation (gain 0.1, as in the paper), for an LSTM and, in a second panel, a tanh RNN; '
      + 'the figures show validation loss against steps and against wall time (mean of 3 seeds, band = range; normalised cells run step by step, so each step costs more). '
      + 'Measured with these defaults (100 steps): for the LSTM, layer and batch norm end below no normalisation in 3 of 3 seeds (mean validation loss 1.28 and 1.76 against 2.06); for the tanh RNN, layer norm does in 3 of 3, batch norm with gain 0.1 in only 1 of 3 (1.72 against 1.69), and with `bnGain` 1 in 3 of 3 (about 1.36).',
    zh: '教材建议用归一化（书中提到批归一化）帮助循环网络训练；Cooijmans 等人（2016）表明循环批归一化能加快 LSTM 的训练。同一个模型、同样的数据和种子，分别不用归一化、用层归一化、用循环批归一化（增益 0.1，与论文相同）训练，单元为 LSTM，第二组图为 tanh RNN；'
      + '图中画出验证损失随步数和随实际时间的变化（3 个种子的平均，阴影 = 范围；归一化的单元逐步计算，每一步更费时）。'
      + '用这些默认值测得（100 步）：LSTM 的层归一化和批归一化在 3 个种子中都低于不归一化（平均验证损失 1.28 和 1.76，对比 2.06）；tanh RNN 的层归一化在 3 个种子中都更低，增益 0.1 的批归一化只有 1 个（1.72 对比 1.69），`bnGain` 设为 1 时 3 个都更低（约 1.36）。',
  },
  schema: normSchema,
  plan(c, tr) {
    return seedsFrom(c.seed, c.seeds).flatMap((seed) => c.cells.flatMap((cell) => c.normalizations.map((norm) => ({
      label: tr(`${cell}, ${norm}, seed ${seed}`, `${cell}，${norm}，种子 ${seed}`), cost: (cell === 'lstm' ? 2 : 1) * (norm === 'none' ? 0.3 : norm === 'batch' ? 1.3 : 1) * (c.steps / 100) * (c.seqLen / 32) * (c.hidden / 64), job: { cell, norm, seed },
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
  summarize(c, runs, tr) {
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
    // Seeds where both the normalisation and none have run (all of them once the experiment is done).
    const compared: Record<string, Record<string, number>> = {};
    for (const cell of c.cells) {
      result.beatsNone[cell] = {};
      compared[cell] = {};
      for (const norm of c.normalizations.filter((n) => n !== 'none')) {
        const pick = (n: string, seed: number) => runs.find((r) => r.name === `${cell}/${n}` && r.seed === seed);
        const both = seeds.filter((seed) => pick(norm, seed) && pick('none', seed));
        compared[cell][norm] = both.length;
        result.beatsNone[cell][norm] = both.filter((seed) => final(pick(norm, seed)!) < final(pick('none', seed)!)).length;
      }
    }
    const ofCell = (cell: string) => runs.filter((r) => r.name.startsWith(`${cell}/`)).map((r) => ({ ...r, name: r.name.split('/')[1] }));
    const claims = c.normalizations.includes('none') ? c.cells.map((cell) => `${cell}: ${Object.entries(result.beatsNone[cell]).map(([n, k]) => tr(`${n} norm below none in ${ofSeeds(tr, k, compared[cell][n])}`, `${n} 归一化低于不归一化：${ofSeeds(tr, k, compared[cell][n])}`)).join(tr(', ', '，'))}`).filter((v) => !v.endsWith(': ')) : [];
    const valLabel = tr('validation loss (nats/char)', '验证损失（nats/字符）');
    // The headline's numbers are the table's: the mean part of each "mean (range)".
    const finalText = new Map(byName(runs).map(([name, rs]) => [name, meanRange(rs.map(final))]));
    const finals = [...finalText].map(([k, v]) => `${k} ${meanPart(v)}`).join(tr(', ', '，'));
    return {
      result,
      figures: c.cells.flatMap((cell) => [
        { id: `${cell}-steps`, title: tr(`${cell}: validation loss against steps (${meanOfSeeds(tr, seeds.length)})`, `${cell}：验证损失随步数（${meanOfSeeds(tr, seeds.length)}）`),
          caption: cell === 'lstm' ? tr('Lower is better: the line that falls fastest per step learns fastest per step. This is the paper\'s setting, an LSTM.', '越低越好：每步下降最快的线每步学得最快。这是论文的设置：LSTM。')
            : tr(`The same for a tanh RNN: with batch norm's gain at ${c.bnGain} its recurrence starts weak (set bnGain to 1 to compare).`, `tanh RNN 的同一比较：批归一化的增益为 ${c.bnGain} 时，它的循环一开始很弱（把 bnGain 设为 1 来比较）。`),
          xLabel: tr('step', '步'), yLabel: valLabel, shareY: 'val', ...banded(ofCell(cell), (r) => [r.valSteps, r.valLoss]) },
        { id: `${cell}-time`, title: tr(`${cell}: validation loss against wall time`, `${cell}：验证损失随实际时间`),
          caption: tr('The same runs against seconds: normalised cells run step by step, so each step costs more; here the cheapest route to a low loss wins.', '同样的训练，横轴换成秒：归一化的单元逐步计算，每一步更费时；这里最省时达到低损失的方法胜出。'),
          xLabel: tr('seconds', '秒'), yLabel: valLabel, shareY: 'val', ...banded(ofCell(cell), (r) => [r.valSeconds, r.valLoss]) },
      ]),
      table: [[tr('cell', '单元'), tr('normalisation', '归一化'), tr(`final validation loss after ${c.steps} steps (mean over seeds, range)`, `${c.steps} 步后的最终验证损失（种子平均，范围）`), tr('seconds (mean over seeds)', '秒（种子平均）')],
        ...byName(runs).map(([name]) => [name.split('/')[0], name.split('/')[1], finalText.get(name)!, sig3(result.seconds[name])])],
      headline: claims.length
        ? tr(`${claims.join('; ')} (final validation loss, mean over seeds: ${finals}).`, `${claims.join('；')}（最终验证损失，种子平均：${finals}）。`)
        : [...finalText].map(([k, v]) => tr(`${k}: validation loss ${meanPart(v)}`, `${k}：验证损失 ${meanPart(v)}`)).join(tr('; ', '；')),
    };
  },
};

/** The text lstm-vs-gru trains on (its first `maxCharacters`), with its distinct characters and the share the vocabulary cap keeps. */
function textOf(c: { text?: string; maxCharacters: number; vocabMax: number }): { text: string; distinct: number; kept: number } {
  const text = [...(c.text ?? generateCorpus(80_000))].slice(0, c.maxCharacters).join('');
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  const frequent = [...counts.values()].sort((a, b) => b - a);
  const length = frequent.reduce((a, b) => a + b, 0);
  // A capped vocabulary keeps vocabMax - 1 characters and the unknown token (Vocabulary.fromText).
  const kept = counts.size <= c.vocabMax ? 1 : frequent.slice(0, c.vocabMax - 1).reduce((a, b) => a + b, 0) / length;
  return { text, distinct: counts.size, kept };
}

/** Distinct characters of the built-in corpus, the cost model's reference. */
const BUILT_IN_VOCABULARY = 54;

const versusSchema = z.object({
  text: z.string().optional(), // the user's text (selection or file); the built-in corpus when absent
  maxCharacters: z.number().int().min(1_000).max(50_000_000).default(20_000), // the first this-many characters: the run's time does not grow with the file
  // The most frequent characters kept (the rest share one unknown token): a Chinese text's thousands of characters would make the softmax 5x the work (300 keeps two thirds of a generated Chinese text and most of a real one; the caption says how much).
  vocabMax: z.number().int().min(2).max(100_000).default(300),
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
  title: { en: 'LSTM against GRU on your text', zh: '在你的文本上比较 LSTM 与 GRU' },
  description: {
    en: 'The chapter compares the LSTM (three gates and a cell state) with the GRU (two gates, no separate cell state): the GRU has fewer parameters and often learns as well. '
      + 'Both train on the same text (its first 20,000 characters by default, `maxCharacters`; at most 300 distinct characters, `vocabMax`, the rarest sharing one unknown token, which the caption says) with the same settings and 3 seeds; the figures show validation loss against steps and against wall time (mean, band = range), and the table their parameter counts.',
    zh: '教材比较了 LSTM（三个门和一个细胞状态）与 GRU（两个门，没有单独的细胞状态）：GRU 参数更少，学得往往一样好。'
      + '两者在同一文本（默认取前 20,000 个字符，`maxCharacters`；最多 300 个不同字符，`vocabMax`，最少见的字符共用一个未知记号，图注会说明）上用相同设置和 3 个种子训练；图中画出验证损失随步数和随实际时间的变化（平均，阴影 = 范围），表中列出参数个数。',
  },
  schema: versusSchema,
  plan(c, tr) {
    // Work per position: the recurrence (4 h^2 for the LSTM's gates) and the head (h x vocabulary), against the defaults on the built-in corpus.
    const vocabulary = Math.min(c.vocabMax, textOf(c).distinct);
    const perPosition = (h: number, v: number) => 4 * h * h * c.layers + h * v;
    const size = (c.steps / 150) * (c.seqLen / 64) * (c.batch / 32) * (perPosition(c.hidden, vocabulary) / perPosition(128, BUILT_IN_VOCABULARY));
    return seedsFrom(c.seed, c.seeds).flatMap((seed) => (['lstm', 'gru'] as const).map((cell) => ({ label: tr(`${cell}, seed ${seed}`, `${cell}，种子 ${seed}`), cost: (cell === 'lstm' ? 1.2 : 1) * size, job: { cell, seed } })));
  },
  async runOne(c, { cell, seed }, ctx) {
    return record(cell, seed, textOf(c).text, {
      cell, hidden: c.hidden, layers: c.layers, embed: 32, seqLen: c.seqLen, batch: c.batch, steps: c.steps, optimizer: c.optimizer, lr: c.learningRate, vocabMax: c.vocabMax,
      evalInterval: Math.max(1, Math.floor(c.steps / 10)),
    }, ctx);
  },
  summarize(c, runs, tr) {
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
    const f = (cell: string, seed: number) => runs.find((r) => r.name === cell && r.seed === seed)?.valLoss.at(-1) ?? NaN;
    // Seeds where both cells have run (all of them once the experiment is done).
    const bothRan = seeds.filter((seed) => Number.isFinite(f('gru', seed)) && Number.isFinite(f('lstm', seed)));
    const gruBetter = bothRan.filter((seed) => f('gru', seed) < f('lstm', seed)).length;
    const valLabel = tr('validation loss (nats/char)', '验证损失（nats/字符）');
    const finalText = new Map(groups.map(([name, rs]) => [name, meanRange(rs.map((r) => r.valLoss.at(-1)!))]));
    // What was trained on, said where the student looks: the text's size, its alphabet, and what the cap kept.
    const text = textOf(c);
    const characters = [...text.text].length.toLocaleString('en');
    const corpus = text.distinct <= c.vocabMax
      ? tr(`Trained on ${characters} characters of ${c.text === undefined ? 'the built-in corpus' : 'your text'} (${text.distinct} distinct). `, `训练文本：${c.text === undefined ? '内置语料' : '你的文本'}的 ${characters} 个字符（${text.distinct} 个不同字符）。`)
      : tr(`Trained on ${characters} characters of your text (${text.distinct.toLocaleString('en')} distinct); the ${c.vocabMax - 1} most frequent are kept (${(100 * text.kept).toFixed(1)}% of the text) and the rest share one unknown token, so the runs take a minute, not five (vocabMax). `,
        `训练文本：你的文本的 ${characters} 个字符（${text.distinct.toLocaleString('en')} 个不同字符）；保留最常见的 ${c.vocabMax - 1} 个（占文本的 ${(100 * text.kept).toFixed(1)}%），其余共用一个未知记号，这样运行只需约一分钟而不是五分钟（vocabMax）。`);
    return {
      result,
      figures: [
        { id: 'steps', title: tr(`Validation loss against steps (${meanOfSeeds(tr, seeds.length)})`, `验证损失随步数（${meanOfSeeds(tr, seeds.length)}）`),
          caption: corpus + tr('Lower is better: compare the two lines step for step on the same text; the bands show how much the seeds differ.', '越低越好：在同一文本上逐步比较两条线；阴影表示种子之间的差别。'),
          xLabel: tr('step', '步'), yLabel: valLabel, shareY: 'val', ...banded(runs, (r) => [r.valSteps, r.valLoss]) },
        { id: 'time', title: tr('Validation loss against wall time', '验证损失随实际时间'),
          caption: tr('The same runs against seconds: the GRU has fewer parameters and does less work per step.', '同样的训练，横轴换成秒：GRU 参数更少，每一步的计算也更少。'),
          xLabel: tr('seconds', '秒'), yLabel: valLabel, shareY: 'val', ...banded(runs, (r) => [r.valSeconds, r.valLoss]) },
      ],
      // Parameter counts are exact (a PyTorch user checks them with sum(p.numel())): text, not a rounded number.
      table: [[tr('cell', '单元'), tr('parameters', '参数个数'), tr(`final validation loss after ${c.steps} steps (mean over seeds, range)`, `${c.steps} 步后的最终验证损失（种子平均，范围）`), tr('best validation loss (mean over seeds)', '最佳验证损失（种子平均）'), tr('seconds (mean over seeds)', '秒（种子平均）')],
        ...groups.map(([name]) => [name, result.parameters[name].toLocaleString('en'), finalText.get(name)!, sig3(result.bestValLoss[name]), sig3(result.seconds[name])])],
      headline: groups.map(([name]) => tr(`${name}: ${result.parameters[name].toLocaleString('en')} parameters, validation loss ${meanPart(finalText.get(name)!)} in ${sig3(result.seconds[name])} s`, `${name}：${result.parameters[name].toLocaleString('en')} 个参数，${sig3(result.seconds[name])} 秒后验证损失 ${meanPart(finalText.get(name)!)}`)).join(tr('; ', '；'))
        + tr(` (means of ${seeds.length} seeds; the GRU ended lower in ${ofSeeds(tr, gruBetter, bothRan.length)}).`, `（${seeds.length} 个种子的平均；GRU 最终更低：${ofSeeds(tr, gruBetter, bothRan.length)}）。`),
    };
  },
};
