/**
 * cell-walkthrough: the chapter's LSTMCell stepped by hand, for one and two layers, against
 * the LSTM module; and a shape explorer for nn.LSTM's arguments.
 */
import { z } from 'zod';
import { tf } from '../core/backend';
import { LSTMCell } from '../nn/cells';
import { LSTM } from '../nn/recurrent';
import type { Tr } from '../core/lang';
import { cancellationPoint, type Experiment, type ExperimentOutput } from './types';

const schema = z.object({
  seqLen: z.number().int().min(1).max(64).default(5),
  batch: z.number().int().min(1).max(64).default(3),
  inputSize: z.number().int().min(1).max(256).default(10),
  hiddenSize: z.number().int().min(1).max(256).default(20),
  // The shape explorer's module:
  explore: z.object({
    seqLen: z.number().int().min(1).max(512).default(7),
    batch: z.number().int().min(1).max(256).default(4),
    inputSize: z.number().int().min(1).max(1024).default(10),
    hiddenSize: z.number().int().min(1).max(1024).default(20),
    numLayers: z.number().int().min(1).max(8).default(2),
    bidirectional: z.boolean().default(true),
    batchFirst: z.boolean().default(false),
  }).strict().default({ seqLen: 7, batch: 4, inputSize: 10, hiddenSize: 20, numLayers: 2, bidirectional: true, batchFirst: false }),
  seed: z.number().int().min(0).default(1),
}).strict();

export interface WalkthroughResult {
  /** Per hand-stepped time step: the shapes of x_t, h and c going in and out, per layer. */
  steps: Array<{ t: number; layer: number; x: number[]; h: number[]; c: number[] }>;
  /** max |hand loop - LSTM module| over outputs, h_n and c_n. */
  maxDifference: { oneLayer: number; twoLayers: number };
  shapes: Record<'input' | 'h0' | 'c0' | 'output' | 'hN' | 'cN', number[]>;
  /**
   * nn.LSTM(10, 20, num_layers=2, bidirectional=True, batch_first=True) on a batch of 3
   * sequences of 7 (3 is not D * num_layers = 4, so the two layouts cannot be confused): the
   * shapes it takes and gives, and what it says to h_0 laid out batch first (N, D * num_layers, H).
   */
  batchFirst: { shapes: Record<'input' | 'h0' | 'c0' | 'output' | 'hN' | 'cN', number[]>; batchFirstH0Error: string | null };
  /** That LSTM's parameters, PyTorch's names and shapes: each direction its own (`_reverse`), none shared. */
  parameters: Array<{ name: string; shape: number[] }>;
}

export function exploreShapes(e: z.output<typeof schema>['explore']): WalkthroughResult['shapes'] {
  return tf.tidy(() => {
    const D = e.bidirectional ? 2 : 1;
    const m = new LSTM({ inputSize: e.inputSize, hiddenSize: e.hiddenSize, numLayers: e.numLayers, bidirectional: e.bidirectional, batchFirst: e.batchFirst, seed: 1 });
    try {
      const input = tf.randomNormal(e.batchFirst ? [e.batch, e.seqLen, e.inputSize] : [e.seqLen, e.batch, e.inputSize]);
      const h0 = tf.zeros([D * e.numLayers, e.batch, e.hiddenSize]);
      const c0 = tf.zeros([D * e.numLayers, e.batch, e.hiddenSize]);
      const r = m.forward(input, h0, c0);
      return { input: input.shape, h0: h0.shape, c0: c0.shape, output: r.output.shape, hN: r.hN.shape, cN: r.cN!.shape } as unknown as tf.TensorContainerObject;
    } finally {
      m.dispose();
    }
  }) as unknown as WalkthroughResult['shapes'];
}

/** The batch-first measurement (see WalkthroughResult.batchFirst) and the bidirectional LSTM's parameters. */
export function measureBatchFirst(): Pick<WalkthroughResult, 'batchFirst' | 'parameters'> {
  const L = 7, N = 3, inputSize = 10, H = 20, numLayers = 2, D = 2;
  const m = new LSTM({ inputSize, hiddenSize: H, numLayers, bidirectional: true, batchFirst: true, seed: 1 });
  try {
    const shapes = tf.tidy(() => {
      const input = tf.randomNormal([N, L, inputSize]);
      const h0 = tf.zeros([D * numLayers, N, H]);
      const r = m.forward(input, h0, h0);
      return { input: input.shape, h0: h0.shape, c0: h0.shape, output: r.output.shape, hN: r.hN.shape, cN: r.cN!.shape } as unknown as tf.TensorContainerObject;
    }) as unknown as WalkthroughResult['shapes'];
    let batchFirstH0Error: string | null = null;
    tf.tidy(() => {
      try {
        m.forward(tf.zeros([N, L, inputSize]), tf.zeros([N, D * numLayers, H]), tf.zeros([N, D * numLayers, H]));
      } catch (err) {
        batchFirstH0Error = (err as Error).message;
      }
    });
    return { batchFirst: { shapes, batchFirstH0Error }, parameters: m.namedParameters().map(([name, p]) => ({ name, shape: [...p.shape] })) };
  } finally {
    m.dispose();
  }
}

