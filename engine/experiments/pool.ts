/**
 * Runs an experiment's planned runs (cells x seeds x lengths: independent, plain JSON) on
 * worker threads, one per core. tfjs's wasm backend has no threads under Node, so the
 * cores are used by running whole runs side by side. The longest runs start first (each
 * plan says its cost), progress is the cost-weighted share done, cancel terminates the
 * threads, and a run that fails or a thread that dies stops the experiment with its name.
 * Outcomes come back in plan order, so a result does not depend on the number of threads.
 */
import { Worker } from 'node:worker_threads';
import { currentBackend } from '../core/backend';
import { bundledScript, coreCount } from '../core/threads';
import type { FromPoolWorker, ToPoolWorker } from './poolProtocol';
import { translator } from '../core/lang';
import { ExperimentCancelled, type Experiment, type ExperimentContext, type PlannedRun, type RunContext } from './types';

/** Threads for `runs` runs when `requested` (undefined = one per core). */
export function poolSize(runs: number, requested?: number): number {
  return Math.max(1, Math.min(runs, requested ?? coreCount()));
}

/** Each run's outcome, in plan order; `onOutcome` hears of each as it finishes (for partial figures). */
export async function runPlanned<C, J, O>(experiment: Experiment<never, unknown, J, O>, config: C, runs: Array<PlannedRun<J>>, ctx: ExperimentContext, onOutcome?: (index: number, outcome: O) => void): Promise<O[]> {
  const lang = ctx.lang ?? 'en';
  const tr = translator(lang);
  const total = runs.reduce((a, r) => a + r.cost, 0) || 1;
  const fractions = new Array<number>(runs.length).fill(0);
  let finished = 0;
  // Each run's own progress, for a message that shows every run under way: "2 of 12 runs done · lstm, length 100, seed 1: 40% · gru, ...: 75%".
  const active = new Set<number>();
  const report = (index: number, fraction: number, _message: string) => {
    fractions[index] = fraction;
    if (fraction >= 1) active.delete(index);
    else active.add(index);
    const done = fractions.reduce((a, f, i) => a + f * runs[i].cost, 0) / total;
    const underWay = [...active].sort((a, b) => a - b).map((i) => `${runs[i].label}: ${Math.floor(fractions[i] * 100)}%`);
    ctx.progress(done, [tr(`${finished} of ${runs.length} runs done`, `已完成 ${runs.length} 次运行中的 ${finished} 次`), ...underWay].join(' · '));
  };
  const threads = poolSize(runs.length, ctx.workers);
  if (threads === 1) {
    const outcomes: O[] = [];
    for (const [i, r] of runs.entries()) {
      outcomes.push(await (experiment.runOne as (c: C, j: J, x: RunContext) => Promise<O>)(config, r.job, { signal: ctx.signal, progress: (f, m) => report(i, f, m), tr }));
      finished++;
      fractions[i] = 1;
      onOutcome?.(i, outcomes[i]);
    }
    return outcomes;
  }
  if (ctx.signal?.aborted) throw new ExperimentCancelled();
  const script = bundledScript('experiment-worker.js', 'the experiment pool\'s worker bundle');
  const order = runs.map((_, i) => i).sort((a, b) => runs[b].cost - runs[a].cost || a - b);
  const outcomes = new Array<O>(runs.length);
  const workers: Worker[] = [];
  const runOf = new Map<Worker, number>(); // the run each thread is doing, to name it if the thread dies
  try {
    await new Promise<void>((resolve, reject) => {
      let next = 0;
      let settled = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        reject(err);
      };
      const onAbort = () => fail(new ExperimentCancelled());
      ctx.signal?.addEventListener('abort', onAbort, { once: true });
      const give = (worker: Worker) => {
        if (next >= order.length) return;
        const index = order[next++];
        const request: ToPoolWorker = { type: 'run', index, experiment: experiment.name, config, backend: currentBackend()?.name, lang };
        runOf.set(worker, index);
        worker.postMessage(request);
      };
      for (let t = 0; t < threads; t++) {
        const worker = new Worker(script);
        workers.push(worker);
        worker.on('message', (m: FromPoolWorker) => {
          if (settled) return;
          if (m.type === 'progress') report(m.index, m.fraction, m.message);
          else if (m.type === 'failed') fail(new Error(`${experiment.name}, run "${runs[m.index].label}": ${m.message}`));
          else {
            outcomes[m.index] = m.outcome as O;
            finished++;
            report(m.index, 1, 'done');
            onOutcome?.(m.index, outcomes[m.index]);
            if (finished === runs.length) {
              settled = true;
              ctx.signal?.removeEventListener('abort', onAbort);
              resolve();
            } else give(worker);
          }
        });
        worker.on('error', (err) => fail(new Error(`${experiment.name}: a worker thread failed during run "${runs[runOf.get(worker) ?? 0].label}": ${err.message}`)));
        worker.on('exit', (code) => {
          if (!settled) fail(new Error(`${experiment.name}: a worker thread exited (code ${code}) during run "${runs[runOf.get(worker) ?? 0].label}"`));
        });
        give(worker);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return outcomes;
}
