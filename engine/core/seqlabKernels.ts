/**
 * SeqLab's own wasm kernels (source: `wasm/kernels.ts`, AssemblyScript, built by
 * `npm run build`), working in place in the wasm backend's memory: a recurrent layer's whole
 * time loop, forward or backward, in one TensorFlow.js kernel call; a packed GEMM for the 2-D
 * products (over `BatchMatMul` from 16 rows); the head's softmax cross-entropy in one pass.
 *
 * Two builds: `relaxed-simd` (the products' multiply-adds may fuse, where the hardware has FMA)
 * and `simd` (multiply, then add). The relaxed one is used where the runtime validates it: Node 22+
 * and Chromium-based hosts by default; Node 20 when the process turned the feature on
 * (`allowRelaxedSimd()`, which the CLI and the benchmark call). `SEQLAB_WASM_KERNELS` = `relaxed`,
 * `simd` or `off` chooses for tests and measurements.
 *
 * What differs between the two: only the matrix products' rounding (one rounding per
 * multiply-add where fused, two where not). A run repeats bit for bit on one machine and build;
 * between a machine with FMA and one without, the relaxed build's results differ in the last bits.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import { tf } from './tf';

export type KernelVariant = 'relaxed-simd' | 'simd';

export interface KernelsInfo {
  /** The build in use, or 'off' (not the wasm backend, switched off, or not found). */
  variant: KernelVariant | 'off';
  /** Why this one, for the log. */
  reason: string;
}

interface KernelExports {
  gemm(M: number, K: number, P: number, a: number, lda: number, b: number, ldb: number, x: number, ldx: number, c: number, ldc: number): void;
  packedSize(K: number, P: number): number;
  packPanels(K: number, P: number, b: number, ldb: number, packed: number): void;
  packPanelsT(K: number, P: number, bt: number, ldbt: number, packed: number): void;
  gemmPacked(M: number, K: number, P: number, a: number, lda: number, aStep: number, packed: number, b: number, ldb: number, x: number, ldx: number, c: number, ldc: number): void;
  activate(kind: number, input: number, out: number, n: number): void;
  softmaxCrossEntropy(rows: number, V: number, logits: number, targets: number, stats: number, delta: number, colSums: number): void;
  lstmForward(L: number, N: number, H: number, reverse: number, steps: number, whh: number, h0: number, c0: number,
    gates: number, hPrev: number, cPrev: number, tc: number, hs: number, hN: number, cN: number, packed: number): void;
  lstmBackward(L: number, N: number, H: number, reverse: number, gates: number, cPrev: number, tc: number, whh: number,
    dOut: number, dh: number, dc: number, dG: number, packed: number): void;
  gruForward(L: number, N: number, H: number, reverse: number, steps: number, whh: number, bhh: number, h0: number,
    gates: number, hPrev: number, hs: number, hN: number, packed: number): void;
  gruBackward(L: number, N: number, H: number, reverse: number, gates: number, hPrev: number, whh: number,
    dOut: number, dh: number, dGi: number, dGh: number, packed: number): void;
  rnnForward(L: number, N: number, H: number, reverse: number, kind: number, steps: number, whh: number, h0: number,
    hPrev: number, hs: number, hN: number, packed: number): void;
  rnnBackward(L: number, N: number, H: number, reverse: number, kind: number, hs: number, whh: number,
    dOut: number, dh: number, dA: number, packed: number): void;
  rnnNormForward(L: number, N: number, H: number, reverse: number, kind: number, byBatch: number, steps: number, whh: number,
    gain: number, bhh: number, h0: number, hPrev: number, xhat: number, stats: number, hs: number, hN: number, packed: number): void;
  rnnNormBackward(L: number, N: number, H: number, reverse: number, kind: number, byBatch: number, hs: number, xhat: number,
    stats: number, whh: number, gain: number, dOut: number, dh: number, dA: number, dB: number, packed: number): void;
}

type TensorInfo = { dataId: object; shape: number[]; dtype: tf.DataType };

