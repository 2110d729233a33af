/**
 * Multi-layer, optionally bidirectional `RNN`, `LSTM` and `GRU`, as in `torch.nn`.
 *
 * Shapes (N batch, L sequence length, D = 2 if bidirectional else 1):
 *   input   (L, N, inputSize), or (N, L, inputSize) with batchFirst, or unbatched (L, inputSize)
 *   h0, c0  (D * numLayers, N, hiddenSize), whatever batchFirst says (as in PyTorch)
 *   output  (L, N, D * hiddenSize), or batch first; the last layer's h at every step
 *   hN, cN  (D * numLayers, N, hiddenSize); for the reverse direction, h_n is its state
 *           after reading position 0, so for bidirectional models h_n is not output[-1].
 *
 * Parameters: weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k}, and `_reverse`
 * for the backward direction; rows in gate order (LSTM i|f|g|o, GRU r|z|n); all drawn
 * from U(-1/sqrt(H), 1/sqrt(H)). A PyTorch state_dict loads as it is.
 *
 * Normalisation (`normalization`), for the chapter's advice that normalising helps
 * plain RNNs train. With a = W_ih x and b = W_hh h, before the biases:
 *   'layer' (Ba et al. 2016):  a <- LN(a) * ln_ih_weight,  b <- LN(b) * ln_hh_weight,
 *            LN(v) = (v - mean(v)) / sqrt(var(v) + 1e-5) over the G*H features of each row;
 *            LSTM also: h' = o * tanh(LN(c') * ln_c_weight + ln_c_bias).
 *            Gains start at 1, ln_c_bias at 0.
 *   'batch' (recurrent batch norm, Cooijmans et al. 2016): the same with BN over the batch,
 *            with statistics kept per time step s (steps past bnMaxSteps share the last);
 *            training uses the batch's mean and biased variance, and updates
 *            running = 0.9 * running + 0.1 * batch (unbiased variance), as nn.BatchNorm1d;
 *            evaluation uses the running statistics. Gains start at 0.1 (the paper's
 *            advice, keeping tanh and sigmoid out of saturation), biases at 0.
 * With normalisation the module steps cell by cell (autodiff), except a plain RNN on the wasm
 * backend with SeqLab's kernels (training, or layer norm), whose time loop runs in one kernel call
 * each way (`normalizedRnnLayer`); without, it runs the fused whole-sequence kernels of `fused.ts`.
 */
import { tf } from '../core/backend';
import { Random, freshSeed } from '../core/random';
import {
  CellWeights, GruGates, LstmGates, NONLINEARITIES, Nonlinearity, StepNorm, gruStep, lstmStep, rnnStep, uniformInit,
} from './cells';
import { CellMode, fusedLayer, normalizedRnnLayer } from './fused';
import { seqlabKernelsActive } from '../core/seqlabKernels';
import { Module, checkKnownKeys, checkPositiveInt } from './module';
import { linear, unstack0 } from './ops';

type Tensor = tf.Tensor;
type Tensor2D = tf.Tensor2D;
type Tensor3D = tf.Tensor3D;

import { NORMALIZATIONS, type Normalization } from '../core/names';

export { NORMALIZATIONS, type Normalization };

export interface RecurrentOptions {
  inputSize: number;
  hiddenSize: number;
  numLayers?: number;
  bias?: boolean;
  batchFirst?: boolean;
  /** Dropout on the outputs of every layer but the last, while training. */
  dropout?: number;
  bidirectional?: boolean;
  normalization?: Normalization;
  /** Batch norm: how many time steps keep their own statistics (default 128). */
  bnMaxSteps?: number;
  /** Seeds initialisation and dropout; random when absent. */
  seed?: number;
}

export interface LSTMOptions extends RecurrentOptions {
  /**
   * Initial forget-gate bias (Jozefowicz et al. 2015 recommend 1): when set, b_ih's
   * forget rows start at this value and b_hh's at 0, so the "conveyor belt" starts open.
   */
  forgetBias?: number;
}