const PYTORCH_NAMES = { input: 'input', h0: 'h_0', c0: 'c_0', output: 'output', hN: 'h_n', cN: 'c_n' } as const;

/** The shape in the letters of PyTorch's nn.LSTM documentation (D = 2 if bidirectional). */
function symbolicShape(name: keyof typeof PYTORCH_NAMES, batchFirst: boolean): string {
  if (name === 'input') return batchFirst ? '(N, L, H_in)' : '(L, N, H_in)';
  if (name === 'output') return batchFirst ? '(N, L, D * H_out)' : '(L, N, D * H_out)';
  return '(D * num_layers, N, H_out)'; // batch_first does not apply to the states
}

// One run: an exact comparison of two computations with the same weights, not a measurement that varies by seed.
export const cellWalkthrough: Experiment<typeof schema, WalkthroughResult, Record<string, never>, WalkthroughResult> = {
  name: 'cell-walkthrough',
  title: { en: 'LSTMCell by hand, one and two layers', zh: '手动逐步运行 LSTMCell：一层与两层' },
  description: {
    en: 'The chapter steps nn.LSTMCell by hand over a sequence, then stacks two cells where layer 1 passes only h (never c) up to layer 2, and says this is what nn.LSTM does. '
      + 'Here the hand loop runs with the module\'s own weights and the difference to the module is measured; the first table lists the shapes at every step of the hand loop, the second the shapes nn.LSTM gives for the arguments you choose (the shape explorer, `explore`).',
    zh: '教材用 nn.LSTMCell 在序列上手动逐步计算，然后叠加两个单元：第 1 层只把 h（从不把 c）传给第 2 层，并说这正是 nn.LSTM 所做的。'
      + '这里用模块自己的权重运行手写循环，并测量它与模块输出的差别；第一张表列出手写循环每一步的形状，第二张表列出 nn.LSTM 在你选择的参数下给出的形状（形状探索器，`explore`）。',
  },
  schema,
  plan: (_c, tr) => [{ label: tr('walkthrough', '逐步演示'), cost: 1, job: {} }],
  summarize: (c, [result], tr) => walkthroughOutput(c, result, tr),
  // The shape explorer's LSTM runs forward once on random input (the hand-stepped loop beside it is at most 64 x 64 x 256).
  footprint: ({ explore: e }) => ({ cell: 'lstm', hidden: e.hiddenSize, layers: e.numLayers, directions: e.bidirectional ? 2 : 1, input: e.inputSize, batch: 0, evalBatch: e.batch, length: e.seqLen, vocab: 0, embed: 0, optimizerSlots: 0 }),
  memorySettings: ['explore.batch', 'explore.seqLen', 'explore.hiddenSize', 'explore.numLayers', 'explore.inputSize'],
  async runOne(c, _job, ctx) {
    const steps: WalkthroughResult['steps'] = [];
    const diff = (layers: 1 | 2) => tf.tidy(() => {
      const lstm = new LSTM({ inputSize: c.inputSize, hiddenSize: c.hiddenSize, numLayers: layers, seed: c.seed });
      const sd = lstm.stateDict();
      const cells = Array.from({ length: layers }, (_, k) => {
        const cell = new LSTMCell({ inputSize: k === 0 ? c.inputSize : c.hiddenSize, hiddenSize: c.hiddenSize, seed: 0 });
        cell.loadStateDict({ weight_ih: sd[`weight_ih_l${k}`], weight_hh: sd[`weight_hh_l${k}`], bias_ih: sd[`bias_ih_l${k}`], bias_hh: sd[`bias_hh_l${k}`] });
        return cell;
      });
      try {
        const x = tf.randomNormal([c.seqLen, c.batch, c.inputSize], 0, 1, 'float32', c.seed);
        const module = lstm.forward(x);
        // The hand loop: for each t, layer k gets layer k-1's h_t as input; c stays in its layer.
        let h = cells.map(() => tf.zeros([c.batch, c.hiddenSize]));
        let cs = cells.map(() => tf.zeros([c.batch, c.hiddenSize]));
        const outputs: tf.Tensor[] = [];
        const xs = tf.unstack(x);
        for (let t = 0; t < c.seqLen; t++) {
          let input = xs[t];
          cells.forEach((cell, k) => {
            const r = cell.forward(input, { h: h[k], c: cs[k] });
            if (layers === 2) steps.push({ t, layer: k, x: input.shape, h: r.h.shape, c: r.c.shape });
            h = h.map((v, j) => (j === k ? r.h : v));
            cs = cs.map((v, j) => (j === k ? r.c : v));
            input = r.h; // only h goes up a layer
          });
          outputs.push(input);
        }
        const hand = tf.stack(outputs);
        const d = Math.max(
          tf.max(tf.abs(tf.sub(hand, module.output))).dataSync()[0],
          tf.max(tf.abs(tf.sub(tf.stack(h), module.hN))).dataSync()[0],
          tf.max(tf.abs(tf.sub(tf.stack(cs), module.cN!))).dataSync()[0],
        );
        return d;
      } finally {
        lstm.dispose();
        cells.forEach((cell) => cell.dispose());
      }
    });
    ctx.progress(0, ctx.tr('one layer', '一层'));
    const oneLayer = diff(1);
    await cancellationPoint(ctx);
    ctx.progress(0.5, ctx.tr('two layers', '两层'));
    const twoLayers = diff(2);
    const shapes = exploreShapes(c.explore);
    return { steps, maxDifference: { oneLayer, twoLayers }, shapes, ...measureBatchFirst() };
  },
};

