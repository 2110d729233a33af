/**
 * SeqLab's own wasm kernels (wasm/kernels.ts): both builds instantiated here on a memory of
 * their own, their activations held to the exact functions and their product to a float64
 * reference; the PyTorch parity fixtures under each build in a process of its own (a process
 * loads one build); and which build the engine picks, and why.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { initBackend, tf } from '../../engine';
import { allowRelaxedSimd, KERNEL_FILES, kernelsInfo, type KernelVariant } from '../../engine/core/seqlabKernels';

const DIST = path.join(__dirname, '..', '..', 'dist');
const ROOT = path.join(__dirname, '..', '..');

type Exports = {
  gemm(M: number, K: number, P: number, a: number, lda: number, b: number, ldb: number, x: number, ldx: number, c: number, ldc: number): void;
  gemmPacked(M: number, K: number, P: number, a: number, lda: number, aStep: number, packed: number, b: number, ldb: number, x: number, ldx: number, c: number, ldc: number): void;
  packPanels(K: number, P: number, b: number, ldb: number, packed: number): void;
  packPanelsT(K: number, P: number, bt: number, ldbt: number, packed: number): void;
  packedSize(K: number, P: number): number;
  activate(kind: number, input: number, out: number, n: number): void;
};

/** One build on a fresh 64 MiB memory, with a bump allocator over it. */
function instantiate(variant: KernelVariant) {
  const memory = new WebAssembly.Memory({ initial: 1024 });
  const bytes = fs.readFileSync(path.join(DIST, KERNEL_FILES[variant]));
  const k = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports as unknown as Exports;
  let top = 64; // the kernels must work at any address: start past 0 (the null pointer means "absent")
  const alloc = (values: ArrayLike<number> | number): { ptr: number; view: Float32Array } => {
    const n = typeof values === 'number' ? values : values.length;
    const ptr = top;
    top += n * 4; // back to back: a write past one buffer lands in the next (the guard after C sees it)
    const view = new Float32Array(memory.buffer, ptr, n);
    if (typeof values !== 'number') view.set(values);
    return { ptr, view };
  };
  return { k, memory, alloc, reset: () => { top = 64; new Uint8Array(memory.buffer).fill(0); } };
}

/** The ids of a wasm binary's sections (after the 8-byte header: id, LEB128 size, contents). */
function sectionIds(bytes: Uint8Array): number[] {
  const ids: number[] = [];
  let at = 8;
  while (at < bytes.length) {
    ids.push(bytes[at++]);
    let size = 0, shift = 0, byte: number;
    do { byte = bytes[at++]; size |= (byte & 0x7f) << shift; shift += 7; } while (byte & 0x80);
    at += size;
  }
  return ids;
}

const EXACT: Record<number, { name: string; f: (x: number) => number }> = {
  0: { name: 'tanh', f: Math.tanh },
  2: { name: 'sigmoid', f: (x) => 1 / (1 + Math.exp(-x)) },
};

/** Every float32 from -20 to 20 in steps of 2^-14 (655,361 values), and 40 decades of tails on each side. */
function activationInputs(): Float32Array {
  const values: number[] = [];
  for (let i = -20 * 16384; i <= 20 * 16384; i++) values.push(i / 16384);
  for (let e = -40; e <= 38; e += 0.01) values.push(10 ** e, -(10 ** e));
  values.push(Number.MAX_VALUE, -Number.MAX_VALUE, Infinity, -Infinity, 0, -0);
  return Float32Array.from(values);
}