export interface RNNOptions extends RecurrentOptions {
  nonlinearity?: Nonlinearity;
}

/** Gate activations of one layer and direction over the sequence, each (L, N, H). */
export type SequenceGates = Partial<Record<keyof LstmGates | keyof GruGates, Tensor3D>>;

export interface ForwardOptions {
  /** Also return every layer's and direction's gates (and h, c) per step. Slower. */
  returnGates?: boolean;
  /**
   * Called with each new hidden state (layer, direction, position t); what it returns
   * replaces h in the output and the recurrence. Probes add a zero tensor here to get
   * d loss / d h_t. Runs the step-by-step path.
   */
  hiddenHook?: (layer: number, direction: number, t: number, h: Tensor2D) => Tensor2D;
}

export interface RecurrentOutput {
  output: Tensor3D;
  hN: Tensor3D;
  cN?: Tensor3D;
  /** With returnGates, indexed by layer * D + direction: gates, h and c over time. */
  steps?: StepRecord[];
}

const RECURRENT_KEYS = ['inputSize', 'hiddenSize', 'numLayers', 'bias', 'batchFirst', 'dropout', 'bidirectional', 'normalization', 'bnMaxSteps', 'seed'];
const GATE_COUNT: Record<CellMode, number> = { rnn: 1, lstm: 4, gru: 3 };
const EPS = 1e-5;
const BN_MOMENTUM = 0.1;

type StepRecord = SequenceGates & { h: Tensor3D; c?: Tensor3D };

interface LayerResult {
  output: Tensor3D;
  hN: Tensor2D;
  cN?: Tensor2D;
  steps?: StepRecord;
}

interface LayerParams extends CellWeights {
  suffix: string;
  norm: Record<string, tf.Variable>;
}

export abstract class RNNBase extends Module {
  readonly mode: CellMode;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  readonly normalization: Normalization;
  readonly bnMaxSteps: number;
  protected readonly nonlinearityName: Nonlinearity = 'tanh';
  private readonly layers: LayerParams[] = [];
  private readonly rng: Random;

  protected constructor(mode: CellMode, options: RecurrentOptions, extraKeys: string[], nonlinearity: Nonlinearity = 'tanh') {
    super();
    const what = mode.toUpperCase();
    checkKnownKeys(what, options, [...RECURRENT_KEYS, ...extraKeys]);
    this.mode = mode;
    this.nonlinearityName = nonlinearity;
    this.inputSize = checkPositiveInt('inputSize', options.inputSize);
    this.hiddenSize = checkPositiveInt('hiddenSize', options.hiddenSize);
    this.numLayers = checkPositiveInt('numLayers', options.numLayers ?? 1);
    this.bias = options.bias ?? true;
    this.batchFirst = options.batchFirst ?? false;
    this.bidirectional = options.bidirectional ?? false;
    const dropout = options.dropout ?? 0;
    if (typeof dropout !== 'number' || !(dropout >= 0 && dropout <= 1)) {
      throw new RangeError(`dropout should be a number in range [0, 1] representing the probability of an element being zeroed, got ${String(dropout)}`);
    }
    if (dropout > 0 && this.numLayers === 1) {
      console.warn(`dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects numLayers greater than 1, but got dropout=${dropout} and numLayers=1`);
    }
    this.dropout = dropout;
    const norm = options.normalization ?? 'none';
    if (!NORMALIZATIONS.includes(norm)) {
      throw new Error(`normalization must be one of ${NORMALIZATIONS.map((n) => `'${n}'`).join(', ')}, got '${String(norm)}'`);
    }
    this.normalization = norm;
    this.bnMaxSteps = checkPositiveInt('bnMaxSteps', options.bnMaxSteps ?? 128);
    this.rng = new Random(options.seed ?? freshSeed());

    const G = GATE_COUNT[mode];
    const H = this.hiddenSize;
    const D = this.directions;
    for (let k = 0; k < this.numLayers; k++) {
      for (let d = 0; d < D; d++) {
        const suffix = `_l${k}${d ? '_reverse' : ''}`;
        const layerInput = k === 0 ? this.inputSize : D * H;
        const p: LayerParams = {
          suffix,
          weightIh: this.registerParameter(`weight_ih${suffix}`, uniformInit([G * H, layerInput], H, this.rng)) as Tensor as Tensor2D,
          weightHh: this.registerParameter(`weight_hh${suffix}`, uniformInit([G * H, H], H, this.rng)) as Tensor as Tensor2D,
          norm: {},
        };
        if (this.bias) {
          p.biasIh = this.registerParameter(`bias_ih${suffix}`, uniformInit([G * H], H, this.rng)) as Tensor as tf.Tensor1D;
          p.biasHh = this.registerParameter(`bias_hh${suffix}`, uniformInit([G * H], H, this.rng)) as Tensor as tf.Tensor1D;
        }
        if (norm !== 'none') this.registerNormalization(p, norm, G * H);
        this.layers.push(p);
      }
    }
  }

