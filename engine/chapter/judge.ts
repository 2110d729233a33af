/**
 * The chapter's claims judged from experiment results, and the cache of those results: no
 * TensorFlow.js, so the extension host (which runs the experiments in its worker) and the
 * command line (which runs them in its own process, check.ts) share it.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { translator, type Lang } from '../core/lang';
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
      experiment: c.experiments.join(', '), config: Object.fromEntries(c.experiments.map((e) => [e, chapterConfig(e, quick)])),
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
