/**
 * Whole-sequence kernels for one layer and one direction, with backpropagation through
 * time written by hand.
 *
 * Why: recorded for autodiff, every small op costs about 60 us on the wasm backend, and
 * tfjs's gradient of `matMul` uses its slow transpose flags. Here the forward pass runs
 * as a single custom-gradient op (its inner ops are not taped), the input projections of
 * all time steps are one matrix product, each step's gates come from one `(N, G*H)`
 * product, and the backward pass forms the weight gradients with one large product over
 * all steps at the end. The equations are those of `cells.ts`; the parity tests hold
 * both to PyTorch.
 *
 * A custom-gradient op has a single output, so the result is packed along time:
 * rows 0..L-1 are the output, row L is h_n, row L+1 (LSTM) is c_n.
 */
import { tf } from '../core/backend';
import type { Nonlinearity } from './cells';
import { mm as matMul2D, tanh, weightAndBiasGrad } from './ops';
import { ACTIVATION_KIND, KERNEL, seqlabKernelsActive, runKernel as run } from '../core/seqlabKernels';

type Tensor = tf.Tensor;
type Tensor2D = tf.Tensor2D;
type Tensor3D = tf.Tensor3D;

export type CellMode = 'lstm' | 'gru' | 'rnn';

export interface FusedLayerArgs {
  mode: CellMode;
  nonlinearity?: Nonlinearity;
  x: Tensor3D; // (L, N, input), time first
  h0: Tensor2D; // (N, H)
  c0?: Tensor2D; // (N, H), LSTM only
  weightIh: Tensor2D;
  weightHh: Tensor2D;
  biasIh?: Tensor; // absent when bias=false
  biasHh?: Tensor;
  reverse: boolean;
}

export interface FusedLayerResult {
  output: Tensor3D; // (L, N, H)
  hN: Tensor2D;
  cN?: Tensor2D;
}

/** The kernels keep rank-generic `Tensor`s; every product here is 2-D. */
const mm = (a: Tensor, b: Tensor) => matMul2D(a as Tensor2D, b as Tensor2D);
const oneMinus = (t: Tensor) => tf.sub(1, t);

/**
 * The weight gradient `dG.T @ X` for dG (L*N, G*H) and X (L*N, in), computed as
 * `(X.T @ dG).T`: transposing X and the small result moves fewer numbers than
 * transposing dG (wasm transposes cost about 4 ns per element).
 */
const weightGrad = (dG: Tensor, x: Tensor) => tf.transpose(mm(tf.transpose(x as Tensor2D), dG));

/**
 * The per-step output gradients, or undefined when they are all zero: a loss on the last
 * state only (the adding problem, a classifier on h_n) leaves them zero, and skipping their
 * slice and add saves two of the few kernel calls each backward step makes. One read of a
 * scalar decides it.
 */
function outputGrads(dOut: Tensor): Tensor[] | undefined {
  return hasOutputGrads(dOut) ? tf.unstack(dOut) : undefined;
}

/** Whether any output gradient is non-zero: one read of a scalar (the wasm kernels then skip reading them). */
function hasOutputGrads(dOut: Tensor): boolean {
  const any = tf.tidy(() => tf.max(tf.abs(dOut)));
  const nonZero = any.dataSync()[0] !== 0;
  any.dispose();
  return nonZero;
}

/** The input's part of every step in one product: x (L, N, in) as rows (L*N, in), and x W_ih^T + bias (L*N, G*H). */
function projectInputs(x: Tensor, wih: Tensor, bias: Tensor): [Tensor, Tensor] {
  const [L, N, I] = x.shape;
  const x2 = x.reshape([L * N, I]);
  return [x2, tf.add(mm(x2, tf.transpose(wih)), bias)];
}

/**
 * The parameters' and the input's gradients from the gates' pre-activation gradients dG (L*N, G*H),
 * in large products over all steps: dL/dx (back in x's (L, N, in) shape), dW_ih, dW_hh and db
 * (one gradient for both biases, which enter the gates as their sum). The LSTM's and RNN's.
 */
function gradsFromGates(dG: Tensor, x2: Tensor, wih: Tensor, hPrev: Tensor, xShape: number[]): [Tensor, Tensor, Tensor, Tensor] {
  const [dWhh, db] = weightAndBiasGrad(dG, hPrev);
  return [mm(dG, wih).reshape(xShape), weightGrad(dG, x2), dWhh, db];
}

