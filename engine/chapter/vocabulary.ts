/**
 * The chapter check's words, each defined once: when a gradient has "vanished", a run has
 * "exploded", the adding problem is "solved" and a model "learns" a text. Every claim that
 * uses one of these words decides with the function below (never its own number), its rule's
 * text states the same threshold (claimRules.test.ts reads it from the text and compares), and
 * the page's legend (`vocabularyLegend`) prints these definitions.
 *
 * Relative where the chapter speaks relatively: it says the gradient "shrinks" over long spans,
 * so "vanished" compares the gradient d steps back with the gradient at the last step, not with
 * an absolute number (which would depend on the loss's scale and the model's width).
 */
import type { Bilingual, Tr } from '../core/lang';

export interface Term {
  /** The word as the page uses it. */
  word: Bilingual;
  /** The number that decides. */
  threshold: number;
  /** Whether `threshold` is a share of a reference (`of`) rather than an absolute value. */
  relative: boolean;
  /** What a relative threshold is a share of. */
  of?: Bilingual;
  /** The definition, as the legend prints it. */
  legend: Bilingual;
}

/** The largest finite float32: a value past it is Infinity in the runs' arithmetic. */
export const FLOAT32_MAX = 3.4028234663852886e38;

export const TERMS = {
  vanished: {
    word: { en: 'vanished', zh: '消失' },
    threshold: 1e-3,
    relative: true,
    of: { en: 'the gradient\'s norm at the last step', zh: '最后一步的梯度范数' },
    legend: {
      en: 'vanished: d steps back, the norm of the gradient ||dL/dh_t|| is below 1e-3 of its norm at the last step (relative, as the chapter speaks of the gradient shrinking).',
      zh: '消失：往回 d 步时，梯度范数 ||dL/dh_t|| 低于最后一步梯度范数的 1e-3（相对值，因为本章说的是梯度逐步缩小）。',
    },
  },
  exploded: {
    word: { en: 'exploded', zh: '爆炸' },
    threshold: FLOAT32_MAX,
    relative: false,
    legend: {
      en: 'exploded (diverged): the training loss or the gradient norm is no longer a finite float32 number (above 3.4e38, or NaN); the run stops there.',
      zh: '爆炸（发散）：训练损失或梯度范数不再是有限的 float32 数（超过 3.4e38，或为 NaN）；训练在那里停止。',
    },
  },
  solved: {
    word: { en: 'solved', zh: '解决' },
    threshold: 0.05,
    relative: false,
    legend: {
      en: 'solved (the adding problem, in one seed): the training MSE, averaged over 25 steps, goes below 0.05 within the step budget, and the test MSE after training (512 held-out sequences) is below 0.05 too; always answering the mean scores about 0.167.',
      zh: '解决（加法问题，一个种子）：在步数预算内训练 MSE（25 步平均）低于 0.05，并且训练后的测试 MSE（留出的 512 个序列）也低于 0.05；总是回答平均值约得 0.167。',
    },
  },
  learns: {
    word: { en: 'learns', zh: '学会' },
    threshold: 1,
    relative: true,
    of: { en: 'the validation loss of a model that knows only each character\'s frequency', zh: '只知道字符频率的模型的验证损失' },
    legend: {
      en: 'learns (a text): the final validation loss is below that of a model that knows only how often each character occurs (relative: the ratio of the two losses is below 1).',
      zh: '学会（一段文本）：最终验证损失低于只知道字符频率的模型的验证损失（相对值：两者之比低于 1）。',
    },
  },
} as const satisfies Record<string, Term>;

export type TermName = keyof typeof TERMS;

/** Has the gradient vanished: its norm `back` steps back against its norm at the last step. Not a number is not vanished (it was not measured). */
export const vanished = (back: number, last: number): boolean => back < TERMS.vanished.threshold * last;

/* "exploded" is decided by the training loop itself (engine/train/trainer.ts: a loss or gradient norm that is not finite ends the run as diverged, which is what float32 makes of anything above 3.4e38); the experiments count those runs and clipping-fixes-exploding reads the counts. */

/** Has a seed solved the adding problem: below the threshold in training (`crossedAt`, the step, or null) and at test. */
export const solved = (run: { crossedAt: number | null; testMse: number }): boolean => run.crossedAt !== null && run.testMse < TERMS.solved.threshold;

/** Has a model learned a text: its validation loss below the frequency-only model's times the threshold. */
export const learns = (validationLoss: number, frequencyOnlyLoss: number): boolean => validationLoss < TERMS.learns.threshold * frequencyOnlyLoss;

/** The legend the page and the Markdown print: each word's definition, in the language of `tr`. */
export const vocabularyLegend = (tr: Tr): string[] => Object.values(TERMS).map((t) => tr(t.legend.en, t.legend.zh));