for (const variant of ['simd', 'relaxed-simd'] as KernelVariant[]) {
  describe(`wasm kernels, ${variant} build`, () => {
    before(() => allowRelaxedSimd());

    it('tanh and sigmoid within 1e-6 of the exact functions over their range; exp within 2 float32 ulps', () => {
      const { k, alloc } = instantiate(variant);
      const xs = activationInputs();
      const input = alloc(xs);
      const out = alloc(xs.length);
      for (const kind of [0, 2]) {
        k.activate(kind, input.ptr, out.ptr, xs.length);
        let worst = 0, at = 0;
        for (let i = 0; i < xs.length; i++) {
          const err = Math.abs(out.view[i] - EXACT[kind].f(xs[i]));
          if (!(err <= worst)) [worst, at] = [err, xs[i]];
        }
        assert.ok(worst <= 1e-6, `${EXACT[kind].name}: error ${worst} at ${at}`);
      }
      k.activate(3, input.ptr, out.ptr, xs.length);
      let worstUlps = 0;
      for (let i = 0; i < xs.length; i++) {
        const exact = Math.fround(Math.exp(xs[i]));
        if (xs[i] < -87.3 || !Number.isFinite(exact) || exact === 0) continue; // the clamp's range: sigmoid's tails there are checked above
        const ulp = 2 ** (Math.floor(Math.log2(exact)) - 23);
        worstUlps = Math.max(worstUlps, Math.abs(out.view[i] - exact) / ulp);
      }
      assert.ok(worstUlps <= 2, `exp: ${worstUlps} ulps`);
      // NaN goes through as NaN (a diverged run must stay visibly diverged).
      const nan = alloc([NaN]);
      for (const kind of [0, 2]) {
        k.activate(kind, nan.ptr, out.ptr, 1);
        assert.ok(Number.isNaN(out.view[0]), EXACT[kind].name);
      }
    });

    it('tanh and sigmoid relative to their value in both tails, as the header promises (sigmoid down to float32\'s smallest normal, tanh near 0)', () => {
      const { k, alloc } = instantiate(variant);
      // Sigmoid's lower tail is e^x: a bound of 1e-6 absolute lets 0 pass for x < -14; relative to the value it does not.
      const xs = Float32Array.from([...Array.from({ length: 20001 }, (_, i) => -87 + i * (107 / 20000)), ...Array.from({ length: 300 }, (_, i) => -(10 ** (-30 + i * 0.1)))]);
      const input = alloc(xs);
      const out = alloc(xs.length);
      for (const kind of [0, 2]) {
        k.activate(kind, input.ptr, out.ptr, xs.length);
        let worst = 0, at = 0;
        for (let i = 0; i < xs.length; i++) {
          const exact = EXACT[kind].f(xs[i]);
          if (Math.abs(exact) < 1.1754944e-38) continue; // below float32's normals: checked in absolute terms above
          const rel = Math.abs(out.view[i] - exact) / Math.abs(exact);
          if (!(rel <= worst)) [worst, at] = [rel, xs[i]];
        }
        assert.ok(worst <= 1e-6, `${EXACT[kind].name}: relative error ${worst} at ${at}`);
      }
    });

    it('the product at the sizes training calls it: K up to 8,000, rows 16 to 2,048, several column blocks, and around every blocking boundary', () => {
      const { k, alloc, reset } = instantiate(variant);
      let seed = 11;
      const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
      // blockColumns = max(8, floor(4096 / K) * 8): the column blocks change at K = 4096 / n.
      const boundaries = [511, 512, 513, 1023, 1024, 1025, 2047, 2048, 2049, 4095, 4096, 4097].map((K) => [5, K, 3 * Math.max(8, Math.floor(4096 / K) * 8) + 5]);
      const shapes = [
        [16, 2048, 512], // a default run's weight gradient, A given transposed: (hidden x L*N) times (L*N x 4 hidden)
        [16, 2500, 96], // the head's gradient on an English vocabulary
        [20, 8000, 40], // a long reduction over several blocks
        [2048, 128, 96], // the head's logits: L*N rows
        [33, 128, 2409], // the Chinese vocabulary's head, a ragged row count
        ...boundaries,
      ];
      for (const [M, K, P] of shapes) {
        for (const mode of ['plain', 'packed', 'transposed'] as const) {
          reset();
          const a = alloc(Array.from({ length: M * K }, rand));
          const b = alloc(Array.from({ length: K * P }, rand));
          const c = alloc(M * P);
          const guard = alloc([1234.5]);
          if (mode === 'packed') {
            const panels = alloc(Math.max(1, k.packedSize(K, P)));
            k.packPanels(K, P, b.ptr, P, panels.ptr);
            k.gemmPacked(M, K, P, a.ptr, K, 1, panels.ptr, b.ptr, P, 0, P, c.ptr, P);
          } else if (mode === 'transposed') {
            const at = alloc(M * K);
            for (let i = 0; i < M; i++) for (let q = 0; q < K; q++) at.view[q * M + i] = a.view[i * K + q];
            const bt = alloc(K * P);
            for (let q = 0; q < K; q++) for (let j = 0; j < P; j++) bt.view[j * K + q] = b.view[q * P + j];
            const panels = alloc(Math.max(1, k.packedSize(K, P)));
            k.packPanelsT(K, P, bt.ptr, K, panels.ptr);
            k.gemmPacked(M, K, P, at.ptr, 1, M, panels.ptr, 0, P, 0, P, c.ptr, P);
          } else {
            k.gemm(M, K, P, a.ptr, K, b.ptr, P, 0, P, c.ptr, P);
          }
          let worst = 0, where = '';
          const s = new Float64Array(P), mag = new Float64Array(P);
          for (let i = 0; i < M; i++) {
            s.fill(0);
            mag.fill(0);
            for (let q = 0; q < K; q++) {
              const aiq = a.view[i * K + q];
              const row = q * P;
              for (let j = 0; j < P; j++) {
                const t = aiq * b.view[row + j];
                s[j] += t;
                mag[j] += Math.abs(t);
              }
            }
            for (let j = 0; j < P; j++) {
              // Float32 sums of K terms: an error relative to the sum of their magnitudes.
              const err = Math.abs(c.view[i * P + j] - s[j]) / (mag[j] * 1e-6 + 1e-6);
              if (!(err <= worst)) [worst, where] = [err, `C[${i}, ${j}] = ${c.view[i * P + j]}, expected ${s[j]}`];
            }
          }
          assert.ok(worst <= 1, `M ${M} K ${K} P ${P} ${mode}: ${where}`);
          assert.equal(guard.view[0], 1234.5, `M ${M} K ${K} P ${P} ${mode}: wrote past C`);
        }
      }
    });

    it('the product C = X + A B matches a float64 reference for every tail of the 4x8 tiles, in place, with a broadcast row, from packed panels, and from A and B given transposed', () => {
      const { k, alloc, reset } = instantiate(variant);
      let seed = 7;
      const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
      for (const M of [1, 2, 3, 4, 5, 9]) {
        for (const K of [1, 3, 16, 37]) {
          for (const P of [1, 3, 4, 7, 8, 12, 33, 45]) {
            for (const xMode of ['none', 'matrix', 'row', 'inPlace', 'packed', 'transposed'] as const) {
              reset();
              const a = alloc(Array.from({ length: M * K }, rand));
              const b = alloc(Array.from({ length: K * P }, rand));
              const x = alloc(Array.from({ length: xMode === 'row' ? P : M * P }, rand));
              const xCopy = Float64Array.from(x.view);
              const c = xMode === 'inPlace' ? x : alloc(M * P);
              const guard = alloc([1234.5]); // after C in the allocator: must stay as it is
              if (xMode === 'packed') {
                const panels = alloc(Math.max(1, k.packedSize(K, P)));
                k.packPanels(K, P, b.ptr, P, panels.ptr);
                k.gemmPacked(M, K, P, a.ptr, K, 1, panels.ptr, b.ptr, P, x.ptr, P, c.ptr, P);
              } else if (xMode === 'transposed') {
                // A stored as (K, M), B as (P, K): what tfjs's matMul hands over with transposeA and transposeB.
                const at = alloc(Array.from({ length: K * M }, (_, n) => a.view[(n % M) * K + Math.floor(n / M)]));
                const bt = alloc(Array.from({ length: P * K }, (_, n) => b.view[(n % K) * P + Math.floor(n / K)]));
                const panels = alloc(Math.max(1, k.packedSize(K, P)));
                k.packPanelsT(K, P, bt.ptr, K, panels.ptr);
                k.gemmPacked(M, K, P, at.ptr, 1, M, panels.ptr, 0, P, x.ptr, P, c.ptr, P);
              } else {
                k.gemm(M, K, P, a.ptr, K, b.ptr, P, xMode === 'none' ? 0 : x.ptr, xMode === 'row' ? 0 : P, c.ptr, P);
              }
              for (let i = 0; i < M; i++) {
                for (let j = 0; j < P; j++) {
                  let s = 0;
                  for (let q = 0; q < K; q++) s += a.view[i * K + q] * b.view[q * P + j];
                  if (xMode !== 'none') s += xCopy[xMode === 'row' ? j : i * P + j];
                  const tol = 1e-6 * (K + 1);
                  assert.ok(Math.abs(c.view[i * P + j] - s) <= tol, `M ${M} K ${K} P ${P} ${xMode}: C[${i}, ${j}] = ${c.view[i * P + j]}, expected ${s}`);
                }
              }
              assert.equal(guard.view[0], 1234.5, `M ${M} K ${K} P ${P} ${xMode}: wrote past C`);
            }
          }
        }
      }
    });
  });
}

