/**
 * The training step computed by the user's PyTorch: a `Stepper` whose steps run in a Python
 * process (engine/torch/engine.py), spoken to over the line protocol of engine/torch/protocol.ts.
 *
 * The loop stays SeqLab's (trainer.ts): the same batches from the same generator, the same
 * learning rates, evaluations, time budget, patience, checkpoints and samples. What moves to
 * PyTorch is the arithmetic: forward, backward, clipping and torch.optim's update. The
 * process starts from this model's weights and this optimiser's state (SeqLab's seeded
 * initial weights, or a resumed checkpoint's), so the first validation loss is the built-in
 * engine's, and `sync` brings the trained state back before a checkpoint or a sample.
 *
 * Every request settles: with its reply, the engine's error, the engine's exit, or a timeout
 * (TorchTimeouts: generous until a request of that kind has been timed, then sized from the
 * slowest one seen). A fatal error, a crash, a line that is not the protocol or a reply to
 * another request ends the engine and fails every request waiting; the loop then stops and
 * says which checkpoint is kept. The engine runs in a private working folder (isolation.ts),
 * in a process group of its own on POSIX, so that its torch.distributed ranks end with it.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Bilingual } from '../core/lang';
import { CataloguedError, isMessageCode, message, type EngineMessage } from '../core/messages';
import { writeAll } from '../io/files';
import { readLines } from '../io/lines';
import { decodeSafetensors, encodeSafetensors, namedArrays, readSafetensorsFile } from '../checkpoint/safetensors';
import type { TorchDeviceChoice, TorchPrecision } from '../core/names';
import type { CharLM } from '../model/charlm';
import { encodeWindows, parseTorchReply, torchRequestLine, type TorchErrorCode, type TorchReply, type TorchReplyOf, type TorchRequest } from '../torch/protocol';
import { privateWorkFolder, pythonEnvironment, removeStaleWorkFolders, removeWorkFolder } from '../torch/isolation';
import type { PythonCommand } from '../torch/python';
import type { Optimizer } from './optim';
import type { StepResult, StepRules, Stepper } from './stepper';


/**
 * The PyTorch process's environment besides the user's (whose own settings win). Measured on
 * config A (LSTM 1x256, batch 32) on 2 cores, Debian's PyTorch 1.13:
 * - OpenMP's threads spin while they wait by default: 2 threads on 2 cores made a step 4x
 *   slower (5,400 against 26,000 chars/s), so they sleep (PASSIVE).
 * - glibc gives the step's large temporary buffers back to the system after every step (its
 *   mmap and trim thresholds), and the next step faults them in again: steps alternated
 *   between 72 and 140 ms. Keeping blocks up to 32 MB in the heap and trimming only above
 *   256 MB made every step 66-71 ms (29,400 chars/s against 18,200). Other C libraries
 *   ignore these names.
 */
export const TORCH_ENVIRONMENT: Record<string, string> = {
  OMP_WAIT_POLICY: 'PASSIVE',
  MALLOC_MMAP_THRESHOLD_: String(32 * 2 ** 20),
  MALLOC_TRIM_THRESHOLD_: String(256 * 2 ** 20),
};

/**
 * How long the engine may take before SeqLab gives up on it. A request of a kind not yet
 * timed gets `firstReplyMs` (the first step on a GPU includes its warm-up; the first save of
 * a large model writes its whole optimiser state); after that `slowdown` x the slowest of
 * its kind (per window for steps and evaluations), at least `minReplyMs`.
 */
export interface TorchTimeouts {
  /** From start to hello: Python starts, imports torch (seconds on a cold disk), the ranks meet (rendezvous: 60 s in engine.py). */
  startMs: number;
  firstReplyMs: number;
  minReplyMs: number;
  slowdown: number;
  /** After Stop, the request in flight may take this long, at least, to finish (5x the slowest of its kind, when more). */
  stopGraceMs: number;
}

export const DEFAULT_TORCH_TIMEOUTS: TorchTimeouts = { startMs: 180_000, firstReplyMs: 600_000, minReplyMs: 60_000, slowdown: 20, stopGraceMs: 10_000 };

