/**
 * Small exact measurements on one recurrent cell, for statements of the chapter that need no
 * training: what the GRU's gates do when forced, what a random initial state does to an LSTM's
 * outputs, whether a bidirectional model's loss couples its two directions, where ReLU's
 * derivative is 0. Float64, plain arrays, PyTorch's weight layout, gate order and
 * initialisation (the weights come from gradientFlowMath's flowWeights, whose arithmetic is
 * checked against PyTorch); each takes milliseconds, so the chapter check computes them
 * itself (no experiment run, nothing cached) and engine/chapter/claims.ts judges them.
 */
import { Random } from '../core/random';
import { flowForward, flowWeights, FLOW_INPUT_SIZE, type FlowCell, type FlowWeights } from './gradientFlowMath';

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};
const maxAbs = (a: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
};
function normal(rng: Random): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

/** PyTorch's weights for one layer of `cell` at its initialisation (U(-1/sqrt(H), 1/sqrt(H))), with `steps` random inputs. */
const weightsOf = (cell: FlowCell, hidden: number, steps: number, seed: number): FlowWeights =>
  flowWeights({ cell, hidden, seqLen: steps, init: 'uniform', gain: 1, forgetBias: 0, inputScale: 1, normalization: 'none', seed });

/** W[rows r0..r0+n) x + b[r0..r0+n), W row-major with `cols` columns. */
function affine(w: Float64Array, b: Float64Array, r0: number, n: number, cols: number, x: ArrayLike<number>): Float64Array {
  const y = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let sum = b[r0 + r];
    for (let c = 0; c < cols; c++) sum += w[(r0 + r) * cols + c] * x[c];
    y[r] = sum;
  }
  return y;
}

/** One step of PyTorch's GRU, h' = (1 - z) n + z h with n = tanh(W_in x + b_in + r (W_hn h + b_hn)); a gate given in `force` replaces its computed value. */
export function gruStep(w: FlowWeights, H: number, x: ArrayLike<number>, h: ArrayLike<number>, force: { r?: number; z?: number } = {}) {
  const I = x.length;
  const gi = (k: number) => affine(w.weightIh, w.biasIh, k * H, H, I, x);
  const gh = (k: number) => affine(w.weightHh, w.biasHh, k * H, H, H, h);
  const [ir, iz, inn] = [gi(0), gi(1), gi(2)];
  const [hr, hz, hn] = [gh(0), gh(1), gh(2)];
  const r = Float64Array.from({ length: H }, (_, j) => force.r ?? sigmoid(ir[j] + hr[j]));
  const z = Float64Array.from({ length: H }, (_, j) => force.z ?? sigmoid(iz[j] + hz[j]));
  const n = Float64Array.from({ length: H }, (_, j) => Math.tanh(inn[j] + r[j] * hn[j]));
  const next = Float64Array.from({ length: H }, (_, j) => (1 - z[j]) * n[j] + z[j] * h[j]);
  return { r, z, n, h: next };
}

/** One step of PyTorch's LSTM (gates i, f, g, o). */
function lstmStep(w: FlowWeights, H: number, x: ArrayLike<number>, h: ArrayLike<number>, c: ArrayLike<number>) {
  const pre = affine(w.weightIh, w.biasIh, 0, 4 * H, x.length, x);
  const rec = affine(w.weightHh, w.biasHh, 0, 4 * H, H, h);
  const hNext = new Float64Array(H);
  const cNext = new Float64Array(H);
  for (let j = 0; j < H; j++) {
    const i = sigmoid(pre[j] + rec[j]);
    const f = sigmoid(pre[H + j] + rec[H + j]);
    const g = Math.tanh(pre[2 * H + j] + rec[2 * H + j]);
    const o = sigmoid(pre[3 * H + j] + rec[3 * H + j]);
    cNext[j] = f * c[j] + i * g;
    hNext[j] = o * Math.tanh(cNext[j]);
  }
  return { h: hNext, c: cNext };
}

/** Hidden size of the GRU and LSTM measurements. */
export const CELL_HIDDEN = 16;

/**
 * The GRU's gates forced, one step (hidden 16) from a state reached after 20 steps of random input:
 * with z = 1 the new state against the old one for r = 0 and r = 1 (does r decide keeping?), and
 * against the new state for another input (does anything limit new input?); with r = 0, the
 * candidate n and the new state for another old state (does r = 0 reset h_t to the input?).
 */
