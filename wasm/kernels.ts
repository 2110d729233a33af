// SeqLab's own wasm kernels (AssemblyScript): a whole recurrent layer's time loop in one call,
// forward and backward, for the LSTM, GRU and plain RNN cells; the packed GEMM they use, which
// also serves the engine's other 2-D products; the head's softmax cross-entropy.
//
// Why: on TensorFlow.js's wasm backend one LSTM time step is ~24 kernel calls of 4-10 us each,
// which is most of the time for the small models of the experiments; the recurrent product
// h @ W_hh^T, the gates and the state update here run in one call per sequence. The products over
// all time steps at once (input projection, weight gradients) are single calls of the GEMM.
//
// Memory: the module imports TensorFlow.js's own WebAssembly.Memory, and every pointer is the
// byte offset of a float32 tensor in it (row-major, contiguous), so nothing is copied. The
// module has no data, stack or heap of its own: it must never write outside the outputs given.
//
// Two builds of this one file (scripts/build.mjs): plain SIMD (multiply, then add) and relaxed
// SIMD, where the products' multiply-adds are `f32x4.relaxed_madd` (fused where the hardware has
// FMA). Only the matrix products differ between them; the elementwise work is the same.
//
// The equations and their order of operations are those of engine/nn/fused.ts.

// ---------------------------------------------------------------------------------------------
// Matrix product
// ---------------------------------------------------------------------------------------------

// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

// @ts-ignore: decorator
@inline function splatAt(p: usize): v128 {
  return v128.load32_splat(p);
}

// @ts-ignore: decorator
@inline function plusX(acc: v128, x: usize, offset: usize): v128 {
  return x ? f32x4.add(acc, v128.load(x + offset)) : acc;
}

/**
 * C = X + A @ B for A (M, K), B (K, P), X and C (M, P); strides in floats. X = 0: no X; a row
 * stride of 0 for X broadcasts one row (a bias). C may be X (every element of X is read before
 * the same element of C is written, and by the same tile only).
 *
 * Register tiles of 4 rows x 8 columns (8 accumulators: 16 vector registers on x64 hold them
 * with A's splats and B's two loads); single rows take 32 columns to keep 8 accumulators busy.
 * The sum over k runs in order, then X is added: the same order as tfjs's add(X, matMul(A, B)).
 */
export function gemm(M: i32, K: i32, P: i32, a: usize, lda: i32, b: usize, ldb: i32, x: usize, ldx: i32, c: usize, ldc: i32): void {
  gemmPacked(M, K, P, a, lda, 1, 0, b, ldb, x, ldx, c, ldc);
}

/**
 * B as panels of 8 columns: panel q holds B[k][8q .. 8q+8] for k = 0..K-1, contiguous (K * 8
 * floats), the last one padded with zeros; a tile then streams 32 bytes per k instead of
 * touching a new row of B (a (256, 2500) B read in place took 43 ms longer for its last 4
 * columns alone). A recurrent layer packs W_hh once per sequence and reuses it at every step.
 */
export function packPanels(K: i32, P: i32, b: usize, ldb: i32, packed: usize): void {
  const bRow = <usize>ldb << 2;
  let out = packed;
  for (let j = 0; j < P; j += 8) {
    let bp = b + (<usize>j << 2);
    const width = min(8, P - j);
    for (let k = 0; k < K; k++) {
      if (width == 8) {
        v128.store(out, v128.load(bp));
        v128.store(out, v128.load(bp, 16), 16);
      } else {
        for (let q = 0; q < 8; q++) store<f32>(out + (<usize>q << 2), q < width ? load<f32>(bp + (<usize>q << 2)) : 0);
      }
      out += 32;
      bp += bRow;
    }
  }
}

/** packPanels for B given transposed, as Bt (P, K) with row stride ldbt (tfjs's matMul with transposeB). */
export function packPanelsT(K: i32, P: i32, bt: usize, ldbt: i32, packed: usize): void {
  const btRow = <usize>ldbt << 2;
  let out = packed;
  for (let j = 0; j < P; j += 8) {
    const width = min(8, P - j);
    for (let k = 0; k < K; k++) {
      const col = bt + <usize>j * btRow + (<usize>k << 2);
      for (let q = 0; q < 8; q++) store<f32>(out + (<usize>q << 2), q < width ? load<f32>(col + <usize>q * btRow) : 0);
      out += 32;
    }
  }
}

/** Floats packPanels writes for a (K, P) matrix. */
export function packedSize(K: i32, P: i32): i32 {
  return K * ((P + 7) & ~7);
}

/** Lane q (0..7) of the pair (v0, v1): extract_lane takes constant indices only. */
function laneOf(v0: v128, v1: v128, q: i32): f32 {
  switch (q) {
    case 0: return f32x4.extract_lane(v0, 0);
    case 1: return f32x4.extract_lane(v0, 1);
    case 2: return f32x4.extract_lane(v0, 2);
    case 3: return f32x4.extract_lane(v0, 3);
    case 4: return f32x4.extract_lane(v1, 0);
    case 5: return f32x4.extract_lane(v1, 1);
    case 6: return f32x4.extract_lane(v1, 2);
    default: return f32x4.extract_lane(v1, 3);
  }
}

/** Stores 8 columns of a tile's row at c + o (plus X), or only the first `width` of them. */
// @ts-ignore: decorator
@inline function storeTile(c: usize, x: usize, o: usize, s0: v128, s1: v128, width: i32): void {
  if (width >= 8) {
    v128.store(c + o, plusX(s0, x, o));
    v128.store(c + o, plusX(s1, x, o + 16), 16);
  } else {
    for (let q = 0; q < width; q++) {
      const at = o + (<usize>q << 2);
      const v = laneOf(s0, s1, q);
      store<f32>(c + at, x ? v + load<f32>(x + at) : v);
    }
  }
}