/** Step order: position t handled at processing step s. */
function timeAt(s: number, L: number, reverse: boolean): number {
  return reverse ? L - 1 - s : s;
}

/** h (or c) before each position t, in time order, stacked to (L*N, H). */
function previousStates(states: Tensor[], initial: Tensor, reverse: boolean): Tensor2D {
  const L = states.length;
  const prev = states.map((_, t) => (reverse ? (t === L - 1 ? initial : states[t + 1]) : t === 0 ? initial : states[t - 1]));
  return tf.concat(prev, 0) as Tensor2D;
}

function lstmKernel(reverse: boolean) {
  return tf.customGrad((...args: Array<Tensor | tf.GradSaveFunc>) => {
    const [x, h0, c0, wih, whh, bih, bhh] = args as Tensor[];
    const save = args[7] as tf.GradSaveFunc;
    const [L, N, I] = x.shape;
    const [x2, projected] = projectInputs(x, wih, tf.add(bih, bhh));
    const steps = tf.split(projected, L, 0); // L x (N, 4H)
    const whhT = tf.transpose(whh); // (H, 4H)
    const [gI, gF, gG, gO, cs, tcs, hs]: Tensor[][] = [[], [], [], [], [], [], []];
    let h: Tensor = h0;
    let c: Tensor = c0;
    for (let s = 0; s < L; s++) {
      const t = timeAt(s, L, reverse);
      const [ip, fp, gp, op] = tf.split(tf.add(steps[t], mm(h, whhT)), 4, 1);
      const i = tf.sigmoid(ip), f = tf.sigmoid(fp), g = tanh(gp), o = tf.sigmoid(op);
      c = tf.add(tf.mul(f, c), tf.mul(i, g));
      const tc = tanh(c);
      h = tf.mul(o, tc);
      [gI[t], gF[t], gG[t], gO[t], cs[t], tcs[t], hs[t]] = [i, f, g, o, c, tc, h];
    }
    const output = tf.stack(hs);
    save([x2, wih, whh, tf.stack(gI), tf.stack(gF), tf.stack(gG), tf.stack(gO), tf.stack(tcs),
      previousStates(cs, c0, reverse).reshape([L, N, -1]), previousStates(hs, h0, reverse)]);
    return {
      value: tf.concat([output, h.expandDims(0), c.expandDims(0)], 0),
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [sx2, swih, swhh, I_, F_, G_, O_, TC, CPrev, HPrev] = saved;
        const [dOut, dhN, dcN] = tf.split(dy, [L, 1, 1], 0);
        // Every factor that does not depend on the backward recursion, for all steps at once.
        const A = tf.unstack(tf.mul(O_, oneMinus(tf.square(TC)))); // dc += dh * A
        const K = tf.unstack(tf.concat([
          tf.mul(G_, tf.mul(I_, oneMinus(I_))), // di = dc * K_i
          tf.mul(CPrev, tf.mul(F_, oneMinus(F_))), // df = dc * K_f
          tf.mul(I_, oneMinus(tf.square(G_))), // dg = dc * K_g
          tf.mul(TC, tf.mul(O_, oneMinus(O_))), // do = dh * K_o
        ], 2));
        const Fs = tf.unstack(F_);
        const dOuts = outputGrads(dOut);
        const dG: Tensor[] = new Array(L);
        let dh: Tensor = dhN.squeeze([0]);
        let dc: Tensor = dcN.squeeze([0]);
        for (let s = L - 1; s >= 0; s--) {
          const t = timeAt(s, L, reverse);
          const dhT = dOuts ? tf.add(dh, dOuts[t]) : dh;
          const dcT = tf.add(dc, tf.mul(dhT, A[t]));
          dG[t] = tf.mul(tf.concat([dcT, dcT, dcT, dhT], 1), K[t]);
          dh = mm(dG[t], swhh);
          dc = tf.mul(dcT, Fs[t]);
        }
        const [dx, dWih, dWhh, db] = gradsFromGates(tf.concat(dG, 0), sx2, swih, HPrev, [L, N, I]);
        return [dx, dh, dc, dWih, dWhh, db, db];
      },
    };
  });
}

