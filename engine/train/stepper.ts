/**
 * The training step in every form, owned by the loop as in PyTorch: the model is a module,
 * the loop holds the optimiser and clips. A `Stepper` is what the loop drives:
 * `LocalStepper` runs the step in this thread, `DataParallelStepper` (dataParallel.ts)
 * splits each batch across replica threads (replica.ts), which run the functions below.
 * Both take the same batch and give the same result up to the order of floating-point sums.
 *
 *   gradients  g = d loss / d params                          (lossAndGradients)
 *   clip       g = clamp(g, -clipValue, clipValue);           (clip_grad_value_, when > 0)
 *              g *= min(1, clipNorm / (||g|| + 1e-6))          (clip_grad_norm_, when > 0)
 *   update     the optimiser's rule (optim.ts)
 */
import { tf } from '../core/backend';
import type { CharLM } from '../model/charlm';
import { stableGlobalNorm } from '../nn/ops';
import type { TrainConfig } from './config';
import { Optimizer, type OptimizerSettings } from './optim';

/** The clipping of a run (the loop's, as in torch.nn.utils, not the optimiser's). */
export interface ClipSettings {
  /** Clip the global gradient norm to this (torch.nn.utils.clip_grad_norm_); 0 = off. */
  clipNorm: number;
  /** Clip every gradient element to [-clipValue, clipValue] first (clip_grad_value_); 0 = off. */
  clipValue: number;
}

/** What a step does besides the gradient: the optimiser's rule and the clipping. */
export interface StepRules {
  optimizer: OptimizerSettings;
  clip: ClipSettings;
}

export interface StepResult {
  /** The batch's mean loss before the step. */
  loss: number;
  /** The global gradient norm before clipping. */
  gradNorm: number;
}

export interface Stepper {
  /** Threads computing gradients (1 = this thread). */
  readonly workers: number;
  /** The optimiser whose state checkpoints save; current after `sync()`. */
  readonly optimizer: Optimizer;
  /** One step on `rows` token windows of `width` ids (row-major), at learning rate `lr`. */
  step(windows: Int32Array, rows: number, width: number, lr: number): Promise<StepResult>;
  /** The mean loss over the windows, in evaluation mode, in chunks of at most `chunk` windows. */
  evaluate(windows: Int32Array, rows: number, width: number, chunk: number): Promise<number>;
  /** Makes the host's model and optimiser hold the trained weights and state (before a save or a sample). */
  sync(): Promise<void>;
  /** Stops any threads and releases the optimiser; the model stays the caller's. */
  dispose(): Promise<void>;
}

export function stepRulesOf(config: TrainConfig): StepRules {
  return { optimizer: { name: config.optimizer, momentum: config.momentum, weightDecay: config.weightDecay }, clip: { clipNorm: config.clipNorm, clipValue: config.clipValue } };
}

export function createOptimizer(model: CharLM, settings: OptimizerSettings): Optimizer {
  return new Optimizer(model.namedParameters(), settings);
}

/**
 * torch.nn.utils.clip_grad_value_ (when clipValue > 0), then clip_grad_norm_ (when
 * clipNorm > 0: scale by min(1, clipNorm / (norm + 1e-6))). Returns the gradients and the
 * global norm before norm clipping, the figure clip_grad_norm_ returns.
 */
export function clipGradients(grads: tf.Tensor[], clipNorm: number, clipValue = 0): { grads: tf.Tensor[]; norm: tf.Scalar } {
  let list = clipValue > 0 ? grads.map((g) => tf.clipByValue(g, -clipValue, clipValue)) : grads;
  // Scaled before squaring (stableNorm): a plain sum of squares reads 0 or Infinity for gradients that are merely tiny or huge.
  const norm = stableGlobalNorm(list);
  if (clipNorm > 0) {
    const coef = tf.minimum(1, tf.div(clipNorm, tf.add(norm, 1e-6)));
    list = list.map((g) => tf.mul(g, coef));
  }
  return { grads: list, norm };
}

