/**
 * bidirectional-leak ("seeing itself"): language models that predict the character at
 * position t from a bidirectional encoder, built as the chapter draws them (at t, the
 * forward state up to t-1 and the backward state from t+1), and whether x_t reaches its
 * own prediction.
 */
import { z } from 'zod';
import { tf } from '../core/backend';
import { Module } from '../nn/module';
import { crossEntropy, linear, stableNorm } from '../nn/ops';
import { LSTM } from '../nn/recurrent';
import { Random } from '../core/random';
import { Optimizer } from '../train/optim';
import { optimizeStep } from '../train/stepper';
import { round } from './format';
import { corpusIds, randomWindows } from './inputs';
import { meanOf, meanPart, meanRange, SEEDS_DEFAULT, seedBand, seedsFrom } from './seeds';
import { meanOfSeeds, ofSeeds } from '../core/lang';
import { cancellationPoint, type Experiment } from './types';
import { BUILT_IN_VOCAB, choiceList } from './bounds';

export const LEAK_MODELS = ['uni', 'bi1', 'bi2', 'bi2-separate'] as const;
export type LeakModelName = (typeof LEAK_MODELS)[number];

const schema = z.object({
  models: choiceList(LEAK_MODELS).default([...LEAK_MODELS]),
  hidden: z.number().int().min(1).max(512).default(64),
  embed: z.number().int().min(1).max(512).default(32),
  seqLen: z.number().int().min(4).max(256).default(32),
  batch: z.number().int().min(1).max(256).default(16),
  steps: z.number().int().min(1).max(10_000).default(150),
  learningRate: z.number().gt(0).max(1).default(5e-3),
  influenceLength: z.number().int().min(4).max(128).default(24),
  generateLength: z.number().int().min(0).max(500).default(60),
  seeds: z.number().int().min(1).max(20).default(SEEDS_DEFAULT),
  seed: z.number().int().min(0).default(1),
}).strict();

/** Shift by one step along time: `down` puts h[t-1] at t (zeros first); `up` puts h[t+1] at t. */
function shift(h: tf.Tensor3D, direction: 'down' | 'up'): tf.Tensor3D {
  const [L, N, H] = h.shape;
  const zeros = tf.zeros([1, N, H]);
  return (direction === 'down'
    ? tf.concat([zeros, tf.slice(h, [0, 0, 0], [L - 1, N, H])], 0)
    : tf.concat([tf.slice(h, [1, 0, 0], [L - 1, N, H]), zeros], 0)) as tf.Tensor3D;
}

class LeakModel extends Module {
  private readonly embedding: tf.Variable;
  private readonly encoders: LSTM[] = [];
  private readonly headWeight: tf.Variable;
  private readonly headBias: tf.Variable;

  constructor(readonly kind: LeakModelName, vocab: number, embed: number, private readonly hidden: number, seed: number) {
    super();
    const rng = new Random(seed);
    this.embedding = this.registerParameter('embedding.weight', tf.randomNormal([vocab, embed], 0, 1, 'float32', rng.seed()));
    const lstm = (name: string, o: { inputSize: number; numLayers: number; bidirectional: boolean }) =>
      this.encoders[this.encoders.push(this.registerModule(name, new LSTM({ ...o, hiddenSize: hidden, seed: rng.seed() }))) - 1];
    if (kind === 'uni') lstm('rnn', { inputSize: embed, numLayers: 1, bidirectional: false });
    if (kind === 'bi1') lstm('rnn', { inputSize: embed, numLayers: 1, bidirectional: true });
    if (kind === 'bi2') lstm('rnn', { inputSize: embed, numLayers: 2, bidirectional: true }); // each layer's outputs feed both directions of the next
    if (kind === 'bi2-separate') {
      lstm('forward', { inputSize: embed, numLayers: 2, bidirectional: false });
      lstm('backward', { inputSize: embed, numLayers: 2, bidirectional: false });
    }
    const width = kind === 'uni' ? hidden : 2 * hidden;
    const bound = 1 / Math.sqrt(width);
    this.headWeight = this.registerParameter('head.weight', tf.randomUniform([vocab, width], -bound, bound, 'float32', rng.seed()));
    this.headBias = this.registerParameter('head.bias', tf.zeros([vocab]));
  }

