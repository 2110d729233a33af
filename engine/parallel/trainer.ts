/**
 * Data-parallel training on several worker threads: tfjs's wasm backend has no threads
 * under Node, so using both cores means two replicas. Every step, each replica computes
 * the gradient of its share of the batch; the host averages them (weighted by share, so
 * the result is the full batch's mean-loss gradient) and every replica applies the same
 * clipped Adam step, which keeps their weights identical.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { BackendName } from '../backend';
import type { CharLM, OptimizerConfig, TrainStepResult } from '../charlm';
import type { FromReplica, ToReplica } from './protocol';

/** The replica bundle, beside this bundle in dist/, or built from source into dist/. */
function replicaScript(): string {
  for (const candidate of [path.join(__dirname, 'parallel-replica.js'), path.join(__dirname, '..', '..', 'dist', 'parallel-replica.js')]) {
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error('dist/parallel-replica.js is missing: run `npm run build` first');
}

type Pending = { resolve: (m: FromReplica) => void; reject: (e: Error) => void };

class Replica {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(script: string) {
    this.worker = new Worker(script);
    this.worker.on('message', (m: FromReplica) => {
      const p = this.pending.get(m.inReplyTo);
      this.pending.delete(m.inReplyTo);
      if (m.type === 'error') p?.reject(new Error(`replica: ${m.message}`));
      else p?.resolve(m);
    });
    this.worker.on('error', (err) => this.failAll(err));
    this.worker.on('exit', (code) => this.failAll(new Error(`replica exited with code ${code}`)));
  }

  request<T extends FromReplica>(msg: Omit<ToReplica, 'id'>, transfer: ArrayBuffer[] = []): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (m: FromReplica) => void, reject });
      this.worker.postMessage({ ...msg, id }, transfer as never);
    });
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

export class DataParallelTrainer {
  private constructor(private readonly replicas: Replica[], readonly backend: BackendName) {}

  /** Starts `workers` replicas of `model` (its current weights and config). */
  static async create(model: CharLM, optimizer: OptimizerConfig, options: { workers?: number; backend?: BackendName } = {}): Promise<DataParallelTrainer> {
    const count = options.workers ?? 2;
    const script = replicaScript();
    const weights = Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, { shape: t.shape, data: t.dataSync() as Float32Array }]));
    const replicas = Array.from({ length: count }, () => new Replica(script));
    try {
      const ready = await Promise.all(replicas.map((r) => r.request<Extract<FromReplica, { type: 'ready' }>>(
        { type: 'init', backend: options.backend, model: { ...model.config }, optimizer, weights } as Omit<ToReplica, 'id'>)));
      return new DataParallelTrainer(replicas, ready[0].backend);
    } catch (err) {
      await Promise.all(replicas.map((r) => r.terminate()));
      throw err;
    }
  }

  get workers(): number {
    return this.replicas.length;
  }

  /** One step on windows (rows, width), split by rows across the replicas. */
  async trainStep(windows: Int32Array, rows: number, width: number, learningRate?: number): Promise<TrainStepResult> {
    const shares = this.replicas.map((_, i) => Math.floor((rows * (i + 1)) / this.replicas.length) - Math.floor((rows * i) / this.replicas.length));
    let start = 0;
    const replies = await Promise.all(this.replicas.map((r, i) => {
      const part = windows.slice(start * width, (start + shares[i]) * width);
      start += shares[i];
      if (shares[i] === 0) return undefined;
      return r.request<Extract<FromReplica, { type: 'gradients' }>>({ type: 'gradients', windows: part, rows: shares[i], width } as Omit<ToReplica, 'id'>, [part.buffer as ArrayBuffer]);
    }));
    // Each replica's loss is a mean over its rows: weight by rows for the batch mean.
    const mean = new Float32Array(replies.find((r) => r)!.grads.length);
    let loss = 0;
    replies.forEach((r, i) => {
      if (!r) return;
      const w = shares[i] / rows;
      loss += w * r.loss;
      for (let k = 0; k < mean.length; k++) mean[k] += w * r.grads[k];
    });
    const applied = await Promise.all(this.replicas.map((r) =>
      r.request<Extract<FromReplica, { type: 'applied' }>>({ type: 'apply', grads: mean, learningRate } as Omit<ToReplica, 'id'>)));
    return { loss, gradNorm: applied[0].gradNorm };
  }

  async dispose(): Promise<void> {
    await Promise.all(this.replicas.map((r) => r.terminate()));
  }
}