const fmt = (s: number[]) => `(${s.join(', ')})`;
const py = (b: boolean) => (b ? 'True' : 'False'); // written as PyTorch users write it

/**
 * Two tables, each with its own settings named: the hand-stepped loop (seqLen x batch x
 * input size of the run) and the shape explorer (its own nn.LSTM); the headline quotes the
 * hand loop's table and the explorer's output shape, each saying which.
 */
function walkthroughOutput(c: z.output<typeof schema>, result: WalkthroughResult, tr: Tr): ExperimentOutput<WalkthroughResult> {
  const { steps, maxDifference: { oneLayer, twoLayers }, shapes } = result;
  const e = c.explore;
  const explorer = `nn.LSTM(${e.inputSize}, ${e.hiddenSize}, num_layers=${e.numLayers}, bidirectional=${py(e.bidirectional)}, batch_first=${py(e.batchFirst)})`;
  const loopTitle = tr(`The hand loop: two stacked LSTMCell(${c.inputSize}, ${c.hiddenSize}), input (seq_len ${c.seqLen}, batch ${c.batch}, ${c.inputSize})`, `手写循环：两个叠加的 LSTMCell(${c.inputSize}, ${c.hiddenSize})，输入（序列长度 ${c.seqLen}，批大小 ${c.batch}，${c.inputSize}）`);
  const explorerTitle = tr(`The shape explorer: ${explorer}, input of seq_len ${e.seqLen}, batch ${e.batch}`, `形状探索器：${explorer}，输入的序列长度 ${e.seqLen}，批大小 ${e.batch}`);
  const difference = (d: number) => d.toExponential(1);
  return {
    result,
    figures: [{
      id: 'loop', title: tr('Two stacked LSTMCells, stepped by hand', '两个叠加的 LSTMCell，手动逐步运行'), xLabel: tr('time step t', '时间步 t'), yLabel: tr('layer', '层'), x: [], series: [],
      caption: tr('Along a row, (h, c) go to the next step of the same layer; up a column only h goes (it is the next layer\'s input x); c never leaves its layer. The first table lists the shapes at each step.',
        '沿着一行，(h, c) 传到同一层的下一步；沿着一列向上只传 h（它是下一层的输入 x）；c 从不离开它所在的层。第一张表列出每一步的形状。'),
      diagram: { kind: 'lstm-stack', layers: 2, steps: Math.min(3, c.seqLen), legend: tr('blue: h (goes along and up) · orange: c (goes along only; never up a layer)', '蓝色：h（沿时间传递，也向上传）· 橙色：c（只沿时间传递，从不向上一层）') },
    }],
    table: [
      [tr('time step t', '时间步 t'), tr('layer', '层'), tr('x_t in', '输入 x_t'), tr('h out', '输出 h'), tr('c out', '输出 c')],
      ...steps.map((s) => [s.t, s.layer, fmt(s.x), fmt(s.h), fmt(s.c)]),
      [tr('max |hand loop − nn.LSTM| (output, h_n, c_n)', '最大 |手写循环 − nn.LSTM|（output、h_n、c_n）'), tr(`1 layer: ${difference(oneLayer)}`, `1 层：${difference(oneLayer)}`), tr(`2 layers: ${difference(twoLayers)}`, `2 层：${difference(twoLayers)}`), '', ''],
    ],
    tables: [{
      title: explorerTitle,
      table: [
        [tr('tensor', '张量'), tr('shape', '形状'), tr('in PyTorch\'s documentation (D = 2 if bidirectional)', 'PyTorch 文档中的写法（双向时 D = 2）')],
        ...Object.entries(shapes).map(([k, s]) => [PYTORCH_NAMES[k as keyof typeof PYTORCH_NAMES], fmt(s), symbolicShape(k as keyof typeof PYTORCH_NAMES, e.batchFirst)]),
      ],
    }],
    headline: tr(`Hand-stepped LSTMCell against nn.LSTM (${c.seqLen} steps, batch ${c.batch}): max difference ${difference(oneLayer)} (1 layer), ${difference(twoLayers)} (2 layers). Shape explorer, ${explorer}: output ${fmt(shapes.output)}, h_n ${fmt(shapes.hN)}.`,
      `手写的 LSTMCell 与 nn.LSTM 对比（${c.seqLen} 步，批大小 ${c.batch}）：最大差别 ${difference(oneLayer)}（1 层）、${difference(twoLayers)}（2 层）。形状探索器 ${explorer}：output ${fmt(shapes.output)}，h_n ${fmt(shapes.hN)}。`),
    tableTitle: loopTitle,
  };
}
