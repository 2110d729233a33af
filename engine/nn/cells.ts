/**
 * One time step of each recurrent cell, with PyTorch's equations, gate order and
 * parameter names. The step functions are shared by the `*Cell` modules and by the
 * step-by-step path of the multi-layer modules (used for normalised variants and when
 * the caller asks for the gates); `fused.ts` has the fast whole-sequence kernels.
 *
 *   RNN:  h' = act(W_ih x + b_ih + W_hh h + b_hh),  act in {tanh, relu, sigmoid}
 *   LSTM: i, f, g, o = split(W_ih x + b_ih + W_hh h + b_hh)      (layout i|f|g|o)
 *         i, f, o = sigmoid(.);  g = tanh(.)
 *         c' = f * c + i * g;   h' = o * tanh(c')
 *   GRU:  r, z = sigmoid(W_i{r,z} x + b_i{r,z} + W_h{r,z} h + b_h{r,z})   (layout r|z|n)
 *         n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
 *         h' = (1 - z) * n + z * h
 */
import { tf } from '../core/backend';
import { Random, freshSeed } from '../core/random';
import { Module, checkKnownKeys, checkPositiveInt } from './module';
import { linear } from './ops';

type Tensor2D = tf.Tensor2D;
type Tensor1D = tf.Tensor1D;

export type Nonlinearity = 'tanh' | 'relu' | 'sigmoid';
export const NONLINEARITIES: readonly Nonlinearity[] = ['tanh', 'relu', 'sigmoid'];

export interface CellWeights {
  weightIh: Tensor2D; // (G*H, input)
  weightHh: Tensor2D; // (G*H, H)
  biasIh?: Tensor1D; // (G*H)
  biasHh?: Tensor1D; // (G*H)
}

/**
 * Normalisation inside a step, applied to the input and recurrent pre-activations
 * (before the biases) and, for the LSTM, to the new cell state inside tanh.
 * `step` is the position in processing order (batch norm keeps statistics per step).
 */
export interface StepNorm {
  ih(v: Tensor2D, step: number): Tensor2D;
  hh(v: Tensor2D, step: number): Tensor2D;
  cell(c: Tensor2D, step: number): Tensor2D;
}

export interface LstmGates { i: Tensor2D; f: Tensor2D; g: Tensor2D; o: Tensor2D }
export interface GruGates { r: Tensor2D; z: Tensor2D; n: Tensor2D }

/**
 * The input's and the recurrence's pre-activations. `inputPart`, when given, is the input's
 * already computed (W_ih x, normalised, plus b_ih): a layer computes it for every step at once.
 */
function preActivations(w: CellWeights, x: Tensor2D, h: Tensor2D, norm: StepNorm | undefined, step: number, inputPart?: Tensor2D): [Tensor2D, Tensor2D] {
  let gi = inputPart ?? linear(x, w.weightIh);
  let gh = linear(h, w.weightHh);
  if (norm) {
    if (!inputPart) gi = norm.ih(gi, step);
    gh = norm.hh(gh, step);
  }
  if (w.biasIh && w.biasHh) {
    if (!inputPart) gi = tf.add(gi, w.biasIh);
    gh = tf.add(gh, w.biasHh);
  }
  return [gi, gh];
}

export function activation(name: Nonlinearity, v: tf.Tensor): tf.Tensor {
  return name === 'tanh' ? tf.tanh(v) : name === 'relu' ? tf.relu(v) : tf.sigmoid(v);
}

export function rnnStep(nonlinearity: Nonlinearity, w: CellWeights, x: Tensor2D, h: Tensor2D, norm?: StepNorm, step = 0, inputPart?: Tensor2D): { h: Tensor2D } {
  const [gi, gh] = preActivations(w, x, h, norm, step, inputPart);
  return { h: activation(nonlinearity, tf.add(gi, gh)) as Tensor2D };
}

