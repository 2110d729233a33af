/**
 * The gradient-flow playground's arithmetic: one recurrent layer (PyTorch's RNN, LSTM and
 * GRU cells, PyTorch's weight layout and gate order), unrolled over a random input sequence,
 * and the gradient of a loss at the last step sent back through it by hand. In float64 and
 * plain arrays, no TensorFlow.js: a whole picture is a few million multiply-adds, which
 * kernel launches would dominate, and float64 shows the mathematics down to 1e-300 where
 * float32 would stop at 1e-45.
 *
 * The loss is a fixed random projection of the last hidden state, L = u . h_T with |u| = 1,
 * so dL/dh_T has norm 1 and the curve shows how that 1 shrinks or grows on its way back.
 * With `layer` normalisation the recurrent term of every gate is normalised (no gain, no
 * bias: LayerNorm's initial affine is the identity), W_hk h -> LN(W_hk h), as Ba et al.
 * (2016) normalise the recurrent contributions.
 */
import { Random } from '../core/random';

export const FLOW_CELLS = ['rnn-tanh', 'rnn-sigmoid', 'rnn-relu', 'lstm', 'gru'] as const;
export type FlowCell = (typeof FLOW_CELLS)[number];
export const FLOW_INITS = ['uniform', 'orthogonal', 'identity'] as const;
export type FlowInit = (typeof FLOW_INITS)[number];

/** Features per input step: the inputs are random (N(0, inputScale^2)), only their scale matters here. */
export const FLOW_INPUT_SIZE = 16;
const LN_EPS = 1e-5; // torch.nn.LayerNorm's default

export interface FlowSettings {
  cell: FlowCell;
  hidden: number;
  seqLen: number;
  init: FlowInit;
  /** W_hh is multiplied by this after its initialisation. */
  gain: number;
  /** Added to the LSTM forget gate's bias (b_ih's forget block). */
  forgetBias: number;
  inputScale: number;
  normalization: 'none' | 'layer';
  seed: number;
}

export interface FlowWeights {
  /** Row-major, PyTorch's shapes: weight_ih (G*H, I), weight_hh (G*H, H), bias_ih and bias_hh (G*H). */
  weightIh: Float64Array; weightHh: Float64Array; biasIh: Float64Array; biasHh: Float64Array;
  /** Inputs (T, I) and the loss's projection u (H). */
  inputs: Float64Array; projection: Float64Array;
}

export const gatesOf = (cell: FlowCell) => (cell === 'lstm' ? 4 : cell === 'gru' ? 3 : 1);