  get directions(): 1 | 2 {
    return this.bidirectional ? 2 : 1;
  }

  private registerNormalization(p: LayerParams, norm: 'layer' | 'batch', width: number): void {
    const pre = norm === 'layer' ? 'ln' : 'bn';
    const gain = norm === 'layer' ? 1 : 0.1;
    const H = this.hiddenSize;
    const parts: Array<[string, number]> = [['ih', width], ['hh', width]];
    if (this.mode === 'lstm') parts.push(['c', H]);
    for (const [part, size] of parts) {
      p.norm[`${part}_weight`] = this.registerParameter(`${pre}_${part}_weight${p.suffix}`, tf.fill([size], gain));
      if (part === 'c') p.norm.c_bias = this.registerParameter(`${pre}_c_bias${p.suffix}`, tf.zeros([size]));
      if (norm === 'batch') {
        p.norm[`${part}_running_mean`] = this.registerBuffer(`bn_${part}_running_mean${p.suffix}`, tf.zeros([this.bnMaxSteps, size]));
        p.norm[`${part}_running_var`] = this.registerBuffer(`bn_${part}_running_var${p.suffix}`, tf.ones([this.bnMaxSteps, size]));
      }
    }
  }

  /** Sets the forget-gate rows of the biases (LSTM): b_ih[f] = value, b_hh[f] = 0. */
  protected setForgetBias(value: number): void {
    const H = this.hiddenSize;
    for (const p of this.layers) {
      if (!p.biasIh || !p.biasHh) continue;
      tf.tidy(() => {
        const mask = tf.concat([tf.zeros([H]), tf.ones([H]), tf.zeros([2 * H])]);
        const keep = tf.sub(1, mask);
        (p.biasIh as Tensor as tf.Variable).assign(tf.add(tf.mul(p.biasIh!, keep), tf.mul(mask, value)));
        (p.biasHh as Tensor as tf.Variable).assign(tf.mul(p.biasHh!, keep));
      });
    }
  }

