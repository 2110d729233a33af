/**
 * lstm-vs-gru: the two gated cells trained on the same text (the student's, or a built-in one:
 * English, or Chinese news-like as the chapter's), compared over seeds; each trained model then
 * continues a prompt, and its continuation is measured against the text it learned from.
 */
import { z } from 'zod';
import { OPTIMIZER_NAMES } from '../core/names';
import { generateCorpus } from '../text/generatedCorpus';
import { CHINESE_NEWS_PROMPT, generateChineseNews } from '../text/chineseNews';
import { oneLine, percent, round, sig3 } from './format';
import { meanOf, meanPart, meanRange, SEEDS_DEFAULT, seedsFrom } from './seeds';
import { meanOfSeeds, ofSeeds, type Bilingual } from '../core/lang';
import type { Experiment } from './types';
import { optimizerSlots } from './bounds';
import { banded, byName, record, type Run } from './trainingRecorder';
import { generationField } from '../model/generationConfig';

/** The text lstm-vs-gru trains on (its first `maxCharacters`), with its distinct characters and the share the vocabulary cap keeps. */
export const BUILT_IN_TEXTS = ['english', 'chinese-news'] as const;
type BuiltInText = (typeof BUILT_IN_TEXTS)[number];
const builtInText = (corpus: BuiltInText) => (corpus === 'chinese-news' ? generateChineseNews(80_000) : generateCorpus(80_000));

const builtInName = (corpus: BuiltInText): Bilingual => (corpus === 'chinese-news'
  ? { en: 'SeqLab\'s generated Chinese news-like text', zh: 'SeqLab 生成的中文类新闻文本' }
  : { en: 'the built-in corpus', zh: '内置语料' });

function textOf(c: { text?: string; corpus: BuiltInText; maxCharacters: number; vocabMax: number }): { text: string; distinct: number; kept: number } {
  const text = [...(c.text ?? builtInText(c.corpus))].slice(0, c.maxCharacters).join('');
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  const frequent = [...counts.values()].sort((a, b) => b - a);
  const length = frequent.reduce((a, b) => a + b, 0);
  // A capped vocabulary keeps vocabMax - 1 characters and the unknown token (Vocabulary.fromText).
  const kept = counts.size <= c.vocabMax ? 1 : frequent.slice(0, c.vocabMax - 1).reduce((a, b) => a + b, 0) / length;
  return { text, distinct: counts.size, kept };
}

/** textOf's facts for a config, once: its memory is estimated run by run, and the text may be 50 million characters. */
const factsOf = new WeakMap<object, ReturnType<typeof textOf>>();
function textFacts(c: Parameters<typeof textOf>[0]): ReturnType<typeof textOf> {
  let facts = factsOf.get(c);
  if (!facts) factsOf.set(c, (facts = textOf(c)));
  return facts;
}

/** The prompt the trained models continue: the setting, else the text's own opening. */
function promptOf(c: { text?: string; corpus: BuiltInText; prompt: string }, text: string): string {
  if (c.prompt) return c.prompt;
  if (c.text === undefined) return c.corpus === 'chinese-news' ? CHINESE_NEWS_PROMPT : 'The network';
  return [...text.trimStart().split('\n')[0]].slice(0, 8).join('') || [...text].slice(0, 8).join('');
}

/** Adjacent character pairs of `text`, as one string each. */
const pairsOf = (text: string) => {
  const chars = [...text];
  return chars.slice(1).map((ch, i) => chars[i] + ch);
};

/**
 * How much of a continuation is the text's: the share of its adjacent character pairs (the
 * prompt's last character and the first generated one included) that occur in the text. A model
 * that knew only how often each character occurs would draw pairs at random: the share it is
 * expected to reach is the sum of p(a) p(b) over the pairs (a, b) that occur.
 */