  embed(ids: tf.Tensor2D): tf.Tensor3D {
    // ids (N, L) -> (L, N, E); a one-hot product, differentiable on every backend
    const [N, L] = ids.shape;
    const oneHot = tf.oneHot(tf.transpose(ids).reshape([L * N]), this.embedding.shape[0]).toFloat() as tf.Tensor2D;
    return tf.matMul(oneHot, this.embedding as tf.Tensor as tf.Tensor2D).reshape([L, N, -1]) as tf.Tensor3D;
  }

  /** Logits (L*N, V) for predicting x_t at every position t, from x (L, N, E). */
  logits(x: tf.Tensor3D): tf.Tensor2D {
    const [L, N] = x.shape;
    const H = this.hidden;
    let features: tf.Tensor3D;
    if (this.kind === 'uni') {
      features = shift(this.encoders[0].forward(x).output, 'down');
    } else if (this.kind === 'bi1' || this.kind === 'bi2') {
      const out = this.encoders[0].forward(x).output; // (L, N, 2H): forward | backward of the last layer
      const fwd = tf.slice(out, [0, 0, 0], [L, N, H]) as tf.Tensor3D;
      const bwd = tf.slice(out, [0, 0, H], [L, N, H]) as tf.Tensor3D;
      features = tf.concat([shift(fwd, 'down'), shift(bwd, 'up')], 2) as tf.Tensor3D;
    } else {
      const fwd = this.encoders[0].forward(x).output;
      const bwd = tf.reverse(this.encoders[1].forward(tf.reverse(x, 0) as tf.Tensor3D).output, 0) as tf.Tensor3D;
      features = tf.concat([shift(fwd, 'down'), shift(bwd, 'up')], 2) as tf.Tensor3D;
    }
    return linear(features.reshape([L * N, -1]) as tf.Tensor2D, this.headWeight as tf.Tensor as tf.Tensor2D, this.headBias);
  }

  loss(ids: tf.Tensor2D): tf.Scalar {
    return tf.tidy(() => crossEntropy(this.logits(this.embed(ids)), tf.transpose(ids).reshape([-1]) as tf.Tensor1D));
  }
}

/** One model, one seed. */
interface LeakRun {
  model: LeakModelName;
  seed: number;
  lossCurve: number[];
  steps: number[];
  finalTrainLoss: number;
  diagonalInfluence: number;
  influence: number[][];
  generated: string;
}

export interface LeakResult {
  seeds: number[];
  /** Model -> training loss (nats/char) at each recorded step, mean over seeds. */
  lossCurves: Record<string, Array<number | null>>;
  steps: number[];
  /** Model -> final training loss, mean over seeds. */
  finalTrainLoss: Record<string, number>;
  /** Model -> mean over t of |d logit_t / d x_t| relative to the mean over s != t, mean over seeds. */
  diagonalInfluence: Record<string, number>;
  /** Model -> in how many seeds x_t reached its own prediction (relative influence > 0.01). */
  leakingSeeds: Record<string, number>;
  /** Model -> the influence matrix (rows t, columns s) of one sequence, first seed. */
  influence: Record<string, number[][]>;
  /** Model -> text generated left to right (each next character predicted with nothing to its right), first seed. */
  generated: Record<string, string>;
  runs: LeakRun[];
}

const LEAK_COST: Record<LeakModelName, number> = { uni: 1, bi1: 2, bi2: 4, 'bi2-separate': 4 };

