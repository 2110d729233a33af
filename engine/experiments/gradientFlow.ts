/**
 * gradient-flow: the playground. One setting, one seed, at initialisation: how the gradient
 * of a loss at the last step travels back through a recurrent layer, why (the step
 * Jacobian's largest singular value, Pascanu et al. 2013), and the activation's derivative
 * against where the pre-activations fall. Computed in float64 by hand (gradientFlowMath.ts):
 * the defaults take milliseconds, so a panel can recompute while a slider moves.
 */
import { z } from 'zod';
import { decayPerStep } from './decay';
import { round } from './format';
import { sig3 } from './format';
import { FLOW_CELLS, FLOW_INITS, FLOW_INPUT_SIZE, flowBackward, flowForward, gatesOf, type FlowCell, type FlowSettings } from './gradientFlowMath';
import { cancellationPoint, type Experiment, type ExperimentOutput, type Figure } from './types';
import { seedBand, seedsFrom, meanRange } from './seeds';
import { translator, type Lang, type Tr } from '../core/lang';

const schema = z.object({
  cell: z.enum(FLOW_CELLS).default('rnn-tanh'),
  hidden: z.number().int().min(8).max(256).default(64),
  seqLen: z.number().int().min(10).max(300).default(100),
  init: z.enum(FLOW_INITS).default('uniform'),
  gain: z.number().min(0).max(4).default(1),
  forgetBias: z.number().min(-5).max(5).default(0),
  inputScale: z.number().min(0).max(10).default(1),
  normalization: z.enum(['none', 'layer']).default('none'),
  clip: z.number().min(0).max(100).default(0),
  seed: z.number().int().min(0).default(1),
  /** 1 for the playground; "Run across seeds" asks for more (seeds seed, seed+1, ...), drawn as bands. */
  seeds: z.number().int().min(1).max(20).default(1),
}).strict();
type Config = z.output<typeof schema>;

/** Bins of the pre-activation histogram, over [-HISTOGRAM_RANGE, HISTOGRAM_RANGE] (the edge bins hold everything beyond). */
const HISTOGRAM_BINS = 48;
const HISTOGRAM_RANGE = 6;
/** The per-unit picture at most this many steps by units (strided): enough to see, small enough to send while dragging. */
const HEATMAP_STEPS = 150;
const HEATMAP_UNITS = 64;

export interface FlowOutcome {
  gradNorm: number[];
  jacobianSteps: number[];
  jacobianNorm: number[];
  weightGradNorm: number;
  histogram: number[];
  heatmap: { steps: number[]; units: number[]; values: number[] };
  seconds: number;
  /** The LSTM only, by distance: ||dL/dc_t||, and the part of it that rode the cell state alone (gradientFlowMath's FlowResult). */
  cellGradNorm?: number[];
  beltGradNorm?: number[];
}

export interface GradientFlowResult extends FlowOutcome {
  /** exp of the least-squares slope of log ||dL/dh|| against distance: 0.38 shrinks to 38% per step. */
  decayPerStep: number;
  /** The first distance at which the norm is below 1e-12 (or above 1e12), null when it never is. */
  belowAt: number | null;
  aboveAt: number | null;
  /** min(1, clip / ||dL/dW_hh||) when clipping is on: how much the update is scaled. */
  clipFactor: number | null;
  /** The sentence the figure and the headline say. */
  sentence: string;
  /** With several seeds: each seed's decay per step (the numbers above are the first seed's). */
  seedDecays?: number[];
  /** The LSTM only: 30 steps back (or the sequence's start), each seed's ||dL/dh_t||, ||dL/dc_t|| and the cell state's part alone (`belt`). */
  conveyor?: { distance: number; seeds: Array<{ dh: number; dc: number; belt: number }> };
}