function normal(rng: Random): number {
  // Box-Muller; 1 - next() keeps the logarithm finite.
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

/** Rows of an H x H block made orthonormal (modified Gram-Schmidt on Gaussian rows): torch.nn.init.orthogonal_'s distribution. */
function orthogonalBlock(h: number, rng: Random): Float64Array {
  const m = new Float64Array(h * h);
  for (let i = 0; i < m.length; i++) m[i] = normal(rng);
  for (let i = 0; i < h; i++) {
    const row = m.subarray(i * h, (i + 1) * h);
    for (let j = 0; j < i; j++) {
      const prev = m.subarray(j * h, (j + 1) * h);
      let dot = 0;
      for (let k = 0; k < h; k++) dot += row[k] * prev[k];
      for (let k = 0; k < h; k++) row[k] -= dot * prev[k];
    }
    let norm = 0;
    for (let k = 0; k < h; k++) norm += row[k] * row[k];
    norm = Math.sqrt(norm);
    for (let k = 0; k < h; k++) row[k] /= norm;
  }
  return m;
}

/** The layer's weights and the input sequence for `s`, drawn from its seed (PyTorch's U(-1/sqrt(H), 1/sqrt(H)) for every weight first). */
export function flowWeights(s: FlowSettings): FlowWeights {
  const rng = new Random(s.seed);
  const H = s.hidden;
  const G = gatesOf(s.cell);
  const k = 1 / Math.sqrt(H);
  const uniform = (n: number) => Float64Array.from({ length: n }, () => (2 * rng.next() - 1) * k);
  const weightIh = uniform(G * H * FLOW_INPUT_SIZE);
  let weightHh = uniform(G * H * H);
  const biasIh = uniform(G * H);
  const biasHh = uniform(G * H);
  if (s.init !== 'uniform') {
    weightHh = new Float64Array(G * H * H);
    for (let g = 0; g < G; g++) {
      const block = s.init === 'orthogonal' ? orthogonalBlock(H, rng) : Float64Array.from({ length: H * H }, (_, i) => (Math.floor(i / H) === i % H ? 1 : 0));
      weightHh.set(block, g * H * H);
    }
  }
  for (let i = 0; i < weightHh.length; i++) weightHh[i] *= s.gain;
  if (s.cell === 'lstm') for (let i = H; i < 2 * H; i++) biasIh[i] += s.forgetBias;
  const inputs = Float64Array.from({ length: s.seqLen * FLOW_INPUT_SIZE }, () => normal(rng) * s.inputScale);
  const projection = Float64Array.from({ length: H }, () => normal(rng));
  const norm = Math.hypot(...projection);
  for (let i = 0; i < H; i++) projection[i] /= norm;
  return { weightIh, weightHh, biasIh, biasHh, inputs, projection };
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** y += W[rows r0..r0+n) x, W row-major with `cols` columns. */
function matvec(w: Float64Array, r0: number, n: number, cols: number, x: ArrayLike<number>, y: Float64Array): void {
  for (let r = 0; r < n; r++) {
    let sum = 0;
    const o = (r0 + r) * cols;
    for (let c = 0; c < cols; c++) sum += w[o + c] * x[c];
    y[r] += sum;
  }
}

/** y += W[rows r0..r0+n)^T v. */
function matvecT(w: Float64Array, r0: number, n: number, cols: number, v: ArrayLike<number>, y: Float64Array): void {
  for (let r = 0; r < n; r++) {
    const a = v[r];
    if (a === 0) continue;
    const o = (r0 + r) * cols;
    for (let c = 0; c < cols; c++) y[c] += w[o + c] * a;
  }
}

/** One step as the forward pass left it: what the backward and forward-mode derivatives need. */
interface StepRecord {
  hPrev: Float64Array; cPrev?: Float64Array;
  /** Gate values after their nonlinearity, gate-major (G*H): RNN [h]; LSTM [i, f, g, o]; GRU [r, z, n]. */
  gates: Float64Array;
  /** Pre-activations, gate-major (the histogram's values). */
  pre: Float64Array;
  /** The recurrent term after normalisation (GRU's n needs LN(W_hn h) + b_hn); with LN: its normalised value and 1/sigma per gate. */
  rec: Float64Array; normed?: Float64Array; invSigma?: Float64Array;
  h: Float64Array; c?: Float64Array;
}

export interface FlowPass {
  settings: FlowSettings;
  weights: FlowWeights;
  steps: StepRecord[];
}

/** The forward pass from h0 = c0 = 0. */
export function flowForward(s: FlowSettings, weights = flowWeights(s)): FlowPass {
  const H = s.hidden;
  const G = gatesOf(s.cell);
  const I = FLOW_INPUT_SIZE;
  const { weightIh, weightHh, biasIh, biasHh, inputs } = weights;
  let h: Float64Array = new Float64Array(H);
  let c: Float64Array = new Float64Array(H);
  const steps: StepRecord[] = [];
  for (let t = 0; t < s.seqLen; t++) {
    const x = inputs.subarray(t * I, (t + 1) * I);
    const inPart = new Float64Array(G * H);
    matvec(weightIh, 0, G * H, I, x, inPart);
    const rec = new Float64Array(G * H);
    matvec(weightHh, 0, G * H, H, h, rec);
    let normed: Float64Array | undefined;
    let invSigma: Float64Array | undefined;
    if (s.normalization === 'layer') {
      normed = new Float64Array(G * H);
      invSigma = new Float64Array(G);
      for (let g = 0; g < G; g++) {
        let mean = 0;
        for (let j = 0; j < H; j++) mean += rec[g * H + j];
        mean /= H;
        let v = 0;
        for (let j = 0; j < H; j++) v += (rec[g * H + j] - mean) ** 2;
        invSigma[g] = 1 / Math.sqrt(v / H + LN_EPS);
        for (let j = 0; j < H; j++) normed[g * H + j] = (rec[g * H + j] - mean) * invSigma[g];
      }
    }
    const r = normed ?? rec; // the recurrent term each gate adds
    const pre = new Float64Array(G * H);
    const gates = new Float64Array(G * H);
    const hNew = new Float64Array(H);
    let cNew: Float64Array | undefined;
    if (s.cell === 'lstm') {
      cNew = new Float64Array(H);
      for (let q = 0; q < 4 * H; q++) pre[q] = inPart[q] + biasIh[q] + biasHh[q] + r[q];
      for (let j = 0; j < H; j++) {
        const i = (gates[j] = sigmoid(pre[j]));
        const f = (gates[H + j] = sigmoid(pre[H + j]));
        const gg = (gates[2 * H + j] = Math.tanh(pre[2 * H + j]));
        const o = (gates[3 * H + j] = sigmoid(pre[3 * H + j]));
        cNew[j] = f * c[j] + i * gg;
        hNew[j] = o * Math.tanh(cNew[j]);
      }
    } else if (s.cell === 'gru') {
      for (let j = 0; j < H; j++) {
        pre[j] = inPart[j] + biasIh[j] + r[j] + biasHh[j];
        pre[H + j] = inPart[H + j] + biasIh[H + j] + r[H + j] + biasHh[H + j];
        const rg = (gates[j] = sigmoid(pre[j]));
        const z = (gates[H + j] = sigmoid(pre[H + j]));
        pre[2 * H + j] = inPart[2 * H + j] + biasIh[2 * H + j] + rg * (r[2 * H + j] + biasHh[2 * H + j]);
        const n = (gates[2 * H + j] = Math.tanh(pre[2 * H + j]));
        hNew[j] = (1 - z) * n + z * h[j];
      }
    } else {
      for (let j = 0; j < H; j++) {
        const a = (pre[j] = inPart[j] + biasIh[j] + biasHh[j] + r[j]);
        hNew[j] = gates[j] = s.cell === 'rnn-tanh' ? Math.tanh(a) : s.cell === 'rnn-sigmoid' ? sigmoid(a) : Math.max(0, a);
      }
    }
    steps.push({ hPrev: h, cPrev: s.cell === 'lstm' ? c : undefined, gates, pre, rec: r, normed, invSigma, h: hNew, c: cNew });
    h = hNew;
    if (cNew) c = cNew;
  }
  return { settings: s, weights, steps };
}

/** Through LayerNorm's Jacobian (symmetric: the same for a forward and a backward product), per gate block, in place. */
function throughNorm(step: StepRecord, H: number, G: number, v: Float64Array): void {
  if (!step.normed) return;
  for (let g = 0; g < G; g++) {
    let mean = 0;
    let dot = 0;
    for (let j = 0; j < H; j++) {
      mean += v[g * H + j];
      dot += v[g * H + j] * step.normed[g * H + j];
    }
    mean /= H;
    dot /= H;
    for (let j = 0; j < H; j++) v[g * H + j] = step.invSigma![g] * (v[g * H + j] - mean - step.normed[g * H + j] * dot);
  }
}

const activationDerivative = (cell: FlowCell, a: number, out: number) => (cell === 'rnn-tanh' ? 1 - out * out : cell === 'rnn-sigmoid' ? out * (1 - out) : a > 0 ? 1 : 0);

/**
 * Backward through step t: from dL/dh_t (and dL/dc_t for the LSTM) to dL/dh_{t-1} (and
 * dL/dc_{t-1}); `recGrad`, when given, receives dL/d(W_hh h_{t-1}) (gate-major), for dL/dW_hh.
 * For the LSTM, `dc` is the whole gradient at c_t: what came along the cell state (gc) plus
 * what came down through h_t = o tanh(c_t).
 */
export function stepBackward(pass: FlowPass, t: number, gh: Float64Array, gc?: Float64Array, recGrad?: Float64Array): { gh: Float64Array; gc?: Float64Array; dc?: Float64Array } {
  const s = pass.settings;
  const H = s.hidden;
  const G = gatesOf(s.cell);
  const st = pass.steps[t];
  const dRec = recGrad ?? new Float64Array(G * H); // dL/d(recurrent term), then through LN
  dRec.fill(0);
  const ghPrev = new Float64Array(H);
  let gcPrev: Float64Array | undefined;
  let dcAll: Float64Array | undefined;
  const gt = st.gates;
  if (s.cell === 'lstm') {
    gcPrev = new Float64Array(H);
    dcAll = new Float64Array(H);
    for (let j = 0; j < H; j++) {
      const i = gt[j], f = gt[H + j], g = gt[2 * H + j], o = gt[3 * H + j];
      const tc = Math.tanh(st.c![j]);
      const dc = (gc ? gc[j] : 0) + gh[j] * o * (1 - tc * tc);
      dcAll[j] = dc;
      dRec[j] = dc * g * i * (1 - i);
      dRec[H + j] = dc * st.cPrev![j] * f * (1 - f);
      dRec[2 * H + j] = dc * i * (1 - g * g);
      dRec[3 * H + j] = gh[j] * tc * o * (1 - o);
      gcPrev[j] = dc * f;
    }
  } else if (s.cell === 'gru') {
    const bHh = pass.weights.biasHh;
    for (let j = 0; j < H; j++) {
      const r = gt[j], z = gt[H + j], n = gt[2 * H + j];
      const dn = gh[j] * (1 - z) * (1 - n * n);
      dRec[j] = dn * (st.rec[2 * H + j] + bHh[2 * H + j]) * r * (1 - r);
      dRec[H + j] = gh[j] * (st.hPrev[j] - n) * z * (1 - z);
      dRec[2 * H + j] = dn * r;
      ghPrev[j] = gh[j] * z;
    }
  } else {
    for (let j = 0; j < H; j++) dRec[j] = gh[j] * activationDerivative(s.cell, st.pre[j], gt[j]);
  }
  const throughLn = Float64Array.from(dRec);
  throughNorm(st, H, G, throughLn);
  matvecT(pass.weights.weightHh, 0, G * H, H, throughLn, ghPrev);
  if (recGrad) recGrad.set(throughLn);
  return { gh: ghPrev, gc: gcPrev, dc: dcAll };
}

/** Forward-mode: the step Jacobian d(h_t, c_t)/d(h_{t-1}, c_{t-1}) times (vh, vc). */
export function stepForward(pass: FlowPass, t: number, vh: Float64Array, vc?: Float64Array): { dh: Float64Array; dc?: Float64Array } {
  const s = pass.settings;
  const H = s.hidden;
  const G = gatesOf(s.cell);
  const st = pass.steps[t];
  const dRec = new Float64Array(G * H);
  matvec(pass.weights.weightHh, 0, G * H, H, vh, dRec);
  throughNorm(st, H, G, dRec);
  const dh = new Float64Array(H);
  const gt = st.gates;
  if (s.cell === 'lstm') {
    const dc = new Float64Array(H);
    for (let j = 0; j < H; j++) {
      const i = gt[j], f = gt[H + j], g = gt[2 * H + j], o = gt[3 * H + j];
      const di = i * (1 - i) * dRec[j], df = f * (1 - f) * dRec[H + j], dg = (1 - g * g) * dRec[2 * H + j], dO = o * (1 - o) * dRec[3 * H + j];
      dc[j] = df * st.cPrev![j] + f * (vc ? vc[j] : 0) + di * g + i * dg;
      const tc = Math.tanh(st.c![j]);
      dh[j] = dO * tc + o * (1 - tc * tc) * dc[j];
    }
    return { dh, dc };
  }
  if (s.cell === 'gru') {
    const bHh = pass.weights.biasHh;
    for (let j = 0; j < H; j++) {
      const r = gt[j], z = gt[H + j], n = gt[2 * H + j];
      const dr = r * (1 - r) * dRec[j], dz = z * (1 - z) * dRec[H + j];
      const dn = (1 - n * n) * (dr * (st.rec[2 * H + j] + bHh[2 * H + j]) + r * dRec[2 * H + j]);
      dh[j] = -dz * n + (1 - z) * dn + dz * st.hPrev[j] + z * vh[j];
    }
    return { dh };
  }
  for (let j = 0; j < H; j++) dh[j] = activationDerivative(s.cell, st.pre[j], gt[j]) * dRec[j];
  return { dh };
}

const norm2 = (...vs: Array<Float64Array | undefined>) => {
  // Scaled by the largest entry before squaring: no overflow or underflow on the way.
  let m = 0;
  for (const v of vs) if (v) for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]));
  if (m === 0 || !Number.isFinite(m)) return m;
  let sum = 0;
  for (const v of vs) if (v) for (let i = 0; i < v.length; i++) sum += (v[i] / m) ** 2;
  return m * Math.sqrt(sum);
};

