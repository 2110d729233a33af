/**
 * The chapter's claims judged from experiment results, and the cache of those results: no
 * TensorFlow.js, so the extension host (which runs the experiments in its worker) and the
 * command line (which runs them in its own process, check.ts) share it.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readRegularFile, writeAll } from '../io/files';
import { translator, type Bilingual, type Lang, type Tr } from '../core/lang';
import { cliCommand } from '../experiments/settingFields';
import { scriptFileName } from '../export/experimentScript';
import { figureSvg } from '../experiments/figureSvg';
import { markdownText } from '../experiments/format';
import type { Figure } from '../experiments/types';
import { CHAPTER_RUNS, CLAIMS, type ChapterResults, type ChapterRunId, type Verdict } from './claims';
import { vocabularyLegend } from './vocabulary';
import { cellMeasurements } from '../experiments/cellStatements';
export { vocabularyLegend } from './vocabulary';

/** Bump when a rule or an experiment changes what a cached result means. */
export const CHAPTER_VERSION = 5;

/** What the check keeps of one experiment's run: its result (the rules read it) and its figures in every language (a switch of language needs no run). */
export interface ChapterRun {
  result: unknown;
  figures: Partial<Record<Lang, Figure[]>>;
}

export interface ChapterCache {
  get(key: string): unknown | undefined;
  set(key: string, value: unknown): void;
}

export interface CheckedClaim {
  id: string;
  section: string;
  /** What the chapter says, in SeqLab's words (Chinese; never the book's text) and its English gloss: a paraphrase, not a quotation. */
  paraphrase: string;
  gloss: string;
  rule: string;
  verdict: Verdict;
  conditions: string[];
  numbers: Record<string, string | number>;
  evidence: string;
  /** The experiments behind it, by name ("normalization, cell-walkthrough"). */
  experiment: string;
  /** Each experiment run behind it (or offered for it) with its settings and its name on the page: what the page's Run buttons run. */
  runs: Array<{ experiment: string; config: Record<string, unknown>; label: string }>;
  /** The ids of the page's figures that show it (chapterFigures). */
  figures: string[];
}

/** The runs every claim together needs, in the order the claims first name them; with `quick` true, those the quick check runs (not a run whose quick settings are null). */
export const chapterRuns = (quick?: boolean): ChapterRunId[] => [...new Set(CLAIMS.flatMap((c) => c.runs))].filter((id) => !quick || CHAPTER_RUNS[id].quick !== null);

/** The experiment a run is, and the settings it runs with for the check (a run the quick check leaves out: its full settings, what its Run button offers). */
export const chapterRun = (id: ChapterRunId, quick: boolean): { experiment: string; config: Record<string, unknown> } =>
  ({ experiment: CHAPTER_RUNS[id].experiment, config: structuredClone((quick ? CHAPTER_RUNS[id].quick : null) ?? CHAPTER_RUNS[id].full) as Record<string, unknown> });

/** A run as the progress line, the figures' captions and the Run buttons name it: its experiment, or its own label ("normalization at 10x the learning rate"). */
export const runLabel = (id: ChapterRunId, lang: Lang): string => {
  const run: { experiment: string; label?: Bilingual } = CHAPTER_RUNS[id];
  return run.label ? (lang === 'zh-cn' ? run.label.zh : run.label.en) : run.experiment;
};

/** Every claim's verdict from the experiments' results, in `lang`. */
export function judgeClaims(results: ChapterResults, quick: boolean, lang: Lang): CheckedClaim[] {
  const tr = translator(lang);
  // The one-cell measurements some claims compute themselves: each once, when a claim first reads it.
  const measured = cellMeasurements();
  return CLAIMS.map((c): CheckedClaim => {
    const j = c.judge(results, tr, measured);
    return {
      id: c.id, section: c.section, paraphrase: c.statement.zh, gloss: c.statement.en, rule: lang === 'zh-cn' ? c.rule.zh : c.rule.en,
      verdict: j.verdict, conditions: j.conditions, numbers: j.numbers, evidence: j.evidence,
      figures: (c.figures ?? []).map((f) => pageFigureId(f.run, f.id)),
      ...(() => {
        const runs = c.shows?.map((r) => ({ ...r, label: r.experiment })) ?? c.runs.map((r) => ({ ...chapterRun(r, quick), label: runLabel(r, lang) }));
        return { experiment: [...new Set(runs.map((r) => r.experiment))].join(', '), runs };
      })(),
    };
  });
}

const pageFigureId = (run: string, id: string) => `${run}-${id}`;