export function lstmStep(w: CellWeights, x: Tensor2D, h: Tensor2D, c: Tensor2D, norm?: StepNorm, step = 0, inputPart?: Tensor2D): { h: Tensor2D; c: Tensor2D; gates: LstmGates } {
  const [gi, gh] = preActivations(w, x, h, norm, step, inputPart);
  const [ip, fp, gp, op] = tf.split(tf.add(gi, gh), 4, 1) as Tensor2D[];
  const gates: LstmGates = { i: tf.sigmoid(ip), f: tf.sigmoid(fp), g: tf.tanh(gp), o: tf.sigmoid(op) };
  const cNext: Tensor2D = tf.add(tf.mul(gates.f, c), tf.mul(gates.i, gates.g));
  const hNext: Tensor2D = tf.mul(gates.o, tf.tanh(norm ? norm.cell(cNext, step) : cNext));
  return { h: hNext, c: cNext, gates };
}

export function gruStep(w: CellWeights, x: Tensor2D, h: Tensor2D, norm?: StepNorm, step = 0, inputPart?: Tensor2D): { h: Tensor2D; gates: GruGates } {
  const [gi, gh] = preActivations(w, x, h, norm, step, inputPart);
  const [ir, iz, inn] = tf.split(gi, 3, 1) as Tensor2D[];
  const [hr, hz, hn] = tf.split(gh, 3, 1) as Tensor2D[];
  const r: Tensor2D = tf.sigmoid(tf.add(ir, hr));
  const z: Tensor2D = tf.sigmoid(tf.add(iz, hz));
  const n: Tensor2D = tf.tanh(tf.add(inn, tf.mul(r, hn))); // reset gate on (W_hn h + b_hn), as PyTorch
  const hNext: Tensor2D = tf.add(tf.mul(tf.sub(1, z), n), tf.mul(z, h));
  return { h: hNext, gates: { r, z, n } };
}

export interface CellOptions {
  inputSize: number;
  hiddenSize: number;
  /** Adds b_ih and b_hh (default true). */
  bias?: boolean;
  /** Seeds the U(-1/sqrt(H), 1/sqrt(H)) initialisation; random when absent. */
  seed?: number;
}

const CELL_KEYS = ['inputSize', 'hiddenSize', 'bias', 'seed'] as const;

/** `U(-1/sqrt(hiddenSize), 1/sqrt(hiddenSize))`, PyTorch's initialisation of every recurrent weight. */
export function uniformInit(shape: number[], hiddenSize: number, rng: Random): tf.Tensor {
  const bound = 1 / Math.sqrt(hiddenSize);
  return tf.randomUniform(shape, -bound, bound, 'float32', rng.seed());
}

abstract class CellBase extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly bias: boolean;
  readonly weightIh: tf.Variable;
  readonly weightHh: tf.Variable;
  readonly biasIh?: tf.Variable;
  readonly biasHh?: tf.Variable;

  protected constructor(what: string, gateCount: number, options: CellOptions, extraKeys: readonly string[] = []) {
    super();
    checkKnownKeys(what, options, [...CELL_KEYS, ...extraKeys]);
    this.inputSize = checkPositiveInt('inputSize', options.inputSize);
    this.hiddenSize = checkPositiveInt('hiddenSize', options.hiddenSize);
    this.bias = options.bias ?? true;
    const rng = new Random(options.seed ?? freshSeed());
    const H = this.hiddenSize;
    this.weightIh = this.registerParameter('weight_ih', uniformInit([gateCount * H, this.inputSize], H, rng));
    this.weightHh = this.registerParameter('weight_hh', uniformInit([gateCount * H, H], H, rng));
    if (this.bias) {
      this.biasIh = this.registerParameter('bias_ih', uniformInit([gateCount * H], H, rng));
      this.biasHh = this.registerParameter('bias_hh', uniformInit([gateCount * H], H, rng));
    }
  }

  protected weights(): CellWeights {
    return {
      weightIh: this.weightIh as tf.Tensor as Tensor2D,
      weightHh: this.weightHh as tf.Tensor as Tensor2D,
      biasIh: this.biasIh as tf.Tensor as Tensor1D | undefined,
      biasHh: this.biasHh as tf.Tensor as Tensor1D | undefined,
    };
  }

  /** Accepts (batch, input) or unbatched (input), as PyTorch's cells do. */
  protected batched(x: tf.Tensor, state: tf.Tensor | undefined, name: string): { x: Tensor2D; state: Tensor2D; unbatched: boolean } {
    if (x.rank !== 1 && x.rank !== 2) {
      throw new Error(`${this.constructor.name}: Expected input to be 1D or 2D, got ${x.rank}D instead`);
    }
    const unbatched = x.rank === 1;
    const x2 = (unbatched ? x.expandDims(0) : x) as Tensor2D;
    if (x2.shape[1] !== this.inputSize) {
      throw new Error(`${this.constructor.name}: input has inconsistent input_size: got ${x2.shape[1]} expected ${this.inputSize}`);
    }
    const batch = x2.shape[0];
    let s: Tensor2D;
    if (state === undefined) {
      s = tf.zeros([batch, this.hiddenSize]);
    } else {
      s = (unbatched ? state.expandDims(0) : state) as Tensor2D;
      if (s.rank !== 2 || s.shape[0] !== batch || s.shape[1] !== this.hiddenSize) {
        throw new Error(`${this.constructor.name}: Expected ${name} of shape [${unbatched ? '' : batch + ', '}${this.hiddenSize}], got [${state.shape}]`);
      }
    }
    return { x: x2, state: s, unbatched };
  }
}

