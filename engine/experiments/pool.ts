/**
 * Runs an experiment's planned runs (cells x seeds x lengths: independent, plain JSON) on
 * worker threads, one per core. tfjs's wasm backend has no threads under Node, so the
 * cores are used by running whole runs side by side. The longest runs start first (each
 * plan says its cost), progress is the cost-weighted share done, cancel stops the runs,
 * and a run that fails or a thread that dies stops the experiment with its name. Outcomes
 * come back in plan order, so a result does not depend on the number of threads.
 *
 * Several experiments can share one RunPool (the chapter check runs all of its experiments
 * at once): a thread that finishes one experiment's last run takes another's next one
 * instead of waiting for the slowest run of its own, and the threads start once.
 */
import { setMaxListeners } from 'node:events';
import * as os from 'node:os';
import { Worker } from 'node:worker_threads';
import { currentBackend } from '../core/backend';
import { bundledScript, coreCount } from '../core/threads';
import type { FromPoolWorker, RunRequest } from './poolProtocol';
import { translator } from '../core/lang';
import { estimateSeconds } from './estimate';
import { ExperimentCancelled, type Experiment, type ExperimentContext, type PlannedRun, type RunContext, type SharedRunPool } from './types';

/**
 * Bytes this process may use: the machine's memory, or its container's limit when lower
 * (process.constrainedMemory, Node 19.6+: 0 or a huge number when there is none).
 */
export function machineMemory(): number {
  const total = os.totalmem();
  const constrained = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.() ?? 0;
  return constrained > 0 && constrained < total ? constrained : total;
}

/** Threads for `runs` runs when `requested` (undefined = one per core). */
export function poolSize(runs: number, requested?: number): number {
  return Math.max(1, Math.min(runs, requested ?? coreCount()));
}

interface PoolTask {
  request: Omit<RunRequest, 'type' | 'backend'>;
  /** Larger first: the run's expected seconds (comparable across experiments). */
  priority: number;
  /** The order it came in, to break ties. */
  order: number;
  progress(fraction: number, message: string): void;
  resolve(outcome: unknown): void;
  reject(err: Error): void;
}

/**
 * Worker threads that do planned runs of any experiment, longest expected first. Threads
 * start when there is work and stay until close(); a thread whose run is cancelled is
 * terminated (a run cannot be interrupted inside a kernel) and replaced when work waits.
 */
export class RunPool implements SharedRunPool {
  private readonly queue: PoolTask[] = [];
  private readonly busy = new Map<Worker, PoolTask>();
  private readonly idle: Worker[] = [];
  private submitted = 0;
  private closed = false;
  private dispatchPending = false;

  constructor(readonly threads: number) {}

