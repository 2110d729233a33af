/**
 * vanishing-gradients: how far back the loss's gradient reaches in each kind of cell.
 */
import { z } from 'zod';
import { CELL_TYPES, type CellType } from '../core/names';
import { gradientNormsThroughTime } from '../model/probe';
import { Random } from '../core/random';
import { createOptimizer, LocalStepper } from '../train/stepper';
import { round } from './format';
import { decayPerStep } from './decay';
import { charModel, corpusIds, randomWindows, windowsTensor } from './inputs';
import { geometricMeanRange, lastStepsLoss, meanOf, meanPart, SEEDS_DEFAULT, seedBand, seedsFrom } from './seeds';
import { meanOfSeeds, ofSeeds } from '../core/lang';
import { cancellationPoint, type Experiment, type Figure } from './types';
import { BUILT_IN_VOCAB, choiceList } from './bounds';

const schema = z.object({
  cells: choiceList([...CELL_TYPES, 'lstm-forget1']).default(['rnn-sigmoid', 'rnn-tanh', 'rnn-relu', 'lstm', 'gru', 'lstm-forget1']),
  hidden: z.number().int().min(1).max(1024).default(128),
  seqLen: z.number().int().min(10).max(1000).default(100), // distances up to seqLen - 1
  batch: z.number().int().min(1).max(256).default(8),
  trainSteps: z.number().int().min(0).max(10_000).default(40), // "after some training" (char LM, Adam)
  seeds: z.number().int().min(1).max(20).default(SEEDS_DEFAULT), // each draws new weights and new windows
  seed: z.number().int().min(0).default(1),
}).strict();


/** One cell, one seed: gradient norms by distance at initialisation and after training. */
interface VanishingRun {
  cell: string;
  seed: number;
  gradNorm: number[];
  gradNormTrained: number[];
  decayPerStep: number;
  decayPerStepTrained: number;
  /** The training loss (nats/char) at each of the `trainSteps` steps, before the step: every cell of a seed trains on the same batches. */
  trainLoss: number[];
}

export interface VanishingResult {
  seeds: number[];
  /** Cell -> ||d loss_T / d h_t|| indexed by distance T - t, at initialisation: the geometric mean over seeds. */
  gradNorm: Record<string, Array<number | null>>;
  /** The same after `trainSteps` steps of training. */
  gradNormTrained: Record<string, Array<number | null>>;
  /** Cell -> geometric decay per step at initialisation (exp of the log-linear slope), mean over seeds. */
  decayPerStep: Record<string, number>;
  decayPerStepTrained: Record<string, number>;
  /** Cell -> the training loss over the last 10 steps (how far it got in the same steps), mean over seeds; absent with no training. */
  finalTrainLoss: Record<string, number>;
  /** Every seed's numbers. */
  runs: VanishingRun[];
}

/** The work of a run against the defaults' (for the time estimate): length, width and training steps. */
const sizeOf = (c: z.output<typeof schema>) => (c.seqLen / 100) * (c.hidden / 128) * ((c.trainSteps + 20) / 60) * Math.sqrt(c.batch / 8);

/** Relative cost of one run per cell (gradient probes and 40 training steps; gated cells cost more). */
const COST: Record<string, number> = { lstm: 3, 'lstm-forget1': 3, gru: 2.5 };