function unbatch<T extends tf.Tensor>(t: T, unbatched: boolean): T {
  return (unbatched ? t.squeeze([0]) : t) as T;
}

/** An Elman RNN cell: `h' = act(W_ih x + b_ih + W_hh h + b_hh)`. */
export class RNNCell extends CellBase {
  readonly nonlinearity: Nonlinearity;

  constructor(options: CellOptions & { nonlinearity?: Nonlinearity }) {
    super('RNNCell', 1, options, ['nonlinearity']);
    const nl = options.nonlinearity ?? 'tanh';
    if (!NONLINEARITIES.includes(nl)) {
      throw new Error(`Unknown nonlinearity '${String(nl)}'. Select from 'tanh', 'relu' or 'sigmoid'.`);
    }
    this.nonlinearity = nl;
  }

  /** x: (batch, input) or (input); h: same leading shape with hiddenSize, zeros if absent. */
  forward(x: tf.Tensor, h?: tf.Tensor): { h: tf.Tensor } {
    return tf.tidy(() => {
      const b = this.batched(x, h, 'hx');
      return { h: unbatch(rnnStep(this.nonlinearity, this.weights(), b.x, b.state).h, b.unbatched) };
    });
  }
}

/** A long short-term memory cell; also returns its four gate activations. */
export class LSTMCell extends CellBase {
  constructor(options: CellOptions) {
    super('LSTMCell', 4, options);
  }

  forward(x: tf.Tensor, state?: { h?: tf.Tensor; c?: tf.Tensor }): { h: tf.Tensor; c: tf.Tensor; gates: LstmGates } {
    return tf.tidy(() => {
      const bh = this.batched(x, state?.h, 'hx');
      const bc = this.batched(x, state?.c, 'cx');
      const out = lstmStep(this.weights(), bh.x, bh.state, bc.state);
      const u = bh.unbatched;
      return {
        h: unbatch(out.h, u),
        c: unbatch(out.c, u),
        gates: { i: unbatch(out.gates.i, u), f: unbatch(out.gates.f, u), g: unbatch(out.gates.g, u), o: unbatch(out.gates.o, u) },
      };
    });
  }
}

/** A gated recurrent unit cell; also returns its reset, update and candidate activations. */
export class GRUCell extends CellBase {
  constructor(options: CellOptions) {
    super('GRUCell', 3, options);
  }

  forward(x: tf.Tensor, h?: tf.Tensor): { h: tf.Tensor; gates: GruGates } {
    return tf.tidy(() => {
      const b = this.batched(x, h, 'hx');
      const out = gruStep(this.weights(), b.x, b.state);
      const u = b.unbatched;
      return { h: unbatch(out.h, u), gates: { r: unbatch(out.gates.r, u), z: unbatch(out.gates.z, u), n: unbatch(out.gates.n, u) } };
    });
  }
}