interface WasmBackend {
  wasm: { asm: { memory: WebAssembly.Memory }; HEAPF32: Float32Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  disposeData(dataId: object): boolean;
}

export const KERNEL_FILES: Record<KernelVariant, string> = { 'relaxed-simd': 'seqlab-kernels-relaxed.wasm', simd: 'seqlab-kernels-simd.wasm' };

/** Kernel names registered with TensorFlow.js (wasm backend only). */
export const KERNEL = {
  lstmForward: 'SeqLabLstmSequence',
  lstmBackward: 'SeqLabLstmSequenceGrad',
  gruForward: 'SeqLabGruSequence',
  gruBackward: 'SeqLabGruSequenceGrad',
  rnnForward: 'SeqLabRnnSequence',
  rnnBackward: 'SeqLabRnnSequenceGrad',
  /** A plain RNN with its recurrent term layer- or batch-normalised (engine/nn/recurrent.ts). */
  rnnNormForward: 'SeqLabNormRnnSequence',
  rnnNormBackward: 'SeqLabNormRnnSequenceGrad',
  /** x + op(a) op(b), op transposing where asked; x absent, a row (broadcast) or a matrix. */
  gemm: 'SeqLabGemm',
  softmaxCrossEntropy: 'SeqLabSoftmaxCrossEntropy',
} as const;

export const ACTIVATION_KIND = { tanh: 0, relu: 1, sigmoid: 2 } as const;

/**
 * Lets this process compile relaxed-SIMD wasm on Node 20 (on by default from Node 22). The flag
 * is process-wide, so the worker threads see it too. Not called in an editor's extension host:
 * SeqLab does not change the V8 flags of a process it shares.
 */
export function allowRelaxedSimd(): void {
  if (Number(process.versions.node.split('.')[0]) < 22) v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  process.env.SEQLAB_ALLOW_RELAXED_SIMD = '1'; // worker threads inherit the environment and call this too
}

function kernelFolder(): string | undefined {
  const candidates = [__dirname, path.join(__dirname, '..', '..', 'dist')];
  return candidates.find((dir) => fs.existsSync(path.join(dir, KERNEL_FILES.simd)));
}

let exportsInUse: KernelExports | undefined;
let info: KernelsInfo = { variant: 'off', reason: 'not loaded (the wasm backend is not in use)' };

/** The kernels in use on this thread, and why. */
export function kernelsInfo(): KernelsInfo {
  return info;
}

/** True when the fused layers should call the recurrent kernels (the wasm backend, kernels loaded). */
export function seqlabKernelsActive(): boolean {
  return exportsInUse !== undefined && tf.getBackend() === 'wasm';
}

/** Runs one of SeqLab's kernels (KERNEL) on TensorFlow.js tensors; its outputs in the kernel's order. */
export function runKernel(name: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown> = {}): tf.Tensor[] {
  const out = tf.engine().runKernel(name, inputs as unknown as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap);
  return Array.isArray(out) ? out : [out];
}

/** The raw exports, for the tests of the activations and the product. */
export function kernelExports(): KernelExports | undefined {
  return exportsInUse;
}

/** Picks a build, instantiates it on the wasm backend's memory and registers the kernels. Idempotent. */
export function installSeqLabKernels(backend: WasmBackend): KernelsInfo {
  if (exportsInUse) return info;
  if (process.env.SEQLAB_ALLOW_RELAXED_SIMD === '1') allowRelaxedSimd();
  const wanted = process.env.SEQLAB_WASM_KERNELS;
  if (wanted === 'off') return (info = { variant: 'off', reason: 'SEQLAB_WASM_KERNELS=off' });
  const folder = kernelFolder();
  if (!folder) return (info = { variant: 'off', reason: `${KERNEL_FILES.simd} not found beside the bundle or in dist/ (run npm run build)` });
  const relaxedBytes = fs.readFileSync(path.join(folder, KERNEL_FILES['relaxed-simd']));
  const relaxedValid = WebAssembly.validate(relaxedBytes);
  let variant: KernelVariant;
  let reason: string;
  if (wanted === 'simd') [variant, reason] = ['simd', 'SEQLAB_WASM_KERNELS=simd'];
  else if (wanted === 'relaxed') {
    if (!relaxedValid) throw new Error('SEQLAB_WASM_KERNELS=relaxed, but this runtime has no relaxed SIMD (Node 20: run through the seqlab CLI, which turns it on)');
    [variant, reason] = ['relaxed-simd', 'SEQLAB_WASM_KERNELS=relaxed'];
  } else if (relaxedValid) [variant, reason] = ['relaxed-simd', 'the runtime has relaxed SIMD'];
  else [variant, reason] = ['simd', 'the runtime has no relaxed SIMD (Node 20 outside the CLI, or an older host)'];
  const bytes = variant === 'relaxed-simd' ? relaxedBytes : fs.readFileSync(path.join(folder, KERNEL_FILES.simd));
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory: backend.wasm.asm.memory } });
  exportsInUse = instance.exports as unknown as KernelExports;
  registerKernels(exportsInUse);
  info = { variant, reason };
  return info;
}

