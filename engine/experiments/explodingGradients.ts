/** exploding-gradients: ReLU and tanh RNNs trained with and without gradient clipping, their gradient norms and losses. */
import { z } from 'zod';
import { tf } from '../core/backend';
import { generateCorpus } from '../text/generatedCorpus';
import { round, sig3 } from './format';
import { meanOf, SEEDS_DEFAULT, seedsFrom } from './seeds';
import { meanOfSeeds, ofSeeds } from '../core/lang';
import type { Experiment } from './types';
import { BUILT_IN_VOCAB, settingList } from './bounds';
import { banded, divergenceMarks, record, type Run } from './trainingRecorder';

const explodingSchema = z.object({
  // 0 = no clipping. A handful to compare: each is a ReLU line of both figures (beside PyTorch's init and the tanh RNN) and a run per seed.
  clipNorms: settingList(z.number().min(0), 6).default([0, 1, 5]),
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
  footprint: (c) => ({ cell: 'rnn', hidden: c.hidden, layers: 1, directions: 1, input: 32, batch: 16, length: c.seqLen, vocab: BUILT_IN_VOCAB, embed: 32, optimizerSlots: 1, textChars: 60_000 }),
  memorySettings: ['seqLen', 'hidden'],
  async runOne(c, job, ctx) {
    return record(job.name, job.seed, generateCorpus(60_000), {
      cell: job.cell, hidden: c.hidden, embed: 32, seqLen: c.seqLen, batch: 16, steps: c.steps, optimizer: 'sgd', lr: c.learningRate,
      momentum: 0.9, clipNorm: job.clip, evalInterval: c.steps,
    }, ctx, job.scale !== 1 ? { prepare: (m) => {
      const sd = m.stateDict();
      m.rnn.loadStateDict({ weight_hh_l0: tf.mul(sd['rnn.weight_hh_l0'], job.scale) }, false);
    } } : {});
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
    // The headline gives the largest norm's order of magnitude: in an unclipped chaotic run (tanh x3) its digits depend on
    // the order of the float operations (1,946 in SeqLab, 346.5 in the same run as a PyTorch script); the table has them.
    const order = (v: number) => (v > 0 && Number.isFinite(v) ? `~1e${Math.round(Math.log10(v))}` : sig3(v));
    const outcome = (k: ExplodingResult['configs'][number]) => (k.diverged
      ? tr(`diverged in ${divergedText(k)}`, `发散：${divergedText(k)}`)
      : tr(`trained in ${ofSeeds(tr, seedsOf(k), seedsOf(k))}, largest gradient norm ${order(k.maxGradNorm)}`, `${ofSeeds(tr, seedsOf(k), seedsOf(k))}正常训练，最大梯度范数 ${order(k.maxGradNorm)}`));
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
          xLabel: tr('step', '步'), yLabel: tr('training loss (nats/char)', '训练损失（纳特/字符）'), logY: true, ...loss, marks: divergenceMarks(runs, loss, seeds.length, tr),
        },
        ...(trained.length && trained.length < runs.length ? [{
          id: 'loss-trained', title: tr('Training loss of the runs that trained (their own scale)', '正常训练的那些训练损失（用它们自己的刻度）'),
          caption: tr(`Zoomed in on the runs that did not diverge, from step ${fromStep} (before it, the clipped runs' first steps spike: the figure above shows them): clipping lets the ReLU RNN with large recurrent weights learn like the others.`,
            `放大看没有发散的训练，从第 ${fromStep} 步开始（在此之前，裁剪过的训练最初几步会出现尖峰，见上图）：裁剪让循环权重很大的 ReLU RNN 也能像其他模型一样学习。`),
          xLabel: tr('step', '步'), yLabel: tr('training loss (nats/char)', '训练损失（纳特/字符）'), ...trainedLoss,
        }] : []),
      ],
      table: [[tr('run', '训练'), tr('diverged (NaN)', '发散（NaN）'), tr('final train loss (mean over the seeds that trained)', '最终训练损失（正常训练的种子的平均）'), tr('largest gradient norm (over seeds and steps; in a chaotic run its digits depend on the order of float operations)', '最大梯度范数（所有种子和步；在混沌的训练中，其具体数字取决于浮点运算的顺序）'), tr('its order of magnitude (what reproduces)', '其数量级（可复现的部分）')],
        ...result.configs.map((k) => [k.name, k.diverged ? divergedText(k) : ofSeeds(tr, 0, seedsOf(k)), k.finalTrainLoss ?? '–', sig3(k.maxGradNorm), order(k.maxGradNorm)])],
      headline: result.configs.map((k) => `${k.name}: ${outcome(k)}`).join(tr('; ', '；')),
    };
  },
};
