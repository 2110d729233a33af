/**
 * The engine speaks the student's language: every experiment title, description, headline,
 * table header, caption, mark and progress message, and every training setting's
 * description and label, is written in English and Chinese side by side (`tr(en, zh)`,
 * `Bilingual`), so a text cannot exist in one language only; the extension passes VS Code's
 * display language, the command line `--lang` or `LANG`.
 */

export const LANGS = ['en', 'zh-cn'] as const;
export type Lang = (typeof LANGS)[number];

/** A text in both languages (titles and descriptions, listed before any run). */
export interface Bilingual { en: string; zh: string }

/** Picks one of a text's two versions: `tr('3 of 3 seeds', '3 个种子中的 3 个')`. */
export type Tr = (en: string, zh: string) => string;

export const translator = (lang: Lang): Tr => (lang === 'zh-cn' ? (_en, zh) => zh : (en) => en);

export const inLang = (text: Bilingual, lang: Lang): string => (lang === 'zh-cn' ? text.zh : text.en);

/** A display language (VS Code's `zh-cn`, `zh-tw`, `en-us`...) or a locale (`zh_CN.UTF-8`) as one SeqLab has: Chinese, else English. */
export function langOf(locale: string | undefined): Lang {
  return /^zh/i.test(locale ?? '') ? 'zh-cn' : 'en';
}

/** The command line's language: `LC_ALL`, then `LC_MESSAGES`, then `LANG`, as POSIX orders them. */
export function langFromEnv(env: Readonly<Record<string, string | undefined>>): Lang {
  return langOf(env.LC_ALL || env.LC_MESSAGES || env.LANG);
}

/** "3 of 3 seeds" / "3 个种子中的 3 个": how many seeds showed a claim. */
export const ofSeeds = (tr: Tr, count: number, total: number) => tr(`${count} of ${total} seed${total === 1 ? '' : 's'}`, `${total} 个种子中的 ${count} 个`);

/** "mean of 3 seeds, band = range" for figure titles ("one seed" when there is one: no mean, no band). */
export const meanOfSeeds = (tr: Tr, seeds: number) => (seeds === 1 ? tr('one seed', '一个种子') : tr(`mean of ${seeds} seeds, band = range`, `${seeds} 个种子的平均，阴影 = 范围`));