/**
 * The largest eigenvalue of the symmetric tridiagonal matrix (diagonal `a`, off-diagonal `b`),
 * by bisection on Sturm sequence counts: exact to float64 in 100 halvings.
 */
function largestTridiagonalEigenvalue(a: number[], b: number[]): number {
  const m = a.length;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < m; i++) {
    const r = (i > 0 ? Math.abs(b[i - 1]) : 0) + (i < m - 1 ? Math.abs(b[i]) : 0);
    lo = Math.min(lo, a[i] - r);
    hi = Math.max(hi, a[i] + r);
  }
  // Eigenvalues below x: the negative pivots of T - xI's LDL^T.
  const below = (x: number) => {
    let count = 0;
    let d = 1;
    for (let i = 0; i < m; i++) {
      d = a[i] - x - (i > 0 ? (b[i - 1] * b[i - 1]) / d : 0);
      if (d === 0) d = -1e-300;
      if (d < 0) count++;
    }
    return count;
  };
  for (let k = 0; k < 100 && hi - lo > 1e-15 * Math.max(Math.abs(hi), Math.abs(lo), 1e-300); k++) {
    const mid = (lo + hi) / 2;
    if (below(mid) >= m) hi = mid;
    else lo = mid;
  }
  return (lo + hi) / 2;
}

