/**
 * Checking the chapter from the command line: runs each experiment the claims need once (full
 * or quick settings), all of them at once on one pool of threads (a thread that finishes one
 * experiment's runs takes another's instead of waiting for the slowest run of its own), then
 * judges every claim (judge.ts). A result is cached by experiment and settings, so a second
 * check is instant and a changed setting runs again.
 */
import { LANGS, translator, type Lang } from '../core/lang';
import { findExperiment, runExperiment } from '../experiments';
import { estimateSeconds } from '../experiments/estimate';
import { allOrFirstFailure, poolSize, RunPool, stopTogether } from '../experiments/pool';
import type { Figure } from '../experiments/types';
import type { ChapterResults } from './claims';
import { cacheKey, chapterFigures, chapterRun, chapterRuns, judgeClaims, keptRun, runLabel, type ChapterCache, type ChapterRun, type CheckedClaim } from './judge';

export interface ChapterCheck {
  /** Quick: one seed, the verdicts preliminary. */
  quick: boolean;
  claims: CheckedClaim[];
  /** The figures that show the claims (each once; a claim names its own in `figures`). */
  figures: Figure[];
  /** Per run: what it ran (an experiment, and its settings where the check runs it more than once), its seconds from its first run's start to its last's end (0 when it came from the cache) and whether it was cached. */
  runs: Array<{ experiment: string; seconds: number; cached: boolean }>;
  seconds: number;
}

/** Where the check is: each experiment it runs (runLabel) with its share done, how many of them have finished, and the share of the whole done (each experiment weighed by its expected seconds). */
export interface ChapterProgress {
  experiments: Array<{ label: string; fraction: number }>;
  done: number;
  total: number;
  fraction: number;
}

export interface ChapterOptions {
  quick?: boolean;
  lang?: Lang;
  cache?: ChapterCache;
  signal?: AbortSignal;
  /** Worker threads for the runs (undefined: one per core). */
  workers?: number;
  /** Whenever an experiment's share done changes. */
  progress?: (state: ChapterProgress) => void;
}

/** An experiment's expected seconds on one thread (estimate.ts; 1 when it was never measured): its weight in the check's progress. */
function expectedSeconds(name: string, config: Record<string, unknown>): number {
  const e = findExperiment(name);
  return estimateSeconds(e, e.plan(e.schema.parse(config), translator('en')), 1) ?? 1;
}

export async function checkChapter(options: ChapterOptions = {}): Promise<ChapterCheck> {
  const started = performance.now();
  const quick = options.quick === true;
  const lang = options.lang ?? 'en';
  const kept: Record<string, ChapterRun> = {};
  const runs: ChapterCheck['runs'] = [];
  const toRun: Array<{ id: ReturnType<typeof chapterRuns>[number]; label: string; key: string; slot: number } & ReturnType<typeof chapterRun>> = [];
  for (const id of chapterRuns(quick)) {
    const { experiment, config } = chapterRun(id, quick);
    const label = runLabel(id, lang);
    const key = cacheKey(experiment, config);
    const cached = options.cache && keptRun(options.cache, key, lang);
    if (cached) kept[id] = cached;
    else toRun.push({ id, label, key, slot: runs.length, experiment, config });
    runs.push({ experiment: label, seconds: 0, cached: Boolean(cached) });
  }
  if (toRun.length) {
    const fractions = toRun.map(() => 0);
    let done = 0;
    const weights = toRun.map((r) => expectedSeconds(r.experiment, r.config));
    const report = () => options.progress?.({
      experiments: toRun.map((r, i) => ({ label: r.label, fraction: fractions[i] })), done, total: toRun.length,
      fraction: weights.reduce((a, w, i) => a + w * fractions[i], 0) / weights.reduce((a, w) => a + w, 0),
    });
    const pool = new RunPool(poolSize(Number.MAX_SAFE_INTEGER, options.workers));
    // One experiment's failure (or a cancel) stops the others; those finished by then stay kept.
    const stop = stopTogether(options.signal, toRun.length);
    try {
      await allOrFirstFailure(toRun.map(async (r, i) => {
        let first: number | undefined;
        try {
          const out = await runExperiment(r.experiment, r.config, {
            pool, lang, signal: stop.signal, figuresIn: LANGS,
            progress: (fraction) => {
              first ??= performance.now();
              fractions[i] = fraction;
              report();
            },
          });
          kept[r.id] = { result: out.output.result, figures: out.figuresIn ?? { [lang]: out.output.figures } };
        } catch (err) {
          stop.abort();
          throw err;
        }
        options.cache?.set(r.key, kept[r.id]);
        runs[r.slot].seconds = (performance.now() - (first ?? started)) / 1000;
        fractions[i] = 1;
        done++;
        report();
      }));
    } finally {
      stop.dispose();
      await pool.close();
    }
  }
  const results = Object.fromEntries(Object.entries(kept).map(([name, run]) => [name, run.result])) as unknown as ChapterResults;
  const claims = judgeClaims(results, quick, lang);
  return { quick, claims, figures: chapterFigures(claims, kept, lang), runs, seconds: (performance.now() - started) / 1000 };
}