  /**
   * input: (L, N, inputSize) (or batch first, or unbatched (L, inputSize));
   * h0, c0: (D * numLayers, N, hiddenSize), zeros when absent.
   */
  forward(input: Tensor, h0?: Tensor, c0?: Tensor, options: ForwardOptions = {}): RecurrentOutput {
    if (c0 !== undefined && this.mode !== 'lstm') throw new Error(`${this.constructor.name}.forward takes no c0: only the LSTM has a cell state`);
    const D = this.directions;
    const H = this.hiddenSize;
    if (input.rank !== 2 && input.rank !== 3) {
      throw new Error(`${this.constructor.name}: Expected input to be 2D or 3D, got ${input.rank}D instead`);
    }
    const unbatched = input.rank === 2;
    if (input.shape[input.rank - 1] !== this.inputSize) {
      throw new Error(`input.size(-1) must be equal to input_size. Expected ${this.inputSize}, got ${input.shape[input.rank - 1]}`);
    }
    const batch: number = unbatched ? 1 : input.shape[this.batchFirst ? 0 : 1]!;
    const stateShape = unbatched ? [D * this.numLayers, H] : [D * this.numLayers, batch, H];
    for (const [name, s] of [['h0', h0], ['c0', c0]] as const) {
      if (s && (s.rank !== stateShape.length || s.shape.some((v, i) => v !== stateShape[i]))) {
        throw new Error(`Expected ${name} of size [${stateShape}], got [${s.shape}]`);
      }
    }
    const timeLength = input.shape[unbatched ? 0 : this.batchFirst ? 1 : 0];
    if (timeLength === 0) throw new Error(`${this.constructor.name}: the input sequence is empty (length 0)`);
    const stepwise = this.normalization !== 'none' || options.returnGates === true || options.hiddenHook !== undefined;

    return tf.tidy(() => {
      // Internally time first and batched: x (L, N, in), states (D*layers, N, H).
      let x = (unbatched ? input.expandDims(1) : this.batchFirst ? tf.transpose(input, [1, 0, 2]) : input) as Tensor3D;
      const hInit = h0 ? (unbatched ? h0.expandDims(1) : h0) : tf.zeros([D * this.numLayers, batch, H]);
      const cInit = this.mode === 'lstm' ? (c0 ? (unbatched ? c0.expandDims(1) : c0) : tf.zeros([D * this.numLayers, batch, H])) : undefined;
      const hStates = unstack0(hInit) as Tensor2D[];
      const cStates = cInit ? (unstack0(cInit) as Tensor2D[]) : [];
      const hN: Tensor2D[] = [];
      const cN: Tensor2D[] = [];
      const steps: NonNullable<RecurrentOutput['steps']> = [];
      for (let k = 0; k < this.numLayers; k++) {
        const outs: Tensor3D[] = [];
        for (let d = 0; d < D; d++) {
          const idx = k * D + d;
          const p = this.layers[idx];
          const r: LayerResult = stepwise
            ? this.stepLayer(p, x, hStates[idx], cStates[idx], d === 1, options.returnGates === true, options.hiddenHook && ((t, h) => options.hiddenHook!(k, d, t, h)))
            : fusedLayer({
              mode: this.mode, nonlinearity: this.nonlinearityName, x, h0: hStates[idx], c0: cStates[idx],
              weightIh: p.weightIh, weightHh: p.weightHh, biasIh: p.biasIh, biasHh: p.biasHh, reverse: d === 1,
            });
          outs.push(r.output);
          hN.push(r.hN);
          if (r.cN) cN.push(r.cN);
          if (r.steps) steps.push(r.steps);
        }
        x = D === 1 ? outs[0] : (tf.concat(outs, 2) as Tensor3D);
        if (this.training && this.dropout > 0 && k < this.numLayers - 1) {
          x = tf.dropout(x, this.dropout, undefined, this.rng.seed()) as Tensor3D;
        }
      }
      const output = (unbatched ? x.squeeze([1]) : this.batchFirst ? tf.transpose(x, [1, 0, 2]) : x) as Tensor3D;
      const stackState = (list: Tensor2D[]) => (unbatched ? tf.stack(list).squeeze([1]) : tf.stack(list)) as Tensor3D;
      const result: RecurrentOutput = { output, hN: stackState(hN) };
      if (this.mode === 'lstm') result.cN = stackState(cN);
      if (options.returnGates) result.steps = steps;
      return result as unknown as tf.TensorContainerObject;
    }) as unknown as RecurrentOutput;
  }