/** One limit for everything (the CLI's --torch-timeout, the request's timeoutSeconds): start, every reply, the grace after Stop. */
export function uniformTorchTimeouts(seconds: number): TorchTimeouts {
  const ms = seconds * 1000;
  return { startMs: ms, firstReplyMs: ms, minReplyMs: ms, slowdown: 1, stopGraceMs: Math.min(ms, DEFAULT_TORCH_TIMEOUTS.stopGraceMs) };
}

/** The longest stdout line the engine may write (its replies are a few hundred bytes), and the longest stderr line kept whole. */
const MAX_REPLY_BYTES = 1 << 20;
const MAX_LOG_LINE_BYTES = 64 << 10;

export interface TorchEngineOptions {
  python: PythonCommand;
  device: TorchDeviceChoice;
  /** Data-parallel processes (torch.distributed, gradients averaged as DistributedDataParallel does); 1 = one process. */
  processes: number;
  /** 'fp32' (the built-in engine's arithmetic), or mixed precision: 'bf16', 'fp16' (CUDA). */
  precision?: TorchPrecision;
  timeouts?: TorchTimeouts;
  /** Stop: the request in flight gets `stopGraceMs` to finish, then the engine is ended. */
  signal?: AbortSignal;
  /** Lines the engine writes to stderr (PyTorch's warnings, a traceback). */
  onLog?: (line: string) => void;
  /** The engine's process started (`running` true) or ended: a host that may lose this thread ends it (and its process group) itself. */
  onProcess?: (pid: number, running: boolean) => void;
}

/** What computes the run, as the engine said when it started. */
export interface TorchRuntime {
  python: string;
  pythonVersion: string;
  torch: string;
  device: string;
  deviceName: string;
  processes: number;
  threads: number;
  precision: TorchPrecision;
}

/**
 * The PyTorch engine failed: `code` says why (the engine's own codes, `crashed` for a process
 * that ended without saying, `protocol` for a line that was not the protocol or a reply to
 * another request, `timeout` for an engine that did not answer in time, `cancelled` for a Stop
 * before the engine had started: nothing was trained).
 */
export class TorchEngineError extends CataloguedError {
  override readonly name = 'TorchEngineError';
  /** False when the engine failed to start (nothing was trained); true when it failed during the run. */
  duringRun = false;

  /**
   * `m`: the catalogue message (`torch-*`); a plain string only for the protocol's internal
   * states (a reply to a request nobody sent), which no student setting can cause.
   */
  constructor(readonly code: TorchErrorCode | 'crashed' | 'protocol' | 'timeout' | 'cancelled', m: string | EngineMessage) {
    super(m);
  }
}

