/**
 * The host side of the engine worker: starts the worker thread lazily, matches replies
 * to requests, forwards events, and restarts the worker after a crash (reporting it, and
 * loading the last active checkpoint again). Imports no `vscode`: the extension and the
 * tests use it alike.
 */
import { Worker } from 'node:worker_threads';
import { bundledScript, RequestChannel } from '../core/threads';
import { releaseLocksOfThread } from '../checkpoint/lock';
import type { Lang } from '../core/lang';
import { isMessageCode, renderMessage, type EngineMessage } from '../core/messages';
import type { BackendMessage, EngineFailure, ErrorCode, ErrorDetails, ErrorMessage, FromWorker, ReplyMap, ReplyMessage, RequestOf, RequestType, WorkerEvent } from './protocol';

/**
 * A request failed: `code` says how (the protocol's codes, or `crashed` when the worker died),
 * `details` what the remedy needs, `engineMessage` the catalogue's message (engine/core/messages.ts)
 * when the text is in it; `message` is then that text in the client's language.
 */
export class EngineError extends Error {
  override readonly name = 'EngineError';
  constructor(message: string, readonly code: ErrorCode | 'crashed', readonly details?: EngineFailure['details'], readonly engineMessage?: EngineMessage) {
    super(message);
  }

  /** The details of a failure with code `code` (typed by the protocol's ErrorDetails), or undefined for another code. */
  detailsOf<C extends keyof ErrorDetails>(code: C): ErrorDetails[C] | undefined {
    return this.code === code ? (this.details as ErrorDetails[C]) : undefined;
  }
}

export interface EngineClientOptions {
  /** The worker bundle; default `worker.js` beside this bundle, or dist/worker.js from source. */
  workerScript?: string;
  /** Called when the worker died unexpectedly; the next request starts a new one. */
  onCrash?: (error: Error) => void;
  onLog?: (level: 'info' | 'warn', message: string) => void;
  /**
   * Node flags of the worker thread; default this process's. Tests running under a
   * TypeScript loader pass [] so the plain-JS bundle starts as fast as it does in VS Code
   * (the loader's hooks doubled a fresh worker's start, measured: about 450 -> 920 ms).
   */
  execArgv?: string[];
  /** The worker chose a backend (on its first job, and after a change or a restart). */
  onBackend?: (backend: Omit<BackendMessage, 'type'>) => void;
  /** The language of the failures' messages that are in the catalogue (VS Code's display language); default English. */
  lang?: Lang;
}

/** A request without its id (the client assigns ids). */
export type RequestBody<T extends RequestType> = Omit<RequestOf<T>, 'id' | 'type'>;

export interface Job<T extends RequestType> {
  id: number;
  result: Promise<ReplyMap[T]>;
  /** Asks the worker to stop this job (train or sample); `result` then settles. */
  cancel(): Promise<void>;
}

/** What the client keeps beside a pending request. */
interface JobExtra {
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
  /** Processes the worker started that are still running (see ChildProcessMessage). */
  private readonly childProcesses = new Set<number>();
  private readonly channel = new RequestChannel<ReplyMessage | ErrorMessage, JobExtra>((message) => this.ensureWorker().postMessage(message));
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
    const worker = new Worker(this.options.workerScript ?? defaultWorkerScript(), this.options.execArgv ? { execArgv: this.options.execArgv } : {});
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
    } else if (msg.type === 'childProcess') {
      if (msg.running) this.childProcesses.add(msg.pid);
      else this.childProcesses.delete(msg.pid);
    } else if (msg.type === 'backend') {
      this.options.onBackend?.({ engine: msg.engine, name: msg.name, reason: msg.reason, kernels: msg.kernels });
    } else if (msg.type === 'event') {
      this.channel.extraOf(msg.requestId)?.onEvent?.(msg.event);
    } else if (msg.type === 'error') {
      const text = msg.engineMessage && isMessageCode(msg.engineMessage.code) ? renderMessage(msg.engineMessage, this.options.lang ?? 'en') : msg.message;
      if (!this.channel.settle(msg, new EngineError(text, msg.code, msg.details, msg.engineMessage))) this.options.onLog?.('warn', `engine worker: ${msg.message}`);
    } else {
      if (this.channel.isPending(msg.inReplyTo) && (msg.request === 'load' || (msg.request === 'train' && (msg.result as ReplyMap['train']).checkpoint))) {
        this.activeDir = msg.request === 'load' ? (msg.result as ReplyMap['load']).dir : (msg.result as ReplyMap['train']).checkpoint!;
      }
      this.channel.settle(msg);
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
    releaseLocksOfThread(this.channel.failAll(err).flatMap((job) => job.lockedDirs), this.workerThreadId);
    this.endChildProcesses();
    if (!this.disposed) this.options.onCrash?.(err);
  }

  /** Sends a request; events for it go to `onEvent`. */
  start<T extends RequestType>(type: T, body: RequestBody<T>, onEvent?: (event: WorkerEvent) => void): Job<T> {
    this.ensureWorker(); // before the request: a restart's reload of the active model goes first
    const { id, reply } = this.channel.request<ReplyMessage<T>>({ ...body, type }, { onEvent, lockedDirs: lockedDirsOf(type, body as Record<string, unknown>) });
    return {
      id,
      result: reply.then((r) => r.result),
      cancel: async () => {
        if (!this.channel.isPending(id)) return;
        const { cancelled } = await this.start('cancel', { target: id }).result;
        // The worker answers in order: had the job ended, its reply would have come first.
        // Still pending and unknown to the worker: it cannot be stopped by asking, so the
        // worker is restarted (the job's state survives in its last checkpoint).
        if (!cancelled && this.channel.isPending(id)) this.restart(`request ${id} (${type}) could not be stopped by asking`);
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
    releaseLocksOfThread(this.channel.close(new EngineError('the engine client was disposed', 'crashed')).flatMap((job) => job.lockedDirs), this.workerThreadId);
    await worker?.terminate();
    this.endChildProcesses();
  }

  /** The processes a dead worker started (a PyTorch engine mid-run) would wait on their pipes until this process ends: end them. */
  private endChildProcesses(): void {
    for (const pid of this.childProcesses) {
      // The engine leads a process group of its own on POSIX (torchStepper.ts): its ranks end with it.
      for (const target of process.platform === 'win32' ? [pid] : [-pid, pid]) {
        try {
          process.kill(target, 'SIGKILL');
          break;
        } catch {
          // already gone, or not a group: try the process itself
        }
      }
    }
    this.childProcesses.clear();
  }
}