const dot = (x: Float64Array, y: Float64Array) => {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += x[i] * y[i];
  return sum;
};

/**
 * The largest singular value of step t's Jacobian J (the LSTM's over its whole state, h and
 * c): the square root of J^T J's largest eigenvalue, by Lanczos with full
 * reorthogonalisation (J v and J^T u are one forward-mode and one backward step). Power
 * iteration was tried first: where the top singular values crowd together (an orthogonal
 * W_hh) it was 13% off after 40 iterations; Lanczos's `krylov` steps find the extreme one
 * (exactly once they span the state).
 */
export function stepJacobianNorm(pass: FlowPass, t: number, krylov = 20): number {
  const H = pass.settings.hidden;
  const lstm = pass.settings.cell === 'lstm';
  const n = lstm ? 2 * H : H;
  const apply = (v: Float64Array): Float64Array => {
    const { dh, dc } = stepForward(pass, t, v.subarray(0, H), lstm ? v.subarray(H) : undefined);
    const back = stepBackward(pass, t, dh, dc);
    const out = new Float64Array(n);
    out.set(back.gh);
    if (lstm && back.gc) out.set(back.gc, H);
    return out;
  };
  const rng = new Random(pass.settings.seed * 7919 + t);
  let q = Float64Array.from({ length: n }, () => normal(rng));
  const qNorm = Math.sqrt(dot(q, q));
  for (let i = 0; i < n; i++) q[i] /= qNorm;
  const basis: Float64Array[] = [];
  const alphas: number[] = [];
  const betas: number[] = [];
  // A small state is spanned whole (exact); a larger one gets `krylov` steps.
  const steps = n <= 48 ? n : Math.min(krylov, n);
  for (let j = 0; j < steps; j++) {
    basis.push(q);
    const w = apply(q);
    const alpha = dot(w, q);
    if (!Number.isFinite(alpha)) return Infinity;
    alphas.push(alpha);
    // Against every basis vector, twice: float64 Lanczos loses orthogonality otherwise.
    for (let pass2 = 0; pass2 < 2; pass2++) {
      for (const b of basis) {
        const c = dot(w, b);
        for (let i = 0; i < n; i++) w[i] -= c * b[i];
      }
    }
    const beta = Math.sqrt(dot(w, w));
    if (beta <= 1e-14 * Math.max(Math.abs(alpha), 1e-300)) break;
    if (j < steps - 1) betas.push(beta);
    q = w.map((v) => v / beta);
  }
  return Math.sqrt(Math.max(0, largestTridiagonalEigenvalue(alphas, betas.slice(0, alphas.length - 1))));
}