/** " One unit in 4 and one step in 2 are shown." for a heatmap thinned to fit (nothing when it is whole). */
function strided(tr: Tr, unitStride: number, stepStride: number): string {
  const en = [unitStride > 1 ? `one unit in ${unitStride}` : '', stepStride > 1 ? `one step in ${stepStride}` : ''].filter(Boolean);
  const zh = [unitStride > 1 ? `每 ${unitStride} 个单元显示一个` : '', stepStride > 1 ? `每 ${stepStride} 步显示一步` : ''].filter(Boolean);
  if (!en.length) return '';
  const sentence = en.join(' and ');
  return tr(` ${sentence[0].toUpperCase()}${sentence.slice(1)} ${en.length > 1 ? 'are' : 'is'} shown.`, `图中${zh.join('，')}。`);
}

/** What the activation's derivative is, for the histogram's curve: the RNN's own, or the gates' sigmoid. */
const derivativeOf = (cell: FlowCell) => (cell === 'rnn-tanh' ? { name: "tanh'(a)", f: (a: number) => 1 - Math.tanh(a) ** 2 }
  : cell === 'rnn-relu' ? { name: "ReLU'(a)", f: (a: number) => (a > 0 ? 1 : 0) }
    : { name: "sigmoid'(a)", f: (a: number) => { const s = 1 / (1 + Math.exp(-a)); return s * (1 - s); } });

const settingsOf = (c: Config): FlowSettings => ({ cell: c.cell, hidden: c.hidden, seqLen: c.seqLen, init: c.init, gain: c.gain, forgetBias: c.forgetBias, inputScale: c.inputScale, normalization: c.normalization, seed: c.seed });

/** The whole computation for one setting (also what the panel's live mode calls). */
export function computeFlow(c: Config): FlowOutcome {
  const started = performance.now();
  const pass = flowForward(settingsOf(c));
  const back = flowBackward(pass);
  // Where the pre-activations fall: the RNN's activation, or the LSTM's and GRU's sigmoid gates (i, f, o / r, z).
  const H = c.hidden;
  const sigmoidBlocks = c.cell === 'lstm' ? [0, 1, 3] : c.cell === 'gru' ? [0, 1] : [0];
  const histogram = new Array<number>(HISTOGRAM_BINS).fill(0);
  let count = 0;
  for (const st of pass.steps) {
    for (const b of sigmoidBlocks) {
      for (let j = 0; j < H; j++) {
        const a = st.pre[b * H + j];
        const bin = Math.min(HISTOGRAM_BINS - 1, Math.max(0, Math.floor(((a + HISTOGRAM_RANGE) / (2 * HISTOGRAM_RANGE)) * HISTOGRAM_BINS)));
        histogram[bin]++;
        count++;
      }
    }
  }
  const T = c.seqLen;
  const stepStride = Math.max(1, Math.ceil(T / HEATMAP_STEPS));
  const unitStride = Math.max(1, Math.ceil(H / HEATMAP_UNITS));
  const steps: number[] = [];
  for (let t = 0; t < T; t += stepStride) steps.push(t);
  const units: number[] = [];
  for (let j = 0; j < H; j += unitStride) units.push(j);
  const values = steps.flatMap((t) => units.map((j) => back.perUnit[t * H + j]));
  return {
    gradNorm: back.gradNorm, jacobianSteps: back.jacobianSteps, jacobianNorm: back.jacobianNorm, weightGradNorm: back.weightGradNorm,
    histogram: histogram.map((n) => n / Math.max(1, count)), heatmap: { steps, units, values },
    seconds: (performance.now() - started) / 1000,
    ...(back.cellGradNorm ? { cellGradNorm: back.cellGradNorm, beltGradNorm: back.beltGradNorm } : {}),
  };
}