export function pairShare(continuation: string, prompt: string, seen: ReadonlySet<string>): number {
  const pairs = pairsOf([...prompt].slice(-1).join('') + continuation);
  return pairs.length ? pairs.filter((p) => seen.has(p)).length / pairs.length : NaN;
}

export function unigramPairShare(text: string): number {
  const chars = [...text];
  const p = new Map<string, number>();
  for (const ch of chars) p.set(ch, (p.get(ch) ?? 0) + 1 / chars.length);
  let share = 0;
  for (const pair of new Set(pairsOf(text))) {
    const [a, b] = [...pair];
    share += p.get(a)! * p.get(b)!;
  }
  return share;
}

/** Distinct characters of the built-in corpus, the cost model's reference. */
const BUILT_IN_VOCABULARY = 54;

/** Generation's temperature (model/generationConfig.ts): its range bounds the continuations'. */
const TEMPERATURE = generationField('temperature');

const versusSchema = z.object({
  text: z.string().optional(), // the user's text (selection or file); the built-in corpus when absent
  corpus: z.enum(BUILT_IN_TEXTS).default('english'), // which built-in text, when there is no text of the user's
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
  prompt: z.string().max(500).default(''), // '' = the text's own: "The network", "新华社北京", or the start of the student's text
  sampleLength: z.number().int().min(0).max(1_000).default(60),
  // The range is generation's (model/generationConfig.ts); 0.8, not Generate's default, is what the description's measurements drew at.
  temperature: z.number().min(TEMPERATURE.min!).max(TEMPERATURE.max!).default(0.8),
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
  runs: Array<{ cell: string; seed: number; initialValLoss: number; finalValLoss: number; bestValLoss: number; seconds: number; sample: string; pairShare: number }>;
  /** The validation loss of a model that knows only how often each character occurs (add-one smoothed, from the training part). */
  unigramLoss: number;
  /** What the models continued, and the share of character pairs a frequency-only model is expected to get right (pairShare). */
  prompt: string;
  unigramPairShare: number;
}

export const lstmVsGru: Experiment<typeof versusSchema, VersusResult, { cell: 'lstm' | 'gru'; seed: number }, Run> = {
  name: 'lstm-vs-gru',
  title: { en: 'LSTM against GRU on your text', zh: '在你的文本上比较 LSTM 与 GRU' },
  description: {
    en: 'The chapter compares the LSTM (three gates and a cell state) with the GRU (two gates, no separate cell state): the GRU has fewer parameters and often learns as well. '
      + 'Both train on the same text (its first 20,000 characters by default, `maxCharacters`; at most 300 distinct characters, `vocabMax`, the rarest sharing one unknown token, which the caption says) with the same settings and 3 seeds; the figures show validation loss against steps and against wall time (mean, band = range), and the table their parameter counts. '
      + 'Then each trained model continues a prompt (`prompt`), and a second table shows what it wrote and how many of its character pairs occur in the text. With `corpus` chinese-news they train on SeqLab\'s generated Chinese news-like text, as the chapter trains on news: measured (3 seeds, 38 s), the LSTM ends at 0.691 nats/char against 5.27 for character frequencies alone, and 95% of its continuations\' pairs occur in the text (5.4% when drawn by frequency).',
    zh: '教材比较了 LSTM（三个门和一个细胞状态）与 GRU（两个门，没有单独的细胞状态）：GRU 参数更少，学得往往一样好。'
      + '两者在同一文本（默认取前 20,000 个字符，`maxCharacters`；最多 300 个不同字符，`vocabMax`，最少见的字符共用一个未知记号，图注会说明）上用相同设置和 3 个种子训练；图中画出验证损失随步数和随实际时间的变化（平均，阴影 = 范围），表中列出参数个数。'
      + '然后每个训练好的模型续写一个开头（`prompt`），第二张表列出它写出的内容及其相邻字符对在文本中出现的比例。`corpus` 设为 chinese-news 时，它们在 SeqLab 生成的中文类新闻文本上训练，如同本章在新闻上训练：测得（3 个种子，38 秒）LSTM 最终为 0.691 纳特/字符，只靠字符频率为 5.27，续写中 95% 的相邻字符对在文本中出现过（按频率抽取为 5.4%）。',
  },
  hints: {
    corpus: {
      en: 'The built-in text: english (SeqLab\'s text about recurrent networks; in VS Code the selection or the open document is used instead, when there is one) or chinese-news (SeqLab\'s generated Chinese news-like text, the chapter\'s kind).',
      zh: '内置文本：english（SeqLab 关于循环网络的英文文本；在 VS Code 中若有选中文本或打开的文档，则改用它）或 chinese-news（SeqLab 生成的中文类新闻文本，即本章所用的那类文本）。',
    },
    prompt: { en: 'What the trained models continue; empty: the text\'s own opening ("The network", "新华社北京", or the start of your text).', zh: '训练好的模型要续写的开头；留空则用文本自己的开头（“The network”、“新华社北京”或你的文本的开头）。' },
    sampleLength: { en: 'Characters each trained model writes after the prompt (0: none).', zh: '每个训练好的模型在开头之后写出的字符数（0 表示不写）。' },
    temperature: { en: 'Sampling temperature of the continuations: 0 always takes the likeliest character, higher is more varied.', zh: '续写的抽样温度：0 总取最可能的字符，越高越多样。' },
  },
  schema: versusSchema,
  plan(c, tr) {
    // Work per position: the recurrence (4 h^2 for the LSTM's gates) and the head (h x vocabulary), against the defaults on the built-in corpus.
    const vocabulary = Math.min(c.vocabMax, textOf(c).distinct);
    const perPosition = (h: number, v: number) => 4 * h * h * c.layers + h * v;
    const size = (c.steps / 150) * (c.seqLen / 64) * (c.batch / 32) * (perPosition(c.hidden, vocabulary) / perPosition(128, BUILT_IN_VOCABULARY));
    return seedsFrom(c.seed, c.seeds).flatMap((seed) => (['lstm', 'gru'] as const).map((cell) => ({ label: tr(`${cell}, seed ${seed}`, `${cell}，种子 ${seed}`), cost: (cell === 'lstm' ? 1.2 : 1) * size, job: { cell, seed } })));
  },
  footprint(c, { cell }) {
    const { text, distinct } = textFacts(c);
    // The vocabulary keeps vocabMax - 1 characters and the unknown token, or every character and that token.
    return { cell, hidden: c.hidden, layers: c.layers, directions: 1, input: 32, batch: c.batch, length: c.seqLen, vocab: Math.min(c.vocabMax, distinct + 1), embed: 32, optimizerSlots: optimizerSlots(c.optimizer), textChars: text.length };
  },
  memorySettings: ['batch', 'seqLen', 'hidden', 'layers', 'vocabMax', 'maxCharacters'],
  async runOne(c, { cell, seed }, ctx) {
    const { text } = textOf(c);
    return record(cell, seed, text, {
      cell, hidden: c.hidden, layers: c.layers, embed: 32, seqLen: c.seqLen, batch: c.batch, steps: c.steps, optimizer: c.optimizer, lr: c.learningRate, vocabMax: c.vocabMax,
      evalInterval: Math.max(1, Math.floor(c.steps / 10)),
    }, ctx, c.sampleLength > 0 ? { sample: { prompt: promptOf(c, text), length: c.sampleLength, temperature: c.temperature } } : {});
  },
  summarize(c, runs, tr) {
    const seeds = seedsFrom(c.seed, c.seeds);
    const groups = byName(runs);
    const by = <T>(f: (rs: Run[]) => T) => Object.fromEntries(groups.map(([name, rs]) => [name, f(rs)])) as Record<string, T>;
    const text = textOf(c);
    const prompt = promptOf(c, text.text);
    const seen = new Set(pairsOf(text.text));
    const shareOf = (r: Run) => (r.sample === undefined ? NaN : round(pairShare(r.sample, prompt, seen), 4));
    const result: VersusResult = {
      seeds,
      parameters: by((rs) => rs[0].parameters),
      finalValLoss: by((rs) => round(meanOf(rs.map((r) => r.valLoss.at(-1)!)), 6)),
      bestValLoss: by((rs) => round(meanOf(rs.map((r) => r.result.bestValLoss ?? NaN)), 6)),
      seconds: by((rs) => round(meanOf(rs.map((r) => r.seconds.at(-1)!)), 6)),
      runs: runs.map((r) => ({ cell: r.name, seed: r.seed, initialValLoss: round(r.result.initialValLoss ?? NaN), finalValLoss: r.valLoss.at(-1)!, bestValLoss: round(r.result.bestValLoss ?? NaN), seconds: r.seconds.at(-1)!, sample: r.sample ?? '', pairShare: shareOf(r) })),
      unigramLoss: round(runs[0]?.result.baselines.unigram ?? NaN, 6),
      prompt,
      unigramPairShare: round(unigramPairShare(text.text), 4),
    };
    const f = (cell: string, seed: number) => runs.find((r) => r.name === cell && r.seed === seed)?.valLoss.at(-1) ?? NaN;
    // Seeds where both cells have run (all of them once the experiment is done).
    const bothRan = seeds.filter((seed) => Number.isFinite(f('gru', seed)) && Number.isFinite(f('lstm', seed)));
    const gruBetter = bothRan.filter((seed) => f('gru', seed) < f('lstm', seed)).length;
    const valLabel = tr('validation loss (nats/char)', '验证损失（纳特/字符）');
    const shareText = (cell: string) => percent(meanOf(result.runs.filter((r) => r.cell === cell).map((r) => r.pairShare)));
    const finalText = new Map(groups.map(([name, rs]) => [name, meanRange(rs.map((r) => r.valLoss.at(-1)!))]));
    // What was trained on, said where the student looks: the text's size, its alphabet, and what the cap kept.
    const characters = [...text.text].length.toLocaleString('en');
    const corpus = text.distinct <= c.vocabMax
      ? tr(`Trained on ${characters} characters of ${c.text === undefined ? builtInName(c.corpus).en : 'your text'} (${text.distinct} distinct). `, `训练文本：${c.text === undefined ? builtInName(c.corpus).zh : '你的文本'}的 ${characters} 个字符（${text.distinct} 个不同字符）。`)
      : tr(`Trained on ${characters} characters of ${c.text === undefined ? builtInName(c.corpus).en : 'your text'} (${text.distinct.toLocaleString('en')} distinct); the ${c.vocabMax - 1} most frequent are kept (${(100 * text.kept).toFixed(1)}% of the text) and the rest share one unknown token, so the runs take a minute, not five (vocabMax). `,
        `训练文本：${c.text === undefined ? builtInName(c.corpus).zh : '你的文本'}的 ${characters} 个字符（${text.distinct.toLocaleString('en')} 个不同字符）；保留最常见的 ${c.vocabMax - 1} 个（占文本的 ${(100 * text.kept).toFixed(1)}%），其余共用一个未知记号，这样运行只需约一分钟而不是五分钟（vocabMax）。`);
    return {
      result,
      figures: [
        { id: 'steps', title: tr(`Validation loss against steps (${meanOfSeeds(tr, seeds.length)})`, `验证损失随步数（${meanOfSeeds(tr, seeds.length)}）`),
          caption: corpus + tr(`A model that knows only how often each character occurs scores ${sig3(result.unigramLoss)}. `, `只知道每个字符出现频率的模型得 ${sig3(result.unigramLoss)}。`) + tr('Lower is better: compare the two lines step for step on the same text; the bands show how much the seeds differ.', '越低越好：在同一文本上逐步比较两条线；阴影表示种子之间的差别。'),
          xLabel: tr('step', '步'), yLabel: valLabel, shareY: 'val', ...banded(runs, (r) => [r.valSteps, r.valLoss]) },
        { id: 'time', title: tr('Validation loss against wall time', '验证损失随实际时间'),
          caption: tr('The same runs against seconds: the GRU has fewer parameters and does less work per step.', '同样的训练，横轴换成秒：GRU 参数更少，每一步的计算也更少。'),
          xLabel: tr('seconds', '秒'), yLabel: valLabel, shareY: 'val', ...banded(runs, (r) => [r.valSeconds, r.valLoss]) },
      ],
      // Parameter counts are exact (a PyTorch user checks them with sum(p.numel())): text, not a rounded number.
      table: [[tr('cell', '单元'), tr('parameters', '参数个数'), tr(`final validation loss after ${c.steps} steps (mean over seeds, range)`, `${c.steps} 步后的最终验证损失（种子平均，范围）`), tr('best validation loss (mean over seeds)', '最佳验证损失（种子平均）'), tr('seconds (mean over seeds)', '秒（种子平均）'),
        ...(c.sampleLength > 0 ? [tr('continuations: character pairs found in the text (mean over seeds)', '续写：相邻字符对在文本中出现的比例（种子平均）')] : [])],
        ...groups.map(([name]) => [name, result.parameters[name].toLocaleString('en'), finalText.get(name)!, sig3(result.bestValLoss[name]), sig3(result.seconds[name]), ...(c.sampleLength > 0 ? [shareText(name)] : [])])],
      ...(c.sampleLength > 0 ? {
        tables: [{
          title: tr(`What each trained model writes after «${prompt}» (${c.sampleLength} characters, temperature ${c.temperature}, drawn with the run's seed)`, `每个训练好的模型在「${prompt}」之后写出的内容（${c.sampleLength} 个字符，温度 ${c.temperature}，用该次运行的种子抽样）`),
          table: [[tr('cell', '单元'), tr('seed', '种子'), tr('continuation', '续写'), tr('its character pairs found in the text', '其相邻字符对在文本中出现的比例')],
            ...result.runs.map((r) => [r.cell, String(r.seed), oneLine(r.sample), percent(r.pairShare)]), // a line break shown, not breaking the row
            [tr('characters drawn by frequency alone', '只按频率抽取字符'), '', '', tr(`${percent(result.unigramPairShare)} (expected)`, `${percent(result.unigramPairShare)}（期望值）`)]],
        }],
      } : {}),
      headline: groups.map(([name]) => tr(`${name}: ${result.parameters[name].toLocaleString('en')} parameters, validation loss ${meanPart(finalText.get(name)!)} in ${sig3(result.seconds[name])} s`, `${name}：${result.parameters[name].toLocaleString('en')} 个参数，${sig3(result.seconds[name])} 秒后验证损失 ${meanPart(finalText.get(name)!)}`)).join(tr('; ', '；'))
        + tr(` (${seeds.length === 1 ? 'one seed' : `means of ${seeds.length} seeds`}; the GRU ended lower in ${ofSeeds(tr, gruBetter, bothRan.length)}).`, `（${seeds.length === 1 ? '一个种子' : `${seeds.length} 个种子的平均`}；GRU 最终更低：${ofSeeds(tr, gruBetter, bothRan.length)}）。`)
        + (c.sampleLength > 0 ? tr(` Their continuations of «${prompt}»: ${groups.map(([name]) => `${name} ${shareText(name)}`).join(', ')} of character pairs found in the text (${percent(result.unigramPairShare)} for characters drawn by frequency).`,
          `它们对「${prompt}」的续写：相邻字符对在文本中出现的比例 ${groups.map(([name]) => `${name} ${shareText(name)}`).join('，')}（只按频率抽取字符为 ${percent(result.unigramPairShare)}）。`) : ''),
    };
  },
};
