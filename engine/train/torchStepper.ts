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
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { decodeSafetensors, encodeSafetensors, namedArrays } from '../checkpoint/safetensors';
import type { TorchDeviceChoice, TorchPrecision } from '../core/names';
import type { CharLM } from '../model/charlm';
import { encodeWindows, parseTorchReply, torchRequestLine, type TorchErrorCode, type TorchReply, type TorchReplyOf, type TorchRequest } from '../torch/protocol';
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

export interface TorchEngineOptions {
  python: PythonCommand;
  device: TorchDeviceChoice;
  /** Data-parallel processes (torch.distributed, gradients averaged as DistributedDataParallel does); 1 = one process. */
  processes: number;
  /** 'fp32' (the built-in engine's arithmetic), or mixed precision: 'bf16', 'fp16' (CUDA). */
  precision?: TorchPrecision;
  /** Lines the engine writes to stderr (PyTorch's warnings, a traceback). */
  onLog?: (line: string) => void;
  /** The engine's process started (`running` true) or ended: a host that may lose this thread ends it itself. */
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
 * The PyTorch engine failed: `code` says why (the engine's own codes, or `crashed` for a
 * process that ended without saying, `protocol` for a line that was not the protocol).
 */
export class TorchEngineError extends Error {
  override readonly name = 'TorchEngineError';
  /** False when the engine failed to start (nothing was trained); true when it failed during the run. */
  duringRun = false;