export const vanishingGradients: Experiment<typeof schema, VanishingResult, { cell: string; seed: number }, VanishingRun> = {
  name: 'vanishing-gradients',
  title: { en: 'Vanishing gradients through time', zh: '梯度随时间消失' },
  description: {
    en: 'The chapter claims that a plain RNN loses its gradient over long spans, a sigmoid RNN faster than a tanh one, and that the LSTM\'s cell state (a "conveyor belt") keeps it alive. '
      + 'The figure shows the norm of the gradient of the loss at the last position with respect to the hidden state d steps earlier, on a log scale, for each cell at initialisation (PyTorch\'s) and after a little training: the geometric mean over 3 seeds (new weights and windows each), with the range as a band. "lstm-forget1" starts with the forget-gate bias at 1. '
      + 'Measured with these defaults: at distance 30 the sigmoid RNN is below the tanh RNN, and the LSTM with forget bias 1 above the plain LSTM, in every seed. '
      + 'The norms are scaled by their largest entry before squaring, so they are right down to the smallest float32 numbers (about 1e-45): a plain torch.norm or tf.norm squares in float32 and reads 0 below about 1e-22, which looks like the gradient vanishing but is the measurement failing.',
    zh: '教材认为：普通 RNN 在长距离上会丢失梯度，sigmoid RNN 比 tanh RNN 丢得更快；而 LSTM 的细胞状态（“传送带”）让梯度得以保留。'
      + '图中画出最后一个位置的损失对 d 步之前隐藏状态的梯度范数（对数坐标），分别在初始化时（PyTorch 的初始化）和少量训练之后，每种单元取 3 个种子（每个种子的权重和文本窗口都不同）的几何平均，阴影为范围。“lstm-forget1”表示遗忘门偏置初始化为 1。'
      + '用这些默认值测得：在距离 30 处，每个种子中 sigmoid RNN 都低于 tanh RNN，遗忘门偏置为 1 的 LSTM 都高于普通 LSTM。'
      + '范数先按最大的元素缩放再平方，因此一直到 float32 能表示的最小数（约 1e-45）都是准确的；直接用 torch.norm 或 tf.norm 会在 float32 中平方，低于约 1e-22 时读成 0，看起来像梯度消失，其实是测量失效。',
  },
  schema,
  plan(c, tr) {
    return seedsFrom(c.seed, c.seeds).flatMap((seed) => c.cells.map((cell) => ({ label: tr(`${cell}, seed ${seed}`, `${cell}，种子 ${seed}`), cost: (COST[cell] ?? 1) * sizeOf(c), job: { cell, seed } })));
  },
  // The probes take the gradient through time of c.batch windows of c.seqLen step by step on TensorFlow.js's tape (the training steps' 16 x 65 are smaller).
  footprint: (c, { cell }) => ({ cell: cell.startsWith('lstm') ? 'lstm-steps' : cell === 'gru' ? 'gru-steps' : 'rnn-steps', hidden: c.hidden, layers: 1, directions: 1, input: 32, batch: c.batch, length: c.seqLen, vocab: BUILT_IN_VOCAB, embed: 32, optimizerSlots: 2 }),
  memorySettings: ['batch', 'seqLen', 'hidden'],
  async runOne(c, { cell: name, seed }, ctx) {
    const { vocabulary, ids } = corpusIds();
    const rng = new Random(seed);
    const rows = randomWindows(ids, c.batch, c.seqLen + 1, rng);
    const inputs = rows.map((r) => r.slice(0, -1));
    const lastTargets = rows.map((r) => r[r.length - 1]);
    const byDistance = (norms: Float32Array) => Array.from(norms).reverse().map((v) => round(v, 6)); // index = T - t
    const cell: CellType = name === 'lstm-forget1' ? 'lstm' : (name as CellType);
    const model = charModel(cell, vocabulary.size, c.hidden, seed, name === 'lstm-forget1' ? { forgetBias: 1 } : {});
    let stepper: LocalStepper | undefined;
    try {
      ctx.progress(0, ctx.tr('gradients at initialisation', '初始化时的梯度'));
      await cancellationPoint(ctx);
      const gradNorm = byDistance(gradientNormsThroughTime(model, inputs, lastTargets)[0]);
      stepper = new LocalStepper(model, createOptimizer(model, { name: 'adam' }), { clipNorm: 1, clipValue: 0 });
      const trainLoss: number[] = [];
      for (let s = 0; s < c.trainSteps; s++) {
        if (s % 10 === 0) {
          ctx.progress(0.2 + (0.7 * s) / Math.max(1, c.trainSteps), ctx.tr(`training step ${s}`, `训练第 ${s} 步`));
          await cancellationPoint(ctx);
        }
        const batch = windowsTensor(randomWindows(ids, 16, 65, rng));
        trainLoss.push(round(stepper.stepTensor(batch, 3e-3).loss));
        batch.dispose();
      }
      const gradNormTrained = byDistance(gradientNormsThroughTime(model, inputs, lastTargets)[0]);
      const upTo = Math.min(50, c.seqLen - 1);
      return { cell: name, seed, gradNorm, gradNormTrained, decayPerStep: round(decayPerStep(gradNorm, upTo)), decayPerStepTrained: round(decayPerStep(gradNormTrained, upTo)), trainLoss };
    } finally {
      await stepper?.dispose();
      model.dispose();
    }
  },
  summarize(c, runs, tr) {
    const seeds = seedsFrom(c.seed, c.seeds);
    const of = (cell: string) => runs.filter((r) => r.cell === cell);
    const result: VanishingResult = { seeds, gradNorm: {}, gradNormTrained: {}, decayPerStep: {}, decayPerStepTrained: {}, finalTrainLoss: {}, runs };
    // Each cell's geometric mean and band, at initialisation and trained: the result's curves and the figures' series.
    const bands = (pick: (r: VanishingRun) => number[]) => new Map(c.cells.map((cell) => [cell, seedBand(of(cell).map(pick), true)]));
    const initBands = bands((r) => r.gradNorm);
    const trainedBands = bands((r) => r.gradNormTrained);
    for (const cell of c.cells) {
      result.gradNorm[cell] = initBands.get(cell)!.y;
      result.gradNormTrained[cell] = trainedBands.get(cell)!.y;
      result.decayPerStep[cell] = round(meanOf(of(cell).map((r) => r.decayPerStep)), 6);
      result.decayPerStepTrained[cell] = round(meanOf(of(cell).map((r) => r.decayPerStepTrained)), 6);
      if (c.trainSteps > 0) result.finalTrainLoss[cell] = round(meanOf(of(cell).map((r) => lastStepsLoss(r.trainLoss))), 6);
    }
    const x = Array.from({ length: c.seqLen }, (_, d) => d);
    // A norm that reaches exactly 0 in every seed has underflowed float32: marked where it happens, since a log scale cannot draw 0.
    const underflow = (cell: string, pick: (r: VanishingRun) => number[]) => {
      const curves = of(cell).map(pick);
      return x.findIndex((i) => i > 0 && curves.every((y) => y.slice(i).every((w) => w === 0)));
    };
    const figure = (id: string, title: string, caption: string, pick: (r: VanishingRun) => number[], band: Map<string, ReturnType<typeof seedBand>>): Figure => ({
      id, title, caption, xLabel: tr('distance T - t (steps back from the last position)', '距离 T - t（从最后一个位置往回的步数）'), yLabel: '||d loss_T / d h_t||', logY: true, shareY: 'gradient', x,
      series: c.cells.map((cell) => ({ name: cell, ...band.get(cell)!, dash: cell === 'lstm-forget1' })),
      marks: c.cells.flatMap((cell) => {
        const d = underflow(cell, pick);
        if (d <= 0) return [];
        const y = band.get(cell)!.y[d - 1];
        return y === null ? [] : [{ series: cell, x: d - 1, y, label: tr(`${cell}: every entry 0 in float32 from d = ${d}`, `${cell}：从 d = ${d} 起每个元素在 float32 中都是 0`) }];
      }),
    });
    const d30 = Math.min(30, c.seqLen - 1);
    // The table's numbers and the headline's are the same strings: geometric means over seeds (the figure's lines), with their range.
    const normAt = (cell: string, d: number, pick: (r: VanishingRun) => number[]) => {
      const values = of(cell).map((r) => pick(r)[d]);
      if (!values.length) return '–'; // a partial result: no run of this cell yet
      return values.every((v) => v === 0) ? tr('0 (every entry 0 in float32)', '0（每个元素在 float32 中都是 0）') : geometricMeanRange(values);
    };
    const headlineNumber = (cell: string) => meanPart(normAt(cell, d30, (r) => r.gradNorm));
    // Seeds where both cells have run (all of them once the experiment is done; fewer in a partial result).
    const bySeed = (a: string, b: string) => {
      const both = seeds.map((seed) => [runs.find((r) => r.cell === a && r.seed === seed), runs.find((r) => r.cell === b && r.seed === seed)]).filter(([ra, rb]) => ra && rb);
      return ofSeeds(tr, both.filter(([ra, rb]) => ra!.gradNorm[d30] < rb!.gradNorm[d30]).length, both.length);
    };
    const claims = [
      c.cells.includes('rnn-sigmoid') && c.cells.includes('rnn-tanh') ? tr(`sigmoid below tanh in ${bySeed('rnn-sigmoid', 'rnn-tanh')}`, `sigmoid 低于 tanh：${bySeed('rnn-sigmoid', 'rnn-tanh')}`) : '',
      c.cells.includes('lstm') && c.cells.includes('lstm-forget1') ? tr(`lstm-forget1 above lstm in ${bySeed('lstm', 'lstm-forget1')}`, `lstm-forget1 高于 lstm：${bySeed('lstm', 'lstm-forget1')}`) : '',
    ].filter(Boolean);
    const geo = seeds.length === 1 ? tr('one seed', '一个种子') : tr(`geometric mean of ${seeds.length} seeds (range)`, `${seeds.length} 个种子的几何平均（范围）`);
    return {
      result,
      figures: [
        figure('init', tr(`At initialisation (PyTorch's; ${seeds.length === 1 ? 'one seed' : `geometric mean of ${seeds.length} seeds, band = range`})`, `初始化时（PyTorch 的初始化；${seeds.length === 1 ? '一个种子' : `${seeds.length} 个种子的几何平均，阴影 = 范围`}）`),
          tr('Each line falls as the gradient travels back: the steeper, the faster it vanishes. The sigmoid RNN\'s drops fastest, until every entry of its gradient is 0 in float32 (marked, near 1e-45); the LSTM with its forget gate open (dashed) falls slowest. The band shows how much the seeds differ. The norms are scaled before squaring: PyTorch\'s torch.norm would read 0 for any line below about 1e-22.',
            '梯度往回传时每条线都在下降：越陡，消失得越快。sigmoid RNN 下降最快，直到它的梯度每个元素在 float32 中都变成 0（有标记，约 1e-45）；遗忘门打开的 LSTM（虚线）下降最慢。阴影表示种子之间的差别。范数先缩放再平方：PyTorch 的 torch.norm 对低于约 1e-22 的线会读成 0。'),
          (r) => r.gradNorm, initBands),
        figure('trained', tr(`After ${c.trainSteps} training steps`, `训练 ${c.trainSteps} 步之后`),
          tr('The same measurement after a little training, on the same y scale: compare each line with its own line in the first figure.', '少量训练后的同一测量，纵轴刻度相同：把每条线与第一张图中对应的线比较。'),
          (r) => r.gradNormTrained, trainedBands),
        ...(c.trainSteps > 0 ? [{
          id: 'train-loss', title: tr(`Training loss during the ${c.trainSteps} steps (log scale; ${meanOfSeeds(tr, seeds.length)})`, `${c.trainSteps} 步训练中的训练损失（对数刻度；${meanOfSeeds(tr, seeds.length)}）`), logY: true,
          caption: tr('How fast each cell learns in the same steps on the same batches (Adam, learning rate 3e-3, 16 windows of 64 characters, gradients clipped at norm 1): the lower, the further it got. A log scale, so that a brief spike does not flatten the rest.',
            '在同样的步数、同样的批次上每种单元学得多快（Adam，学习率 3e-3，16 个 64 字符的窗口，梯度按范数 1 裁剪）：越低，学得越多。用对数刻度，以免短暂的尖峰把其余的线压平。'),
          xLabel: tr('training step', '训练步'), yLabel: tr('training loss (nats/char)', '训练损失（纳特/字符）'), x: Array.from({ length: c.trainSteps }, (_, s) => s + 1),
          series: c.cells.map((cell) => ({ name: cell, ...seedBand(of(cell).map((r) => r.trainLoss)), dash: cell === 'lstm-forget1' })),
        } satisfies Figure] : []),
      ],
      table: [[tr('cell', '单元'), tr('decay per step, at initialisation (mean over seeds)', '每步衰减，初始化时（种子平均）'), tr(`decay per step, after ${c.trainSteps} steps`, `每步衰减，训练 ${c.trainSteps} 步后`),
        tr(`norm at d = 10, at initialisation: ${geo}`, `d = 10 处的范数，初始化时：${geo}`), tr(`norm at d = ${d30}, at initialisation: ${geo}`, `d = ${d30} 处的范数，初始化时：${geo}`)],
      ...c.cells.map((n) => [n, result.decayPerStep[n], result.decayPerStepTrained[n], normAt(n, Math.min(10, c.seqLen - 1), (r) => r.gradNorm), normAt(n, d30, (r) => r.gradNorm)])],
      headline: tr(`Gradient norm ${d30} steps back, at initialisation (${seeds.length === 1 ? 'one seed' : `geometric mean of ${seeds.length} seeds`}): `, `往回 ${d30} 步的梯度范数，初始化时（${seeds.length === 1 ? '一个种子' : `${seeds.length} 个种子的几何平均`}）：`)
        + c.cells.map((n) => `${n} ${headlineNumber(n)}`).join(tr(', ', '，')) + (claims.length ? tr(`; ${claims.join('; ')}.`, `；${claims.join('；')}。`) : tr('.', '。')),
    };
  },
};