/** Bytes of B's panels a column block holds: a quarter of a core's L2 cache (512 KiB here), A's rows beside them. */
const BLOCK_BYTES: i32 = 128 * 1024;

/**
 * gemm, with B's panels from packPanels at `packed` (0: read B in place). A's element (i, k) is
 * at a + 4 (i lda + k aStep): aStep 1 for A itself, lda 1 and aStep M for A given transposed.
 * Columns in blocks of BLOCK_BYTES of panels, reused by every 4-row tile of A while in cache.
 */
export function gemmPacked(M: i32, K: i32, P: i32, a: usize, lda: i32, aStep: i32, packed: usize, b: usize, ldb: i32, x: usize, ldx: i32, c: usize, ldc: i32): void {
  const aRow = <usize>lda << 2, aK = <usize>aStep << 2, bRow = <usize>ldb << 2, xRow = <usize>ldx << 2, cRow = <usize>ldc << 2;
  // Where the 8 columns from j start, and how far to step per k: a panel, or B itself.
  const panelBytes = <usize>K << 5;
  const kStep = packed ? <usize>32 : bRow;
  const zero = f32x4.splat(0);
  // Packed: every column in panels (the last padded); in place: the multiples of 8, then the rest.
  const M4 = M & ~3, P8 = packed ? (P + 7) & ~7 : P & ~7;
  const blockColumns = max(8, (BLOCK_BYTES / (K * 32)) * 8);
  for (let jb = 0; jb < P8; jb += blockColumns) {
    const jEnd = min(jb + blockColumns, P8);
    for (let i = 0; i < M4; i += 4) {
      const a0 = a + <usize>i * aRow, a1 = a0 + aRow, a2 = a1 + aRow, a3 = a2 + aRow;
      const x0 = x ? x + <usize>i * xRow : 0, x1 = x ? x0 + xRow : 0, x2 = x ? x1 + xRow : 0, x3 = x ? x2 + xRow : 0;
      const c0 = c + <usize>i * cRow, c1 = c0 + cRow, c2 = c1 + cRow, c3 = c2 + cRow;
      for (let j = jb; j < jEnd; j += 8) {
        let s00 = zero, s01 = zero, s10 = zero, s11 = zero, s20 = zero, s21 = zero, s30 = zero, s31 = zero;
        let bp = packed ? packed + <usize>(j >> 3) * panelBytes : b + (<usize>j << 2);
        for (let k = 0; k < K; k++) {
          const b0 = v128.load(bp), b1 = v128.load(bp, 16);
          const ka = <usize>k * aK;
          const v0 = splatAt(a0 + ka), v1 = splatAt(a1 + ka), v2 = splatAt(a2 + ka), v3 = splatAt(a3 + ka);
          s00 = madd(v0, b0, s00); s01 = madd(v0, b1, s01);
          s10 = madd(v1, b0, s10); s11 = madd(v1, b1, s11);
          s20 = madd(v2, b0, s20); s21 = madd(v2, b1, s21);
          s30 = madd(v3, b0, s30); s31 = madd(v3, b1, s31);
          bp += kStep;
        }
        const o = <usize>j << 2, width = P - j;
        storeTile(c0, x0, o, s00, s01, width); storeTile(c1, x1, o, s10, s11, width);
        storeTile(c2, x2, o, s20, s21, width); storeTile(c3, x3, o, s30, s31, width);
      }
    }
  }
  // In place only: the last P % 8 columns of the 4-row tiles.
  for (let i = 0; i < M4; i += 4) {
    const a0 = a + <usize>i * aRow, a1 = a0 + aRow, a2 = a1 + aRow, a3 = a2 + aRow;
    const x0 = x ? x + <usize>i * xRow : 0, x1 = x ? x0 + xRow : 0, x2 = x ? x1 + xRow : 0, x3 = x ? x2 + xRow : 0;
    const c0 = c + <usize>i * cRow, c1 = c0 + cRow, c2 = c1 + cRow, c3 = c2 + cRow;
    let j = P8;
    for (; j + 4 <= P; j += 4) {
      let s0 = zero, s1 = zero, s2 = zero, s3 = zero;
      let bp = b + (<usize>j << 2);
      for (let k = 0; k < K; k++) {
        const b0 = v128.load(bp);
        const ka = <usize>k * aK;
        s0 = madd(splatAt(a0 + ka), b0, s0); s1 = madd(splatAt(a1 + ka), b0, s1);
        s2 = madd(splatAt(a2 + ka), b0, s2); s3 = madd(splatAt(a3 + ka), b0, s3);
        bp += bRow;
      }
      const o = <usize>j << 2;
      v128.store(c0 + o, plusX(s0, x0, o)); v128.store(c1 + o, plusX(s1, x1, o));
      v128.store(c2 + o, plusX(s2, x2, o)); v128.store(c3 + o, plusX(s3, x3, o));
    }
    for (; j < P; j++) {
      scalarColumn(K, a0, aK, b, bRow, j, x0, c0);
      scalarColumn(K, a1, aK, b, bRow, j, x1, c1);
      scalarColumn(K, a2, aK, b, bRow, j, x2, c2);
      scalarColumn(K, a3, aK, b, bRow, j, x3, c3);
    }
  }
  for (let i = M4; i < M; i++) gemmRow(K, P, a + <usize>i * aRow, aK, packed, b, bRow, x ? x + <usize>i * xRow : 0, c + <usize>i * cRow);
}