/**
 * The figures the claims point to, each once, taken from the runs: its id made unique on the
 * page (run-figure), its caption opened by the claims it shows. A figure a run did not
 * draw (an experiment run with other settings) is left out.
 */
export function chapterFigures(claims: CheckedClaim[], runs: Record<string, ChapterRun>, lang: Lang): Figure[] {
  const tr = translator(lang);
  const out: Figure[] = [];
  for (const c of CLAIMS) {
    for (const ref of c.figures ?? []) {
      const id = pageFigureId(ref.run, ref.id);
      if (out.some((f) => f.id === id)) continue;
      const figure = runs[ref.run]?.figures[lang]?.find((f) => f.id === ref.id);
      if (!figure) continue;
      const shown = claims.filter((x) => x.figures.includes(id)).map((x) => x.id);
      const source = runLabel(ref.run, lang);
      out.push({ ...figure, id, caption: `${tr(`Shows ${shown.length === 1 ? 'the claim' : 'the claims'} ${shown.join(', ')} (${source}).`, `对应论断 ${shown.join('、')}（${source}）。`)} ${figure.caption}` });
    }
  }
  return out;
}

/**
 * A cache in a folder: one JSON file per result, written to a temporary name and renamed (a
 * crash mid-write leaves no half file); an unreadable file is a miss. The folder may be one the
 * user named (--cache-dir), so it is read and written as the user's places are
 * (engine/io/files.ts): regular files only, read bounded, written under a private name with
 * O_EXCL, never over anything but a regular file. A result that cannot be kept (a full disk, a
 * read-only folder) is not an error: the check has it, only the next one runs it again.
 */
export function folderCache(dir: string): ChapterCache {
  return {
    get(key) {
      try {
        return JSON.parse(readRegularFile(path.join(dir, `${key}.json`), { en: 'a kept result', zh: '保存的结果' }, MAX_KEPT_BYTES).toString('utf8')) as unknown;
      } catch {
        return undefined;
      }
    },
    set(key, value) {
      const file = path.join(dir, `${key}.json`);
      const temporary = path.join(dir, `.${key}.${process.pid}.tmp`);
      try {
        fs.mkdirSync(dir, { recursive: true });
        const there = fs.lstatSync(file, { throwIfNoEntry: false });
        if (there && !there.isFile()) return; // not SeqLab's to replace
        const fd = fs.openSync(temporary, 'wx');
        try {
          writeAll(fd, JSON.stringify(value));
        } finally {
          fs.closeSync(fd);
        }
        fs.renameSync(temporary, file);
      } catch {
        try {
          fs.rmSync(temporary, { force: true });
        } catch {
          // its folder is not one (ENOTDIR): nothing was written
        }
      }
    },
  };
}

/** A kept result is a few hundred kilobytes; a larger file is not one. */
const MAX_KEPT_BYTES = 256 * 1024 * 1024;

export const cacheKey = (experiment: string, config: Record<string, unknown>) =>
  createHash('sha256').update(JSON.stringify({ v: CHAPTER_VERSION, experiment, config })).digest('hex').slice(0, 24);

/** A kept run with its figures in `lang`, or undefined when what the cache holds is not one (an older version's file, a damaged one). */
export function keptRun(cache: ChapterCache, key: string, lang: Lang): ChapterRun | undefined {
  const v = cache.get(key) as Partial<ChapterRun> | undefined;
  return v && typeof v === 'object' && 'result' in v && v.figures && typeof v.figures === 'object' && Array.isArray(v.figures[lang]) ? (v as ChapterRun) : undefined;
}

/** A verdict as a student reads it, in the language of `tr`. */
export const verdictWord = (verdict: Verdict, tr: Tr): string =>
  verdict === 'holds' ? tr('holds', '成立') : verdict === 'holds-with-conditions' ? tr('holds with conditions', '有条件成立') : tr('does not hold here', '在这里不成立');

/** "15 claims: 8 hold, 4 hold with conditions, 3 do not hold here." (and, after a quick check, that its verdicts are preliminary): the page's headline, the report's last line. */
export function chapterSummary(claims: CheckedClaim[], quick: boolean, tr: Tr): string {
  const tally = (v: Verdict) => claims.filter((c) => c.verdict === v).length;
  return tr(`${claims.length} claims: ${tally('holds')} hold, ${tally('holds-with-conditions')} hold with conditions, ${tally('does-not-hold')} do not hold here.`, `${claims.length} 条论断：${tally('holds')} 条成立，${tally('holds-with-conditions')} 条有条件成立，${tally('does-not-hold')} 条在这里不成立。`)
    + (quick ? ` ${tr('Quick check (one seed): the verdicts are preliminary.', '快速检查（一个种子）：结论是初步的。')}` : '');
}

