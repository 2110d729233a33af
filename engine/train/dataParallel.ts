/**
 * Data-parallel training on worker threads: tfjs's wasm backend has no threads under
 * Node, so using several cores means several replicas. Every step, each replica computes
 * the gradient of its share of the batch; the host averages them (weighted by share, so
 * the result is the full batch's mean-loss gradient) and every replica applies the same
 * clipped optimiser step, which keeps their weights identical. The host's own model and
 * optimiser are brought up to date (`sync`) only when a checkpoint or a sample needs them.
 */
import { Worker } from 'node:worker_threads';
import type { BackendName } from '../core/backend';
import { CataloguedError, message, messageOf } from '../core/messages';
import { bundledScript, coreCount, RequestChannel } from '../core/threads';
import type { CharLM } from '../model/charlm';
import type { Optimizer } from './optim';
import type { StepRules, StepResult, Stepper } from './stepper';
import { namedArrays } from '../checkpoint/safetensors';
import type { FromReplica, ToReplica } from './replicaProtocol';

/**
 * More replicas than cores lose (measured on 2 cores, config A of `npm run bench`: 1, 2,
 * 3 and 4 workers gave 12.8k, 19.8k, 16.8k and 14.7k chars/s), so 'auto' is one per core;
 * and at most 8, where the default batch of 32 leaves each replica 4 windows.
 */
export const MAX_WORKERS = 8;
/** Fewer windows than this per replica, and a replica's small products run far below their speed. */
const MIN_ROWS_PER_WORKER = 4;

/**
 * The replicas a run uses: `requested` ('auto' or a count) bounded by the batch (each
 * replica needs rows to work on); 'auto' is one per core, at most MAX_WORKERS.
 */
export function workersFor(requested: number | 'auto', batch: number): number {
  const wanted = requested === 'auto' ? Math.min(coreCount(), MAX_WORKERS) : requested;
  return Math.max(1, Math.min(wanted, Math.floor(batch / MIN_ROWS_PER_WORKER)));
}

/** A replica failed: the weights may differ between replicas now, so the run stops. */
export class ReplicaError extends CataloguedError {
  override readonly name = 'ReplicaError';
}

type Reply<T extends FromReplica['type']> = Extract<FromReplica, { type: T }>;

class Replica {
  private readonly worker: Worker;
  private readonly channel: RequestChannel<FromReplica>;

  /** Replica `index` of `count` (from 1), as its messages name it. */
  constructor(script: string, readonly index: number, readonly count: number) {
    this.worker = new Worker(script);
    this.channel = new RequestChannel((message, transfer) => this.worker.postMessage(message, transfer as never));
    this.worker.on('message', (m: FromReplica) => this.channel.settle(m, m.type === 'error' ? new ReplicaError(message('replica-failed', { index, count, said: m.message })) : undefined));
    this.worker.on('error', (err) => this.channel.close(new ReplicaError(message('replica-crashed', { index, count, said: err.message }))));
    this.worker.on('exit', (code) => this.channel.close(new ReplicaError(message('replica-stopped', { index, count, code }))));
  }

  request<T extends FromReplica['type']>(msg: Omit<ToReplica, 'id'>, transfer: ArrayBuffer[] = []): Promise<Reply<T>> {
    return this.channel.request<Reply<T>>(msg, undefined, transfer).reply;
  }

  /** For tests of a replica dying mid-run. */
  kill(): Promise<number> {
    return this.worker.terminate();
  }

  terminate(): Promise<number> {
    this.channel.close(new ReplicaError(message('replica-shut-down', { index: this.index, count: this.count })));
    return this.worker.terminate();
  }
}

/** Row shares of `rows` over `n` replicas, as equal as whole rows allow. */
function shares(rows: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.floor((rows * (i + 1)) / n) - Math.floor((rows * i) / n));
}

export class DataParallelStepper implements Stepper {
  /** Bytes each replica's TensorFlow.js held after its latest step (tensors, or the wasm heap). */
  readonly memoryBytes: number[];
  private failure?: ReplicaError;
  /** The replicas have stepped since the host's model and optimiser last matched them. */
  private hostBehind = false;

  private constructor(
    private readonly replicas: Replica[], readonly backend: BackendName, private readonly model: CharLM, readonly optimizer: Optimizer, memory: number[],
  ) {
    this.memoryBytes = memory;
  }