/** One row of C (batch 1, or the rows left over from the 4-row tiles): 32 columns at a time. */
function gemmRow(K: i32, P: i32, a: usize, aK: usize, packed: usize, b: usize, bRow: usize, x: usize, c: usize): void {
  const zero = f32x4.splat(0);
  const panelBytes = <usize>K << 5;
  const kStep = packed ? <usize>32 : bRow;
  // The four 8-column groups of a 32-column tile: four panels apart, or 32 bytes apart in B.
  const group = packed ? panelBytes : <usize>32;
  let j = 0;
  for (; j + 32 <= P; j += 32) {
    let s0 = zero, s1 = zero, s2 = zero, s3 = zero, s4 = zero, s5 = zero, s6 = zero, s7 = zero;
    let bp = packed ? packed + <usize>(j >> 3) * panelBytes : b + (<usize>j << 2);
    for (let k = 0; k < K; k++) {
      const v = splatAt(a + <usize>k * aK);
      const g1 = bp + group, g2 = g1 + group, g3 = g2 + group;
      s0 = madd(v, v128.load(bp), s0); s1 = madd(v, v128.load(bp, 16), s1);
      s2 = madd(v, v128.load(g1), s2); s3 = madd(v, v128.load(g1, 16), s3);
      s4 = madd(v, v128.load(g2), s4); s5 = madd(v, v128.load(g2, 16), s5);
      s6 = madd(v, v128.load(g3), s6); s7 = madd(v, v128.load(g3, 16), s7);
      bp += kStep;
    }
    const o = <usize>j << 2;
    storeTile(c, x, o, s0, s1, 8); storeTile(c, x, o + 32, s2, s3, 8);
    storeTile(c, x, o + 64, s4, s5, 8); storeTile(c, x, o + 96, s6, s7, 8);
  }
  const P8 = packed ? (P + 7) & ~7 : P & ~7;
  for (; j < P8; j += 8) {
    let s0 = zero, s1 = zero;
    let bp = packed ? packed + <usize>(j >> 3) * panelBytes : b + (<usize>j << 2);
    for (let k = 0; k < K; k++) {
      const v = splatAt(a + <usize>k * aK);
      s0 = madd(v, v128.load(bp), s0); s1 = madd(v, v128.load(bp, 16), s1);
      bp += kStep;
    }
    storeTile(c, x, <usize>j << 2, s0, s1, P - j);
  }
  for (; j + 4 <= P; j += 4) {
    let s = zero;
    let bp = b + (<usize>j << 2);
    for (let k = 0; k < K; k++) {
      s = madd(splatAt(a + <usize>k * aK), v128.load(bp), s);
      bp += bRow;
    }
    const o = <usize>j << 2;
    v128.store(c + o, plusX(s, x, o));
  }
  for (; j < P; j++) scalarColumn(K, a, aK, b, bRow, j, x, c);
}

/** C[0, j] = X[0, j] + sum_k A[0, k] B[k, j], one element (columns past the last multiple of 4). */
function scalarColumn(K: i32, a: usize, aK: usize, b: usize, bRow: usize, j: i32, x: usize, c: usize): void {
  let s: f32 = 0;
  let bp = b + (<usize>j << 2);
  for (let k = 0; k < K; k++) {
    s += load<f32>(a + <usize>k * aK) * load<f32>(bp);
    bp += bRow;
  }
  const o = <usize>j << 2;
  store<f32>(c + o, x ? s + load<f32>(x + o) : s);
}

// ---------------------------------------------------------------------------------------------
// Activations, four lanes at a time (tests hold them within 1e-6 of the exact functions)
// ---------------------------------------------------------------------------------------------

/** exp(x): Cephes' expf (x = n ln 2 + r, a degree-6 polynomial in r, 2^n from the exponent bits). */
// @ts-ignore: decorator
@inline function expV(x: v128): v128 {
  x = f32x4.min(f32x4.max(x, f32x4.splat(-87.33654)), f32x4.splat(88.72283));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.44269504088896341)));
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.add(r, f32x4.mul(n, f32x4.splat(2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), f32x4.splat(1));
  // 2^n in two factors: n reaches 128 at the upper clamp, past the largest float exponent (127).
  const half = i32x4.shr_s(i32x4.trunc_sat_f32x4_s(n), 1);
  const rest = i32x4.sub(i32x4.trunc_sat_f32x4_s(n), half);
  const scaleA = i32x4.shl(i32x4.add(half, i32x4.splat(127)), 23);
  const scaleB = i32x4.shl(i32x4.add(rest, i32x4.splat(127)), 23);
  return f32x4.mul(f32x4.mul(p, scaleA), scaleB);
}

/** sigmoid(x) = 1 / (1 + exp(-x)): accurate relative to its value in both tails. */
// @ts-ignore: decorator
@inline function sigmoidV(x: v128): v128 {
  const one = f32x4.splat(1);
  return f32x4.div(one, f32x4.add(one, expV(f32x4.neg(x))));
}

/**
 * tanh(x): Eigen's rational approximation (degree 13 over degree 6), odd, exact to float32
 * rounding near 0; |x| clamped where tanh rounds to +-1 in float32.
 */
// @ts-ignore: decorator
@inline function tanhV(x: v128): v128 {
  const bound = f32x4.splat(7.90531110763549805);
  x = f32x4.min(f32x4.max(x, f32x4.neg(bound)), bound);
  const x2 = f32x4.mul(x, x);
  let p = f32x4.splat(-2.76076847742355e-16);
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(2.00018790482477e-13));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(-8.60467152213735e-11));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(5.12229709037114e-08));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(1.48572235717979e-05));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(6.37261928875436e-04));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(4.89352455891786e-03));
  p = f32x4.mul(p, x);
  let q = f32x4.splat(1.19825839466702e-06);
  q = f32x4.add(f32x4.mul(q, x2), f32x4.splat(1.18534705686654e-04));
  q = f32x4.add(f32x4.mul(q, x2), f32x4.splat(2.26843463243900e-03));
  q = f32x4.add(f32x4.mul(q, x2), f32x4.splat(4.89352518554385e-03));
  return f32x4.div(p, q);
}