/**
 * Below this many rows of A, XNNPACK's product stays: the kernels' single-row path ran a (1, 256)
 * x (256, 1024) product at 0.35x XNNPACK's speed; from 32 rows they ran 1.1-1.56x (bench/matMul.ts).
 */
export const MIN_ROWS_FOR_OWN_PRODUCT = 16;

/**
 * TensorFlow.js's 2-D products (BatchMatMul with one batch, float32) through the kernels' GEMM
 * where it is faster (MIN_ROWS_FOR_OWN_PRODUCT), XNNPACK's otherwise. The plain SIMD build's
 * sums come out bit for bit as XNNPACK's (same order of operations: measured on every shape of
 * the benchmark); the relaxed build's may differ in the last bits where it fuses.
 */
function replaceMatMul(k: KernelExports): void {
  const original = tf.getKernel('BatchMatMul', 'wasm')!;
  tf.unregisterKernel('BatchMatMul', 'wasm');
  // XNNPACK's product stays callable under its own name, for bench/matMul.ts.
  tf.registerKernel({ ...original, kernelName: 'SeqLabOriginalBatchMatMul' });
  tf.registerKernel({
    ...original,
    kernelFunc: (args) => {
      const a = args.inputs.a as unknown as TensorInfo, b = args.inputs.b as unknown as TensorInfo;
      const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
      const oneBatch = a.shape.length === 3 && b.shape.length === 3 && a.shape[0] === 1 && b.shape[0] === 1;
      const M = transposeA ? a.shape[2] : a.shape[1];
      if (!oneBatch || a.dtype !== 'float32' || b.dtype !== 'float32' || M < MIN_ROWS_FOR_OWN_PRODUCT) return original.kernelFunc(args);
      const out = gemmInto(args.backend as unknown as WasmBackend, k, a, b, undefined, transposeA, transposeB);
      return { ...out, shape: [1, ...out.shape] } as unknown as tf.TensorInfo;
    },
  });
}

function register(kernelName: string, kernelFunc: (inputs: Record<string, TensorInfo>, attrs: Record<string, unknown>, backend: WasmBackend) => TensorInfo[]): void {
  tf.registerKernel({
    kernelName,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => kernelFunc(inputs as unknown as Record<string, TensorInfo>, (attrs ?? {}) as Record<string, unknown>, backend as unknown as WasmBackend) as unknown as tf.TensorInfo[],
  });
}

/** x + op(a) op(b) into a new (M, P) tensor: a's and b's panels and x's row stride as the GEMM takes them. */
function gemmInto(be: WasmBackend, k: KernelExports, a: TensorInfo, b: TensorInfo, x: TensorInfo | undefined, transposeA: boolean, transposeB: boolean): TensorInfo {
  const M = transposeA ? a.shape[a.shape.length - 1] : a.shape[a.shape.length - 2];
  const K = transposeA ? a.shape[a.shape.length - 2] : a.shape[a.shape.length - 1];
  const P = transposeB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1];
  const out = be.makeOutput([M, P], 'float32');
  const p = pointers(be);
  withScratch(be, k.packedSize(K, P), (packed) => {
    if (transposeB) k.packPanelsT(K, P, p(b), K, packed);
    else k.packPanels(K, P, p(b), P, packed);
    // A's element (i, k): row-major (M, K), or stored as (K, M) when transposed.
    const xRow = x === undefined ? 0 : x.shape.length === 1 ? 0 : P;
    k.gemmPacked(M, K, P, p(a), transposeA ? 1 : K, transposeA ? M : 1, packed, p(b), P, x === undefined ? 0 : p(x), xRow, p(out), P);
  });
  return out;
}

