/** normalization: cells trained with no, layer or batch normalisation of the gate pre-activations, compared. */
import { z } from 'zod';
import { tf } from '../core/backend';
import { CELL_TYPES, NORMALIZATIONS, type CellType, type Normalization } from '../core/names';
import { generateCorpus } from '../text/generatedCorpus';
import { round, sig3 } from './format';
import { meanOf, meanPart, meanRange, SEEDS_DEFAULT, seedsFrom } from './seeds';
import { meanOfSeeds, ofSeeds } from '../core/lang';
import type { Experiment } from './types';
import { BUILT_IN_VOCAB, choiceList } from './bounds';
import { banded, byName, record, type Run } from './trainingRecorder';

const normSchema = z.object({
  // The LSTM is Cooijmans et al.'s (2016) setting; the tanh RNN is a second panel.
  cells: choiceList(CELL_TYPES).default(['lstm', 'rnn-tanh']),
  hidden: z.number().int().min(1).max(1024).default(64),
  seqLen: z.number().int().min(2).max(1000).default(32),
  steps: z.number().int().min(1).max(100_000).default(100),
  learningRate: z.number().gt(0).max(10).default(3e-3),
  normalizations: choiceList(NORMALIZATIONS).default(['none', 'layer', 'batch']),
  // Recurrent batch norm's initial gain (gamma): Cooijmans et al. recommend 0.1; it decides the tanh RNN's result.
  bnGain: z.number().gt(0).max(10).default(0.1),
  // The chapter says batch norm makes training less sensitive to the initial weights: every W_ih and W_hh scaled by this at initialisation.
  initScale: z.number().gt(0).max(100).default(1),
  // The chapter says batch norm reduces overfitting: train on only this many characters of the text (0: all of its training part).
  // At least 1,000: enough for the 32 validation windows of the default length to be apart.
  trainChars: z.number().int().min(0).max(54_000).refine((v) => v === 0 || v >= 1_000, '0 (the whole training part) or at least 1000 characters').default(0),
  seeds: z.number().int().min(1).max(20).default(SEEDS_DEFAULT),
  seed: z.number().int().min(0).default(1),
}).strict();

/**
 * A run's relative cost (bench/normalizedSteps.mts, ms per training step at the defaults: the LSTM
 * 12 unnormalised, fused; 70 with layer norm; 102 with batch norm; the tanh RNN 5, 21, 36; the GRU
 * 9, 39, 69).
 */
const COST_OF_CELL = (cell: CellType) => (cell === 'lstm' ? 2 : cell === 'gru' ? 1.1 : 0.6);
const COST_OF_NORM: Record<Normalization, number> = { none: 0.17, layer: 1, batch: 1.45 };

export interface NormalizationResult {
  seeds: number[];
  /** `${cell}/${normalization}` -> final validation loss, mean over seeds. */
  finalValLoss: Record<string, number>;
  /** `${cell}/${normalization}` -> seconds, mean over seeds. */
  seconds: Record<string, number>;
  /** Cell -> normalisation -> in how many seeds it ended below no normalisation. */
  beatsNone: Record<string, Record<string, number>>;
  /** `${cell}/${normalization}` -> the final loss on the training text (eval mode, as the validation loss), mean over seeds. */
  trainingTextLoss: Record<string, number>;
  /** Each run; its validation curve too (`valSteps`, `valLoss`), so a claim can ask when a loss was first reached; its loss on the training text, so a claim can measure overfitting (the gap). */
  runs: Array<{ cell: string; normalization: string; seed: number; finalValLoss: number; trainingTextLoss: number; seconds: number; valSteps: number[]; valLoss: number[] }>;
}

/** The built-in text's length, and the share of it held out for validation (its last 10%, whatever `trainChars` is). */
const TEXT_CHARS = 60_000;
const VAL_FRACTION = 0.1;

/**
 * The text a run trains on and its validation share: the built-in text; with `trainChars`, only
 * that many characters of its training part, followed by the validation part (its last
 * `trainChars` characters when that is shorter).
 */