/** The nonlinearity of a plain RNN: 0 tanh, 1 relu, 2 sigmoid. */
// @ts-ignore: decorator
@inline function activationV(kind: i32, x: v128): v128 {
  if (kind == 0) return tanhV(x);
  if (kind == 1) return f32x4.max(x, f32x4.splat(0));
  return sigmoidV(x);
}

/** Its derivative, from its output y. */
// @ts-ignore: decorator
@inline function activationGradV(kind: i32, y: v128): v128 {
  const one = f32x4.splat(1);
  if (kind == 0) return f32x4.sub(one, f32x4.mul(y, y));
  if (kind == 1) return v128.and(f32x4.gt(y, f32x4.splat(0)), one);
  return f32x4.mul(y, f32x4.sub(one, y));
}

/** For the tests: out[k] = f(in[k]) for n floats; f: 0 tanh, 1 relu, 2 sigmoid, 3 exp. */
export function activate(kind: i32, input: usize, out: usize, n: i32): void {
  for (let k = 0; k < n; k++) {
    const v = f32x4.splat(load<f32>(input + (<usize>k << 2)));
    const y = kind == 3 ? expV(v) : activationV(kind, v);
    store<f32>(out + (<usize>k << 2), f32x4.extract_lane(y, 0));
  }
}

// ---------------------------------------------------------------------------------------------
// Elementwise helpers: four columns at a time, the last H % 4 through lane 0 of the same code
// ---------------------------------------------------------------------------------------------

// A loop over columns steps by 4 and, past the last multiple of 4, by 1 (`j -= 3` after a
// partial column): `partial` loads and stores lane 0 only, so no byte past a row is touched.
// @ts-ignore: decorator
@inline function ld(p: usize, partial: bool): v128 {
  return partial ? f32x4.splat(load<f32>(p)) : v128.load(p);
}

// @ts-ignore: decorator
@inline function st(p: usize, v: v128, partial: bool): void {
  if (partial) store<f32>(p, f32x4.extract_lane(v, 0));
  else v128.store(p, v);
}

function copyRows(src: usize, dst: usize, floats: i32): void {
  memory.copy(dst, src, <usize>floats << 2);
}

/** dL/dh_t: what flows back from the step after t, plus the output's own gradient where there is one (dOut != 0). */
// @ts-ignore: decorator
@inline function hiddenGrad(dh: usize, dOut: usize, partial: bool): v128 {
  const back = ld(dh, partial);
  return dOut ? f32x4.add(back, ld(dOut, partial)) : back;
}

/** The time position handled at processing step s. */
// @ts-ignore: decorator
@inline function timeAt(s: i32, L: i32, reverse: i32): i32 {
  return reverse ? L - 1 - s : s;
}

// ---------------------------------------------------------------------------------------------
// LSTM
// ---------------------------------------------------------------------------------------------

/**
 * Forward over a sequence. steps (L, N, 4H): x_t W_ih^T + b_ih + b_hh; whh (4H, H) as stored
 * (its panels are packed from it transposed, so no transposed copy is made).
 * Writes, per time position t: gates (L, N, 4H) the activated i, f, g, o; hPrev, cPrev (L, N, H)
 * the states before t; tc (L, N, H) tanh(c_t); hs (L, N, H) h_t; and the final hN, cN (N, H).
 */
export function lstmForward(L: i32, N: i32, H: i32, reverse: i32, steps: usize, whh: usize, h0: usize, c0: usize,
  gates: usize, hPrev: usize, cPrev: usize, tc: usize, hs: usize, hN: usize, cN: usize, packed: usize): void {
  const G = 4 * H, NH = N * H;
  packPanelsT(H, G, whh, H, packed);
  const gRow = <usize>G << 2, hRow = <usize>H << 2, hBytes = hRow * <usize>N, gBytes = gRow * <usize>N;
  copyRows(c0, cN, NH); // cN holds the running c
  let h = h0;
  for (let s = 0; s < L; s++) {
    const t = <usize>timeAt(s, L, reverse);
    const gt = gates + t * gBytes, hp = hPrev + t * hBytes, cp = cPrev + t * hBytes, tct = tc + t * hBytes, ht = hs + t * hBytes;
    copyRows(h, hp, NH);
    copyRows(cN, cp, NH);
    gemmPacked(N, H, G, hp, H, 1, packed, 0, G, steps + t * gBytes, G, gt, G);
    for (let n = 0; n < N; n++) {
      const gr = gt + <usize>n * gRow, off = <usize>n * hRow;
      for (let j = 0; j < H; j += 4) {
        const partial = j + 4 > H;
        const o = <usize>j << 2;
        const i = sigmoidV(ld(gr + o, partial));
        const f = sigmoidV(ld(gr + hRow + o, partial));
        const g = tanhV(ld(gr + 2 * hRow + o, partial));
        const og = sigmoidV(ld(gr + 3 * hRow + o, partial));
        const c = f32x4.add(f32x4.mul(f, ld(cp + off + o, partial)), f32x4.mul(i, g));
        const tcv = tanhV(c);
        st(gr + o, i, partial); st(gr + hRow + o, f, partial); st(gr + 2 * hRow + o, g, partial); st(gr + 3 * hRow + o, og, partial);
        st(cN + off + o, c, partial);
        st(tct + off + o, tcv, partial);
        st(ht + off + o, f32x4.mul(og, tcv), partial);
        if (partial) { j -= 3; } // the tail goes one column at a time
      }
    }
    h = ht;
  }
  copyRows(h, hN, NH);
}