function registerKernels(k: KernelExports): void {
  replaceMatMul(k);

  register(KERNEL.gemm, ({ a, b, x }, { transposeA, transposeB }, be) => [gemmInto(be, k, a, b, x, transposeA === true, transposeB === true)]);

  register(KERNEL.softmaxCrossEntropy, ({ logits, targets }, { withDelta }, be) => {
    const [rows, V] = logits.shape;
    const stats = be.makeOutput([rows, 2], 'float32');
    const delta = withDelta ? be.makeOutput([rows, V], 'float32') : undefined;
    const colSums = withDelta ? be.makeOutput([V], 'float32') : undefined;
    const p = pointers(be);
    k.softmaxCrossEntropy(rows, V, p(logits), p(targets), p(stats), delta ? p(delta) : 0, colSums ? p(colSums) : 0);
    return delta && colSums ? [stats, delta, colSums] : [stats];
  });
  register(KERNEL.lstmForward, ({ steps, whh, h0, c0 }, { reverse }, be) => {
    const [L, N, G] = steps.shape, H = G / 4;
    const [gates, hPrev, cPrev, tc, hs] = [[L, N, G], [L, N, H], [L, N, H], [L, N, H], [L, N, H]].map((s) => be.makeOutput(s, 'float32'));
    const [hN, cN] = [be.makeOutput([N, H], 'float32'), be.makeOutput([N, H], 'float32')];
    const p = pointers(be);
    withPanels(be, k, H, G, (packed) => k.lstmForward(L, N, H, reverse ? 1 : 0, p(steps), p(whh), p(h0), p(c0), p(gates), p(hPrev), p(cPrev), p(tc), p(hs), p(hN), p(cN), packed));
    return [gates, hPrev, cPrev, tc, hs, hN, cN];
  });

  register(KERNEL.lstmBackward, ({ gates, cPrev, tc, whh, dOut, dhN, dcN }, { reverse, withOutputGrads }, be) => {
    const [L, N, G] = gates.shape, H = G / 4;
    const dG = be.makeOutput([L, N, G], 'float32');
    const dh = copyOf(be, dhN), dc = copyOf(be, dcN);
    const p = pointers(be);
    withPanels(be, k, G, H, (packed) => k.lstmBackward(L, N, H, reverse ? 1 : 0, p(gates), p(cPrev), p(tc), p(whh), withOutputGrads ? p(dOut) : 0, p(dh), p(dc), p(dG), packed));
    return [dG, dh, dc];
  });

  register(KERNEL.gruForward, ({ steps, whh, bhh, h0 }, { reverse }, be) => {
    const [L, N, G] = steps.shape, H = G / 3;
    const gates = be.makeOutput([L, N, 4 * H], 'float32');
    const [hPrev, hs] = [be.makeOutput([L, N, H], 'float32'), be.makeOutput([L, N, H], 'float32')];
    const hN = be.makeOutput([N, H], 'float32');
    const p = pointers(be);
    withPanels(be, k, H, G, (packed) => k.gruForward(L, N, H, reverse ? 1 : 0, p(steps), p(whh), p(bhh), p(h0), p(gates), p(hPrev), p(hs), p(hN), packed));
    return [gates, hPrev, hs, hN];
  });

  register(KERNEL.gruBackward, ({ gates, hPrev, whh, dOut, dhN }, { reverse, withOutputGrads }, be) => {
    const [L, N, G4] = gates.shape, H = G4 / 4;
    const [dGi, dGh] = [be.makeOutput([L, N, 3 * H], 'float32'), be.makeOutput([L, N, 3 * H], 'float32')];
    const dh = copyOf(be, dhN);
    const p = pointers(be);
    withPanels(be, k, 3 * H, H, (packed) => k.gruBackward(L, N, H, reverse ? 1 : 0, p(gates), p(hPrev), p(whh), withOutputGrads ? p(dOut) : 0, p(dh), p(dGi), p(dGh), packed));
    return [dGi, dGh, dh];
  });

  register(KERNEL.rnnForward, ({ steps, whh, h0 }, { reverse, kind }, be) => {
    const [L, N, H] = steps.shape;
    const [hPrev, hs] = [be.makeOutput([L, N, H], 'float32'), be.makeOutput([L, N, H], 'float32')];
    const hN = be.makeOutput([N, H], 'float32');
    const p = pointers(be);
    withPanels(be, k, H, H, (packed) => k.rnnForward(L, N, H, reverse ? 1 : 0, kind as number, p(steps), p(whh), p(h0), p(hPrev), p(hs), p(hN), packed));
    return [hPrev, hs, hN];
  });

  register(KERNEL.rnnBackward, ({ hs, whh, dOut, dhN }, { reverse, kind, withOutputGrads }, be) => {
    const [L, N, H] = hs.shape;
    const dA = be.makeOutput([L, N, H], 'float32');
    const dh = copyOf(be, dhN);
    const p = pointers(be);
    withPanels(be, k, H, H, (packed) => k.rnnBackward(L, N, H, reverse ? 1 : 0, kind as number, p(hs), p(whh), withOutputGrads ? p(dOut) : 0, p(dh), p(dA), packed));
    return [dA, dh];
  });

  // byBatch: 0 layer norm (statistics per row), 1 batch norm (per column, over the batch).
  register(KERNEL.rnnNormForward, ({ steps, whh, gain, bhh, h0 }, { reverse, kind, byBatch }, be) => {
    const [L, N, H] = steps.shape;
    const [hPrev, xhat, hs] = [0, 1, 2].map(() => be.makeOutput([L, N, H], 'float32'));
    const stats = be.makeOutput([L, 2, byBatch ? H : N], 'float32');
    const hN = be.makeOutput([N, H], 'float32');
    const p = pointers(be);
    withPanels(be, k, H, H, (packed) => k.rnnNormForward(L, N, H, reverse ? 1 : 0, kind as number, byBatch ? 1 : 0, p(steps), p(whh), p(gain), p(bhh), p(h0),
      p(hPrev), p(xhat), p(stats), p(hs), p(hN), packed));
    return [hPrev, xhat, stats, hs, hN];
  });

  register(KERNEL.rnnNormBackward, ({ hs, xhat, stats, whh, gain, dOut, dhN }, { reverse, kind, byBatch, withOutputGrads }, be) => {
    const [L, N, H] = hs.shape;
    const [dA, dB] = [be.makeOutput([L, N, H], 'float32'), be.makeOutput([L, N, H], 'float32')];
    const dh = copyOf(be, dhN);
    const p = pointers(be);
    withPanels(be, k, H, H, (packed) => k.rnnNormBackward(L, N, H, reverse ? 1 : 0, kind as number, byBatch ? 1 : 0, p(hs), p(xhat), p(stats), p(whh), p(gain),
      withOutputGrads ? p(dOut) : 0, p(dh), p(dA), p(dB), packed));
    return [dA, dB, dh];
  });
}

