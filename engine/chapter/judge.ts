/**
 * The chapter's claims judged from experiment results, and the cache of those results: no
 * TensorFlow.js, so the extension host (which runs the experiments in its worker) and the
 * command line (which runs them in its own process, check.ts) share it.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { translator, type Lang, type Tr } from '../core/lang';
import { cliCommand } from '../experiments/settingFields';
import { CHAPTER_RUNS, CLAIMS, type ChapterExperiment, type ChapterResults, type Verdict } from './claims';

/** Bump when a rule or an experiment changes what a cached result means. */
export const CHAPTER_VERSION = 1;

export interface ChapterCache {
  get(key: string): unknown | undefined;
  set(key: string, value: unknown): void;
}

export interface CheckedClaim {
  id: string;
  section: string;
  /** The claim as the chapter states it (SeqLab's paraphrase, in Chinese) and its English gloss. */
  quote: string;
  gloss: string;
  rule: string;
  verdict: Verdict;
  conditions: string[];
  numbers: Record<string, string | number>;
  evidence: string;
  experiment: string;
  /** The experiments' settings behind it. */
  config: Record<string, unknown>;
}

/** The experiments every claim together needs, in the order the claims first name them. */
export const chapterExperiments = (): ChapterExperiment[] => [...new Set(CLAIMS.flatMap((c) => c.experiments))];

/** The settings an experiment runs with for the check. */
export const chapterConfig = (name: ChapterExperiment, quick: boolean): Record<string, unknown> => ({ ...CHAPTER_RUNS[name][quick ? 'quick' : 'full'] });

/** Every claim's verdict from the experiments' results, in `lang`. */
export function judgeClaims(results: ChapterResults, quick: boolean, lang: Lang): CheckedClaim[] {
  const tr = translator(lang);
  return CLAIMS.map((c): CheckedClaim => {
    const j = c.judge(results, tr);
    return {
      id: c.id, section: c.section, quote: c.statement.zh, gloss: c.statement.en, rule: lang === 'zh-cn' ? c.rule.zh : c.rule.en,
      verdict: j.verdict, conditions: j.conditions, numbers: j.numbers, evidence: j.evidence,
      ...(() => {
        const config = c.shows ?? Object.fromEntries(c.experiments.map((e) => [e, chapterConfig(e, quick)]));
        return { experiment: Object.keys(config).join(', '), config };
      })(),
    };
  });
}

/**
 * A cache in a folder: one JSON file per result, written to a temporary name and renamed (a
 * crash mid-write leaves no half file); an unreadable file is a miss.
 */
export function folderCache(dir: string): ChapterCache {
  return {
    get(key) {
      try {
        return JSON.parse(fs.readFileSync(path.join(dir, `${key}.json`), 'utf8')) as unknown;
      } catch {
        return undefined;
      }
    },
    set(key, value) {
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `${key}.json`);
      const temporary = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(temporary, JSON.stringify(value));
      fs.renameSync(temporary, file);
    },
  };
}

export const cacheKey = (experiment: string, config: Record<string, unknown>) =>
  createHash('sha256').update(JSON.stringify({ v: CHAPTER_VERSION, experiment, config })).digest('hex').slice(0, 24);

/** A verdict as a student reads it, in the language of `tr`. */
export const verdictWord = (verdict: Verdict, tr: Tr): string =>
  verdict === 'holds' ? tr('holds', '成立') : verdict === 'holds-with-conditions' ? tr('holds with conditions', '有条件成立') : tr('does not hold here', '在这里不成立');

/** "15 claims: 8 hold, 4 hold with conditions, 3 do not hold here." (and, after a quick check, that its verdicts are preliminary): the page's headline, the report's last line. */
export function chapterSummary(claims: CheckedClaim[], quick: boolean, tr: Tr): string {
  const tally = (v: Verdict) => claims.filter((c) => c.verdict === v).length;
  return tr(`${claims.length} claims: ${tally('holds')} hold, ${tally('holds-with-conditions')} hold with conditions, ${tally('does-not-hold')} do not hold here.`, `${claims.length} 条论断：${tally('holds')} 条成立，${tally('holds-with-conditions')} 条有条件成立，${tally('does-not-hold')} 条在这里不成立。`)
    + (quick ? ` ${tr('Quick check (one seed): the verdicts are preliminary.', '快速检查（一个种子）：结论是初步的。')}` : '');
}

/** Markdown's special characters escaped: a claim, a number or a condition is text, never markup. */
const md = (text: string) => text.replace(/([\\`*_{}[\]()#+\-.!|<>~])/g, '\\$1').replace(/\n/g, ' ');

/** The check as a Markdown document (the panel's "Export Markdown", `seqlab chapter --markdown`). */
export function claimsMarkdown(claims: CheckedClaim[], quick: boolean, lang: Lang): string {
  const tr = translator(lang);
  const lines = [
    `# ${tr('The chapter, claim by claim', '本章，逐条论断')}`, '',
    md(chapterSummary(claims, quick, tr)),
    '', md(tr('The claims are SeqLab\'s paraphrases of the chapter (sections 3.4-3.7) in Chinese, with an English gloss; each verdict is computed from the runs by the rule beside it.', '论断是 SeqLab 对本章（3.4-3.7 节）的中文转述，附英文释义；每个结论都按旁边的规则由运行结果算出。')),
  ];
  for (const c of claims) {
    lines.push('', `## ${md(c.section)} · ${md(c.id)}: ${md(verdictWord(c.verdict, tr))}`, '', `> ${md(c.quote)}`, '>', `> *${md(c.gloss)}*`, '',
      `**${tr('Rule', '规则')}:** ${md(c.rule)}`, '', `**${tr('Measured', '测量')}:** ${md(c.evidence)}`);
    if (c.conditions.length) lines.push('', ...c.conditions.map((x) => `- ${md(x)}`));
    lines.push('', `| ${tr('number', '数值')} | ${tr('value', '值')} |`, '|---|---|', ...Object.entries(c.numbers).map(([k, v]) => `| ${md(k)} | ${md(String(v))} |`));
    // The commands as "Copy as CLI command" writes them: each argument quoted for a POSIX shell.
    lines.push('', `${tr('Experiments', '实验')}: ${Object.entries(c.config).map(([name, config]) => `\`${cliCommand(name, Object.entries(config as Record<string, unknown>))}\``).join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
}