/**
 * Backward over a sequence, from the forward's gates, cPrev and tc; whh (4H, H). dOut (L, N, H)
 * the gradient of each output, or 0 when all are zero; dh, dc (N, H) hold dL/dh_n and dL/dc_n on
 * entry and dL/dh_0, dL/dc_0 on return. Writes dG (L, N, 4H): the gradient of the gates'
 * pre-activations, from which the caller forms the weight and input gradients in large products.
 */
export function lstmBackward(L: i32, N: i32, H: i32, reverse: i32, gates: usize, cPrev: usize, tc: usize, whh: usize,
  dOut: usize, dh: usize, dc: usize, dG: usize, packed: usize): void {
  const G = 4 * H;
  packPanels(G, H, whh, H, packed);
  const gRow = <usize>G << 2, hRow = <usize>H << 2, hBytes = hRow * <usize>N, gBytes = gRow * <usize>N;
  const one = f32x4.splat(1);
  for (let s = L - 1; s >= 0; s--) {
    const t = <usize>timeAt(s, L, reverse);
    const gt = gates + t * gBytes, dgt = dG + t * gBytes, cp = cPrev + t * hBytes, tct = tc + t * hBytes;
    for (let n = 0; n < N; n++) {
      const gr = gt + <usize>n * gRow, dgr = dgt + <usize>n * gRow, off = <usize>n * hRow;
      for (let j = 0; j < H; j += 4) {
        const partial = j + 4 > H;
        const o = <usize>j << 2;
        const dhT = hiddenGrad(dh + off + o, dOut ? dOut + t * hBytes + off + o : 0, partial);
        const i = ld(gr + o, partial), f = ld(gr + hRow + o, partial), g = ld(gr + 2 * hRow + o, partial), og = ld(gr + 3 * hRow + o, partial);
        const tcv = ld(tct + off + o, partial);
        const dcT = f32x4.add(ld(dc + off + o, partial), f32x4.mul(dhT, f32x4.mul(og, f32x4.sub(one, f32x4.mul(tcv, tcv)))));
        st(dgr + o, f32x4.mul(dcT, f32x4.mul(g, f32x4.mul(i, f32x4.sub(one, i)))), partial);
        st(dgr + hRow + o, f32x4.mul(dcT, f32x4.mul(ld(cp + off + o, partial), f32x4.mul(f, f32x4.sub(one, f)))), partial);
        st(dgr + 2 * hRow + o, f32x4.mul(dcT, f32x4.mul(i, f32x4.sub(one, f32x4.mul(g, g)))), partial);
        st(dgr + 3 * hRow + o, f32x4.mul(dhT, f32x4.mul(tcv, f32x4.mul(og, f32x4.sub(one, og)))), partial);
        st(dc + off + o, f32x4.mul(dcT, f), partial);
        if (partial) { j -= 3; }
      }
    }
    gemmPacked(N, G, H, dgt, G, 1, packed, whh, H, 0, 0, dh, H);
  }
}

// ---------------------------------------------------------------------------------------------
// GRU
// ---------------------------------------------------------------------------------------------

/**
 * Forward. steps (L, N, 3H): x_t W_ih^T + b_ih; whh (3H, H) as stored; bhh (3H). Writes gates (L, N, 4H)
 * holding r, z, n and h_(t-1) W_hn^T + b_hn; hPrev (L, N, H); hs (L, N, H); hN (N, H).
 */
export function gruForward(L: i32, N: i32, H: i32, reverse: i32, steps: usize, whh: usize, bhh: usize, h0: usize,
  gates: usize, hPrev: usize, hs: usize, hN: usize, packed: usize): void {
  const G = 3 * H, NH = N * H;
  packPanelsT(H, G, whh, H, packed);
  const sRow = <usize>G << 2, gRow = <usize>(4 * H) << 2, hRow = <usize>H << 2, hBytes = hRow * <usize>N;
  let h = h0;
  for (let s = 0; s < L; s++) {
    const t = <usize>timeAt(s, L, reverse);
    const st_ = steps + t * sRow * <usize>N, gt = gates + t * gRow * <usize>N, hp = hPrev + t * hBytes, ht = hs + t * hBytes;
    copyRows(h, hp, NH);
    // h W_hh^T + b_hh into the first 3H columns of each gates row, then replaced in place.
    gemmPacked(N, H, G, hp, H, 1, packed, 0, G, bhh, 0, gt, 4 * H);
    for (let n = 0; n < N; n++) {
      const gr = gt + <usize>n * gRow, sr = st_ + <usize>n * sRow, off = <usize>n * hRow;
      for (let j = 0; j < H; j += 4) {
        const partial = j + 4 > H;
        const o = <usize>j << 2;
        const r = sigmoidV(f32x4.add(ld(sr + o, partial), ld(gr + o, partial)));
        const z = sigmoidV(f32x4.add(ld(sr + hRow + o, partial), ld(gr + hRow + o, partial)));
        const hn = ld(gr + 2 * hRow + o, partial);
        const nn = tanhV(f32x4.add(ld(sr + 2 * hRow + o, partial), f32x4.mul(r, hn)));
        const hprev = ld(hp + off + o, partial);
        st(gr + o, r, partial); st(gr + hRow + o, z, partial); st(gr + 2 * hRow + o, nn, partial); st(gr + 3 * hRow + o, hn, partial);
        st(ht + off + o, f32x4.add(nn, f32x4.mul(z, f32x4.sub(hprev, nn))), partial);
        if (partial) { j -= 3; }
      }
    }
    h = ht;
  }
  copyRows(h, hN, NH);
}

