/**
 * What the engine's worker threads share: the engine worker (worker/), the experiment
 * pool (experiments/pool.ts) and the data-parallel replicas (parallel/). Each thread runs
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