function gruKernel(reverse: boolean) {
  return tf.customGrad((...args: Array<Tensor | tf.GradSaveFunc>) => {
    const [x, h0, wih, whh, bih, bhh] = args as Tensor[];
    const save = args[6] as tf.GradSaveFunc;
    const [L, N, I] = x.shape;
    const H = h0.shape[1]!;
    const [x2, projected] = projectInputs(x, wih, bih);
    const steps = tf.split(projected, L, 0); // L x (N, 3H)
    const whhT = tf.transpose(whh); // (H, 3H)
    const [gR, gZ, gN, hns, hs]: Tensor[][] = [[], [], [], [], []];
    let h: Tensor = h0;
    for (let s = 0; s < L; s++) {
      const t = timeAt(s, L, reverse);
      const [xrz, xn] = tf.split(steps[t], [2 * H, H], 1);
      const [hrz, hn] = tf.split(tf.add(mm(h, whhT), bhh), [2 * H, H], 1);
      const [r, z] = tf.split(tf.sigmoid(tf.add(xrz, hrz)), 2, 1);
      const n = tanh(tf.add(xn, tf.mul(r, hn)));
      h = tf.add(n, tf.mul(z, tf.sub(h, n)));
      [gR[t], gZ[t], gN[t], hns[t], hs[t]] = [r, z, n, hn, h];
    }
    const output = tf.stack(hs);
    save([x2, wih, whh, tf.stack(gR), tf.stack(gZ), tf.stack(gN), tf.stack(hns), previousStates(hs, h0, reverse)]);
    return {
      value: tf.concat([output, h.expandDims(0)], 0),
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [sx2, swih, swhh, R, Z, Nn, HN, HPrev] = saved;
        const [dOut, dhN] = tf.split(dy, [L, 1], 0);
        const hPrev3 = HPrev.reshape([L, N, H]);
        const P1 = tf.unstack(tf.mul(oneMinus(Z), oneMinus(tf.square(Nn)))); // da_n = dh * P1
        const P2 = tf.unstack(tf.mul(tf.sub(hPrev3, Nn), tf.mul(Z, oneMinus(Z)))); // da_z = dh * P2
        const P3 = tf.unstack(tf.mul(HN, tf.mul(R, oneMinus(R)))); // da_r = da_n * P3
        const Rs = tf.unstack(R);
        const Zs = tf.unstack(Z);
        const dOuts = outputGrads(dOut);
        const dGi: Tensor[] = new Array(L);
        const dGh: Tensor[] = new Array(L);
        let dh: Tensor = dhN.squeeze([0]);
        for (let s = L - 1; s >= 0; s--) {
          const t = timeAt(s, L, reverse);
          const dhT = dOuts ? tf.add(dh, dOuts[t]) : dh;
          const dan = tf.mul(dhT, P1[t]);
          const darz = [tf.mul(dan, P3[t]), tf.mul(dhT, P2[t])];
          dGi[t] = tf.concat([...darz, dan], 1);
          dGh[t] = tf.concat([...darz, tf.mul(dan, Rs[t])], 1);
          dh = tf.add(mm(dGh[t], swhh), tf.mul(dhT, Zs[t]));
        }
        const dGiAll = tf.concat(dGi, 0);
        const dGhAll = tf.concat(dGh, 0);
        const [dWih, dbih] = weightAndBiasGrad(dGiAll, sx2);
        const [dWhh, dbhh] = weightAndBiasGrad(dGhAll, HPrev);
        return [mm(dGiAll, swih).reshape([L, N, I]), dh, dWih, dWhh, dbih, dbhh];
      },
    };
  });
}