/**
 * Backward. whh (3H, H); dh (N, H) dL/dh_n on entry, dL/dh_0 on return. Writes dGi and dGh
 * (L, N, 3H): the gradients of the input and hidden pre-activations (they differ in the n gate).
 */
export function gruBackward(L: i32, N: i32, H: i32, reverse: i32, gates: usize, hPrev: usize, whh: usize,
  dOut: usize, dh: usize, dGi: usize, dGh: usize, packed: usize): void {
  const G = 3 * H;
  packPanels(G, H, whh, H, packed);
  const dRow = <usize>G << 2, gRow = <usize>(4 * H) << 2, hRow = <usize>H << 2, hBytes = hRow * <usize>N;
  const one = f32x4.splat(1);
  for (let s = L - 1; s >= 0; s--) {
    const t = <usize>timeAt(s, L, reverse);
    const gt = gates + t * gRow * <usize>N, hp = hPrev + t * hBytes, dit = dGi + t * dRow * <usize>N, dht = dGh + t * dRow * <usize>N;
    for (let n = 0; n < N; n++) {
      const gr = gt + <usize>n * gRow, dir = dit + <usize>n * dRow, dhr = dht + <usize>n * dRow, off = <usize>n * hRow;
      for (let j = 0; j < H; j += 4) {
        const partial = j + 4 > H;
        const o = <usize>j << 2;
        const dhT = hiddenGrad(dh + off + o, dOut ? dOut + t * hBytes + off + o : 0, partial);
        const r = ld(gr + o, partial), z = ld(gr + hRow + o, partial), nn = ld(gr + 2 * hRow + o, partial), hn = ld(gr + 3 * hRow + o, partial);
        const dan = f32x4.mul(dhT, f32x4.mul(f32x4.sub(one, z), f32x4.sub(one, f32x4.mul(nn, nn))));
        const daz = f32x4.mul(dhT, f32x4.mul(f32x4.sub(ld(hp + off + o, partial), nn), f32x4.mul(z, f32x4.sub(one, z))));
        const dar = f32x4.mul(dan, f32x4.mul(hn, f32x4.mul(r, f32x4.sub(one, r))));
        st(dir + o, dar, partial); st(dir + hRow + o, daz, partial); st(dir + 2 * hRow + o, dan, partial);
        st(dhr + o, dar, partial); st(dhr + hRow + o, daz, partial); st(dhr + 2 * hRow + o, f32x4.mul(dan, r), partial);
        // dh's direct part, dh_t z; the product through W_hh is added to it below.
        st(dh + off + o, f32x4.mul(dhT, z), partial);
        if (partial) { j -= 3; }
      }
    }
    gemmPacked(N, G, H, dht, G, 1, packed, whh, H, dh, H, dh, H);
  }
}

// ---------------------------------------------------------------------------------------------
// Plain RNN
// ---------------------------------------------------------------------------------------------

/** Forward. steps (L, N, H) with both biases; whh (H, H) as stored; kind 0 tanh, 1 relu, 2 sigmoid. */
export function rnnForward(L: i32, N: i32, H: i32, reverse: i32, kind: i32, steps: usize, whh: usize, h0: usize,
  hPrev: usize, hs: usize, hN: usize, packed: usize): void {
  const NH = N * H;
  packPanelsT(H, H, whh, H, packed);
  const hRow = <usize>H << 2, hBytes = hRow * <usize>N;
  let h = h0;
  for (let s = 0; s < L; s++) {
    const t = <usize>timeAt(s, L, reverse);
    const hp = hPrev + t * hBytes, ht = hs + t * hBytes;
    copyRows(h, hp, NH);
    gemmPacked(N, H, H, hp, H, 1, packed, 0, H, steps + t * hBytes, H, ht, H);
    for (let n = 0; n < N; n++) {
      const row = ht + <usize>n * hRow;
      for (let j = 0; j < H; j += 4) {
        const partial = j + 4 > H;
        const o = <usize>j << 2;
        st(row + o, activationV(kind, ld(row + o, partial)), partial);
        if (partial) { j -= 3; }
      }
    }
    h = ht;
  }
  copyRows(h, hN, NH);
}

/** Backward. hs the forward's outputs; whh (H, H); dh (N, H) in and out as for the LSTM; writes dA (L, N, H). */
export function rnnBackward(L: i32, N: i32, H: i32, reverse: i32, kind: i32, hs: usize, whh: usize,
  dOut: usize, dh: usize, dA: usize, packed: usize): void {
  packPanels(H, H, whh, H, packed);
  const hRow = <usize>H << 2, hBytes = hRow * <usize>N;
  for (let s = L - 1; s >= 0; s--) {
    const t = <usize>timeAt(s, L, reverse);
    const ht = hs + t * hBytes, dat = dA + t * hBytes;
    for (let n = 0; n < N; n++) {
      const off = <usize>n * hRow;
      for (let j = 0; j < H; j += 4) {
        const partial = j + 4 > H;
        const o = <usize>j << 2;
        const dhT = hiddenGrad(dh + off + o, dOut ? dOut + t * hBytes + off + o : 0, partial);
        st(dat + off + o, f32x4.mul(dhT, activationGradV(kind, ld(ht + off + o, partial))), partial);
        if (partial) { j -= 3; }
      }
    }
    gemmPacked(N, H, H, dat, H, 1, packed, whh, H, 0, 0, dh, H);
  }
}

// ---------------------------------------------------------------------------------------------
// Normalised plain RNN: layer norm (over each row's units) or recurrent batch norm (over the batch)
// of the recurrent term W_hh h, as engine/nn/recurrent.ts defines them
// ---------------------------------------------------------------------------------------------