/** engine.py: beside the bundle (dist/torch-engine), or in the source tree. */
export function torchEngineScript(): string {
  for (const candidate of [path.join(__dirname, 'torch-engine', 'engine.py'), path.join(__dirname, '..', 'torch', 'engine.py'), path.join(__dirname, '..', '..', 'dist', 'torch-engine', 'engine.py')]) {
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error('the PyTorch engine (dist/torch-engine/engine.py) is missing: run `npm run build`');
}

/** A request waiting for its reply: `id` null for hello (no request) and init. */
interface Waiter {
  type: TorchReply['type'];
  id: number | null;
  /** What the request is, for messages: "step 12", "an evaluation". */
  what: Bilingual;
  /** Windows in the request (steps and evaluations are timed per window), or 1. */
  rows: number;
  sentAt: number;
  timer: NodeJS.Timeout | null;
  resolve: (reply: TorchReply) => void;
  reject: (err: Error) => void;
}

let staleFoldersRemoved = false;

/**
 * The engines' process groups still running: ended when this process exits. An engine leads
 * a group of its own, which a terminal's Ctrl+C no longer reaches, and one stuck in a request
 * never reads the end of its stdin: a second Ctrl+C (process.exit) must not leave it behind.
 */
const liveGroups = new Set<number>();
let endGroupsOnExit = false;
function trackGroup(pid: number): void {
  if (process.platform === 'win32') return;
  liveGroups.add(pid);
  if (endGroupsOnExit) return;
  endGroupsOnExit = true;
  process.once('exit', () => {
    for (const group of liveGroups) {
      try {
        process.kill(-group, 'SIGKILL');
      } catch {
        // gone
      }
    }
  });
}

/** A new file in the engine's private folder, written in chunks (any size). */
function writeNewFile(file: string, data: Buffer): void {
  const fd = fs.openSync(file, 'wx', 0o600);
  try {
    writeAll(fd, data);
  } finally {
    fs.closeSync(fd);
  }
}

export class TorchStepper implements Stepper {
  private readonly waiting: Waiter[] = [];
  private nextId = 1;
  private failure: TorchEngineError | null = null;
  private readonly stderrTail: string[] = [];
  /** The slowest reply seen of each kind, in ms per window. */
  private readonly slowest = new Map<TorchReply['type'], number>();
  private readonly timeouts: TorchTimeouts;
  private exitedWith: string | null = null;
  private stdoutEnded = false;
  private readonly pythonName: string;
  private runtimeInfo: TorchRuntime | null = null;

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly model: CharLM,
    readonly optimizer: Optimizer,
    private readonly scratch: string,
    private readonly options: TorchEngineOptions,
  ) {
    this.timeouts = options.timeouts ?? DEFAULT_TORCH_TIMEOUTS;
    this.pythonName = [options.python.command, ...options.python.args].join(' ');
    // A request written just as the engine dies fails with EPIPE on its stdin; unheard, that error
    // would end SeqLab itself (CI saw the CLI exit 7 when the engine was killed). The engine's exit
    // is what reports the failure (onExit), so the write error itself is dropped.
    child.stdin.on('error', () => undefined);
    readLines(child.stdout, {
      maxBytes: MAX_REPLY_BYTES,
      onLine: (line) => this.onLine(line),
      onTooLong: (start) => this.fail(new TorchEngineError('protocol', message('torch-line-too-long', { python: this.pythonName, mb: MAX_REPLY_BYTES >> 20, start: start.slice(0, 200) }))),
      onEnd: () => {
        this.stdoutEnded = true;
        this.afterExit();
      },
    });
    readLines(child.stderr, {
      maxBytes: MAX_LOG_LINE_BYTES,
      onLine: (line) => this.onStderr(line),
      onTooLong: (start) => this.onStderr(`${start} [a line of more than ${MAX_LOG_LINE_BYTES >> 10} KB, cut here]`),
    });
    child.once('error', (e) => this.fail(new TorchEngineError('crashed', (e as NodeJS.ErrnoException).code === 'ENOENT'
      ? message('torch-python-not-found', { python: this.pythonName })
      : message('torch-cannot-start', { python: this.pythonName, said: e.message }))));
    child.once('exit', (code, signal) => {
      this.exitedWith = signal ? `signal ${signal}` : `exit code ${code}`;
      // The last lines of stdout say why (a fatal error): read them first, but do not wait on a pipe a helper may still hold.
      setTimeout(() => {
        this.stdoutEnded = true;
        this.afterExit();
      }, 2000).unref();
      this.afterExit();
    });
    options.signal?.addEventListener('abort', () => this.onStop(), { once: true });
  }

  /** What computes the run, as the engine said in its hello. */
  get runtime(): TorchRuntime {
    if (!this.runtimeInfo) throw new Error('the PyTorch engine has not started');
    return this.runtimeInfo;
  }

  get workers(): number {
    return this.runtime.processes;
  }

  /**
   * Starts the engine and hands it the model's weights and the optimiser's state. Fails with
   * a TorchEngineError that says what to do (no torch, an old one, no such device, ...).
   */
  static async create(model: CharLM, optimizer: Optimizer, rules: StepRules, seed: number, options: TorchEngineOptions): Promise<TorchStepper> {
    const cfg = model.config;
    if (cfg.normalization !== 'none') {
      throw new TorchEngineError('bad-request', message('torch-normalization', { normalization: cfg.normalization }));
    }
    const script = torchEngineScript();
    if (!staleFoldersRemoved) {
      staleFoldersRemoved = true;
      removeStaleWorkFolders();
    }
    // The engine's private working folder: its cwd, and where the weights travel both ways.
    const scratch = privateWorkFolder('torch');
    let child: ChildProcessWithoutNullStreams;
    try {
      child = spawn(options.python.command, [...options.python.args, script, '--device', options.device, '--processes', String(options.processes)], {
        cwd: scratch, stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true, env: pythonEnvironment(TORCH_ENVIRONMENT),
        // Its own process group (POSIX): ending the engine ends the ranks it spawned too, and a Ctrl+C in the terminal is SeqLab's to handle.
        detached: process.platform !== 'win32',
      });
    } catch (err) {
      removeWorkFolder(scratch);
      throw new TorchEngineError('crashed', message('torch-cannot-start', { python: options.python.command, said: (err as Error).message }));
    }
    if (child.pid !== undefined) {
      const pid = child.pid;
      trackGroup(pid);
      options.onProcess?.(pid, true);
      child.once('exit', () => options.onProcess?.(pid, false));
    }
    const stepper = new TorchStepper(child, model, optimizer, scratch, options);
    try {
      // The first line says what runs (or why nothing can); everything after it is a reply.
      const hello = await stepper.expect<'hello'>('hello', null, { en: 'at start (its hello)', zh: '启动时的问候（hello）' }, 1, stepper.timeouts.startMs);
      stepper.runtimeInfo = {
        python: stepper.pythonName, pythonVersion: hello.python, torch: hello.torch, device: hello.device, deviceName: hello.deviceName, processes: hello.processes, threads: hello.threads, precision: options.precision ?? 'fp32',
      };
      // In chunks both ways (writeAll, readSafetensorsFile): an optimiser state of 2 GiB or more is one call too many for fs.
      writeNewFile(path.join(scratch, 'model.safetensors'), encodeSafetensors(namedArrays(model.stateDict())));
      writeNewFile(path.join(scratch, 'optimizer.safetensors'), encodeSafetensors(namedArrays(optimizer.stateTensors())));
      await stepper.expect('ready', {
        type: 'init', checkpoint: scratch, cell: cfg.cell, vocabSize: cfg.vocabSize, embeddingSize: cfg.embeddingSize, hiddenSize: cfg.hiddenSize,
        numLayers: cfg.numLayers, dropout: cfg.dropout, optimizer: rules.optimizer.name, momentum: optimizer.settings.momentum,
        weightDecay: optimizer.settings.weightDecay, optimizerStep: optimizer.stepCount, clipNorm: rules.clip.clipNorm, clipValue: rules.clip.clipValue, seed,
        precision: options.precision ?? 'fp32',
      }, { en: 'init', zh: '初始化请求（init）' }, 1);
    } catch (err) {
      await stepper.end();
      throw err;
    }
    return stepper;
  }

  private onLine(line: string): void {
    if (this.failure) return;
    const parsed = parseTorchReply(line);
    if (!parsed.ok) {
      this.fail(new TorchEngineError('protocol', message('torch-not-protocol', { said: parsed.message })));
      return;
    }
    const reply = parsed.reply;
    const head = this.waiting[0];
    const replyId = 'id' in reply ? reply.id : null;
    if (reply.type === 'error') {
      // The engine's own words: its catalogue message when it sends one (engine.py `say`), its English otherwise.
      const say = reply.say && isMessageCode(reply.say.code) ? (reply.say as EngineMessage) : undefined;
      const err = new TorchEngineError(reply.code as TorchErrorCode, say ?? reply.message);
      err.message = reply.message;
      // An error names its request (null: the request had no id, or there was none, as at start-up).
      if (!head || (replyId !== null && replyId !== head.id)) {
        this.fail(reply.fatal ? err : new TorchEngineError('protocol', `the PyTorch engine answered request ${replyId ?? '(none)'} with an error where ${head ? head.what.en : 'no request'} was waiting: ${reply.message}`));
        return;
      }
      this.settle(head);
      head.reject(err);
      if (reply.fatal) this.fail(err);
      return;
    }
    if (!head || head.type !== reply.type || replyId !== head.id) {
      const named = (type: string, id: number | null) => `${type}${id !== null ? ` (request ${id})` : ''}`;
      this.fail(new TorchEngineError('protocol', `the PyTorch engine answered ${named(reply.type, replyId)} where ${head ? `${named(head.type, head.id)} for ${head.what.en}` : 'nothing'} was expected`));
      return;
    }
    const ms = this.settle(head);
    this.slowest.set(head.type, Math.max(this.slowest.get(head.type) ?? 0, ms / head.rows));
    head.resolve(reply);
  }

  /** Takes `waiter` off the queue and stops its clock; returns how long it took. */
  private settle(waiter: Waiter): number {
    const i = this.waiting.indexOf(waiter);
    if (i >= 0) this.waiting.splice(i, 1);
    if (waiter.timer) clearTimeout(waiter.timer);
    waiter.timer = null;
    return performance.now() - waiter.sentAt;
  }

  private onStderr(line: string): void {
    this.stderrTail.push(line);
    if (this.stderrTail.length > 20) this.stderrTail.shift();
    this.options.onLog?.(line);
  }

  /** The process is gone and its output read: whatever is still waiting will never be answered. */
  private afterExit(): void {
    if (this.exitedWith === null || !this.stdoutEnded || this.failure) return;
    const tail = this.stderrTail.slice(-3).join(' ').slice(0, 400);
    const started = this.runtimeInfo !== null;
    this.fail(new TorchEngineError('crashed', message('torch-stopped', { python: this.pythonName, started, exit: this.exitedWith, tail })));
  }

  /**
   * Stop: what is in flight gets its grace, then the engine is ended. Before the engine has
   * started (importing torch, the ranks meeting: a minute or more) there is nothing to finish:
   * it is ended at once.
   */
  private onStop(): void {
    if (this.runtimeInfo === null) {
      this.fail(new TorchEngineError('cancelled', message('torch-cancelled-before', {})));
      return;
    }
    for (const w of this.waiting) this.arm(w, this.graceFor(w.type, w.rows));
  }

  /** What a request may still take after Stop: stopGraceMs, or 5x the slowest of its kind when more. */
  private graceFor(type: TorchReply['type'], rows: number): number {
    const slowest = this.slowest.get(type);
    return Math.max(this.timeouts.stopGraceMs, slowest === undefined ? 0 : 5 * slowest * rows);
  }

  /** A new request's limit; after Stop no more than its grace, unless its kind was never timed (a first save may be large). */
  private timeoutFor(type: TorchReply['type'], rows: number): number {
    const slowest = this.slowest.get(type);
    if (slowest === undefined) return this.timeouts.firstReplyMs;
    const normal = Math.max(this.timeouts.minReplyMs, this.timeouts.slowdown * slowest * rows);
    return this.options.signal?.aborted ? Math.min(normal, this.graceFor(type, rows)) : normal;
  }

  private arm(w: Waiter, ms: number): void {
    if (w.timer) clearTimeout(w.timer);
    const afterStop = this.options.signal?.aborted === true;
    w.timer = setTimeout(() => {
      const seconds = Math.round(ms / 100) / 10;
      this.fail(new TorchEngineError('timeout', message('torch-timeout', { python: this.pythonName, what: w.what, seconds, afterStop, untimed: this.slowest.size === 0 })));
    }, ms);
    w.timer.unref?.();
  }

  /**
   * Every waiting request fails with `err`, and so does every later one; the engine is ended
   * (a fatal error ends it anyway; after a timeout or a line that is not the protocol its state
   * is unknown).
   */
  private fail(err: TorchEngineError): void {
    if (!this.failure) {
      this.failure = err;
      this.killGroup();
    }
    for (const w of this.waiting.splice(0)) {
      if (w.timer) clearTimeout(w.timer);
      w.reject(this.failure);
    }
  }

  private killGroup(): void {
    const pid = this.child.pid;
    if (pid !== undefined && process.platform !== 'win32') {
      // The group, even when rank 0 has gone already: its helpers may not have.
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // no such group any more
      }
      return;
    }
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  /** Writes `request` (none for hello) and waits for its reply of `type`, under its timeout. */
  private expect<K extends TorchReply['type']>(type: K, request: TorchRequest | null, what: Bilingual, rows: number, timeoutMs?: number): Promise<TorchReplyOf<K>> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const id = request && 'id' in request ? request.id : null;
      const w: Waiter = { type, id, what, rows, sentAt: performance.now(), timer: null, resolve: resolve as (r: TorchReply) => void, reject };
      this.waiting.push(w);
      this.arm(w, timeoutMs ?? this.timeoutFor(type, rows));
      if (request) this.child.stdin.write(torchRequestLine(request));
    });
  }

  async step(windows: Int32Array, rows: number, width: number, lr: number): Promise<StepResult> {
    const id = this.nextId++;
    const reply = await this.expect('stepped', { type: 'step', id, lr, rows, width, windows: encodeWindows(windows) }, { en: `step ${this.optimizer.stepCount + 1}`, zh: `第 ${this.optimizer.stepCount + 1} 步` }, rows);
    this.optimizer.stepCount++;
    return { loss: reply.loss ?? NaN, gradNorm: reply.gradNorm ?? NaN };
  }

  async evaluate(windows: Int32Array, rows: number, width: number, chunk: number): Promise<number> {
    const id = this.nextId++;
    const reply = await this.expect('evaluated', { type: 'evaluate', id, rows, width, chunk, windows: encodeWindows(windows) }, { en: 'an evaluation', zh: '一次评估' }, rows);
    return reply.loss ?? NaN;
  }

  async sync(): Promise<void> {
    const id = this.nextId++;
    const reply = await this.expect('saved', { type: 'save', id, dir: this.scratch }, { en: 'a save of the weights', zh: '一次权重保存' }, 1);
    const read = (file: string, what: Bilingual) => decodeSafetensors(readSafetensorsFile(path.join(this.scratch, file), what).bytes, what).tensors;
    const weights = read('model.safetensors', { en: 'the PyTorch engine\'s weights', zh: 'PyTorch 引擎的权重' });
    const state = read('optimizer.safetensors', { en: 'the PyTorch engine\'s optimiser state', zh: 'PyTorch 引擎的优化器状态' });
    this.model.loadStateDict(weights);
    this.optimizer.loadState(state, reply.optimizerStep);
  }

  /** Ends the engine and releases the optimiser. */
  async dispose(): Promise<void> {
    await this.end();
    this.optimizer.dispose();
  }

  /**
   * Ends the engine: asks it to exit, ends its process group if it has not within 10 s (at
   * once when it has failed), and removes its working folder.
   */
  private async end(): Promise<void> {
    // A child that never started (spawn's ENOENT) has no pid and may never emit 'exit'.
    const running = () => this.child.pid !== undefined && this.child.exitCode === null && this.child.signalCode === null;
    if (running()) {
      const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      if (this.failure) this.killGroup();
      else {
        try {
          this.child.stdin.end(torchRequestLine({ type: 'exit' }));
        } catch {
          // already closed
        }
      }
      const timer = setTimeout(() => this.killGroup(), 10_000);
      if (running()) await exited;
      clearTimeout(timer);
    }
    for (const w of this.waiting.splice(0)) {
      if (w.timer) clearTimeout(w.timer);
      w.reject(this.failure ?? new TorchEngineError('crashed', message('torch-ended', {})));
    }
    if (this.child.pid !== undefined) liveGroups.delete(this.child.pid);
    removeWorkFolder(this.scratch);
  }

  /** For tests: the engine process dies as a crash would end it. */
  kill(): void {
    this.child.kill('SIGKILL');
  }
}