/** A claim, a number or a condition as Markdown text, never markup, escaped only where Markdown would read markup (so it reads "3.4 · products-vanish", not "3\\.4 · products\\-vanish"). */
const md = (text: string) => markdownText(text);
/** The same in a table cell, where "|" would end the cell. */
const cell = (text: string) => markdownText(text, { tableCell: true });

/** Where the Markdown's figures go: a folder beside the document, named after it. */
export const figureFolderFor = (markdownFile: string) => `${path.basename(markdownFile).replace(/\.(md|markdown)$/i, '')}-figures`;

/** A path segment for a Markdown link: percent-encoded, parentheses too (an unbalanced one would end the link). */
const linkPath = (segment: string) => encodeURIComponent(segment).replace(/[()'!*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The page's figures as SVG files, by file name (`<figure id>.svg`). */
export const chapterFigureFiles = (figures: Figure[], lang: Lang): Array<{ name: string; svg: string }> => figures.map((f) => ({ name: `${f.id}.svg`, svg: figureSvg(f, undefined, translator(lang)) }));

/**
 * The check as a Markdown document (the panel's "Export Markdown", `seqlab chapter --markdown`).
 * With `figures`, each claim shows its figures as images in `figures.folder` (relative to the
 * document, written there by the caller with chapterFigureFiles); the link is percent-encoded,
 * so a folder named after any file name stays one link.
 */
export function claimsMarkdown(claims: CheckedClaim[], quick: boolean, lang: Lang, figures?: { figures: Figure[]; folder: string }): string {
  const tr = translator(lang);
  const lines = [
    `# ${tr('The chapter, claim by claim', '本章，逐条论断')}`, '',
    md(chapterSummary(claims, quick, tr)),
    '', md(tr('The claims are SeqLab\'s paraphrases of the chapter (sections 3.4-3.7) in Chinese, with an English gloss; each verdict is computed from the runs by the rule beside it.', '论断是 SeqLab 对本章（3.4-3.7 节）的中文转述，附英文释义；每个结论都按旁边的规则由运行结果算出。')),
    // The words the rules use, each defined once (vocabulary.ts).
    '', `**${tr('Words', '用语')}**`, '', ...vocabularyLegend(tr).map((x) => `- ${md(x)}`),
  ];
  for (const c of claims) {
    lines.push('', `## ${md(c.section)} · ${md(c.id)}: ${md(verdictWord(c.verdict, tr))}`, '', `> ${md(c.paraphrase)}`, '>', `> *${md(c.gloss)}*`, '',
      `**${tr('Rule', '规则')}:** ${md(c.rule)}`, '', `**${tr('Measured', '测量')}:** ${md(c.evidence)}`);
    if (c.conditions.length) lines.push('', ...c.conditions.map((x) => `- ${md(x)}`));
    for (const f of (figures?.figures ?? []).filter((x) => c.figures.includes(x.id))) {
      lines.push('', `![${md(f.title)}](${linkPath(figures!.folder)}/${linkPath(`${f.id}.svg`)})`, '', `*${md(f.caption)}*`);
    }
    lines.push('', `| ${tr('number', '数值')} | ${tr('value', '值')} |`, '|---|---|', ...Object.entries(c.numbers).map(([k, v]) => `| ${cell(k)} | ${cell(String(v))} |`));
    if (!c.runs.length) {
      // A claim that measures for itself (one cell, float64, when the check runs): nothing to run or export.
      lines.push('', md(tr('Computed on one cell in float64 when the check runs: no experiment to run.', '检查时在一个单元上用 float64 直接计算：没有要运行的实验。')));
      continue;
    }
    // The commands as "Copy as CLI command" writes them: each argument quoted for a POSIX shell.
    lines.push('', `${tr('Experiments', '实验')}: ${c.runs.map((r) => `\`${cliCommand(r.experiment, Object.entries(r.config))}\``).join(', ')}`);
    // The same runs as standalone PyTorch scripts (the settings become the script's defaults).
    lines.push('', `${tr('As PyTorch scripts', '作为 PyTorch 脚本')}: ${c.runs.map((r) => `\`${cliCommand(r.experiment, Object.entries(r.config))} --export-torch ${scriptFileName(r.experiment)}\``).join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
}