function rnnKernel(nonlinearity: Nonlinearity, reverse: boolean) {
  const act = nonlinearity === 'tanh' ? tanh : nonlinearity === 'relu' ? tf.relu : tf.sigmoid;
  return tf.customGrad((...args: Array<Tensor | tf.GradSaveFunc>) => {
    const [x, h0, wih, whh, bih, bhh] = args as Tensor[];
    const save = args[6] as tf.GradSaveFunc;
    const [L, N, I] = x.shape;
    const [x2, projected] = projectInputs(x, wih, tf.add(bih, bhh));
    const steps = tf.split(projected, L, 0);
    const whhT = tf.transpose(whh);
    const hs: Tensor[] = [];
    let h: Tensor = h0;
    for (let s = 0; s < L; s++) {
      const t = timeAt(s, L, reverse);
      h = act(tf.add(steps[t], mm(h, whhT)));
      hs[t] = h;
    }
    const output = tf.stack(hs);
    save([x2, wih, whh, output, previousStates(hs, h0, reverse)]);
    return {
      value: tf.concat([output, h.expandDims(0)], 0),
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [sx2, swih, swhh, out, HPrev] = saved;
        const [dOut, dhN] = tf.split(dy, [L, 1], 0);
        // The derivative of the nonlinearity, from its output.
        const deriv = tf.unstack(nonlinearity === 'tanh' ? oneMinus(tf.square(out))
          : nonlinearity === 'relu' ? tf.cast(tf.greater(out, 0), 'float32') : tf.mul(out, oneMinus(out)));
        const dOuts = outputGrads(dOut);
        const dA: Tensor[] = new Array(L);
        let dh: Tensor = dhN.squeeze([0]);
        for (let s = L - 1; s >= 0; s--) {
          const t = timeAt(s, L, reverse);
          dA[t] = tf.mul(dOuts ? tf.add(dh, dOuts[t]) : dh, deriv[t]);
          dh = mm(dA[t], swhh);
        }
        const [dx, dWih, dWhh, db] = gradsFromGates(tf.concat(dA, 0), sx2, swih, HPrev, [L, N, I]);
        return [dx, dh, dWih, dWhh, db, db];
      },
    };
  });
}

/**
 * The same three layers with the time loops in SeqLab's wasm kernels (`wasm/kernels.ts`): one
 * call per sequence forward and one backward, in place of ~24 TensorFlow.js calls per step. The
 * products over all steps at once (input projection, weight and input gradients) are as above.
 */
function lstmSequenceKernel(reverse: boolean) {
  return tf.customGrad((...args: Array<Tensor | tf.GradSaveFunc>) => {
    const [x, h0, c0, wih, whh, bih, bhh] = args as Tensor[];
    const save = args[7] as tf.GradSaveFunc;
    const [L, N, I] = x.shape;
    const [x2, projected] = projectInputs(x, wih, tf.add(bih, bhh));
    const [gates, hPrev, cPrev, tc, hs, hN, cN] = run(KERNEL.lstmForward, { steps: projected.reshape([L, N, -1]), whh, h0, c0 }, { reverse });
    save([x2, wih, whh, gates, cPrev, tc, hPrev.reshape([L * N, -1])]);
    return {
      value: tf.concat([hs, hN.expandDims(0), cN.expandDims(0)], 0),
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [sx2, swih, swhh, sGates, sCPrev, sTc, sHPrev] = saved;
        const [dOut, dhN, dcN] = tf.split(dy, [L, 1, 1], 0);
        const [dG3, dh0, dc0] = run(KERNEL.lstmBackward, { gates: sGates, cPrev: sCPrev, tc: sTc, whh: swhh, dOut, dhN: dhN.squeeze([0]), dcN: dcN.squeeze([0]) },
          { reverse, withOutputGrads: hasOutputGrads(dOut) });
        const [dx, dWih, dWhh, db] = gradsFromGates(dG3.reshape([L * N, -1]), sx2, swih, sHPrev, [L, N, I]);
        return [dx, dh0, dc0, dWih, dWhh, db, db];
      },
    };
  });
}

function gruSequenceKernel(reverse: boolean) {
  return tf.customGrad((...args: Array<Tensor | tf.GradSaveFunc>) => {
    const [x, h0, wih, whh, bih, bhh] = args as Tensor[];
    const save = args[6] as tf.GradSaveFunc;
    const [L, N, I] = x.shape;
    const [x2, projected] = projectInputs(x, wih, bih);
    const [gates, hPrev, hs, hN] = run(KERNEL.gruForward, { steps: projected.reshape([L, N, -1]), whh, bhh, h0 }, { reverse });
    save([x2, wih, whh, gates, hPrev]);
    return {
      value: tf.concat([hs, hN.expandDims(0)], 0),
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [sx2, swih, swhh, sGates, sHPrev] = saved;
        const [dOut, dhN] = tf.split(dy, [L, 1], 0);
        const [dGi3, dGh3, dh0] = run(KERNEL.gruBackward, { gates: sGates, hPrev: sHPrev, whh: swhh, dOut, dhN: dhN.squeeze([0]) },
          { reverse, withOutputGrads: hasOutputGrads(dOut) });
        const dGi = dGi3.reshape([L * N, -1]);
        const [dWih, dbih] = weightAndBiasGrad(dGi, sx2);
        const [dWhh, dbhh] = weightAndBiasGrad(dGh3.reshape([L * N, -1]), sHPrev.reshape([L * N, -1]));
        return [mm(dGi, swih).reshape([L, N, I]), dh0, dWih, dWhh, dbih, dbhh];
      },
    };
  });
}