export const bidirectionalLeak: Experiment<typeof schema, LeakResult, { model: LeakModelName; seed: number }, LeakRun> = {
  name: 'bidirectional-leak',
  title: { en: 'Bidirectional language models that see themselves', zh: '能“看见自己”的双向语言模型' },
  description: {
    en: 'The chapter warns that stacking bidirectional layers in a language model lets position t see its own character: in a second layer, the forward state at t-1 already mixes in the first layer\'s backward state, which read x_t. '
      + 'The figures show training loss against a unidirectional model, and the influence of each input on each prediction (the diagonal is x_t on its own prediction), each the mean of 3 seeds with the range as a band: one bidirectional layer and two separate stacks joined at the top do not leak; two stacked bidirectional layers do, and their loss drops far below what is honestly possible. '
      + 'Measured with these defaults: x_t reaches its own prediction in bi2 in every seed and in no seed of the others.',
    zh: '教材提醒：在语言模型中叠加双向层，会让位置 t 看见它自己的字符：在第二层中，t-1 处的前向状态已经混入了第一层的后向状态，而后者读过 x_t。'
      + '图中画出与单向模型对比的训练损失，以及每个输入对每个预测的影响（对角线是 x_t 对它自己预测的影响），每条线是 3 个种子的平均，阴影为范围：一个双向层、以及在顶部才合并的两个独立堆叠都不会泄漏；两个叠加的双向层会泄漏，它们的损失降到远低于诚实预测所能达到的水平。'
      + '用这些默认值测得：bi2 在每个种子中 x_t 都影响到它自己的预测，其他模型在任何种子中都没有。',
  },
  schema,
  plan(c, tr) {
    return seedsFrom(c.seed, c.seeds).flatMap((seed) => c.models.map((model) => ({ label: tr(`${model}, seed ${seed}`, `${model}，种子 ${seed}`), cost: LEAK_COST[model] * (c.steps / 150) * (c.seqLen / 32) * (c.hidden / 64) * Math.sqrt(c.batch / 16), job: { model, seed } })));
  },
  // uni: one LSTM layer; bi1: one bidirectional layer; bi2 and bi2-separate: two layers in each of two directions.
  footprint: (c, { model }) => ({ cell: 'lstm', hidden: c.hidden, layers: model === 'uni' || model === 'bi1' ? 1 : 2, directions: model === 'uni' ? 1 : 2, input: c.embed, batch: c.batch, length: c.seqLen, vocab: BUILT_IN_VOCAB, embed: c.embed, optimizerSlots: 2 }),
  memorySettings: ['batch', 'seqLen', 'hidden', 'embed'],
  async runOne(c, { model: name, seed }, ctx) {
    const { vocabulary, ids } = corpusIds();
    const every = Math.max(1, Math.floor(c.steps / 30));
    const rng = new Random(seed);
    const model = new LeakModel(name, vocabulary.size, c.embed, c.hidden, seed);
    const optimizer = new Optimizer(model.namedParameters(), { name: 'adam' });
    const params = model.parameters();
    const curve: number[] = [];
    const steps: number[] = [];
    try {
      for (let s = 1; s <= c.steps; s++) {
        if (s % 10 === 1) {
          ctx.progress(s / c.steps, ctx.tr(`step ${s}`, `第 ${s} 步`));
          await cancellationPoint(ctx);
        }
        const batch = tf.tensor2d(randomWindows(ids, c.batch, c.seqLen, rng), [c.batch, c.seqLen], 'int32');
        const { loss } = optimizeStep(params, () => model.loss(batch), optimizer, c.learningRate, 1);
        batch.dispose();
        if (s % every === 0 || s === c.steps) {
          curve.push(round(loss));
          steps.push(s);
        }
      }

      // Influence of each input's embedding on each prediction's logit for its true character.
      const seq = randomWindows(ids, 1, c.influenceLength, new Random(seed + 99))[0];
      const L = seq.length;
      const matrix: number[][] = [];
      const x = tf.tidy(() => model.embed(tf.tensor2d([seq], [1, L], 'int32')));
      try {
        for (let t = 0; t < L; t++) {
          const row = tf.tidy(() => {
            const g = tf.grad((xs: tf.Tensor) => tf.slice(model.logits(xs as tf.Tensor3D), [t, seq[t]], [1, 1]).sum())(x);
            return Array.from(stableNorm(g.reshape([L, -1]), 1).dataSync());
          });
          matrix.push(row.map((v) => round(v, 6)));
        }
      } finally {
        x.dispose();
      }
      const diag = matrix.reduce((a, row, t) => a + row[t], 0) / L;
      const off = matrix.reduce((a, row, t) => a + row.reduce((b, v, s) => b + (s === t ? 0 : v), 0), 0) / (L * (L - 1));

      // Left-to-right generation: predict position t from the prefix, nothing to the right
      // (a space stands at t itself, which a leaking model reads).
      const prefix = Array.from(vocabulary.encode('The forget gate').ids);
      const space = vocabulary.encode(' ').ids[0];
      const out: number[] = [];
      for (let k = 0; k < c.generateLength; k++) {
        const seqIds = [...prefix, ...out, space];
        const next = tf.tidy(() => {
          const logits = model.logits(model.embed(tf.tensor2d([seqIds], [1, seqIds.length], 'int32')));
          return tf.argMax(tf.slice(logits, [seqIds.length - 1, 0], [1, -1]), 1).dataSync()[0];
        });
        out.push(next);
      }
      return {
        model: name, seed, lossCurve: curve, steps, finalTrainLoss: curve[curve.length - 1], influence: matrix,
        diagonalInfluence: round(off > 0 ? diag / off : diag), generated: 'The forget gate' + vocabulary.decode(out),
      };
    } finally {
      optimizer.dispose();
      model.dispose();
    }
  },
  summarize(c, runs, tr) {
    const seeds = seedsFrom(c.seed, c.seeds);
    const of = (n: string) => runs.filter((r) => r.model === n);
    const result: LeakResult = { seeds, lossCurves: {}, steps: runs[0]?.steps ?? [], finalTrainLoss: {}, diagonalInfluence: {}, leakingSeeds: {}, influence: {}, generated: {}, runs };
    for (const n of c.models) {
      result.lossCurves[n] = seedBand(of(n).map((r) => r.lossCurve)).y;
      result.finalTrainLoss[n] = round(meanOf(of(n).map((r) => r.finalTrainLoss)), 6);
      result.diagonalInfluence[n] = round(meanOf(of(n).map((r) => r.diagonalInfluence)), 6);
      result.leakingSeeds[n] = of(n).filter((r) => r.diagonalInfluence > 0.01).length;
      result.influence[n] = of(n)[0]?.influence ?? [];
      result.generated[n] = of(n)[0]?.generated ?? '';
    }
    const L = c.influenceLength;
    const diagonalBand = (n: string, offset: number) => seedBand(of(n).map((r) => r.influence.map((row, t) => (t + offset >= 0 && t + offset < L ? row[t + offset] : null))));
    // The table's cells, quoted by the headline as they are.
    const lossText = new Map(c.models.map((n) => [n, meanRange(of(n).map((r) => r.finalTrainLoss))]));
    const influenceText = new Map(c.models.map((n) => [n, meanRange(of(n).map((r) => r.diagonalInfluence))]));
    const prompt = 'The forget gate';
    // What was generated after the prompt, its spaces and line breaks shown (a leaking model writes blanks).
    const continuation = (n: string) => {
      const text = result.generated[n].slice(prompt.length);
      return `${prompt}|${text.replace(/ /g, '␣').replace(/\n/g, '⏎')}`;
    };
    return {
      result,
      figures: [
        {
          id: 'loss', title: tr(`Training loss (${meanOfSeeds(tr, seeds.length)})`, `训练损失（${meanOfSeeds(tr, seeds.length)}）`), xLabel: tr('step', '步'), yLabel: tr('training loss (nats/char)', '训练损失（纳特/字符）'), x: result.steps,
          caption: tr('uni predicts the next character honestly. bi1 and bi2-separate read both neighbours of a position, as a gap-filling model may, so their loss is lower without cheating; bi2 reads the very character it predicts, and its loss collapses towards 0.',
            'uni 诚实地预测下一个字符。bi1 和 bi2-separate 读取一个位置两边的邻居（填空模型可以这样做），所以它们的损失更低但没有作弊；bi2 读取了它要预测的那个字符本身，损失一路降向 0。'),
          series: c.models.map((n) => ({ name: n, ...seedBand(of(n).map((r) => r.lossCurve)) })),
        },
        ...c.models.map((n) => ({
          id: `influence-${n}`, title: tr(`${n}: what each prediction reads`, `${n}：每个预测读取了什么`), xLabel: tr('position t', '位置 t'), yLabel: '|d logit_t / d x_s|', shareY: 'influence',
          caption: n === 'uni'
            ? tr('Causal: the prediction at t reads only the past, so x_t (dots) and x_{t+1} (dashed) both stay at 0.', '因果的：位置 t 的预测只读取过去，所以 x_t（圆点）和 x_{t+1}（虚线）都保持为 0。')
            : n === 'bi2'
              ? tr(`The dotted line is x_t's influence on its own prediction: as large as its neighbour x_{t-1}'s, where an honest model has 0, so the model reads the answer. The table gives its ratio to the mean influence of the other positions (${meanPart(influenceText.get(n)!)}).`,
                `圆点线是 x_t 对它自己预测的影响：和邻居 x_{t-1} 的影响一样大，而诚实的模型这里是 0，所以模型读到了答案。表中给出它与其他位置平均影响之比（${meanPart(influenceText.get(n)!)}）。`)
              : tr('The dotted line (x_t on its own prediction) stays at 0: no leak; the dashed line shows it reads the next character x_{t+1}, which a gap-filler may.', '圆点线（x_t 对它自己预测的影响）保持为 0：没有泄漏；虚线表明它读取了下一个字符 x_{t+1}，填空模型可以这样做。'),
          x: Array.from({ length: L }, (_, t) => t),
          // Drawn last and with dots, so a zero line stays visible on top of the others.
          series: [
            { name: 'x_{t-1} (s = t - 1)', ...diagonalBand(n, -1) },
            { name: 'x_{t+1} (s = t + 1)', ...diagonalBand(n, 1), dash: true },
            { name: tr('x_t on its own prediction (s = t)', 'x_t 对它自己预测的影响（s = t）'), ...diagonalBand(n, 0), points: true },
          ],
        })),
      ],
      table: [[tr('model', '模型'), tr(`final train loss after ${c.steps} steps (mean over seeds, range)`, `${c.steps} 步后的最终训练损失（种子平均，范围）`),
        tr('x_t\'s influence on its own prediction, relative to the other positions\' mean (mean over seeds, range)', 'x_t 对自己预测的影响，相对于其他位置的平均（种子平均，范围）'),
        tr('x_t reaches its prediction (relative influence > 0.01)', 'x_t 影响到自己的预测（相对影响 > 0.01）'),
        tr(`generated left to right after "${prompt}" (seed ${seeds[0]}; ␣ = space)`, `在 “${prompt}” 之后从左到右生成（种子 ${seeds[0]}；␣ = 空格）`)],
        ...c.models.map((n) => [n, lossText.get(n)!, influenceText.get(n)!, ofSeeds(tr, result.leakingSeeds[n], of(n).length), continuation(n)])],
      headline: c.models.map((n) => tr(`${n}: loss ${meanPart(lossText.get(n)!)}, x_t's relative influence on its own prediction ${meanPart(influenceText.get(n)!)} (above 0.01 in ${ofSeeds(tr, result.leakingSeeds[n], of(n).length)})`,
        `${n}：损失 ${meanPart(lossText.get(n)!)}，x_t 对自己预测的相对影响 ${meanPart(influenceText.get(n)!)}（高于 0.01：${ofSeeds(tr, result.leakingSeeds[n], of(n).length)}）`)).join(tr('; ', '；')),
    };
  },
};