export function gruGates() {
  const H = CELL_HIDDEN;
  const w = weightsOf('gru', H, 22, 1);
  const x = (t: number) => w.inputs.subarray(t * FLOW_INPUT_SIZE, (t + 1) * FLOW_INPUT_SIZE);
  let h: Float64Array = new Float64Array(H);
  for (let t = 0; t < 20; t++) h = gruStep(w, H, x(t), h).h;
  // Another old state: the state one step later (as far from h as a step moves it).
  const other = gruStep(w, H, x(20), h).h;
  const keptR0 = gruStep(w, H, x(21), h, { z: 1, r: 0 }).h;
  const keptR1 = gruStep(w, H, x(21), h, { z: 1, r: 1 }).h;
  const keptOtherInput = gruStep(w, H, x(20), h, { z: 1, r: 1 }).h;
  const reset = gruStep(w, H, x(21), h, { r: 0 });
  const resetOther = gruStep(w, H, x(21), other, { r: 0 });
  const free = gruStep(w, H, x(21), h);
  return {
    hidden: H,
    /** With z = 1: the largest |h_t - h_(t-1)| for r = 0 and r = 1 (0: the old state is kept whole whatever r). */
    keptWhateverR: Math.max(maxAbsDiff(keptR0, h), maxAbsDiff(keptR1, h)),
    /** With z = 1: the largest change of h_t when the input changes (0: no new input gets in). */
    inputAtZ1: maxAbsDiff(keptR1, keptOtherInput),
    /** The gates free: the largest change of h_t between r = 0 forced and r as computed (what r changes: only the candidate's use of h_(t-1)). */
    rChanges: maxAbsDiff(reset.h, free.h),
    /** The change of the old state between the two old states given, largest entry. */
    stateChange: maxAbsDiff(h, other),
    /** With r = 0: the largest change of the candidate n, and of h_t, when only the old state changes. */
    candidateChangeR0: maxAbsDiff(reset.n, resetOther.n),
    newStateChangeR0: maxAbsDiff(reset.h, resetOther.h),
    /** The update gate's range at that step (z weights the old state). */
    zLow: Math.min(...reset.z), zHigh: Math.max(...reset.z),
  };
}

/** Steps of the random-initial-state measurement. */
export const STATE_STEPS = 100;
/** Below this, two outputs are the same (float64 rounding is far below it). */
export const SAME_OUTPUT = 1e-6;

/**
 * An LSTM (hidden 16, PyTorch's initialisation) run over the same 100 random inputs from two
 * random initial states (h0, c0 ~ N(0, 1), as torch.randn) and from zeros (PyTorch's default):
 * how far apart the two random starts' outputs h_t are at each step, and when they first agree.
 */
export function randomInitialState() {
  const H = CELL_HIDDEN;
  const w = weightsOf('lstm', H, STATE_STEPS, 1);
  const rng = new Random(7);
  const draw = () => Float64Array.from({ length: H }, () => normal(rng));
  const run = (h0: Float64Array, c0: Float64Array) => {
    let h: Float64Array = h0;
    let c: Float64Array = c0;
    const out: Float64Array[] = [];
    for (let t = 0; t < STATE_STEPS; t++) {
      ({ h, c } = lstmStep(w, H, w.inputs.subarray(t * FLOW_INPUT_SIZE, (t + 1) * FLOW_INPUT_SIZE), h, c));
      out.push(h);
    }
    return out;
  };
  const a = run(draw(), draw());
  const b = run(draw(), draw());
  const zeros = run(new Float64Array(H), new Float64Array(H));
  const apart = a.map((h, t) => maxAbsDiff(h, b[t]));
  const agreeFrom = apart.findIndex((_, t) => apart.slice(t).every((x) => x < SAME_OUTPUT));
  return {
    hidden: H, steps: STATE_STEPS,
    /** Largest |h_t(draw 1) - h_t(draw 2)| at step 1 and at the last step. */
    firstStep: apart[0], lastStep: apart[STATE_STEPS - 1],
    /** The first step (1-based) from which the two draws' outputs stay within SAME_OUTPUT, or null. */
    agreeFromStep: agreeFrom < 0 ? null : agreeFrom + 1,
    /** Largest |h_1(draw 1) - h_1(zeros)|: how far a random start moves the first output from PyTorch's default. */
    firstStepFromZeros: maxAbsDiff(a[0], zeros[0]),
  };
}

/**
 * A bidirectional tanh RNN (hidden 8 a direction, 12 steps) with one output layer over the joined
 * outputs [h_fwd; h_bwd] and a cross-entropy loss at every step (5 classes), as nn.RNN(...,
 * bidirectional=True) with nn.Linear(2H, V) trains: the gradient that reaches the forward
 * direction's outputs, dL/dh_fwd,t = W[:, :H]^T (softmax(logits_t) - y_t), with the backward
 * direction's weights drawn from two seeds. Were the model trained on the sum of two losses, one
 * per direction, that gradient could not depend on the backward direction's weights.
 */
