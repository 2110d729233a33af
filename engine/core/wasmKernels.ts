/**
 * Replacements for a few kernels of `@tensorflow/tfjs-backend-wasm` 4.22, registered
 * over the originals when the wasm backend is in use.
 *
 * Why: its `Slice` (which `SplitV` and `Unpack` call per output) first copies the whole
 * input out of the wasm heap with `readSync`, so taking one (32, 1024) row block of a
 * (2048, 1024) tensor costs 2.9 ms and unstacking 64 steps costs 160 ms; and its 2-D
 * `Transpose` runs at 4-10 ns per element. These versions read the heap in place and
 * transpose in cache-sized blocks. Same results, bit for bit: they only move numbers.
 */
import { tf } from './tf';

type TensorInfo = { dataId: object; shape: number[]; dtype: tf.DataType };

interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

function sliceInPlace(backend: WasmBackend, x: TensorInfo, begin: number[], size: number[]): TensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  // Views only after makeOutput: growing the heap detaches earlier views.
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  const rank = x.shape.length;
  const strides = new Array<number>(rank);
  strides[rank - 1] = 1;
  for (let d = rank - 2; d >= 0; d--) strides[d] = strides[d + 1] * x.shape[d + 1];
  // Copy runs of the innermost contiguous extent: the trailing dims taken whole.
  let inner = rank - 1;
  while (inner > 0 && begin[inner] === 0 && size[inner] === x.shape[inner]) inner--;
  const runLength = size.slice(inner).reduce((a, b) => a * b, 1);
  const outer = size.slice(0, inner);
  const count = outer.reduce((a, b) => a * b, 1);
  const index = new Array<number>(inner).fill(0);
  let offset = 0;
  for (let o = 0; o < count; o++) {
    let start = begin[inner] * strides[inner];
    for (let d = 0; d < inner; d++) start += (begin[d] + index[d]) * strides[d];
    dst.set(src.subarray(start, start + runLength), offset);
    offset += runLength;
    for (let d = inner - 1; d >= 0; d--) {
      if (++index[d] < outer[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

function normaliseSlice(x: TensorInfo, begin: number | number[], size?: number | number[]): [number[], number[]] {
  const rank = x.shape.length;
  const b = typeof begin === 'number' ? [begin, ...new Array(rank - 1).fill(0)] : [...begin, ...new Array(rank - begin.length).fill(0)];
  const s = size === undefined ? new Array(rank).fill(-1) : typeof size === 'number' ? [size, ...new Array(rank - 1).fill(-1)] : [...size, ...new Array(rank - size.length).fill(-1)];
  return [b, s.map((v, d) => (v === -1 ? x.shape[d] - b[d] : v))];
}

/** Block size for the transpose: 32 x 32 floats = 4 KiB per tile side. */
const TILE = 32;

function transpose2d(src: ArrayLike<number>, dst: { [i: number]: number }, rows: number, cols: number, srcBase: number, dstBase: number): void {
  if (rows < 512) {
    // Few rows: read the source row by row (measured faster up to 256 rows: 0.40 against 0.86 ms for 256 x 1024).
    for (let r0 = 0; r0 < rows; r0 += TILE) {
      const r1 = Math.min(r0 + TILE, rows);
      for (let c0 = 0; c0 < cols; c0 += TILE) {
        const c1 = Math.min(c0 + TILE, cols);
        for (let r = r0; r < r1; r++) {
          const rowBase = srcBase + r * cols;
          for (let c = c0; c < c1; c++) dst[dstBase + c * rows + r] = src[rowBase + c];
        }
      }
    }
    return;
  }
  // Many rows: write the destination row by row (2048 x 2500: 14 against 29 ms; 2048 x 1024: 6.4 against 11.5).
  for (let r0 = 0; r0 < rows; r0 += TILE) {
    const r1 = Math.min(r0 + TILE, rows);
    for (let c0 = 0; c0 < cols; c0 += TILE) {
      const c1 = Math.min(c0 + TILE, cols);
      for (let c = c0; c < c1; c++) {
        const outBase = dstBase + c * rows;
        for (let r = r0; r < r1; r++) dst[outBase + r] = src[srcBase + r * cols + c];
      }
    }
  }
}

let installed = false;

/** Registers the replacements; call once the wasm backend is registered. Idempotent. */
export function installWasmKernels(): void {
  if (installed) return;
  installed = true;
  const replace = (kernelName: string, kernelFunc: tf.KernelFunc) => {
    const original = tf.getKernel(kernelName, 'wasm');
    tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc, setupFunc: original?.setupFunc, disposeFunc: original?.disposeFunc });
    return original;
  };

  replace('Slice', ({ inputs, attrs, backend }) => {
    const x = inputs.x as unknown as TensorInfo;
    const [b, s] = normaliseSlice(x, attrs!.begin as number[], attrs!.size as number[]);
    return sliceInPlace(backend as unknown as WasmBackend, x, b, s) as unknown as tf.TensorInfo;
  });

  replace('SplitV', ({ inputs, attrs, backend }) => {
    const x = inputs.x as unknown as TensorInfo;
    const axis = tf.util.parseAxisParam(attrs!.axis as number, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(x as unknown as tf.Tensor, attrs!.numOrSizeSplits as number[], axis) as number[];
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((s) => {
      const size = [...x.shape];
      size[axis] = s;
      const out = sliceInPlace(backend as unknown as WasmBackend, x, [...begin], size);
      begin[axis] += s;
      return out as unknown as tf.TensorInfo;
    });
  });

  replace('Unpack', ({ inputs, attrs, backend }) => {
    const x = inputs.value as unknown as TensorInfo;
    let axis = attrs!.axis as number;
    if (axis < 0) axis += x.shape.length;
    const outShape = x.shape.filter((_, d) => d !== axis);
    const size = [...x.shape];
    size[axis] = 1;
    return Array.from({ length: x.shape[axis] }, (_, i) => {
      const begin = new Array<number>(x.shape.length).fill(0);
      begin[axis] = i;
      const out = sliceInPlace(backend as unknown as WasmBackend, x, begin, size);
      return { ...out, shape: outShape } as unknown as tf.TensorInfo;
    });
  });

  const originalTranspose = tf.getKernel('Transpose', 'wasm')!;
  replace('Transpose', (args) => {
    const x = args.inputs.x as unknown as TensorInfo;
    const perm = args.attrs!.perm as number[];
    // Batched 2-D transposes: (B, R, C) -> (B, C, R), and plain (R, C) -> (C, R).
    const rank = x.shape.length;
    const isLastTwoSwap = rank >= 2 && perm[rank - 1] === rank - 2 && perm[rank - 2] === rank - 1 && perm.slice(0, rank - 2).every((p, i) => p === i);
    if (!isLastTwoSwap || x.dtype === 'string') return originalTranspose.kernelFunc(args);
    const backend = args.backend as unknown as WasmBackend;
    const outShape = perm.map((p) => x.shape[p]);
    const out = backend.makeOutput(outShape, x.dtype);
    const src = backend.typedArrayFromHeap(x);
    const dst = backend.typedArrayFromHeap(out);
    const rows = x.shape[rank - 2];
    const cols = x.shape[rank - 1];
    const batches = x.shape.slice(0, rank - 2).reduce((a, b) => a * b, 1);
    for (let b = 0; b < batches; b++) transpose2d(src, dst, rows, cols, b * rows * cols, b * rows * cols);
    return out as unknown as tf.TensorInfo;
  });
}
