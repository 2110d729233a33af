/**
 * What the engine's worker threads share: the engine worker (worker/), the experiment
 * pool (experiments/pool.ts) and the data-parallel replicas (train/). Each thread runs
 * a bundle built into dist/; wasm has no threads under Node, so cores are used through
 * such threads only. No TensorFlow.js here: the extension host imports this.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** A thread's bundle: beside the running bundle in dist/, or, from source, in the built dist/. */
export function bundledScript(file: string, what: string): string {
  // From source this file is engine/core/threads.ts, two levels below the root.
  for (const candidate of [path.join(__dirname, file), path.join(__dirname, '..', '..', 'dist', file)]) {
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error(`${what} (dist/${file}) is missing: run \`npm run build\` first`);
}

/** The cores this process may use. */
export function coreCount(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/**
 * Request/reply matching over a worker thread's messages: ids counted here, each reply
 * (a message with `inReplyTo`) settles the request it names. The engine client
 * (worker/client.ts) and the data-parallel replicas (train/dataParallel.ts) both use it;
 * each keeps its own wiring of the thread's `message`, `error` and `exit`.
 * `TExtra` is what the owner keeps beside a pending request (an event listener, locked folders).
 */
export class RequestChannel<TReply extends { inReplyTo: number }, TExtra = undefined> {
  private readonly pending = new Map<number, { resolve: (reply: TReply) => void; reject: (err: Error) => void; extra: TExtra }>();
  private nextId = 1;
  /** Why the channel is closed, once it is: later requests fail with it. */
  private closedBy?: Error;

  /** `post` sends a message (with its id) to the thread, transferring `transfer`. */
  constructor(private readonly post: (message: object, transfer: ArrayBuffer[]) => void) {}

  /** Sends `message` with a new id; the promise settles with the reply that names it. */
  request<R extends TReply = TReply>(message: object, extra: TExtra, transfer: ArrayBuffer[] = []): { id: number; reply: Promise<R> } {
    const id = this.nextId++;
    if (this.closedBy) return { id, reply: Promise.reject(this.closedBy) };
    const reply = new Promise<R>((resolve, reject) => this.pending.set(id, { resolve: resolve as (r: TReply) => void, reject, extra }));
    this.post({ ...message, id }, transfer);
    return { id, reply };
  }

  /** Settles the request `reply` names: with the reply, or with `failure`. False when nothing waits for it. */
  settle(reply: TReply, failure?: Error): boolean {
    const p = this.pending.get(reply.inReplyTo);
    if (!p) return false;
    this.pending.delete(reply.inReplyTo);
    if (failure) p.reject(failure);
    else p.resolve(reply);
    return true;
  }

  /** What the owner keeps beside the pending request `id`, if it is pending. */
  extraOf(id: number): TExtra | undefined {
    return this.pending.get(id)?.extra;
  }

  isPending(id: number): boolean {
    return this.pending.has(id);
  }

  /** Fails every pending request with `err` (the thread is gone); returns what their owners kept. */
  failAll(err: Error): TExtra[] {
    const extras = [...this.pending.values()].map((p) => p.extra);
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    return extras;
  }

  /** Fails every pending request and every later one with `err`. */
  close(err: Error): TExtra[] {
    this.closedBy ??= err;
    return this.failAll(this.closedBy);
  }
}