  constructor(readonly code: TorchErrorCode | 'crashed' | 'protocol', message: string) {
    super(message);
  }
}

/** engine.py: beside the bundle (dist/torch-engine), or in the source tree. */
export function torchEngineScript(): string {
  for (const candidate of [path.join(__dirname, 'torch-engine', 'engine.py'), path.join(__dirname, '..', 'torch', 'engine.py'), path.join(__dirname, '..', '..', 'dist', 'torch-engine', 'engine.py')]) {
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error('the PyTorch engine (dist/torch-engine/engine.py) is missing: run `npm run build`');
}

type Waiter = { type: TorchReply['type']; resolve: (reply: TorchReply) => void; reject: (err: Error) => void };

export class TorchStepper implements Stepper {
  readonly workers: number;
  private readonly waiting: Waiter[] = [];
  private nextId = 1;
  private failure: TorchEngineError | null = null;
  private readonly stderrTail: string[] = [];

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly model: CharLM,
    readonly optimizer: Optimizer,
    private readonly scratch: string,
    readonly runtime: TorchRuntime,
    private readonly onLog?: (line: string) => void,
  ) {
    this.workers = runtime.processes;
  }

  /**
   * Starts the engine and hands it the model's weights and the optimiser's state. Fails with
   * a TorchEngineError that says what to do (no torch, an old one, no such device, ...).
   */
  static async create(model: CharLM, optimizer: Optimizer, rules: StepRules, seed: number, options: TorchEngineOptions): Promise<TorchStepper> {
    const cfg = model.config;
    if (cfg.normalization !== 'none') {
      throw new TorchEngineError('bad-request', `the PyTorch engine runs torch.nn's LSTM, GRU and RNN, which have no ${cfg.normalization} normalisation inside the cell: train this model with the built-in engine, or set normalization to none`);
    }
    const script = torchEngineScript();
    const pythonName = [options.python.command, ...options.python.args].join(' ');
    const child = spawn(options.python.command, [...options.python.args, script, '--device', options.device, '--processes', String(options.processes)], {
      stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true,
      env: { ...TORCH_ENVIRONMENT, ...process.env, PYTHONUNBUFFERED: '1', PYTHONIOENCODING: 'utf-8' },
    });
    // A request written just as the engine dies fails with EPIPE on its stdin; unheard, that error
    // would end SeqLab itself (CI saw the CLI exit 7 when the engine was killed). The engine's exit
    // is what reports the failure (onExit), so the write error itself is dropped.
    child.stdin.on('error', () => undefined);
    if (child.pid !== undefined) {
      const pid = child.pid;
      options.onProcess?.(pid, true);
      child.once('exit', () => options.onProcess?.(pid, false));
    }
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-torch-'));
    // The first line says what runs (or why nothing can); everything after it is a reply.
    const early = new EarlyLines(child, pythonName, options.onLog);
    let hello: TorchReplyOf<'hello'>;
    try {
      hello = await early.hello;
    } catch (err) {
      child.kill();
      fs.rmSync(scratch, { recursive: true, force: true });
      throw err;
    }
    const runtime: TorchRuntime = {
      python: pythonName, pythonVersion: hello.python, torch: hello.torch, device: hello.device, deviceName: hello.deviceName, processes: hello.processes, threads: hello.threads, precision: options.precision ?? 'fp32',
    };
    const stepper = new TorchStepper(child, model, optimizer, scratch, runtime, options.onLog);
    early.handOver((line) => stepper.onLine(line), (line) => stepper.onStderr(line), (why) => stepper.onExit(why));
    try {
      fs.writeFileSync(path.join(scratch, 'model.safetensors'), encodeSafetensors(namedArrays(model.stateDict())));
      fs.writeFileSync(path.join(scratch, 'optimizer.safetensors'), encodeSafetensors(namedArrays(optimizer.stateTensors())));
      await stepper.ask('ready', {
        type: 'init', checkpoint: scratch, cell: cfg.cell, vocabSize: cfg.vocabSize, embeddingSize: cfg.embeddingSize, hiddenSize: cfg.hiddenSize,
        numLayers: cfg.numLayers, dropout: cfg.dropout, optimizer: rules.optimizer.name, momentum: optimizer.settings.momentum,
        weightDecay: optimizer.settings.weightDecay, optimizerStep: optimizer.stepCount, clipNorm: rules.clip.clipNorm, clipValue: rules.clip.clipValue, seed,
        precision: options.precision ?? 'fp32',
      });
    } catch (err) {
      await stepper.dispose();
      throw err;
    }
    return stepper;
  }

  private onLine(line: string): void {
    const parsed = parseTorchReply(line);
    if (!parsed.ok) {
      this.fail(new TorchEngineError('protocol', `the PyTorch engine wrote a line that is not its protocol: ${parsed.message}`));
      return;
    }
    const reply = parsed.reply;
    const waiter = this.waiting.shift();
    if (reply.type === 'error') {
      const err = new TorchEngineError(reply.code as TorchErrorCode, reply.message);
      if (reply.fatal) this.fail(err);
      else waiter?.reject(err);
      return;
    }
    if (!waiter || waiter.type !== reply.type) {
      this.fail(new TorchEngineError('protocol', `the PyTorch engine answered ${reply.type} where ${waiter?.type ?? 'nothing'} was expected`));
      return;
    }
    waiter.resolve(reply);
  }

  private onStderr(line: string): void {
    this.stderrTail.push(line);
    if (this.stderrTail.length > 20) this.stderrTail.shift();
    this.onLog?.(line);
  }

  private onExit(why: string): void {
    const tail = this.stderrTail.slice(-3).join(' ').slice(0, 400);
    this.fail(new TorchEngineError('crashed', `the PyTorch engine (${this.runtime.python}) stopped (${why})${tail ? `: ${tail}` : ''}`));
  }

  /** Every waiting request fails with `err`, and so does every later one. */
  private fail(err: TorchEngineError): void {
    this.failure ??= err;
    for (const w of this.waiting.splice(0)) w.reject(this.failure);
  }

  private ask<K extends TorchReply['type']>(type: K, request: TorchRequest): Promise<TorchReplyOf<K>> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.push({ type, resolve: resolve as (r: TorchReply) => void, reject });
      this.child.stdin.write(torchRequestLine(request));
    });
  }

  async step(windows: Int32Array, rows: number, width: number, lr: number): Promise<StepResult> {
    const reply = await this.ask('stepped', { type: 'step', id: this.nextId++, lr, rows, width, windows: encodeWindows(windows) });
    this.optimizer.stepCount++;
    return { loss: reply.loss ?? NaN, gradNorm: reply.gradNorm ?? NaN };
  }

  async evaluate(windows: Int32Array, rows: number, width: number, chunk: number): Promise<number> {
    const reply = await this.ask('evaluated', { type: 'evaluate', id: this.nextId++, rows, width, chunk, windows: encodeWindows(windows) });
    return reply.loss ?? NaN;
  }

  async sync(): Promise<void> {
    const reply = await this.ask('saved', { type: 'save', id: this.nextId++, dir: this.scratch });
    const weights = decodeSafetensors(fs.readFileSync(path.join(this.scratch, 'model.safetensors')), 'the PyTorch engine\'s weights').tensors;
    const state = decodeSafetensors(fs.readFileSync(path.join(this.scratch, 'optimizer.safetensors')), 'the PyTorch engine\'s optimiser state').tensors;
    this.model.loadStateDict(weights);
    this.optimizer.loadState(state, reply.optimizerStep);
  }

  /** Ends the engine (asks it to exit; kills it if it has not within 10 s) and releases the optimiser. */
  async dispose(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      try {
        this.child.stdin.end(torchRequestLine({ type: 'exit' }));
      } catch {
        // already closed
      }
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      await new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      clearTimeout(timer);
    }
    fs.rmSync(this.scratch, { recursive: true, force: true });
    this.optimizer.dispose();
  }

  /** For tests: the engine process dies as a crash would end it. */
  kill(): void {
    this.child.kill('SIGKILL');
  }
}