  /** One layer and direction, cell by cell: normalised variants, and gates for probes. */
  private stepLayer(
    p: LayerParams, x: Tensor3D, h0: Tensor2D, c0: Tensor2D | undefined, reverse: boolean, keepSteps: boolean,
    hook?: (t: number, h: Tensor2D) => Tensor2D,
  ): LayerResult {
    const [L, N, inputSize] = x.shape;
    const norm = this.normFor(p);
    // The input's part of every step in one product, normalised in one pass: only the recurrence needs the loop
    // (a third of a normalised LSTM step's kernels, and more of a plain RNN's, were the input's).
    let inputAll = tf.reshape(linear(tf.reshape(x, [L * N, inputSize]) as Tensor2D, p.weightIh), [L, N, -1]) as Tensor3D;
    if (norm) inputAll = norm.ihSequence(inputAll, reverse);
    if (p.biasIh && p.biasHh) inputAll = tf.add(inputAll, p.biasIh);
    // A normalised plain RNN's time loop in one call of SeqLab's wasm kernels each way (75 ms a step
    // of the adding problem cell by cell, ~6 ms so): not for probes, nor for batch norm's evaluation,
    // whose running statistics make the step a different function.
    if (norm && this.mode === 'rnn' && !keepSteps && !hook && seqlabKernelsActive() && (this.normalization === 'layer' || this.training)) {
      const r = normalizedRnnLayer({
        nonlinearity: this.nonlinearityName, inputs: inputAll, h0, weightHh: p.weightHh, gain: p.norm.hh_weight,
        biasHh: p.biasIh && p.biasHh ? p.biasHh : undefined, reverse, byBatch: this.normalization === 'batch',
      });
      norm.observeRecurrent?.(r.stats, N, reverse);
      norm.commit?.();
      return { output: r.output, hN: r.hN };
    }
    const inputs = unstack0(inputAll) as Tensor2D[];
    const hs: Tensor2D[] = new Array(L);
    const cs: Tensor2D[] = new Array(L);
    const gates: Record<string, Tensor2D[]> = {};
    let h = h0;
    let c = c0;
    for (let s = 0; s < L; s++) {
      const t = reverse ? L - 1 - s : s;
      let stepGates: Record<string, Tensor2D> = {};
      if (this.mode === 'lstm') {
        const r = lstmStep(p, inputs[t], h, c!, norm, s, inputs[t]);
        [h, c, stepGates] = [r.h, r.c, r.gates as unknown as Record<string, Tensor2D>];
        cs[t] = c;
      } else if (this.mode === 'gru') {
        const r = gruStep(p, inputs[t], h, norm, s, inputs[t]);
        [h, stepGates] = [r.h, r.gates as unknown as Record<string, Tensor2D>];
      } else {
        h = rnnStep(this.nonlinearityName, p, inputs[t], h, norm, s, inputs[t]).h;
      }
      if (hook) h = hook(t, h);
      hs[t] = h;
      for (const [name, g] of Object.entries(stepGates)) (gates[name] ??= new Array(L))[t] = g;
    }
    norm?.commit?.();
    const output = tf.stack(hs) as Tensor3D;
    const steps = keepSteps
      ? {
        ...(Object.fromEntries(Object.entries(gates).map(([n, list]) => [n, tf.stack(list) as Tensor3D])) as SequenceGates),
        h: output,
        ...(this.mode === 'lstm' ? { c: tf.stack(cs) as Tensor3D } : {}),
      }
      : undefined;
    return { output, hN: h, cN: c, steps };
  }

  private normFor(p: LayerParams): LayerNorms | undefined {
    if (this.normalization === 'layer') {
      const ln = <T extends Tensor>(v: T, gain: Tensor) => {
        const { mean, variance } = tf.moments(v, -1, true);
        return tf.mul(tf.div(tf.sub(v, mean), tf.sqrt(tf.add(variance, EPS))), gain) as T;
      };
      return {
        ihSequence: (v) => ln(v, p.norm.ih_weight),
        ih: (v) => ln(v, p.norm.ih_weight),
        hh: (v) => ln(v, p.norm.hh_weight),
        cell: (c) => tf.add(ln(c, p.norm.c_weight), p.norm.c_bias) as Tensor2D,
      };
    }
    if (this.normalization === 'batch') return new RecurrentBatchNorm(p.norm, this.bnMaxSteps, this.training);
    return undefined;
  }
}

