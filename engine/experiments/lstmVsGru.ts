/** lstm-vs-gru: the two gated cells trained on the same text (Chinese by default), compared over seeds. */
import { z } from 'zod';
import { OPTIMIZER_NAMES } from '../core/names';
import { generateCorpus } from '../text/generatedCorpus';
import { round, sig3 } from './format';
import { meanOf, meanPart, meanRange, SEEDS_DEFAULT, seedsFrom } from './seeds';
import { meanOfSeeds, ofSeeds } from '../core/lang';
import type { Experiment } from './types';
import { banded, byName, record, type Run } from './trainingRecorder';

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
        + tr(` (${seeds.length === 1 ? 'one seed' : `means of ${seeds.length} seeds`}; the GRU ended lower in ${ofSeeds(tr, gruBetter, bothRan.length)}).`, `（${seeds.length === 1 ? '一个种子' : `${seeds.length} 个种子的平均`}；GRU 最终更低：${ofSeeds(tr, gruBetter, bothRan.length)}）。`),
    };
  },
};