  /** Does run `request.index` of `request.experiment`; rejects with ExperimentCancelled when `signal` aborts first. */
  run(request: PoolTask['request'], priority: number, progress: PoolTask['progress'], signal?: AbortSignal): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('the experiment pool is closed'));
    if (signal?.aborted) return Promise.reject(new ExperimentCancelled());
    return new Promise((resolve, reject) => {
      const task: PoolTask = { request, priority, order: this.submitted++, progress, resolve, reject };
      const onAbort = () => this.cancel(task);
      signal?.addEventListener('abort', onAbort, { once: true });
      const settle = <T>(f: (v: T) => void) => (v: T) => {
        signal?.removeEventListener('abort', onAbort);
        f(v);
      };
      task.resolve = settle(resolve);
      task.reject = settle(reject);
      this.queue.push(task);
      this.queue.sort((a, b) => b.priority - a.priority || a.order - b.order);
      this.dispatchSoon();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.queue.splice(0)) task.reject(new ExperimentCancelled());
    const workers = [...this.idle.splice(0), ...this.busy.keys()];
    for (const task of this.busy.values()) task.reject(new ExperimentCancelled());
    this.busy.clear();
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private cancel(task: PoolTask): void {
    const queued = this.queue.indexOf(task);
    if (queued >= 0) this.queue.splice(queued, 1);
    for (const [worker, t] of this.busy) {
      if (t !== task) continue;
      this.busy.delete(worker);
      void worker.terminate();
    }
    task.reject(new ExperimentCancelled());
    this.dispatch();
  }

  /** After the current turn: experiments started together submit their runs in one turn, so the longest of all of them starts first. */
  private dispatchSoon(): void {
    if (this.dispatchPending) return;
    this.dispatchPending = true;
    setImmediate(() => {
      this.dispatchPending = false;
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (!this.closed && this.queue.length) {
      const worker = this.idle.pop() ?? (this.busy.size < this.threads ? this.spawn() : undefined);
      if (!worker) return;
      const task = this.queue.shift()!;
      this.busy.set(worker, task);
      worker.postMessage({ type: 'run', ...task.request, backend: currentBackend()?.name } satisfies RunRequest);
    }
  }

  private spawn(): Worker {
    const worker = new Worker(bundledScript('experiment-worker.js', 'the experiment pool\'s worker bundle'));
    const finish = (then: (task: PoolTask) => void, keep: boolean) => {
      const task = this.busy.get(worker);
      this.busy.delete(worker);
      if (keep) this.idle.push(worker);
      if (task) then(task);
      this.dispatch();
    };
    const named = (task: PoolTask, what: string) => new Error(`${task.request.experiment}: ${what} during run ${task.request.index}`);
    worker.on('message', (m: FromPoolWorker) => {
      const task = this.busy.get(worker);
      if (!task || m.index !== task.request.index) return;
      if (m.type === 'progress') task.progress(m.fraction, m.message);
      else if (m.type === 'failed') finish((t) => t.reject(new Error(m.message)), true);
      else finish((t) => t.resolve(m.outcome), true);
    });
    worker.on('error', (err) => finish((t) => t.reject(named(t, `a worker thread failed (${err.message})`)), false));
    worker.on('exit', (code) => {
      const i = this.idle.indexOf(worker);
      if (i >= 0) this.idle.splice(i, 1);
      if (this.busy.has(worker)) finish((t) => t.reject(named(t, `a worker thread exited (code ${code})`)), false);
    });
    return worker;
  }
}

/** Each run's outcome, in plan order; `onOutcome` hears of each as it finishes (for partial figures). On `ctx.pool` when given, else on threads of its own. */
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
  const outcomes = new Array<O>(runs.length);
  const threads = poolSize(runs.length, ctx.workers);
  if (!ctx.pool && threads === 1) {
    for (const [i, r] of runs.entries()) {
      outcomes[i] = await (experiment.runOne as (c: C, j: J, x: RunContext) => Promise<O>)(config, r.job, { signal: ctx.signal, progress: (f, m) => report(i, f, m), tr });
      finished++;
      fractions[i] = 1;
      onOutcome?.(i, outcomes[i]);
    }
    return outcomes;
  }
  if (ctx.signal?.aborted) throw new ExperimentCancelled();
  const own = ctx.pool ? undefined : new RunPool(threads);
  const pool: SharedRunPool = ctx.pool ?? own!;
  // One experiment's runs stop together: the first failure cancels the others still queued or running.
  const stop = stopTogether(ctx.signal, runs.length);
  // The runs' expected seconds (estimate.ts) order them against other experiments' in a shared pool; the plan's cost within this one.
  const seconds = (r: PlannedRun<J>) => estimateSeconds(experiment as Experiment, [r], 1) ?? r.cost;
  try {
    await allOrFirstFailure(runs.map(async (r, index) => {
      try {
        outcomes[index] = (await pool.run({ index, experiment: experiment.name, config, lang }, seconds(r), (f, m) => report(index, f, m), stop.signal)) as O;
      } catch (err) {
        stop.abort();
        if (err instanceof ExperimentCancelled) throw err;
        throw new Error(`${experiment.name}, run "${r.label}": ${(err as Error).message}`);
      }
      finished++;
      report(index, 1, 'done');
      onOutcome?.(index, outcomes[index]);
    }));
  } finally {
    stop.dispose();
    await own?.close();
  }
  return outcomes;
}

/**
 * Waits for every task (each stops the others on failure, so all settle), then throws the first
 * failure that is not a cancel: the one to tell, the cancels having followed from it.
 */
export async function allOrFirstFailure(tasks: Array<Promise<void>>): Promise<void> {
  const errors = (await Promise.all(tasks.map((t) => t.then(() => undefined, (err: Error) => err)))).filter((x): x is Error => x instanceof Error);
  const failure = errors.find((e) => !(e instanceof ExperimentCancelled)) ?? errors[0];
  if (failure) throw failure;
}

/**
 * Tasks that stop together: `signal` aborts when `parent` does or when one of them calls
 * `abort()` (a failure); `listeners` is how many tasks will listen (above Node's warning at 10).
 * `dispose()` lets go of `parent`.
 */
export function stopTogether(parent: AbortSignal | undefined, listeners: number): { signal: AbortSignal; abort(): void; dispose(): void } {
  const controller = new AbortController();
  setMaxListeners(listeners + 1, controller.signal);
  const onAbort = () => controller.abort();
  parent?.addEventListener('abort', onAbort, { once: true });
  return { signal: controller.signal, abort: () => controller.abort(), dispose: () => parent?.removeEventListener('abort', onAbort) };
}