/** A layer's normalisation: per step, and for the input's part of every step at once. */
interface LayerNorms extends StepNorm {
  /** The input pre-activations of all steps, (L, N, G) in time order; `reverse`: processed from the last step. */
  ihSequence(v: Tensor3D, reverse: boolean): Tensor3D;
  /** The recurrent term's statistics of a whole layer run by the wasm kernel: (L, 2, H) means and biased variances per step, time order. */
  observeRecurrent?(stats: Tensor3D, batch: number, reverse: boolean): void;
  commit?(): void;
}

/** Batch statistics per time step while training; running statistics for evaluation. */
class RecurrentBatchNorm implements LayerNorms {
  /**
   * The batch statistics seen while training, a block of consecutive processing steps at a time
   * (a whole sequence's from one call, or one step's): means and biased variances (K, G) in
   * processing order, step firstStep + i in row i. Step s keeps its running statistics in row
   * min(s, maxSteps - 1).
   */
  private readonly observed: Array<{ part: string; firstStep: number; batch: number; means: Tensor; variances: Tensor }> = [];

  constructor(private readonly p: Record<string, tf.Variable>, private readonly maxSteps: number, private readonly training: boolean) {}

  ihSequence(v: Tensor3D, reverse: boolean): Tensor3D {
    const [L, N] = v.shape;
    const stepOf = (t: number) => (reverse ? L - 1 - t : t);
    let mean: Tensor;
    let variance: Tensor;
    if (this.training) {
      ({ mean, variance } = tf.moments(v, 1, true)); // (L, 1, G): each step's statistics over the batch
      this.observeSequence('ih', tf.squeeze(mean, [1]), tf.squeeze(variance, [1]), N, reverse);
    } else {
      const rows = tf.tensor1d(Array.from({ length: L }, (_, t) => Math.min(stepOf(t), this.maxSteps - 1)), 'int32');
      mean = tf.expandDims(tf.gather(this.p.ih_running_mean, rows), 1);
      variance = tf.expandDims(tf.gather(this.p.ih_running_var, rows), 1);
    }
    return tf.mul(tf.div(tf.sub(v, mean), tf.sqrt(tf.add(variance, EPS))), this.p.ih_weight) as Tensor3D;
  }

  observeRecurrent(stats: Tensor3D, batch: number, reverse: boolean): void {
    const [means, variances] = tf.split(stats, 2, 1).map((part) => tf.squeeze(part, [1]));
    this.observeSequence('hh', means, variances, batch, reverse);
  }

  /** A whole sequence's statistics, (L, G) in time order: kept in processing order, as the step loop sees them. */
  private observeSequence(part: string, means: Tensor, variances: Tensor, batch: number, reverse: boolean): void {
    const inOrder = (t: Tensor) => (reverse ? tf.reverse(t, 0) : t);
    this.observed.push({ part, firstStep: 0, batch, means: inOrder(means), variances: inOrder(variances) });
  }

  ih(v: Tensor2D, step: number): Tensor2D {
    return this.apply('ih', v, step);
  }

  hh(v: Tensor2D, step: number): Tensor2D {
    return this.apply('hh', v, step);
  }

  cell(c: Tensor2D, step: number): Tensor2D {
    return tf.add(this.apply('c', c, step), this.p.c_bias) as Tensor2D;
  }

  private apply(part: string, v: Tensor2D, step: number): Tensor2D {
    let mean: Tensor;
    let variance: Tensor;
    if (this.training) {
      ({ mean, variance } = tf.moments(v, 0));
      this.observed.push({ part, firstStep: step, batch: v.shape[0], means: tf.expandDims(mean, 0), variances: tf.expandDims(variance, 0) });
    } else {
      const row = Math.min(step, this.maxSteps - 1);
      mean = tf.gather(this.p[`${part}_running_mean`], row);
      variance = tf.gather(this.p[`${part}_running_var`], row);
    }
    return tf.mul(tf.div(tf.sub(v, mean), tf.sqrt(tf.add(variance, EPS))), this.p[`${part}_weight`]) as Tensor2D;
  }

