/** Shared by the engine tests: fixtures, tolerant comparison, backends to run on. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tf, initBackend, type BackendName } from '../../engine';

export interface EncodedTensor { shape: number[]; data: number[] }

export const FIXTURE_DIR = path.join(__dirname, '..', 'fixtures', 'rnn');

export function loadFixtures<T = Record<string, unknown>>(prefix = ''): T[] {
  return fs.readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.json') && f.startsWith(prefix))
    .sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(FIXTURE_DIR, f), 'utf8')) as T);
}

export function toTensor(e: EncodedTensor): tf.Tensor {
  return tf.tensor(Float32Array.from(e.data), e.shape);
}

/**
 * Fails unless every element satisfies |actual - expected| <= atol + rtol * |expected|
 * (numpy's allclose); the message names the tensor, the worst element and both values.
 */
export function assertClose(name: string, actual: tf.Tensor, expected: EncodedTensor, atol = 1e-5, rtol = 1e-5): void {
  if (actual.shape.length !== expected.shape.length || actual.shape.some((d, i) => d !== expected.shape[i])) {
    throw new Error(`${name}: shape [${actual.shape}] differs from the expected [${expected.shape}]`);
  }
  const a = actual.dataSync();
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < a.length; i++) {
    const e = expected.data[i];
    const excess = Math.abs(a[i] - e) - (atol + rtol * Math.abs(e));
    if (!(excess <= worstExcess)) { // also catches NaN
      worst = i;
      worstExcess = Number.isNaN(excess) ? Infinity : excess;
    }
  }
  if (worst >= 0) {
    throw new Error(`${name}: element ${worst} is ${a[worst]}, expected ${expected.data[worst]} (beyond ${atol} + ${rtol}*|expected| by ${worstExcess.toExponential(2)})`);
  }
}

/** The backends present on this machine: wasm and cpu always, tensorflow when installed. */
export async function availableBackends(): Promise<BackendName[]> {
  const found: BackendName[] = [];
  for (const name of ['tensorflow', 'wasm', 'cpu'] as const) {
    try {
      await initBackend(name);
      found.push(name);
    } catch {
      // Not installed here (tfjs-node cannot be downloaded on every machine).
    }
  }
  return found;
}