/**
 * Runs `call` with scratch space for W_hh's panels (K x P, see packPanels in wasm/kernels.ts),
 * taken from and returned to TensorFlow.js's allocator. At least one float: the kernels take
 * address 0 to mean "absent", and a matrix narrower than 8 columns packs nothing.
 */
function withPanels(be: WasmBackend, k: KernelExports, K: number, P: number, call: (packed: number) => void): void {
  withScratch(be, k.packedSize(K, P), call);
}

function withScratch(be: WasmBackend, floats: number, call: (at: number) => void): void {
  const scratch = be.makeOutput([Math.max(1, floats)], 'float32');
  try {
    call(be.dataIdMap.get(scratch.dataId).memoryOffset);
  } finally {
    be.disposeData(scratch.dataId);
  }
}

/** A tensor's byte offset in the wasm heap (fixed for its life: a growing heap keeps offsets). */
function pointers(be: WasmBackend): (t: TensorInfo) => number {
  return (t) => be.dataIdMap.get(t.dataId).memoryOffset;
}

function copyOf(be: WasmBackend, t: TensorInfo): TensorInfo {
  const out = be.makeOutput([...t.shape], 'float32');
  const heap = be.wasm.HEAPF32; // after makeOutput: a grown heap has a new view
  const from = be.dataIdMap.get(t.dataId).memoryOffset >> 2;
  const size = t.shape.reduce((a, b) => a * b, 1);
  heap.copyWithin(be.dataIdMap.get(out.dataId).memoryOffset >> 2, from, from + size);
  return out;
}