const NORM_EPS: f32 = 1e-5;

/**
 * Normalises the (N, H) matrix at v in place, by groups: each row over its H units (layer norm,
 * byBatch 0) or each column over the N rows of the batch (batch norm, byBatch 1). Writes each
 * group's mean at stats and its biased variance at stats + 4 groups: (v - mean) / sqrt(var + 1e-5).
 * The statistics and the division in float64: v - mean cancels where a group hardly varies, and
 * with float32 sums a layer-normalised ReLU RNN's gradients missed the PyTorch fixtures' tolerance
 * under the relaxed build's fused products (Node 22, 6x PyTorch's own float32 error; now within it).
 */
function normalizeGroups(N: i32, H: i32, byBatch: i32, v: usize, stats: usize): void {
  const groups = byBatch ? H : N, count = byBatch ? N : H;
  // Element e of group g is at v + 4 (g * gStep + e * eStep).
  const gStep = <usize>(byBatch ? 1 : H) << 2, eStep = <usize>(byBatch ? H : 1) << 2;
  const variances = stats + (<usize>groups << 2);
  for (let g = 0; g < groups; g++) {
    const at = v + <usize>g * gStep;
    let sum: f64 = 0;
    for (let e = 0; e < count; e++) sum += <f64>load<f32>(at + <usize>e * eStep);
    const mean = sum / <f64>count;
    let squares: f64 = 0;
    for (let e = 0; e < count; e++) {
      const d = <f64>load<f32>(at + <usize>e * eStep) - mean;
      squares += d * d;
    }
    const variance = squares / <f64>count;
    const std = sqrt<f64>(variance + <f64>NORM_EPS);
    for (let e = 0; e < count; e++) {
      const p = at + <usize>e * eStep;
      store<f32>(p, <f32>((<f64>load<f32>(p) - mean) / std));
    }
    store<f32>(stats + (<usize>g << 2), <f32>mean);
    store<f32>(variances + (<usize>g << 2), <f32>variance);
  }
}

/**
 * The gradient through normalizeGroups: for each group, with y the normalised values, dy the
 * gradient at them and s = sqrt(var + 1e-5), dv = (dy - mean(dy) - y mean(dy y)) / s (the batch
 * statistics are part of the function, as in PyTorch's training mode). Reads y at xhat and dy at
 * dv, and overwrites dv.
 */
function normalizeGroupsGrad(N: i32, H: i32, byBatch: i32, xhat: usize, dv: usize, stats: usize): void {
  const groups = byBatch ? H : N, count = byBatch ? N : H;
  const gStep = <usize>(byBatch ? 1 : H) << 2, eStep = <usize>(byBatch ? H : 1) << 2;
  const variances = stats + (<usize>groups << 2);
  for (let g = 0; g < groups; g++) {
    const y = xhat + <usize>g * gStep, d = dv + <usize>g * gStep;
    let sumD: f64 = 0, sumDy: f64 = 0;
    for (let e = 0; e < count; e++) {
      const o = <usize>e * eStep;
      const dy = <f64>load<f32>(d + o);
      sumD += dy;
      sumDy += dy * <f64>load<f32>(y + o);
    }
    const meanD = sumD / <f64>count, meanDy = sumDy / <f64>count;
    const std = sqrt<f64>(<f64>load<f32>(variances + (<usize>g << 2)) + <f64>NORM_EPS);
    for (let e = 0; e < count; e++) {
      const o = <usize>e * eStep;
      store<f32>(d + o, <f32>((<f64>load<f32>(d + o) - meanD - <f64>load<f32>(y + o) * meanDy) / std));
    }
  }
}

/**
 * A plain RNN layer with its recurrent term normalised, forward:
 *   h_t = act(steps_t + (norm(h_{t-1} W_hh^T) * gain + b_hh)),
 * steps (L, N, H) the input's part of each step (already normalised, plus b_ih); gain and bhh (H).
 * Writes hPrev (L, N, H) the state before each step, xhat (L, N, H) the normalised recurrent
 * term, stats (L, 2, groups) each step's means and biased variances (groups: N rows for layer
 * norm, H columns for batch norm), hs (L, N, H) and hN (N, H). Time order; reverse runs from L-1.
 */
export function rnnNormForward(L: i32, N: i32, H: i32, reverse: i32, kind: i32, byBatch: i32, steps: usize, whh: usize,
  gain: usize, bhh: usize, h0: usize, hPrev: usize, xhat: usize, stats: usize, hs: usize, hN: usize, packed: usize): void {
  const NH = N * H;
  packPanelsT(H, H, whh, H, packed);
  const hRow = <usize>H << 2, hBytes = hRow * <usize>N;
  const statBytes = <usize>(byBatch ? H : N) << 3;
  let h = h0;
  for (let s = 0; s < L; s++) {
    const t = <usize>timeAt(s, L, reverse);
    const hp = hPrev + t * hBytes, xt = xhat + t * hBytes, ht = hs + t * hBytes, at = steps + t * hBytes;
    copyRows(h, hp, NH);
    gemmPacked(N, H, H, hp, H, 1, packed, 0, H, 0, 0, xt, H);
    normalizeGroups(N, H, byBatch, xt, stats + t * statBytes);
    for (let n = 0; n < N; n++) {
      const off = <usize>n * hRow;
      for (let j = 0; j < H; j += 4) {
        const partial = j + 4 > H;
        const o = <usize>j << 2;
        const recurrent = f32x4.add(f32x4.mul(ld(xt + off + o, partial), ld(gain + o, partial)), ld(bhh + o, partial));
        st(ht + off + o, activationV(kind, f32x4.add(ld(at + off + o, partial), recurrent)), partial);
        if (partial) { j -= 3; }
      }
    }
    h = ht;
  }
  copyRows(h, hN, NH);
}

