/**
 * Which TensorFlow.js backend the engine computes on, and how it is chosen.
 *
 * Preference: `tensorflow` (the optional native `@tensorflow/tfjs-node`, when it is
 * installed), then `wasm` (ships with SeqLab, SIMD, single-threaded under Node), then
 * `cpu` (plain JavaScript, about 20x slower at matrix products: a fallback only).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
// tfjs-core with the chained methods and the gradients registered (tf.ts).
import { tf } from './tf';
// The package's "main" (tf-backend-cpu.node.js) is not in its sideEffects list, so a bundler
// would drop a bare import of it; dist/index.js registers the backend and is listed.
import '@tensorflow/tfjs-backend-cpu/dist/index.js';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { installWasmKernels } from './wasmKernels';
import { installSeqLabKernels } from './seqlabKernels';

export { tf };

import { BACKEND_NAMES, type BackendName } from './names';

export { BACKEND_NAMES, type BackendName };

export interface BackendInfo {
  name: BackendName;
  /** Why this backend and not a faster one, for the status bar and the log. */
  reason: string;
  /** On wasm: SeqLab's own kernels in use and why, e.g. "simd (SEQLAB_WASM_KERNELS=simd)" or "off (...)". */
  kernels?: string;
}

const WASM_SIMD_FILE = 'tfjs-backend-wasm-simd.wasm';

/**
 * The folder holding the `.wasm` binaries: beside the bundle (`dist/`, where the build
 * copies them and where a packaged extension has them), else inside node_modules when
 * the engine runs from source.
 */
export function wasmBinaryFolder(): string | undefined {
  const candidates = [__dirname, path.join(__dirname, '..', '..', 'dist')];
  try {
    candidates.push(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/' + WASM_SIMD_FILE)));
  } catch {
    // Not resolvable from a bundle without node_modules; the copies beside it serve.
  }
  return candidates.find((dir) => fs.existsSync(path.join(dir, WASM_SIMD_FILE)));
}

function tryLoadNative(): string | undefined {
  try {
    // Optional dependency: it cannot install where libtensorflow cannot be downloaded.
    require('@tensorflow/tfjs-node');
    return undefined;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return e.code === 'MODULE_NOT_FOUND' ? '@tensorflow/tfjs-node is not installed' : e.message.split('\n')[0];
  }
}

let current: BackendInfo | undefined;

// Set at load time: any tf call made before initBackend() lets TensorFlow.js start its
// highest-priority backend (wasm) by itself, and it must find its binary then too.
const wasmFolder = wasmBinaryFolder();
if (wasmFolder) setWasmPaths(wasmFolder + path.sep);

/**
 * Picks and initialises a backend; returns the one chosen. With `name`, that backend
 * or an error saying why it is unavailable. Calling again with the same name is free.
 */
export function initBackend(name?: BackendName): Promise<BackendInfo> {
  // One at a time: two requests arriving together on a fresh worker (a load and a train after a
  // restart) both found no backend and set it up at once; tf.setBackend during another's
  // initialisation left TensorFlow.js without a ready backend ("reading 'get'").
  const next = initializing.catch(() => undefined).then(() => initBackendNow(name));
  initializing = next;
  return next;
}

let initializing: Promise<unknown> = Promise.resolve();

async function initBackendNow(name?: BackendName): Promise<BackendInfo> {
  if (current && (name === undefined || name === current.name)) return current;
  const order: BackendName[] = name ? [name] : [...BACKEND_NAMES];
  const skipped: string[] = [];
  for (const candidate of order) {
    const problem = await prepare(candidate);
    if (problem === undefined && (await tf.setBackend(candidate))) {
      await tf.ready();
      let kernels: string | undefined;
      if (candidate === 'wasm') {
        installWasmKernels();
        const k = installSeqLabKernels(tf.backend() as unknown as Parameters<typeof installSeqLabKernels>[0]);
        kernels = `${k.variant} (${k.reason})`;
      }
      silenceCpuBanner();
      const reason = skipped.length ? `fastest available (${skipped.join('; ')})` : name ? 'requested' : 'fastest available';
      current = { name: candidate, reason, ...(kernels ? { kernels } : {}) };
      return current;
    }
    skipped.push(`${candidate}: ${problem ?? 'failed to initialise'}`);
  }
  throw new Error(`Backend ${name ?? 'any'} is not available: ${skipped.join('; ')}.` +
    (name === 'tensorflow' ? ' Install it with `npm install @tensorflow/tfjs-node`, or choose wasm.' : ''));
}

async function prepare(candidate: BackendName): Promise<string | undefined> {
  if (candidate === 'tensorflow') {
    if (tf.findBackendFactory('tensorflow')) return undefined;
    return tryLoadNative() ?? (tf.findBackendFactory('tensorflow') ? undefined : 'not registered');
  }
  if (candidate === 'wasm') {
    if (!wasmFolder) return `${WASM_SIMD_FILE} not found beside the bundle or in node_modules`;
  }
  return undefined;
}

/**
 * The cpu backend prints a banner advising tfjs-node on its first tensor; SeqLab reports
 * the backend and why it was chosen itself (status bar, CLI header), so the banner is noise.
 */
function silenceCpuBanner(): void {
  const cpu = tf.findBackend('cpu') as unknown as { firstUse?: boolean } | null;
  if (cpu) cpu.firstUse = false;
}

/** The backend in use, or undefined before `initBackend`. */
export function currentBackend(): BackendInfo | undefined {
  return current;
}

/**
 * Bytes this thread's TensorFlow.js holds: its tensors, or on wasm the whole heap (which
 * grows to the peak of a step and never shrinks), whichever is more.
 */
export function memoryBytes(): number {
  const tensors = tf.memory().numBytes;
  const heap = (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm?.HEAPU8?.byteLength ?? 0;
  return Math.max(tensors, heap);
}