/** One training step: the gradients of `loss` for `params`, clipped, applied. */
export function optimizeStep(params: tf.Variable[], loss: () => tf.Scalar, optimizer: Optimizer, learningRate: number, clipNorm: number, clipValue = 0): { loss: number; gradNorm: number } {
  let value = NaN;
  const gradNorm = tf.tidy(() => {
    const r = tf.variableGrads(loss, params);
    value = r.value.dataSync()[0];
    const { grads, norm } = clipGradients(params.map((p) => r.grads[p.name]), clipNorm, clipValue);
    optimizer.step(grads, learningRate);
    return norm.dataSync()[0];
  });
  return { loss: value, gradNorm };
}

/**
 * The mean loss over the windows and its gradient for every parameter, flattened in
 * `parameters()` order into one array: what a data-parallel replica sends to be averaged.
 */
export function lossAndGradients(model: CharLM, windows: tf.Tensor2D): { loss: number; grads: Float32Array } {
  model.train();
  const params = model.parameters();
  const flat = new Float32Array(params.reduce((n, p) => n + p.size, 0));
  // The array stays outside tidy's result: tidy walks every key of what it returns.
  const loss = tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => model.loss(windows), params);
    let offset = 0;
    for (const p of params) {
      flat.set(grads[p.name].dataSync() as Float32Array, offset);
      offset += p.size;
    }
    return value.dataSync()[0];
  });
  return { loss, grads: flat };
}

/** Clips flattened gradients and applies one optimiser step; returns the norm before clipping. */
export function applyFlatGradients(model: CharLM, optimizer: Optimizer, flat: Float32Array, lr: number, clip: ClipSettings): number {
  return tf.tidy(() => {
    let offset = 0;
    const list = model.parameters().map((p) => {
      const g = tf.tensor(flat.subarray(offset, offset + p.size), p.shape);
      offset += p.size;
      return g;
    });
    const { grads, norm } = clipGradients(list, clip.clipNorm, clip.clipValue);
    optimizer.step(grads, lr);
    return norm.dataSync()[0];
  });
}

/** Mean validation loss over the windows, in evaluation mode, in chunks of `chunk` windows. */
export function evaluateLoss(model: CharLM, windows: tf.Tensor2D, chunk: number): number {
  const wasTraining = model.training;
  model.eval();
  try {
    const n = windows.shape[0];
    let total = 0;
    for (let start = 0; start < n; start += chunk) {
      const size = Math.min(chunk, n - start);
      total += tf.tidy(() => model.loss(tf.slice(windows, [start, 0], [size, -1]) as tf.Tensor2D, { gradients: false }).dataSync()[0]) * size;
    }
    return total / n;
  } finally {
    model.train(wasTraining);
  }
}

/** The step in this thread: gradients, clipping and the update in one tidy scope. */
export class LocalStepper implements Stepper {
  readonly workers = 1;

  constructor(private readonly model: CharLM, readonly optimizer: Optimizer, private readonly clip: ClipSettings) {}

  /** A fresh optimiser for `model` from a training config. */
  static forConfig(model: CharLM, config: TrainConfig): LocalStepper {
    const rules = stepRulesOf(config);
    return new LocalStepper(model, createOptimizer(model, rules.optimizer), rules.clip);
  }

  /** The same step on a tensor of windows (N, L+1): what experiments and tests call. */
  stepTensor(windows: tf.Tensor2D, lr: number): StepResult {
    this.model.train();
    return optimizeStep(this.model.parameters(), () => this.model.loss(windows), this.optimizer, lr, this.clip.clipNorm, this.clip.clipValue);
  }

  async step(windows: Int32Array, rows: number, width: number, lr: number): Promise<StepResult> {
    const batch = tf.tensor2d(windows, [rows, width], 'int32');
    try {
      return this.stepTensor(batch, lr);
    } finally {
      batch.dispose();
    }
  }

  async evaluate(windows: Int32Array, rows: number, width: number, chunk: number): Promise<number> {
    const batch = tf.tensor2d(windows, [rows, width], 'int32');
    try {
      return evaluateLoss(this.model, batch, chunk);
    } finally {
      batch.dispose();
    }
  }

  async sync(): Promise<void> {}

  /** Releases the optimiser (the model stays the caller's). */
  async dispose(): Promise<void> {
    this.optimizer.dispose();
  }
}
