/**
 * The host side of the engine worker: starts the worker thread lazily, matches replies
 * to requests, forwards events, and restarts the worker after a crash (reporting it, and
 * loading the last active checkpoint again). Imports no `vscode`: the extension and the
 * tests use it alike.
 */
import { Worker } from 'node:worker_threads';
import { bundledScript } from '../core/threads';
import { releaseLocksOfThread } from '../checkpoint/lock';
import type { ErrorCode, FromWorker, ReplyMap, RequestOf, RequestType, WorkerEvent } from './protocol';

export class EngineError extends Error {
  override readonly name = 'EngineError';
  constructor(message: string, readonly code: ErrorCode | 'crashed') {
    super(message);
  }
}

export interface EngineClientOptions {
  /** The worker bundle; default `worker.js` beside this bundle, or dist/worker.js from source. */
  workerScript?: string;
  /** Called when the worker died unexpectedly; the next request starts a new one. */
  onCrash?: (error: Error) => void;
  onLog?: (level: 'info' | 'warn', message: string) => void;
}

/** A request without its id (the client assigns ids). */
export type RequestBody<T extends RequestType> = Omit<RequestOf<T>, 'id' | 'type'>;

export interface Job<T extends RequestType> {
  id: number;
  result: Promise<ReplyMap[T]>;
  /** Asks the worker to stop this job (train or sample); `result` then settles. */
  cancel(): Promise<void>;
}

interface Pending {
  resolve: (value: never) => void;
  reject: (err: Error) => void;
  onEvent?: (event: WorkerEvent) => void;
  /** Folders the job locks (training, export): released by the host if the worker dies holding them. */
  lockedDirs: string[];
}

/** The folders a request writes under a lock (see engine/checkpoint/lock.ts). */
function lockedDirsOf(type: RequestType, body: Record<string, unknown>): string[] {
  const dirs = type === 'train' ? [body.outDir, body.lastDir] : type === 'exportTorch' ? [body.outDir] : [];
  return dirs.filter((d): d is string => typeof d === 'string' && d.length > 0);
}

export function defaultWorkerScript(): string {
  return bundledScript('worker.js', 'the engine worker bundle');
}

export class EngineClient {
  private worker: Worker | undefined;
  /** The running worker's thread id (a terminated Worker reports -1). */
  private workerThreadId = -1;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private disposed = false;
  /** The checkpoint last made active, restored after a crash. */
  private activeDir: string | undefined;
  /** How many times the worker was started (1 after the first request). */
  starts = 0;

  constructor(private readonly options: EngineClientOptions = {}) {}

  /** The worker thread, if running (for diagnostics and crash tests). */
  get thread(): Worker | undefined {
    return this.worker;
  }

  private ensureWorker(): Worker {
    if (this.disposed) throw new EngineError('the engine client was disposed', 'crashed');
    if (this.worker) return this.worker;
    const worker = new Worker(this.options.workerScript ?? defaultWorkerScript());
    this.workerThreadId = worker.threadId;
    this.starts++;
    worker.on('message', (msg: FromWorker) => this.onMessage(msg));
    worker.on('error', (err) => this.onExit(worker, err));
    worker.on('exit', (code) => this.onExit(worker, new Error(`the engine worker exited with code ${code}`)));
    this.worker = worker;
    if (this.activeDir && this.starts > 1) {
      // Training state survives in the last checkpoint: make it active again.
      const dir = this.activeDir;
      this.start('load', { dir }).result.catch((err: Error) => this.options.onLog?.('warn', `could not reload ${dir} after the restart: ${err.message}`));
    }
    return worker;
  }

  private onMessage(msg: FromWorker): void {
    if (msg.type === 'log') {
      this.options.onLog?.(msg.level, msg.message);
      return;
    }
    if (msg.type === 'event') {
      this.pending.get(msg.requestId)?.onEvent?.(msg.event);
      return;
    }
    const p = this.pending.get(msg.inReplyTo);
    if (!p) {
      if (msg.type === 'error') this.options.onLog?.('warn', `engine worker: ${msg.message}`);
      return;
    }
    this.pending.delete(msg.inReplyTo);
    if (msg.type === 'error') p.reject(new EngineError(msg.message, msg.code));
    else {
      if (msg.request === 'load' || (msg.request === 'train' && (msg.result as ReplyMap['train']).checkpoint)) {
        this.activeDir = msg.request === 'load' ? (msg.result as ReplyMap['load']).dir : (msg.result as ReplyMap['train']).checkpoint!;
      }
      p.resolve(msg.result as never);
    }
  }

  /** Ends the worker now; its jobs fail as after a crash, and the next request starts a new one. */
  private restart(why: string): void {
    const worker = this.worker;
    if (!worker) return;
    this.onExit(worker, new Error(`${why}; the worker was stopped`));
    void worker.terminate();
  }

  private onExit(worker: Worker, cause: Error): void {
    if (this.worker !== worker) return; // already handled, or an old worker
    this.worker = undefined;
    const err = new EngineError(`the engine worker stopped unexpectedly (${cause.message}); it restarts on the next request`, 'crashed');
    // Its jobs' folder locks live in this process: a dead thread cannot release them, so the host does.
    releaseLocksOfThread([...this.pending.values()].flatMap((p) => p.lockedDirs), this.workerThreadId);
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    if (!this.disposed) this.options.onCrash?.(err);
  }

  /** Sends a request; events for it go to `onEvent`. */
  start<T extends RequestType>(type: T, body: RequestBody<T>, onEvent?: (event: WorkerEvent) => void): Job<T> {
    const id = this.nextId++;
    const worker = this.ensureWorker();
    const result = new Promise<ReplyMap[T]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: never) => void, reject, onEvent, lockedDirs: lockedDirsOf(type, body as Record<string, unknown>) });
    });
    worker.postMessage({ ...body, type, id });
    return {
      id,
      result,
      cancel: async () => {
        if (!this.pending.has(id)) return;
        const { cancelled } = await this.start('cancel', { target: id }).result;
        // The worker answers in order: had the job ended, its reply would have come first.
        // Still pending and unknown to the worker: it cannot be stopped by asking, so the
        // worker is restarted (the job's state survives in its last checkpoint).
        if (!cancelled && this.pending.has(id)) this.restart(`request ${id} (${type}) could not be stopped by asking`);
      },
    };
  }

  request<T extends RequestType>(type: T, body: RequestBody<T>, onEvent?: (event: WorkerEvent) => void): Promise<ReplyMap[T]> {
    return this.start(type, body, onEvent).result;
  }

  /** Posts anything (for tests of the worker's validation). */
  postRaw(message: unknown): void {
    this.ensureWorker().postMessage(message);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const worker = this.worker;
    this.worker = undefined;
    releaseLocksOfThread([...this.pending.values()].flatMap((p) => p.lockedDirs), this.workerThreadId);
    for (const p of this.pending.values()) p.reject(new EngineError('the engine client was disposed', 'crashed'));
    this.pending.clear();
    await worker?.terminate();
  }
}