describe('the engine and the wasm kernels', () => {
  it('loads a build on the wasm backend and says which and why; the relaxed one where the runtime has it', async () => {
    await initBackend('wasm');
    const info = kernelsInfo();
    const relaxedValid = WebAssembly.validate(fs.readFileSync(path.join(DIST, KERNEL_FILES['relaxed-simd'])));
    const wanted = process.env.SEQLAB_WASM_KERNELS;
    const expected = wanted === 'off' ? 'off' : wanted === 'simd' ? 'simd' : relaxedValid ? 'relaxed-simd' : 'simd';
    assert.equal(info.variant, expected, info.reason);
    assert.ok(info.reason.length > 0);
  });

  it('each build is a few KB and has no memory, data or imports of its own but TensorFlow.js\'s memory', () => {
    for (const file of Object.values(KERNEL_FILES)) {
      const bytes = fs.readFileSync(path.join(DIST, file));
      assert.ok(bytes.length < 32 * 1024, `${file}: ${bytes.length} bytes`);
      const module = new WebAssembly.Module(bytes);
      assert.deepEqual(WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}:${i.kind}`), ['env.memory:memory']);
      assert.ok(WebAssembly.Module.exports(module).every((e) => e.kind === 'function'), file);
      const ids = sectionIds(bytes);
      for (const [id, name] of [[5, 'memory'], [6, 'global'], [11, 'data']] as const) assert.ok(!ids.includes(id), `${file} has a ${name} section`);
    }
  });

  // A process loads one build, so each runs the parity suite in a process of its own.
  for (const [variant, env] of [['relaxed-simd', { SEQLAB_WASM_KERNELS: 'relaxed', SEQLAB_ALLOW_RELAXED_SIMD: '1' }], ['simd', { SEQLAB_WASM_KERNELS: 'simd' }]] as const) {
    it(`the PyTorch parity fixtures pass with the ${variant} build at the same tolerance (1e-5) as TensorFlow.js's kernels`, () => {
      // From source: the .ts through tsx. Bundled for another architecture (scripts/testArm64.sh):
      // the bundle beside this one, through the launcher that runs this Node (an emulator).
      const bundled = __filename.endsWith('.js');
      const [command, ...prefix] = process.env.SEQLAB_TEST_NODE?.split(' ') ?? [process.execPath];
      const args = bundled ? [path.join(__dirname, 'parity.test.js')] : ['--import', 'tsx', '--test', '--test-reporter=dot', path.join(__dirname, 'parity.test.ts')];
      const r = spawnSync(command, [...prefix, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } });
      assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    });
  }

  it('the kernels are used: a layer\'s forward and backward is two TensorFlow.js calls for the time loop, not ~24 per step', async (t) => {
    await initBackend('wasm');
    if (kernelsInfo().variant === 'off') return t.skip('SEQLAB_WASM_KERNELS=off: no kernels to count');
    const { LSTM } = await import('../../engine');
    const m = new LSTM({ inputSize: 3, hiddenSize: 8, seed: 1 });
    const x = tf.randomNormal([20, 2, 3]);
    const profile = await tf.profile(() => {
      const { grads } = tf.variableGrads(() => tf.sum(m.forward(x).output) as tf.Scalar);
      Object.values(grads).forEach((g) => g.dispose());
    });
    const names = profile.kernels.map((kk) => kk.name);
    assert.equal(names.filter((n) => n === 'SeqLabLstmSequence').length, 1);
    assert.equal(names.filter((n) => n === 'SeqLabLstmSequenceGrad').length, 1);
    assert.ok(names.length < 60, `${names.length} kernel calls for 20 steps: ${[...new Set(names)].join(', ')}`);
  });
});