/** "shrinks by x0.38 per step: below 1e-12 after 30 steps" from the numbers. */
function describeFlow(c: Config, o: FlowOutcome, tr: Tr): Omit<GradientFlowResult, keyof FlowOutcome> {
  const decay = decayPerStep(o.gradNorm, Math.min(o.gradNorm.length - 1, 50));
  const belowAt = o.gradNorm.findIndex((v) => v < 1e-12);
  const aboveAt = o.gradNorm.findIndex((v) => v > 1e12 || !Number.isFinite(v));
  const clipFactor = c.clip > 0 ? Math.min(1, c.clip / o.weightGradNorm) : null;
  const last = o.gradNorm[o.gradNorm.length - 1];
  const d = o.gradNorm.length - 1;
  let sentence: string;
  if (decay < 0.99) {
    sentence = tr(`The gradient shrinks by x${sig3(decay)} per step: `, `梯度每步缩小为 x${sig3(decay)}：`)
      + (belowAt > 0 ? tr(`below 1e-12 after ${belowAt} steps.`, `${belowAt} 步后低于 1e-12。`) : tr(`${sig3(last)} after ${d} steps.`, `${d} 步后为 ${sig3(last)}。`));
  } else if (decay > 1.01) {
    sentence = tr(`The gradient grows by x${sig3(decay)} per step: `, `梯度每步放大为 x${sig3(decay)}：`)
      + (aboveAt > 0 ? tr(`above 1e12 after ${aboveAt} steps.`, `${aboveAt} 步后超过 1e12。`) : tr(`${sig3(last)} after ${d} steps.`, `${d} 步后为 ${sig3(last)}。`));
  } else {
    sentence = tr(`The gradient keeps its size (x${sig3(decay)} per step): ${sig3(last)} after ${d} steps.`, `梯度大小基本不变（每步 x${sig3(decay)}）：${d} 步后为 ${sig3(last)}。`);
  }
  if (clipFactor !== null) {
    sentence += ' ' + (clipFactor < 1
      ? tr(`Clipping at ${c.clip} scales the update by x${sig3(clipFactor)} (||dL/dW_hh|| = ${sig3(o.weightGradNorm)}): it bounds an exploding step, but cannot bring back a vanished gradient.`,
        `在 ${c.clip} 处裁剪会把更新缩放为 x${sig3(clipFactor)}（||dL/dW_hh|| = ${sig3(o.weightGradNorm)}）：它能限制爆炸的一步，却不能找回已经消失的梯度。`)
      : tr(`Clipping at ${c.clip} does nothing here (||dL/dW_hh|| = ${sig3(o.weightGradNorm)}).`, `在 ${c.clip} 处裁剪在这里不起作用（||dL/dW_hh|| = ${sig3(o.weightGradNorm)}）。`));
  }
  return { decayPerStep: round(decay, 6), belowAt: belowAt >= 0 ? belowAt : null, aboveAt: aboveAt >= 0 ? aboveAt : null, clipFactor: clipFactor === null ? null : round(clipFactor, 6), sentence };
}

/**
 * The LSTM's gradient at c_t against h_t, and the part of dL/dc_t that came along the cell
 * state alone (dL/dc_T times the forget gates on the way, never through h): how much of the
 * gradient the conveyor belt itself carries.
 */
function beltFigure(outcomes: FlowOutcome[], tr: Tr): Figure {
  const positive = (v: number) => (v > 0 && Number.isFinite(v) ? v : null);
  const line = (pick: (x: FlowOutcome) => number[]) => (outcomes.length > 1 ? seedBand(outcomes.map((x) => pick(x).map(positive)), true) : { y: pick(outcomes[0]).map(positive) });
  return {
    id: 'belt', title: tr('LSTM: the gradient at the cell state c_t and at h_t, and what the cell state alone carries', 'LSTM：细胞状态 c_t 与 h_t 处的梯度，以及只沿细胞状态传回的部分'),
    caption: tr('||dL/dc_t|| is the whole gradient at the cell state; "cell state alone" is the part that came back along c only, dL/dc_T multiplied by the forget gates f on the way (the conveyor belt), never through h. It shrinks by the forget gates\' values at every step (about 0.5 at PyTorch\'s initialisation, nearer 1 with a forget bias); what it does not carry came back into c through h and the gates.',
      '||dL/dc_t|| 是细胞状态处的全部梯度；“只沿细胞状态”是只沿 c 传回的部分：dL/dc_T 依次乘上沿途的遗忘门 f（传送带），从不经过 h。它每步都乘上遗忘门的值（PyTorch 初始化时约为 0.5，有遗忘门偏置时更接近 1）；它没有带回的部分，是经过 h 和各个门回到 c 的。'),
    xLabel: tr('distance T - t (steps back from the last step)', '距离 T - t（从最后一步往回的步数）'), yLabel: tr('gradient norm', '梯度范数'), logY: true,
    x: outcomes[0].gradNorm.map((_, d) => d),
    series: [
      { name: '||dL/dh_t||', ...line((x) => x.gradNorm) },
      { name: '||dL/dc_t||', ...line((x) => x.cellGradNorm!) },
      { name: tr('cell state alone (dL/dc_T x f ... f)', '只沿细胞状态（dL/dc_T x f ... f）'), ...line((x) => x.beltGradNorm!), dash: true },
    ],
  };
}