export function bidirectionalCoupling() {
  const H = 8;
  const T = 12;
  const V = 5;
  const forward = flowForward({ cell: 'rnn-tanh', hidden: H, seqLen: T, init: 'uniform', gain: 1, forgetBias: 0, inputScale: 1, normalization: 'none', seed: 1 });
  const inputs = forward.weights.inputs;
  // The backward direction reads the same inputs reversed, with its own weights (two draws).
  const backward = (seed: number) => {
    const w = weightsOf('rnn-tanh', H, T, seed);
    const reversed = new Float64Array(inputs.length);
    for (let t = 0; t < T; t++) reversed.set(inputs.subarray(t * FLOW_INPUT_SIZE, (t + 1) * FLOW_INPUT_SIZE), (T - 1 - t) * FLOW_INPUT_SIZE);
    const pass = flowForward({ cell: 'rnn-tanh', hidden: H, seqLen: T, init: 'uniform', gain: 1, forgetBias: 0, inputScale: 1, normalization: 'none', seed }, { ...w, inputs: reversed });
    return Array.from({ length: T }, (_, t) => pass.steps[T - 1 - t].h); // aligned with the forward steps
  };
  const rng = new Random(11);
  const k = 1 / Math.sqrt(2 * H);
  const head = Float64Array.from({ length: V * 2 * H }, () => (2 * rng.next() - 1) * k);
  const bias = Float64Array.from({ length: V }, () => (2 * rng.next() - 1) * k);
  const targets = Array.from({ length: T }, () => rng.int(V));
  const forwardGradient = (hb: Float64Array[]) => {
    const g = new Float64Array(T * H);
    let loss = 0;
    for (let t = 0; t < T; t++) {
      const joined = [...forward.steps[t].h, ...hb[t]];
      const logits = affine(head, bias, 0, V, 2 * H, joined);
      const top = Math.max(...logits);
      const e = logits.map((v) => Math.exp(v - top));
      const sum = e.reduce((a, v) => a + v, 0);
      loss += Math.log(sum) + top - logits[targets[t]];
      for (let v = 0; v < V; v++) {
        const d = e[v] / sum - (v === targets[t] ? 1 : 0);
        for (let j = 0; j < H; j++) g[t * H + j] += head[v * 2 * H + j] * d;
      }
    }
    return { g, loss };
  };
  const one = forwardGradient(backward(2));
  const two = forwardGradient(backward(3));
  return {
    hidden: H, steps: T, classes: V,
    /** Largest change of dL/dh_fwd when only the backward direction's weights change, relative to its largest entry. */
    forwardGradientChange: maxAbsDiff(one.g, two.g) / maxAbs(one.g),
    /** The one loss with each of the two backward directions. */
    lossOne: one.loss, lossTwo: two.loss,
  };
}

/** Hidden size and steps of the ReLU measurement (the gradient-flow defaults). */
export const RELU_HIDDEN = 64;
export const RELU_STEPS = 100;

/**
 * A ReLU RNN at PyTorch's initialisation (hidden 64, 100 steps of random input, 3 seeds): how many
 * unit-steps have a pre-activation at or below 0, where ReLU's derivative is 0 (PyTorch's relu
 * gradient at 0 is 0), and how many units are 0 at every step (no gradient passes through them:
 * dying units).
 */
export function reluDerivatives() {
  const seeds = [1, 2, 3].map((seed) => {
    const pass = flowForward({ cell: 'rnn-relu', hidden: RELU_HIDDEN, seqLen: RELU_STEPS, init: 'uniform', gain: 1, forgetBias: 0, inputScale: 1, normalization: 'none', seed });
    let zero = 0;
    const everZero = new Array<boolean>(RELU_HIDDEN).fill(true);
    for (const st of pass.steps) for (let j = 0; j < RELU_HIDDEN; j++) {
      if (st.pre[j] <= 0) zero++;
      else everZero[j] = false;
    }
    return { zeroShare: zero / (RELU_HIDDEN * RELU_STEPS), deadUnits: everZero.filter(Boolean).length };
  });
  return { hidden: RELU_HIDDEN, steps: RELU_STEPS, seeds };
}

/** Every one-cell measurement the chapter's claims read (claims.ts `measures`). */
export interface CellMeasurements {
  gruGates: ReturnType<typeof gruGates>;
  randomInitialState: ReturnType<typeof randomInitialState>;
  bidirectionalCoupling: ReturnType<typeof bidirectionalCoupling>;
  reluDerivatives: ReturnType<typeof reluDerivatives>;
}

/** The measurements, each computed when first read (a few milliseconds each). */
export function cellMeasurements(): CellMeasurements {
  const made: Partial<CellMeasurements> = {};
  const compute = { gruGates, randomInitialState, bidirectionalCoupling, reluDerivatives };
  return new Proxy(made as CellMeasurements, {
    get(target, key: keyof CellMeasurements) {
      if (!(key in compute)) return undefined;
      return ((target as Partial<CellMeasurements>)[key] ??= compute[key]() as never);
    },
  });
}
