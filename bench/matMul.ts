// SeqLab's wasm GEMM (wasm/kernels.ts, the build this process loads) against XNNPACK's, on the
// products of `npm run bench`'s configurations (batch 32 x 64 steps = 2048 rows; hidden 256;
// vocabularies 96 and 2500), warm, median of 5, B packed in each call as the kernel does; and the
// largest difference between the two results. This decides MIN_ROWS_FOR_OWN_PRODUCT.
// Usage: node --import tsx bench/matMul.ts   (SEQLAB_ALLOW_RELAXED_SIMD=1 for the relaxed build on Node 20)
// CommonJS like the engine (an .mts would load the kernels' module a second time, apart from the backend's).
import { initBackend, tf } from '../engine/core/backend';
import { kernelsInfo, kernelExports } from '../engine/core/seqlabKernels';

async function main(): Promise<void> {
  await initBackend('wasm');
  const k = kernelExports();
  if (!k) throw new Error(`the kernels are not loaded: ${kernelsInfo().reason}`);
  const be = tf.backend() as unknown as { dataIdMap: { get(id: object): { memoryOffset: number } } };
  const at = (t: tf.Tensor) => be.dataIdMap.get(t.dataId).memoryOffset;
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  // XNNPACK's: the kernel this module replaced, kept by the backend as the original.
  const xnnpack = (a: tf.Tensor2D, b: tf.Tensor2D, transposeA: boolean) =>
    tf.engine().runKernel('SeqLabOriginalBatchMatMul', { a: a.expandDims(0), b: b.expandDims(0) }, { transposeA, transposeB: false }) as tf.Tensor;

  // [name, M, K, P, A given transposed (stored (K, M), as the weight gradients' products take it)]
  const shapes: Array<[string, number, number, number, boolean?]> = [
    ['head forward, V 2500', 2048, 256, 2500],
    ['head input gradient, V 2500', 2048, 2500, 256],
    ['head weight gradient, V 2500, chunk of 256 rows (A given transposed)', 2500, 256, 256, true],
    ['head forward, V 96', 2048, 256, 96],
    ['input projection, embed 64', 2048, 64, 1024],
    ['input gradient, embed 64', 2048, 1024, 64],
    ['W_ih gradient (A given transposed)', 64, 2048, 1024, true],
    ['W_hh gradient (A given transposed)', 256, 2048, 1024, true],
    ['layer 2 input projection', 2048, 256, 1024],
    ['one LSTM step, batch 32', 32, 256, 1024],
    ['one LSTM step, batch 1', 1, 256, 1024],
    ['one step of the experiments\' LSTM (batch 64, hidden 32)', 64, 32, 128],
  ];
  console.log(`kernels: ${kernelsInfo().variant} (${kernelsInfo().reason})`);
  console.log(['product', 'M x K x P', 'XNNPACK ms', 'SeqLab ms', 'x XNNPACK', 'GFLOP/s', 'max |difference|'].join('\t'));
  for (const [name, M, K, P, transposeA = false] of shapes) {
    const a = tf.randomNormal(transposeA ? [K, M] : [M, K], 0, 1, 'float32', 1) as tf.Tensor2D;
    const b = tf.randomNormal([K, P], 0, 1, 'float32', 2) as tf.Tensor2D;
    const c = tf.zeros([M, P]);
    const panels = tf.zeros([Math.max(1, k.packedSize(K, P))]);
    const ours = () => {
      k.packPanels(K, P, at(b), P, at(panels));
      k.gemmPacked(M, K, P, at(a), transposeA ? 1 : K, transposeA ? M : 1, at(panels), at(b), P, 0, 0, at(c), P);
    };
    const times = { xnn: [] as number[], own: [] as number[] };
    for (let round = 0; round < 6; round++) {
      let t0 = performance.now();
      tf.dispose(xnnpack(a, b, transposeA));
      const x = performance.now() - t0;
      t0 = performance.now();
      ours();
      const o = performance.now() - t0;
      if (round > 0) { times.xnn.push(x); times.own.push(o); } // the first round warms both up
    }
    const ref = xnnpack(a, b, transposeA).reshape([M, P]);
    const diff = tf.max(tf.abs(tf.sub(ref, c))).dataSync()[0];
    const [x, o] = [median(times.xnn), median(times.own)];
    console.log([name, `${M} x ${K} x ${P}${transposeA ? ', A^T' : ''}`, x.toFixed(3), o.toFixed(3), (x / o).toFixed(2), (2 * M * K * P / o / 1e6).toFixed(1), diff.toExponential(1)].join('\t'));
    tf.dispose([a, b, c, panels, ref]);
  }
}

void main();