export function normalizationText(trainChars: number): { text: string; valFraction: number } {
  const full = generateCorpus(TEXT_CHARS);
  if (trainChars === 0) return { text: full, valFraction: VAL_FRACTION };
  // At most as long as the training part (training's split holds out at most half): the end of the same validation part.
  const valChars = Math.min(trainChars, Math.round(full.length * VAL_FRACTION));
  return { text: full.slice(0, trainChars) + full.slice(full.length - valChars), valFraction: valChars / (trainChars + valChars) };
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
      label: tr(`${cell}, ${norm}, seed ${seed}`, `${cell}，${norm}，种子 ${seed}`), cost: COST_OF_CELL(cell) * COST_OF_NORM[norm] * (c.steps / 100) * (c.seqLen / 32) * (c.hidden / 64), job: { cell, norm, seed },
    }))));
  },
  // A normalised cell runs step by step through TensorFlow.js's taped ops, which keep more per step than the fused kernels.
  footprint: (c, { cell, norm }) => ({ cell: norm === 'none' ? (cell === 'lstm' ? 'lstm' : cell === 'gru' ? 'gru' : 'rnn') : cell === 'lstm' ? 'lstm-norm' : cell === 'gru' ? 'gru-norm' : 'rnn-norm', hidden: c.hidden, layers: 1, directions: 1, input: 32, batch: 16, length: c.seqLen, vocab: BUILT_IN_VOCAB, embed: 32, optimizerSlots: 2, textChars: 60_000 }),
  memorySettings: ['seqLen', 'hidden'],
  async runOne(c, { cell, norm, seed }, ctx) {
    const { text, valFraction } = normalizationText(c.trainChars);
    return record(`${cell}/${norm}`, seed, text, {
      cell, hidden: c.hidden, embed: 32, seqLen: c.seqLen, batch: 16, steps: c.steps, lr: c.learningRate, normalization: norm,
      evalInterval: Math.max(1, Math.floor(c.steps / 10)), evalWindows: 32, valFraction,
    }, ctx, { trainingTextLoss: true, prepare: (m) => {
      const sd = m.rnn.stateDict();
      const gains = norm === 'batch' && c.bnGain !== 0.1 ? Object.keys(sd).filter((k) => /^bn_(ih|hh|c)_weight/.test(k)).map((k) => [k, tf.fill(sd[k].shape, c.bnGain)]) : [];
      const weights = c.initScale !== 1 ? Object.keys(sd).filter((k) => /^weight_(ih|hh)_l\d+$/.test(k)).map((k) => [k, tf.mul(sd[k], c.initScale)]) : [];
      if (gains.length || weights.length) m.rnn.loadStateDict(Object.fromEntries([...gains, ...weights]), false);
    } });
  },
  summarize(c, runs, tr) {
    const seeds = seedsFrom(c.seed, c.seeds);
    const final = (r: Run) => r.valLoss.at(-1)!;
    const result: NormalizationResult = {
      seeds, finalValLoss: {}, trainingTextLoss: {}, seconds: {}, beatsNone: {},
      runs: runs.map((r) => ({ cell: r.name.split('/')[0], normalization: r.name.split('/')[1], seed: r.seed, finalValLoss: final(r), trainingTextLoss: r.trainingTextLoss!, seconds: r.seconds.at(-1)!, valSteps: r.valSteps, valLoss: r.valLoss })),
    };
    for (const [name, rs] of byName(runs)) {
      result.finalValLoss[name] = round(meanOf(rs.map(final)), 6);
      result.trainingTextLoss[name] = round(meanOf(rs.map((r) => r.trainingTextLoss!)), 6);
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
    const valLabel = tr('validation loss (nats/char)', '验证损失（纳特/字符）');
    // The headline's numbers are the table's: the mean part of each "mean (range)".
    const finalText = new Map(byName(runs).map(([name, rs]) => [name, meanRange(rs.map(final))]));
    const finals = [...finalText].map(([k, v]) => `${k} ${meanPart(v)}`).join(tr(', ', '，'));
    const gapText = new Map(byName(runs).map(([name, rs]) => [name, meanRange(rs.map((r) => final(r) - r.trainingTextLoss!))]));
    const gaps = [...gapText].map(([k, v]) => `${k} ${meanPart(v)}`).join(tr(', ', '，'));
    return {
      result,
      figures: c.cells.flatMap((cell) => [
        { id: `${cell}-steps`, title: tr(`${cell}: validation loss against steps (${meanOfSeeds(tr, seeds.length)})`, `${cell}：验证损失随步数（${meanOfSeeds(tr, seeds.length)}）`),
          caption: (cell === 'lstm' ? tr('Lower is better: the line that falls fastest per step learns fastest per step. This is the paper\'s setting, an LSTM.', '越低越好：每步下降最快的线每步学得最快。这是论文的设置：LSTM。')
            : tr(`The same for a tanh RNN: with batch norm's gain at ${c.bnGain} its recurrence starts weak (set bnGain to 1 to compare).`, `tanh RNN 的同一比较：批归一化的增益为 ${c.bnGain} 时，它的循环一开始很弱（把 bnGain 设为 1 来比较）。`))
            + (c.trainChars ? tr(` Trained on only ${c.trainChars.toLocaleString('en')} characters: where a line turns up, the model has begun to learn its training text by heart (overfitting).`, `只在 ${c.trainChars} 个字符上训练：曲线开始上升的地方，模型开始死记训练文本（过拟合）。`) : ''),
          xLabel: tr('step', '步'), yLabel: valLabel, shareY: 'val', ...banded(ofCell(cell), (r) => [r.valSteps, r.valLoss]) },
        { id: `${cell}-time`, title: tr(`${cell}: validation loss against wall time`, `${cell}：验证损失随实际时间`),
          caption: tr('The same runs against seconds: normalised cells run step by step, so each step costs more; here the cheapest route to a low loss wins.', '同样的训练，横轴换成秒：归一化的单元逐步计算，每一步更费时；这里最省时达到低损失的方法胜出。'),
          xLabel: tr('seconds', '秒'), yLabel: valLabel, shareY: 'val', ...banded(ofCell(cell), (r) => [r.valSeconds, r.valLoss]) },
      ]),
      // Trained on a part of the text, the table also says how far the validation loss is above the training text's: overfitting.
      table: [[tr('cell', '单元'), tr('normalisation', '归一化'), tr(`final validation loss after ${c.steps} steps (mean over seeds, range)`, `${c.steps} 步后的最终验证损失（种子平均，范围）`),
        ...(c.trainChars ? [tr(`loss on the ${c.trainChars.toLocaleString('en-US')} training characters (mean over seeds)`, `在 ${c.trainChars} 个训练字符上的损失（种子平均）`), tr('gap: validation minus training text (mean over seeds, range)', '差距：验证减训练文本（种子平均，范围）')] : []),
        tr('seconds (mean over seeds)', '秒（种子平均）')],
      ...byName(runs).map(([name]) => [name.split('/')[0], name.split('/')[1], finalText.get(name)!,
        ...(c.trainChars ? [sig3(result.trainingTextLoss[name]), gapText.get(name)!] : []), sig3(result.seconds[name])])],
      headline: claims.length
        ? tr(`${claims.join('; ')} (final validation loss, mean over seeds: ${finals}).`, `${claims.join('；')}（最终验证损失，种子平均：${finals}）。`)
          + (c.trainChars ? tr(` Trained on ${c.trainChars.toLocaleString('en-US')} characters, the validation loss ends above the training text's by ${gaps}.`, `只在 ${c.trainChars} 个字符上训练，验证损失比训练文本的高出：${gaps}。`) : '')
        : [...finalText].map(([k, v]) => tr(`${k}: validation loss ${meanPart(v)}`, `${k}：验证损失 ${meanPart(v)}`)).join(tr('; ', '；')),
    };
  },
};
