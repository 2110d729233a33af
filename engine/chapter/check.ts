/**
 * Checking the chapter from the command line: runs each experiment the claims need once (full
 * or quick settings) in this process's pool, then judges every claim (judge.ts). A result is
 * cached by experiment and settings, so a second check is instant and a changed setting runs again.
 */
import { LANGS, type Lang } from '../core/lang';
import { runExperiment } from '../experiments';
import type { Figure } from '../experiments/types';
import type { ChapterResults } from './claims';
import { cacheKey, chapterFigures, chapterRun, chapterRuns, judgeClaims, keptRun, runLabel, type ChapterCache, type ChapterRun, type CheckedClaim } from './judge';

export interface ChapterCheck {
  /** Quick: one seed, the verdicts preliminary. */
  quick: boolean;
  claims: CheckedClaim[];
  /** The figures that show the claims (each once; a claim names its own in `figures`). */
  figures: Figure[];
  /** Per run: what it ran (an experiment, and its settings where the check runs it more than once), its seconds (0 when it came from the cache) and whether it was cached. */
  runs: Array<{ experiment: string; seconds: number; cached: boolean }>;
  seconds: number;
}

export interface ChapterOptions {
  quick?: boolean;
  lang?: Lang;
  cache?: ChapterCache;
  signal?: AbortSignal;
  /** Worker threads for the runs (undefined: one per core). */
  workers?: number;
  /** While each run goes: which (runLabel), how many done of how many, and its own progress. */
  progress?: (experiment: string, done: number, total: number, fraction: number) => void;
}

export async function checkChapter(options: ChapterOptions = {}): Promise<ChapterCheck> {
  const started = performance.now();
  const quick = options.quick === true;
  const lang = options.lang ?? 'en';
  const needed = chapterRuns();
  const kept: Record<string, ChapterRun> = {};
  const runs: ChapterCheck['runs'] = [];
  for (const [i, id] of needed.entries()) {
    const { experiment, config } = chapterRun(id, quick);
    const label = runLabel(id, lang);
    const key = cacheKey(experiment, config);
    const cached = options.cache && keptRun(options.cache, key, lang);
    if (cached) {
      kept[id] = cached;
      runs.push({ experiment: label, seconds: 0, cached: true });
      continue;
    }
    options.progress?.(label, i, needed.length, 0);
    const t0 = performance.now();
    const out = await runExperiment(experiment, config, {
      workers: options.workers, lang, signal: options.signal, figuresIn: LANGS,
      progress: (fraction) => options.progress?.(label, i, needed.length, fraction),
    });
    kept[id] = { result: out.output.result, figures: out.figuresIn ?? { [lang]: out.output.figures } };
    options.cache?.set(key, kept[id]);
    runs.push({ experiment: label, seconds: (performance.now() - t0) / 1000, cached: false });
  }
  const results = Object.fromEntries(Object.entries(kept).map(([name, run]) => [name, run.result])) as unknown as ChapterResults;
  const claims = judgeClaims(results, quick, lang);
  return { quick, claims, figures: chapterFigures(claims, kept, lang), runs, seconds: (performance.now() - started) / 1000 };
}
