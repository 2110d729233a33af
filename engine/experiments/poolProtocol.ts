/**
 * Host <-> pool-worker protocol of the experiment pool (`pool.ts` <-> `poolWorker.ts`).
 * A worker thread has its own TensorFlow.js; it is told an experiment, its parsed config
 * and the index of one planned run, re-plans (plans are deterministic in the config) and
 * does that run. Outcomes are plain JSON.
 */
import type { BackendName } from '../core/backend';
import type { Lang } from '../core/lang';

//#region to worker
/** Do run `index` of `experiment`'s plan for `config`. The first request also sets the backend. */
export interface RunRequest { type: 'run'; index: number; experiment: string; config: unknown; backend?: BackendName; lang: Lang }
export type ToPoolWorker = RunRequest;
//#endregion

//#region from worker
export interface RunProgress { type: 'progress'; index: number; fraction: number; message: string }
export interface RunDone { type: 'done'; index: number; outcome: unknown }
/** The run threw; `message` says why (the experiment stops with it). */
export interface RunFailed { type: 'failed'; index: number; message: string }
export type FromPoolWorker = RunProgress | RunDone | RunFailed;
//#endregion