/**
 * Backward of rnnNormForward. dh (N, H) in: dL/dh_n; out: dL/dh_0. dOut (L, N, H) the outputs'
 * gradients, or 0 when all are zero. Writes dA (L, N, H), the gradient at each step's
 * pre-activation (= at steps; the caller sums dA for b_hh and dA * xhat for the gain), and dB
 * (L, N, H), the gradient at the raw recurrent term h_{t-1} W_hh^T (the caller forms dW_hh = dB^T hPrev).
 */
export function rnnNormBackward(L: i32, N: i32, H: i32, reverse: i32, kind: i32, byBatch: i32, hs: usize, xhat: usize,
  stats: usize, whh: usize, gain: usize, dOut: usize, dh: usize, dA: usize, dB: usize, packed: usize): void {
  packPanels(H, H, whh, H, packed);
  const hRow = <usize>H << 2, hBytes = hRow * <usize>N;
  const statBytes = <usize>(byBatch ? H : N) << 3;
  for (let s = L - 1; s >= 0; s--) {
    const t = <usize>timeAt(s, L, reverse);
    const ht = hs + t * hBytes, dat = dA + t * hBytes, dbt = dB + t * hBytes;
    for (let n = 0; n < N; n++) {
      const off = <usize>n * hRow;
      for (let j = 0; j < H; j += 4) {
        const partial = j + 4 > H;
        const o = <usize>j << 2;
        const da = f32x4.mul(hiddenGrad(dh + off + o, dOut ? dOut + t * hBytes + off + o : 0, partial), activationGradV(kind, ld(ht + off + o, partial)));
        st(dat + off + o, da, partial);
        st(dbt + off + o, f32x4.mul(da, ld(gain + o, partial)), partial);
        if (partial) { j -= 3; }
      }
    }
    normalizeGroupsGrad(N, H, byBatch, xhat + t * hBytes, dbt, stats + t * statBytes);
    gemmPacked(N, H, H, dbt, H, 1, packed, whh, H, 0, 0, dh, H);
  }
}

// ---------------------------------------------------------------------------------------------
// Softmax cross-entropy over a chunk of the head's logits
// ---------------------------------------------------------------------------------------------

/** The four lanes of v summed (in a fixed order: the same on every machine). */
// @ts-ignore: decorator
@inline function lanesSum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/**
 * For each row r of logits (rows, V) and its target t = targets[r] (int32): writes stats[r] =
 * (sum_j exp(l_j - m), m - l_t) with m the row's largest logit (the loss of the row is
 * log(stats[r][0]) + stats[r][1]; wasm has no log instruction, the caller takes it), and, with
 * `delta`, delta[r] = softmax(l) - onehot(t) and colSums = the sum of delta's rows (the bias's
 * gradient). One pass to find m, one for the exponentials, one for delta: where TensorFlow.js
 * made ~10 passes (max, subtract, exp, sum, one-hot, divide, subtract, transpose, sum).
 */
export function softmaxCrossEntropy(rows: i32, V: i32, logits: usize, targets: usize, stats: usize, delta: usize, colSums: usize): void {
  const rowBytes = <usize>V << 2;
  const V4 = V & ~3;
  if (delta) memory.fill(colSums, 0, rowBytes);
  for (let r = 0; r < rows; r++) {
    const row = logits + <usize>r * rowBytes;
    let mv = f32x4.splat(-Infinity);
    for (let j = 0; j < V4; j += 4) mv = f32x4.max(mv, v128.load(row + (<usize>j << 2)));
    let m = max(max(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)), max(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)));
    for (let j = V4; j < V; j++) m = max(m, load<f32>(row + (<usize>j << 2)));
    const ms = f32x4.splat(m);
    // The exponentials go into delta's row (or are only summed), the logits stay as they are.
    const out = delta ? delta + <usize>r * rowBytes : 0;
    let sv = f32x4.splat(0);
    for (let j = 0; j < V4; j += 4) {
      const e = expV(f32x4.sub(v128.load(row + (<usize>j << 2)), ms));
      if (out) v128.store(out + (<usize>j << 2), e);
      sv = f32x4.add(sv, e);
    }
    let s = lanesSum(sv);
    for (let j = V4; j < V; j++) {
      const e = f32x4.extract_lane(expV(f32x4.splat(load<f32>(row + (<usize>j << 2)) - m)), 0);
      if (out) store<f32>(out + (<usize>j << 2), e);
      s += e;
    }
    const t = load<i32>(targets + (<usize>r << 2));
    store<f32>(stats + (<usize>r << 3), s);
    store<f32>(stats + (<usize>r << 3), m - load<f32>(row + (<usize>t << 2)), 4);
    if (!out) continue;
    const sums = f32x4.splat(s);
    for (let j = 0; j < V4; j += 4) {
      const o = <usize>j << 2;
      const p = f32x4.div(v128.load(out + o), sums);
      v128.store(out + o, p);
    }
    for (let j = V4; j < V; j++) store<f32>(out + (<usize>j << 2), load<f32>(out + (<usize>j << 2)) / s);
    store<f32>(out + (<usize>t << 2), load<f32>(out + (<usize>t << 2)) - 1);
    for (let j = 0; j < V4; j += 4) {
      const o = <usize>j << 2;
      v128.store(colSums + o, f32x4.add(v128.load(colSums + o), v128.load(out + o)));
    }
    for (let j = V4; j < V; j++) store<f32>(colSums + (<usize>j << 2), load<f32>(colSums + (<usize>j << 2)) + load<f32>(out + (<usize>j << 2)));
  }
}