export interface FlowResult {
  /** ||dL/dh_{T-1-d}|| by distance d = 0..T-1 (d = 0: the last step, norm 1). */
  gradNorm: number[];
  /** |dL/dh_t| per unit, time-major (T x H). */
  perUnit: Float64Array;
  /** ||dL/dW_hh||_F (the update's size, which clipping bounds). */
  weightGradNorm: number;
  /** Steps at which the Jacobian's largest singular value was measured, and the values. */
  jacobianSteps: number[];
  jacobianNorm: number[];
  /**
   * The LSTM only, by distance like gradNorm: ||dL/dc_t||, and the part of it that rode the
   * conveyor belt alone, dL/dc_T times the forget gates f_{t+1} ... f_T (never through h).
   */
  cellGradNorm?: number[];
  beltGradNorm?: number[];
}

/** The backward pass from L = u . h_T, with dL/dW_hh accumulated; the step Jacobians' norms at up to `jacobianPoints` steps. */
export function flowBackward(pass: FlowPass, jacobianPoints = 40): FlowResult {
  const s = pass.settings;
  const H = s.hidden;
  const G = gatesOf(s.cell);
  const T = s.seqLen;
  const perUnit = new Float64Array(T * H);
  const gradNorm = new Array<number>(T);
  const weightGrad = new Float64Array(G * H * H);
  const recGrad = new Float64Array(G * H);
  let gh: Float64Array = Float64Array.from(pass.weights.projection);
  let gc: Float64Array | undefined = s.cell === 'lstm' ? new Float64Array(H) : undefined;
  const lstm = s.cell === 'lstm';
  const cellGradNorm = lstm ? new Array<number>(T) : undefined;
  const beltGradNorm = lstm ? new Array<number>(T) : undefined;
  let belt: Float64Array | undefined;
  for (let t = T - 1; t >= 0; t--) {
    gradNorm[T - 1 - t] = norm2(gh);
    for (let j = 0; j < H; j++) perUnit[t * H + j] = Math.abs(gh[j]);
    const back = stepBackward(pass, t, gh, gc, recGrad);
    if (lstm) {
      // The belt: dL/dc_T, then multiplied by each later step's forget gate on the way back.
      if (!belt) belt = Float64Array.from(back.dc!);
      else {
        const f = pass.steps[t + 1].gates;
        for (let j = 0; j < H; j++) belt[j] *= f[H + j];
      }
      cellGradNorm![T - 1 - t] = norm2(back.dc!);
      beltGradNorm![T - 1 - t] = norm2(belt);
    }
    const hPrev = pass.steps[t].hPrev;
    for (let r = 0; r < G * H; r++) {
      const a = recGrad[r];
      if (a === 0) continue;
      for (let c = 0; c < H; c++) weightGrad[r * H + c] += a * hPrev[c];
    }
    gh = back.gh;
    gc = back.gc;
  }
  const stride = Math.max(1, Math.ceil(T / jacobianPoints));
  const jacobianSteps: number[] = [];
  for (let t = 0; t < T; t += stride) jacobianSteps.push(t);
  const jacobianNorm = jacobianSteps.map((t) => stepJacobianNorm(pass, t));
  return { gradNorm, perUnit, weightGradNorm: norm2(weightGrad), jacobianSteps, jacobianNorm, ...(lstm ? { cellGradNorm, beltGradNorm } : {}) };
}