function rnnSequenceKernel(nonlinearity: Nonlinearity, reverse: boolean) {
  const kind = ACTIVATION_KIND[nonlinearity];
  return tf.customGrad((...args: Array<Tensor | tf.GradSaveFunc>) => {
    const [x, h0, wih, whh, bih, bhh] = args as Tensor[];
    const save = args[6] as tf.GradSaveFunc;
    const [L, N, I] = x.shape;
    const [x2, projected] = projectInputs(x, wih, tf.add(bih, bhh));
    const [hPrev, hs, hN] = run(KERNEL.rnnForward, { steps: projected.reshape([L, N, -1]), whh, h0 }, { reverse, kind });
    save([x2, wih, whh, hs, hPrev]);
    return {
      value: tf.concat([hs, hN.expandDims(0)], 0),
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [sx2, swih, swhh, sHs, sHPrev] = saved;
        const [dOut, dhN] = tf.split(dy, [L, 1], 0);
        const [dA3, dh0] = run(KERNEL.rnnBackward, { hs: sHs, whh: swhh, dOut, dhN: dhN.squeeze([0]) },
          { reverse, kind, withOutputGrads: hasOutputGrads(dOut) });
        const [dx, dWih, dWhh, db] = gradsFromGates(dA3.reshape([L * N, -1]), sx2, swih, sHPrev.reshape([L * N, -1]), [L, N, I]);
        return [dx, dh0, dWih, dWhh, db, db];
      },
    };
  });
}

export interface NormalizedRnnArgs {
  nonlinearity: Nonlinearity;
  /** (L, N, H): the input's part of every step, already normalised and with b_ih added. */
  inputs: Tensor3D;
  h0: Tensor2D;
  weightHh: Tensor2D;
  /** The recurrent term's gain (H): ln_hh_weight or bn_hh_weight. */
  gain: Tensor;
  biasHh?: Tensor;
  reverse: boolean;
  /** Batch norm (statistics over the batch, per column) rather than layer norm (per row). */
  byBatch: boolean;
}

export interface NormalizedRnnResult extends FusedLayerResult {
  /**
   * Each step's means and biased variances of the recurrent term, (L, 2, groups) in time order
   * (groups: H columns for batch norm, N rows for layer norm): batch norm's running statistics
   * are folded from them. Not part of the gradient.
   */
  stats: Tensor3D;
}

/**
 * A custom-gradient op has one output: the statistics the forward kernel measured leave by this
 * side door, kept past the op's own scope and handed to the caller's right after the call.
 */
let lastNormStats: Tensor | undefined;

function normalizedRnnKernel(nonlinearity: Nonlinearity, reverse: boolean, byBatch: boolean) {
  const kind = ACTIVATION_KIND[nonlinearity];
  return tf.customGrad((...args: Array<Tensor | tf.GradSaveFunc>) => {
    const [steps, h0, whh, gain, bhh] = args as Tensor[];
    const save = args[5] as tf.GradSaveFunc;
    const [L, N] = steps.shape;
    const [hPrev, xhat, stats, hs, hN] = run(KERNEL.rnnNormForward, { steps, whh, gain, bhh, h0 }, { reverse, kind, byBatch });
    lastNormStats = tf.keep(stats);
    save([whh, gain, hs, xhat, stats, hPrev]);
    return {
      value: tf.concat([hs, hN.expandDims(0)], 0),
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [swhh, sGain, sHs, sXhat, sStats, sHPrev] = saved;
        const [dOut, dhN] = tf.split(dy, [L, 1], 0);
        const [dA, dB, dh0] = run(KERNEL.rnnNormBackward, { hs: sHs, xhat: sXhat, stats: sStats, whh: swhh, gain: sGain, dOut, dhN: dhN.squeeze([0]) },
          { reverse, kind, byBatch, withOutputGrads: hasOutputGrads(dOut) });
        const dWhh = weightGrad(dB.reshape([L * N, -1]), sHPrev.reshape([L * N, -1]));
        return [dA, dh0, dWhh, tf.sum(tf.mul(dA, sXhat), [0, 1]), tf.sum(dA, [0, 1])];
      },
    };
  });
}