export const gradientFlow: Experiment<typeof schema, GradientFlowResult, { seed: number }, FlowOutcome> = {
  name: 'gradient-flow',
  title: { en: 'Gradient-flow playground', zh: '梯度流动实验场' },
  description: {
    en: 'One recurrent layer at initialisation, one seed: change the cell, its size, the sequence length, how W_hh is initialised and scaled, the LSTM forget-gate bias, the input scale, layer normalisation or clipping, and see what happens to the gradient of a loss at the last step on its way back. '
      + 'The first figure is its norm against the distance back (log scale); the second, the largest singular value of the step Jacobian dh_t/dh_(t-1) along the sequence, the quantity that decides vanishing (below 1) or exploding (above 1) (Pascanu et al. 2013); the third, the activation\'s derivative with the units\' pre-activations as a histogram under it: sigmoid\'s derivative never exceeds 0.25. '
      + 'The loss is a fixed random projection of the last hidden state (its gradient there has norm 1); the arithmetic is float64, so the curves are the mathematics, not float32\'s floor near 1e-45. Weights are PyTorch\'s (uniform U(-1/sqrt(H), 1/sqrt(H)), or orthogonal or identity W_hh), times the gain.',
    zh: '一个循环层，初始化时，一个种子：改变单元、大小、序列长度、W_hh 的初始化方式和缩放、LSTM 遗忘门偏置、输入尺度、层归一化或梯度裁剪，看最后一步的损失的梯度在往回传时会怎样。'
      + '第一张图是它的范数随往回距离的变化（对数坐标）；第二张是每一步雅可比矩阵 dh_t/dh_(t-1) 的最大奇异值沿序列的变化，它决定梯度是消失（小于 1）还是爆炸（大于 1）（Pascanu 等 2013）；第三张是激活函数的导数，下面是各单元预激活值的直方图：sigmoid 的导数从不超过 0.25。'
      + '损失是最后一个隐藏状态的一个固定随机投影（它在那里的梯度范数为 1）；计算用 float64，所以曲线反映的是数学本身，而不是 float32 在 1e-45 附近的下限。权重按 PyTorch 的方式初始化（均匀分布 U(-1/sqrt(H), 1/sqrt(H))，或正交、单位矩阵的 W_hh），再乘以增益。',
  },
  hints: {
    cell: { en: 'The recurrent cell: an RNN with tanh, sigmoid or ReLU, an LSTM or a GRU.', zh: '循环单元：使用 tanh、sigmoid 或 ReLU 的 RNN，LSTM，或 GRU。' },
    hidden: { en: 'Hidden units (8-256).', zh: '隐藏单元数（8-256）。' },
    seqLen: { en: 'Steps the gradient travels back (10-300).', zh: '梯度往回传的步数（10-300）。' },
    init: { en: 'How W_hh starts: PyTorch\'s uniform, orthogonal (every singular value 1), or the identity (the IRNN\'s).', zh: 'W_hh 的初始值：PyTorch 的均匀分布、正交矩阵（所有奇异值为 1）或单位矩阵（IRNN 的做法）。' },
    gain: { en: 'W_hh is multiplied by this: above 1 the step Jacobian grows, below 1 it shrinks.', zh: 'W_hh 乘以此值：大于 1 时每步雅可比变大，小于 1 时变小。' },
    forgetBias: { en: 'Added to the LSTM\'s forget-gate bias: 1 or 2 keeps the conveyor belt open from the start (LSTM only).', zh: '加到 LSTM 遗忘门的偏置上：1 或 2 让“传送带”一开始就打开（仅 LSTM）。' },
    inputScale: { en: 'Standard deviation of the random inputs: larger inputs push the units into saturation.', zh: '随机输入的标准差：输入越大，单元越容易饱和。' },
    normalization: { en: 'Layer normalisation of each gate\'s recurrent term (Ba et al. 2016).', zh: '对每个门的循环项做层归一化（Ba 等 2016）。' },
    clip: { en: 'Gradient-norm clipping threshold for the update (0 = off): the sentence says how much it would scale dL/dW_hh.', zh: '更新时的梯度范数裁剪阈值（0 表示关闭）：说明文字会给出它把 dL/dW_hh 缩放了多少。' },
    seed: { en: 'The seed of the weights and inputs.', zh: '权重和输入的随机种子。' },
    seeds: { en: 'How many seeds (seed, seed + 1, ...): more than 1 draws the range over seeds as a band around their geometric mean.', zh: '种子个数（seed、seed + 1……）：多于 1 个时，把各种子的范围画成围绕其几何平均的带。' },
  },
  schema,
  plan: (c, tr) => seedsFrom(c.seed, c.seeds).map((seed) => ({ label: tr(`${c.cell}, hidden ${c.hidden}, length ${c.seqLen}, seed ${seed}`, `${c.cell}，隐藏 ${c.hidden}，长度 ${c.seqLen}，种子 ${seed}`), cost: (c.hidden / 64) ** 2 * (c.seqLen / 100) * gatesOf(c.cell), job: { seed } })),
  // In float64 arrays, one sequence: each step's gates and states, forward and back (a few MB at the largest settings).
  footprint: (c) => ({ cell: c.cell === 'lstm' ? 'lstm' : c.cell === 'gru' ? 'gru' : 'rnn', hidden: c.hidden, layers: 1, directions: 1, input: 2 * FLOW_INPUT_SIZE, batch: 2, length: c.seqLen, vocab: 1, embed: 0, optimizerSlots: 0 }),
  memorySettings: ['hidden', 'seqLen'],
  async runOne(c, job, ctx) {
    ctx.progress(0, ctx.tr('computing', '计算中'));
    await cancellationPoint(ctx);
    return computeFlow({ ...c, seed: job.seed });
  },
  summarize(c, outcomes, tr) {
    const o = outcomes[0];
    const said = describeFlow(c, o, tr);
    const several = outcomes.length > 1;
    const seedDecays = outcomes.map((x) => round(decayPerStep(x.gradNorm, Math.min(x.gradNorm.length - 1, 50)), 6));
    const beltAt = Math.min(30, o.gradNorm.length - 1);
    const conveyor = o.cellGradNorm && outcomes.every((x) => x.cellGradNorm && x.beltGradNorm)
      ? { distance: beltAt, seeds: outcomes.map((x) => ({ dh: x.gradNorm[beltAt], dc: x.cellGradNorm![beltAt], belt: x.beltGradNorm![beltAt] })) }
      : undefined;
    const result: GradientFlowResult = { ...o, ...said, ...(several ? { seedDecays } : {}), ...(conveyor ? { conveyor } : {}) };
    const distance = o.gradNorm.map((_, d) => d);
    const positive = (v: number) => (v > 0 && Number.isFinite(v) ? v : null);
    const acrossSeeds = tr(` Across ${outcomes.length} seeds (the band is their range, the line their geometric mean), the decay per step is ${meanRange(seedDecays)}.`, `在 ${outcomes.length} 个种子上（带为其范围，线为几何平均），每步衰减为 ${meanRange(seedDecays)}。`);
    const gradientFigure: Figure = {
      id: 'gradient', title: tr(`||dL/dh_t|| against the distance back, ${c.cell}`, `||dL/dh_t|| 随往回距离的变化，${c.cell}`),
      caption: several ? tr(`First seed: ${said.sentence}`, `第一个种子：${said.sentence}`) + acrossSeeds : said.sentence,
      xLabel: tr('distance T - t (steps back from the last step)', '距离 T - t（从最后一步往回的步数）'), yLabel: '||dL/dh_t||', logY: true, x: distance,
      series: [several ? { name: c.cell, ...seedBand(outcomes.map((x) => x.gradNorm.map(positive)), true) } : { name: c.cell, y: o.gradNorm.map(positive) }],
    };
    const heatmapFigure: Figure = {
      id: 'per-unit', title: tr('|dL/dh_t| per unit: where along the sequence, and in which units, the gradient is', '每个单元的 |dL/dh_t|：梯度在序列的哪里、在哪些单元里'),
      caption: tr(`Each column is a time step t (the loss is at the right end, step ${c.seqLen - 1}), each row a hidden unit; the colour is the size of that unit's gradient on a log scale. A vanishing gradient fades to the left; an exploding one brightens.`
        + strided(tr, Math.ceil(c.hidden / o.heatmap.units.length), Math.ceil(c.seqLen / o.heatmap.steps.length)),
      `每一列是一个时间步 t（损失在最右端，第 ${c.seqLen - 1} 步），每一行是一个隐藏单元；颜色是该单元梯度的大小（对数刻度）。梯度消失时颜色向左变淡；爆炸时变亮。`
        + strided(tr, Math.ceil(c.hidden / o.heatmap.units.length), Math.ceil(c.seqLen / o.heatmap.steps.length))),
      xLabel: tr('time step t', '时间步 t'), yLabel: tr('hidden unit', '隐藏单元'), x: o.heatmap.steps, series: [],
      // computeFlow keeps a row per step; the figure, a row per unit.
      heatmap: { y: o.heatmap.units, values: o.heatmap.units.flatMap((_, r) => o.heatmap.steps.map((_, i) => o.heatmap.values[i * o.heatmap.units.length + r])), log: true, valueLabel: '|dL/dh_t|' },
    };
    const jacobianSeries = several
      ? { name: c.cell, ...seedBand(outcomes.map((x) => x.jacobianNorm.map((v) => (Number.isFinite(v) ? v : null)))), points: o.jacobianSteps.length < 30 }
      : { name: c.cell, y: o.jacobianNorm.map((v) => (Number.isFinite(v) ? round(v, 6) : null)), points: o.jacobianSteps.length < 30 };
    const jacobianFigure: Figure = {
      id: 'jacobian', title: tr('Largest singular value of the step Jacobian dh_t/dh_(t-1)', '每步雅可比矩阵 dh_t/dh_(t-1) 的最大奇异值'),
      caption: tr('Above 1 a step can stretch the gradient, below 1 every step shrinks it: a product of many steps below 1 vanishes (Pascanu et al. 2013).', '大于 1 时，一步可能把梯度放大；小于 1 时每一步都会缩小它：许多小于 1 的步相乘，梯度就消失了（Pascanu 等 2013）。')
        + (c.cell === 'lstm' ? tr(' For the LSTM, over its whole state (h and c).', ' 对 LSTM，取其完整状态（h 和 c）。') : ''),
      xLabel: tr('time step t', '时间步 t'), yLabel: tr('largest singular value', '最大奇异值'), x: o.jacobianSteps,
      series: [jacobianSeries],
      references: [{ name: tr('1: neither grows nor shrinks', '1：既不放大也不缩小'), y: 1 }],
    };
    const derivative = derivativeOf(c.cell);
    const centers = Array.from({ length: HISTOGRAM_BINS }, (_, i) => round(-HISTOGRAM_RANGE + ((i + 0.5) * 2 * HISTOGRAM_RANGE) / HISTOGRAM_BINS, 4));
    const tallest = Math.max(...o.histogram, 1e-12);
    const gates = c.cell === 'lstm' ? tr('the input, forget and output gates\'', '输入门、遗忘门和输出门的') : c.cell === 'gru' ? tr('the reset and update gates\'', '重置门和更新门的') : tr('the units\'', '各单元的');
    const activationFigure: Figure = {
      id: 'activation', title: tr(`${derivative.name} and where the pre-activations fall`, `${derivative.name} 与预激活值的分布`),
      caption: tr(`The curve is the derivative every backward step multiplies by; the bars, ${gates} pre-activations over the whole sequence (share of the most common bin). Sigmoid's derivative is at most 0.25, so a sigmoid RNN's gradient shrinks at every step unless W_hh is large.`,
        `曲线是每一步反向传播都要乘上的导数；柱状为整个序列上${gates}预激活值（以最多的一格为 1）。sigmoid 的导数最多 0.25，所以除非 W_hh 很大，sigmoid RNN 的梯度每一步都会缩小。`),
      xLabel: tr('pre-activation a', '预激活值 a'), yLabel: tr('derivative / share', '导数 / 占比'), x: centers,
      series: [
        { name: derivative.name, y: centers.map((a) => round(derivative.f(a), 6)) },
        { name: tr('pre-activations (share)', '预激活值（占比）'), y: o.histogram.map((v) => round(v / tallest, 4)), points: true, dash: true },
      ],
    };
    const at = (d: number) => o.gradNorm[Math.min(d, o.gradNorm.length - 1)];
    const meanJacobian = o.jacobianNorm.filter(Number.isFinite).reduce((a, b) => a + b, 0) / Math.max(1, o.jacobianNorm.filter(Number.isFinite).length);
    return {
      result,
      headline: `${c.cell}, ${tr('hidden', '隐藏')} ${c.hidden}, ${tr('length', '长度')} ${c.seqLen}: ${said.sentence}${several ? acrossSeeds : ''} ${tr(`Computed in ${Math.round(o.seconds * 1000)} ms.`, `用时 ${Math.round(o.seconds * 1000)} 毫秒。`)}`,
      table: [
        [tr('quantity', '量'), tr('value', '值')],
        [tr('decay per step (exp of the log-linear slope over the first 50 steps)', '每步衰减（前 50 步对数线性斜率的指数）'), said.decayPerStep],
        ['||dL/dh|| ' + tr('10 steps back', '往回 10 步'), at(10)],
        ['||dL/dh|| ' + tr('30 steps back', '往回 30 步'), at(30)],
        [tr('mean largest singular value of the step Jacobian', '每步雅可比最大奇异值的平均'), round(meanJacobian, 6)],
        ['||dL/dW_hh||', o.weightGradNorm],
        ...(several ? [[tr(`decay per step over ${outcomes.length} seeds (mean, range)`, `${outcomes.length} 个种子的每步衰减（平均，范围）`), meanRange(seedDecays)]] : []),
        [tr('compute time (ms)', '计算时间（毫秒）'), Math.round(o.seconds * 1000)],
      ],
      figures: [gradientFigure, ...(conveyor ? [beltFigure(outcomes, tr)] : []), heatmapFigure, jacobianFigure, activationFigure],
    };
  },
};

/**
 * The playground's live mode: one setting, its first seed, computed and summarised at once
 * (no plan, no pool: the defaults take tens of milliseconds). Throws a readable message for
 * settings the schema refuses.
 */
export function previewFlow(config: unknown, lang: Lang): ExperimentOutput<GradientFlowResult> {
  const parsed = schema.safeParse(config);
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`).join('; '));
  const c = { ...parsed.data, seeds: 1 };
  return gradientFlow.summarize(c, [computeFlow(c)], translator(lang));
}