describe('a normalised plain RNN in the wasm kernels', () => {
  type Config = { normalization: 'layer' | 'batch'; nonlinearity: 'tanh' | 'relu' | 'sigmoid'; numLayers: number; bidirectional: boolean; bias: boolean; lossOnLastState: boolean };
  const configs: Config[] = [
    { normalization: 'layer', nonlinearity: 'tanh', numLayers: 1, bidirectional: false, bias: true, lossOnLastState: true },
    { normalization: 'batch', nonlinearity: 'tanh', numLayers: 1, bidirectional: false, bias: true, lossOnLastState: true },
    { normalization: 'layer', nonlinearity: 'relu', numLayers: 2, bidirectional: true, bias: true, lossOnLastState: false },
    { normalization: 'batch', nonlinearity: 'sigmoid', numLayers: 2, bidirectional: true, bias: false, lossOnLastState: false },
    { normalization: 'batch', nonlinearity: 'tanh', numLayers: 1, bidirectional: false, bias: true, lossOnLastState: false },
    { normalization: 'batch', nonlinearity: 'sigmoid', numLayers: 1, bidirectional: false, bias: true, lossOnLastState: false },
    { normalization: 'batch', nonlinearity: 'tanh', numLayers: 1, bidirectional: false, bias: false, lossOnLastState: false },
    { normalization: 'batch', nonlinearity: 'tanh', numLayers: 1, bidirectional: true, bias: true, lossOnLastState: false },
    { normalization: 'batch', nonlinearity: 'tanh', numLayers: 2, bidirectional: false, bias: true, lossOnLastState: false },
  ];

  /** Output, h_n, every parameter's gradient and (batch norm) the running statistics after one training forward, as plain arrays. */
  async function measure(backend: 'wasm' | 'cpu', c: Config, H: number) {
    await initBackend(backend);
    const { RNN } = await import('../../engine');
    const m = new RNN({ inputSize: 3, hiddenSize: H, numLayers: c.numLayers, bidirectional: c.bidirectional, bias: c.bias, normalization: c.normalization, nonlinearity: c.nonlinearity, bnMaxSteps: 7, seed: 5 });
    // Batch norm's gain of 0.1 leaves h nearly the same across a small batch, and normalising a column that hardly
    // varies magnifies rounding: TensorFlow.js's own wasm and cpu paths then differ by 1e-4. Gain 1 tests the same code well conditioned.
    if (c.normalization === 'batch') m.loadStateDict(Object.fromEntries(Object.entries(m.stateDict()).map(([k, t]) => [k, /^bn_(ih|hh)_weight/.test(k) ? tf.onesLike(t) : t])));
    const L = 11, N = 16;
    const x = tf.tensor3d(Float32Array.from({ length: L * N * 3 }, (_, i) => Math.sin(i * 0.37) * 2), [L, N, 3]);
    const weights = tf.tensor3d(Float32Array.from({ length: L * N * H * (c.bidirectional ? 2 : 1) }, (_, i) => Math.cos(i * 0.11)), [L, N, H * (c.bidirectional ? 2 : 1)]);
    let output: number[] = [], hN: number[] = [];
    const { value, grads } = tf.variableGrads(() => {
      const r = m.forward(x);
      output = Array.from(r.output.dataSync());
      hN = Array.from(r.hN.dataSync());
      return (c.lossOnLastState ? tf.sum(tf.mul(r.hN, r.hN)) : tf.add(tf.sum(tf.mul(r.output, weights)), tf.sum(r.hN))) as tf.Scalar;
    }, m.parameters());
    const named = m.namedParameters();
    const gradients = Object.fromEntries(named.map(([name, v]) => [name, Array.from(grads[v.name].dataSync())]));
    const buffers = Object.fromEntries(Object.entries(m.stateDict()).filter(([k]) => k.includes('running')).map(([k, t]) => [k, Array.from(t.dataSync())]));
    const profile = await tf.profile(() => tf.tidy(() => m.forward(x).output));
    tf.dispose([x, weights, value, ...Object.values(grads)]);
    m.dispose();
    return { output, hN, gradients, buffers, kernels: profile.kernels.map((k) => k.name) };
  }

  /**
   * The largest difference relative to the reference tensor's scale. The tolerances are the float-order noise of the
   * computation itself: TensorFlow.js's own wasm and cpu paths (both step by step) differ from each other by as much
   * (measured for the batch-norm tanh case: gradients 3.8e-4 on a scale of 16-216, against the kernels' 4.0e-4).
   */
  const worstRelative = (a: number[], b: number[]) => {
    const scale = Math.max(1, ...b.map(Math.abs));
    return a.reduce((w, v, i) => Math.max(w, Math.abs(v - b[i]) / scale), 0);
  };

  for (const c of configs) {
    it(`equals the step-by-step path (TensorFlow.js ops, cpu): ${c.normalization} norm, ${c.nonlinearity}, ${c.numLayers} layer(s)${c.bidirectional ? ', bidirectional' : ''}${c.bias ? '' : ', no bias'}, loss on ${c.lossOnLastState ? 'h_n only' : 'every output'}`, async (t) => {
      await initBackend('wasm');
      if (kernelsInfo().variant === 'off') return t.skip('SEQLAB_WASM_KERNELS=off: no kernels to compare');
      const H = 9; // not a multiple of 4: the kernels' last columns go through lane 0
      const fast = await measure('wasm', c, H);
      const reference = await measure('cpu', c, H);
      await initBackend('wasm');
      assert.ok(fast.kernels.includes('SeqLabNormRnnSequence'), `the kernel ran: ${[...new Set(fast.kernels)].join(', ')}`);
      assert.ok(!reference.kernels.includes('SeqLabNormRnnSequence'));
      assert.ok(worstRelative(fast.output, reference.output) < 1e-5, `output ${worstRelative(fast.output, reference.output)}`);
      assert.ok(worstRelative(fast.hN, reference.hN) < 1e-5, `h_n ${worstRelative(fast.hN, reference.hN)}`);
      assert.deepEqual(Object.keys(fast.gradients).sort(), Object.keys(reference.gradients).sort());
      for (const [name, g] of Object.entries(reference.gradients)) {
        assert.ok(g.some((v) => v !== 0) || name.includes('bias'), `${name}: a gradient of zeros tests nothing`);
        const w = worstRelative(fast.gradients[name], g);
        assert.ok(w < 1e-4, `${name}: ${w}`);
      }
      assert.deepEqual(Object.keys(fast.buffers).sort(), Object.keys(reference.buffers).sort());
      for (const [name, b] of Object.entries(reference.buffers)) assert.ok(worstRelative(fast.buffers[name], b) < 1e-5, `${name}: ${worstRelative(fast.buffers[name], b)}`);
      if (c.normalization === 'batch') assert.ok(Object.keys(fast.buffers).length > 0);
    });
  }
});