/**
 * The engine's output until the stepper takes it over: the first stdout line must be hello
 * (or a fatal error); stderr lines are logged and kept for the message if it dies.
 */
class EarlyLines {
  readonly hello: Promise<TorchReplyOf<'hello'>>;
  private onStdout: ((line: string) => void) | null = null;
  private onStderr: ((line: string) => void) | null = null;
  private readonly stderr: string[] = [];
  private exitHandler: ((why: string) => void) | null = null;

  constructor(child: ChildProcessWithoutNullStreams, pythonName: string, onLog?: (line: string) => void) {
    const out = createInterface({ input: child.stdout });
    const err = createInterface({ input: child.stderr });
    err.on('line', (line) => {
      if (this.onStderr) this.onStderr(line);
      else {
        this.stderr.push(line);
        onLog?.(line);
      }
    });
    this.hello = new Promise((resolve, reject) => {
      const tail = () => this.stderr.slice(-3).join(' ').slice(0, 400);
      out.once('line', (line) => {
        const parsed = parseTorchReply(line);
        if (parsed.ok && parsed.reply.type === 'hello') resolve(parsed.reply);
        else if (parsed.ok && parsed.reply.type === 'error') reject(new TorchEngineError(parsed.reply.code as TorchErrorCode, parsed.reply.message));
        else reject(new TorchEngineError('protocol', `${pythonName} did not start SeqLab's PyTorch engine: ${parsed.ok ? parsed.reply.type : parsed.message}`));
        out.on('line', (next) => this.onStdout?.(next));
      });
      child.once('error', (e) => reject(new TorchEngineError('crashed', (e as NodeJS.ErrnoException).code === 'ENOENT'
        ? `${pythonName} was not found: set seqlab.python (or --python) to a Python with PyTorch`
        : `${pythonName} could not be started: ${e.message}`)));
      this.exitHandler = (why) => reject(new TorchEngineError('crashed', `${pythonName} ended before the PyTorch engine started (${why})${tail() ? `: ${tail()}` : ''}`));
    });
    child.once('exit', (code, signal) => {
      const why = signal ? `signal ${signal}` : `exit code ${code}`;
      // Let the last lines of output arrive first: they say why.
      setImmediate(() => this.exitHandler?.(why));
    });
  }

  /** From now on, stdout lines, stderr lines and the process's exit go to these. */
  handOver(onStdout: (line: string) => void, onStderr: (line: string) => void, onExit: (why: string) => void): void {
    this.onStdout = onStdout;
    this.onStderr = onStderr;
    this.exitHandler = onExit;
  }
}