  /**
   * Starts `workers` replicas holding `model`'s current weights and `optimizer`'s state
   * (so a resumed run continues exactly). The host keeps both, and `sync()` updates them.
   */
  static async create(model: CharLM, optimizer: Optimizer, rules: StepRules, options: { workers: number; backend?: BackendName }): Promise<DataParallelStepper> {
    const script = bundledScript('parallel-replica.js', 'the data-parallel replica bundle');
    const weights = namedArrays(model.stateDict());
    const optimizerState = namedArrays(optimizer.stateTensors());
    const replicas = Array.from({ length: options.workers }, (_, i) => new Replica(script, i + 1, options.workers));
    try {
      const ready = await Promise.all(replicas.map((r) => r.request<'ready'>({
        type: 'init', backend: options.backend, model: { ...model.config }, rules, weights, optimizerState, optimizerStep: optimizer.stepCount,
      } as Omit<ToReplica, 'id'>)));
      return new DataParallelStepper(replicas, ready[0].backend, model, optimizer, ready.map((r) => r.memoryBytes));
    } catch (err) {
      await Promise.all(replicas.map((r) => r.terminate()));
      throw err;
    }
  }

  get workers(): number {
    return this.replicas.length;
  }

  /** Every request goes through here: after one failure, the replicas are not trusted again. */
  private async all<T>(work: () => Promise<T>): Promise<T> {
    if (this.failure) throw this.failure;
    try {
      return await work();
    } catch (err) {
      this.failure = err instanceof ReplicaError ? err : new ReplicaError(messageOf(err) ?? (err as Error).message);
      throw this.failure;
    }
  }

  /** Sends each replica its share of the windows (rows of `width` ids) and gathers the replies, with the share each had. */
  private scatter<T extends FromReplica['type']>(windows: Int32Array, rows: number, width: number, request: (part: Int32Array, partRows: number) => Omit<ToReplica, 'id'>): Promise<Array<{ reply: Reply<T>; weight: number } | undefined>> {
    const share = shares(rows, this.replicas.length);
    return this.all(() => {
      let start = 0;
      return Promise.all(this.replicas.map(async (r, i) => {
        const part = windows.slice(start * width, (start + share[i]) * width);
        start += share[i];
        if (share[i] === 0) return undefined;
        // Each replica's loss is a mean over its rows: weighted by its share, the batch mean.
        return { reply: await r.request<T>(request(part, share[i]), [part.buffer as ArrayBuffer]), weight: share[i] / rows };
      }));
    });
  }

  async step(windows: Int32Array, rows: number, width: number, learningRate: number): Promise<StepResult> {
    const parts = await this.scatter<'gradients'>(windows, rows, width, (part, partRows) => ({ type: 'gradients', windows: part, rows: partRows, width }));
    const mean = new Float32Array(parts.find((p) => p)!.reply.grads.length);
    let loss = 0;
    for (const p of parts) {
      if (!p) continue;
      loss += p.weight * p.reply.loss;
      const g = p.reply.grads;
      for (let k = 0; k < mean.length; k++) mean[k] += p.weight * g[k];
    }
    this.hostBehind = true; // from here the replicas may hold new weights, even if one fails
    const applied = await this.all(() => Promise.all(this.replicas.map((r) =>
      r.request<'applied'>({ type: 'apply', grads: mean, learningRate } as Omit<ToReplica, 'id'>))));
    applied.forEach((a, i) => (this.memoryBytes[i] = a.memoryBytes));
    return { loss, gradNorm: applied[0].gradNorm };
  }

  async evaluate(windows: Int32Array, rows: number, width: number, chunk: number): Promise<number> {
    const parts = await this.scatter<'evaluated'>(windows, rows, width, (part, partRows) => ({ type: 'evaluate', windows: part, rows: partRows, width, chunk }));
    return parts.reduce((sum, p) => sum + (p ? p.weight * p.reply.loss : 0), 0);
  }

  /** A checkpoint, a sample and the end of a run can fall on one step: the state crosses once. */
  async sync(): Promise<void> {
    if (!this.hostBehind) return;
    const state = await this.all(() => this.replicas[0].request<'state'>({ type: 'state' } as Omit<ToReplica, 'id'>));
    this.model.loadStateDict(state.weights);
    this.optimizer.loadState(state.optimizerState, state.optimizerStep);
    this.hostBehind = false;
  }

  /** Ends one replica's thread as a crash would (tests). */
  killReplica(index: number): Promise<number> {
    return this.replicas[index].kill();
  }

  /** Stops the threads and releases the optimiser (the model stays the caller's). */
  async dispose(): Promise<void> {
    await Promise.all(this.replicas.map((r) => r.terminate()));
    this.optimizer.dispose();
  }
}
