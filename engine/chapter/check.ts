/**
 * Checking the chapter from the command line: runs each experiment the claims need once (full
 * or quick settings) in this process's pool, then judges every claim (judge.ts). A result is
 * cached by experiment and settings, so a second check is instant and a changed setting runs again.
 */
import type { Lang } from '../core/lang';
import { runExperiment } from '../experiments';
import type { ChapterResults } from './claims';
import { cacheKey, chapterConfig, chapterExperiments, judgeClaims, type ChapterCache, type CheckedClaim } from './judge';

export interface ChapterCheck {
  /** Quick: one seed, the verdicts preliminary. */
  quick: boolean;
  claims: CheckedClaim[];
  /** Per experiment: its seconds (0 when it came from the cache) and whether it was cached. */
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
  /** While each experiment runs: which, how many done of how many, and its own progress. */
  progress?: (experiment: string, done: number, total: number, fraction: number) => void;
}

export async function checkChapter(options: ChapterOptions = {}): Promise<ChapterCheck> {
  const started = performance.now();
  const quick = options.quick === true;
  const lang = options.lang ?? 'en';
  const needed = chapterExperiments();
  const results: Record<string, unknown> = {};
  const runs: ChapterCheck['runs'] = [];
  for (const [i, name] of needed.entries()) {
    const config = chapterConfig(name, quick);
    const key = cacheKey(name, config);
    const cached = options.cache?.get(key);
    if (cached !== undefined) {
      results[name] = cached;
      runs.push({ experiment: name, seconds: 0, cached: true });
      continue;
    }
    options.progress?.(name, i, needed.length, 0);
    const t0 = performance.now();
    const out = await runExperiment(name, config, {
      workers: options.workers, lang, signal: options.signal,
      progress: (fraction) => options.progress?.(name, i, needed.length, fraction),
    });
    results[name] = out.output.result;
    options.cache?.set(key, out.output.result);
    runs.push({ experiment: name, seconds: (performance.now() - t0) / 1000, cached: false });
  }
  return { quick, claims: judgeClaims(results as unknown as ChapterResults, quick, lang), runs, seconds: (performance.now() - started) / 1000 };
}