const normalizedKernels = new Map<string, (...args: Tensor[]) => Tensor>();

/**
 * A plain RNN layer with its recurrent term normalised, in one call of SeqLab's wasm kernels each
 * way (only where seqlabKernelsActive()): h_t = act(inputs_t + norm(W_hh h_{t-1}) * gain + b_hh),
 * the equations of recurrent.ts's step-by-step path, which stays the reference (and runs
 * elsewhere: other backends, gates for probes, batch norm's evaluation with running statistics).
 */
export function normalizedRnnLayer(a: NormalizedRnnArgs): NormalizedRnnResult {
  const [L, , H] = a.inputs.shape;
  const key = `${a.nonlinearity}/${a.reverse}/${a.byBatch}`;
  let kernel = normalizedKernels.get(key);
  if (!kernel) normalizedKernels.set(key, (kernel = normalizedRnnKernel(a.nonlinearity, a.reverse, a.byBatch)));
  lastNormStats = undefined;
  const packed = kernel(a.inputs, a.h0, a.weightHh, a.gain, a.biasHh ?? tf.zeros([H]));
  const kept = lastNormStats as Tensor | undefined; // set by the call above (TypeScript cannot see it)
  if (!kept) throw new Error('normalizedRnnLayer: the kernel reported no statistics');
  const stats = tf.clone(kept) as Tensor3D; // tracked by the caller's scope, sharing the data
  kept.dispose();
  const [output, hN] = tf.split(packed, [L, 1], 0);
  return { output: output as Tensor3D, hN: hN.squeeze([0]) as Tensor2D, stats };
}

const kernels = new Map<string, (...args: Tensor[]) => Tensor>();

function kernelFor(mode: CellMode, nonlinearity: Nonlinearity, reverse: boolean): (...args: Tensor[]) => Tensor {
  const wasm = seqlabKernelsActive();
  const key = `${mode}/${nonlinearity}/${reverse}/${wasm}`;
  let k = kernels.get(key);
  if (!k) {
    k = wasm
      ? (mode === 'lstm' ? lstmSequenceKernel(reverse) : mode === 'gru' ? gruSequenceKernel(reverse) : rnnSequenceKernel(nonlinearity, reverse))
      : (mode === 'lstm' ? lstmKernel(reverse) : mode === 'gru' ? gruKernel(reverse) : rnnKernel(nonlinearity, reverse));
    kernels.set(key, k);
  }
  return k;
}

/** Runs one layer in one direction over the whole sequence; differentiable in every input. */
export function fusedLayer(a: FusedLayerArgs): FusedLayerResult {
  return tf.tidy(() => {
    const [L] = a.x.shape;
    const width = a.weightIh.shape[0];
    // Without bias the kernels add zeros: one add of a (G*H) vector, not a second code path.
    const bih = a.biasIh ?? tf.zeros([width]);
    const bhh = a.biasHh ?? tf.zeros([width]);
    const kernel = kernelFor(a.mode, a.nonlinearity ?? 'tanh', a.reverse);
    const inputs = a.mode === 'lstm'
      ? [a.x, a.h0, a.c0 ?? tf.zerosLike(a.h0), a.weightIh, a.weightHh, bih, bhh]
      : [a.x, a.h0, a.weightIh, a.weightHh, bih, bhh];
    const packed = kernel(...inputs);
    const parts = tf.split(packed, a.mode === 'lstm' ? [L, 1, 1] : [L, 1], 0);
    return {
      output: parts[0] as Tensor3D,
      hN: parts[1].squeeze([0]) as Tensor2D,
      cN: a.mode === 'lstm' ? (parts[2].squeeze([0]) as Tensor2D) : undefined,
    };
  });
}