  /**
   * Folds the batch statistics into the running ones, in step order (as the loop saw them). The
   * first steps' rows are 0, 1, 2, ... (each once): they are folded in at once, the same arithmetic
   * per element as one at a time; steps past `maxSteps`, which share its last row, follow one by one.
   */
  commit(): void {
    for (const part of new Set(this.observed.map((o) => o.part))) {
      const blocks = this.observed.filter((x) => x.part === part);
      const meanBuf = this.p[`${part}_running_mean`];
      const varBuf = this.p[`${part}_running_var`];
      const rows = blocks.flatMap((b) => Array.from({ length: b.means.shape[0] }, (_, i) => Math.min(b.firstStep + i, this.maxSteps - 1)));
      let k = 0;
      while (k < rows.length && rows[k] === k) k++;
      tf.tidy(() => {
        const fold = (running: Tensor, stats: Tensor) => tf.add(tf.mul(running, 1 - BN_MOMENTUM), tf.mul(stats, BN_MOMENTUM));
        const unbiased = (b: (typeof blocks)[number]) => tf.mul(b.variances, b.batch / Math.max(b.batch - 1, 1));
        const all = (list: Tensor[]) => (list.length === 1 ? list[0] : tf.concat(list));
        // Every step's statistics in processing order, one row a step (one multiply for the variances when the batches agree).
        const stepMeans = all(blocks.map((b) => b.means));
        const sameBatch = blocks.every((b) => b.batch === blocks[0].batch);
        const stepVars = sameBatch ? unbiased({ ...blocks[0], variances: all(blocks.map((b) => b.variances)) }) : all(blocks.map(unbiased));
        let means = meanBuf as Tensor;
        let vars = varBuf as Tensor;
        if (k > 0) {
          const rest = (buf: Tensor) => (k < buf.shape[0] ? [tf.slice(buf, k)] : []);
          const first = (t: Tensor) => (k === rows.length ? t : tf.slice(t, 0, k));
          means = tf.concat([fold(tf.slice(means, 0, k), first(stepMeans)), ...rest(means)]);
          vars = tf.concat([fold(tf.slice(vars, 0, k), first(stepVars)), ...rest(vars)]);
        }
        if (k < rows.length) {
          const meanRows = tf.unstack(means);
          const varRows = tf.unstack(vars);
          const laterMeans = tf.unstack(tf.slice(stepMeans, k));
          const laterVars = tf.unstack(tf.slice(stepVars, k));
          rows.slice(k).forEach((row, i) => {
            meanRows[row] = fold(meanRows[row], laterMeans[i]);
            varRows[row] = fold(varRows[row], laterVars[i]);
          });
          [means, vars] = [tf.stack(meanRows), tf.stack(varRows)];
        }
        meanBuf.assign(means);
        varBuf.assign(vars);
      });
    }
  }
}

export class RNN extends RNNBase {
  readonly nonlinearity: Nonlinearity;

  constructor(options: RNNOptions) {
    const nl = options.nonlinearity ?? 'tanh';
    if (!NONLINEARITIES.includes(nl)) {
      throw new Error(`Unknown nonlinearity '${String(nl)}'. Select from 'tanh', 'relu' or 'sigmoid'.`);
    }
    super('rnn', options, ['nonlinearity'], nl);
    this.nonlinearity = nl;
  }
}

export class LSTM extends RNNBase {
  constructor(options: LSTMOptions) {
    super('lstm', options, ['forgetBias']);
    if (options.forgetBias !== undefined) {
      if (!this.bias) throw new Error('forgetBias needs bias=true');
      this.setForgetBias(options.forgetBias);
    }
  }
}

export class GRU extends RNNBase {
  constructor(options: RecurrentOptions) {
    super('gru', options, []);
  }
}
