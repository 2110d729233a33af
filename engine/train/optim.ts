/**
 * Optimisers with torch.optim's update rules, defaults and state names, so a run can be
 * checked against PyTorch and resumed exactly from its saved state.
 *
 *   sgd      buf = momentum * buf + g;  p -= lr * buf                     (momentum 0.9 here; torch's default is 0)
 *   adam     m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;
 *            p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)  (b1 0.9, b2 0.999, eps 1e-8)
 *   rmsprop  s = alpha s + (1-alpha) g^2;  p -= lr * g / (sqrt(s) + eps)  (alpha 0.99, eps 1e-8)
 *   adagrad  s += g^2;  p -= lr * g / (sqrt(s) + eps)                     (eps 1e-10)
 * Weight decay is torch's (L2): g += weightDecay * p before the rule. Clipping is the
 * step's, not the optimiser's (as torch.nn.utils is apart from torch.optim): stepper.ts.
 */
import { tf } from '../core/backend';
import { OPTIMIZER_NAMES, SCHEDULE_NAMES, type OptimizerName, type ScheduleName } from '../core/names';
import { CataloguedError, message } from '../core/messages';

export { OPTIMIZER_NAMES, SCHEDULE_NAMES, type OptimizerName, type ScheduleName };

export interface OptimizerSettings {
  name: OptimizerName;
  momentum?: number;
  beta1?: number;
  beta2?: number;
  alpha?: number;
  eps?: number;
  weightDecay?: number;
}

/** State tensor names per rule, as torch's optimizer.state_dict() calls them. */
const STATE_NAMES: Record<OptimizerName, string[]> = {
  adam: ['exp_avg', 'exp_avg_sq'],
  sgd: ['momentum_buffer'],
  rmsprop: ['square_avg'],
  adagrad: ['sum'],
};

export class Optimizer {
  readonly settings: Required<OptimizerSettings>;
  /** Steps taken so far (torch's `step`), which Adam's bias correction needs. */
  stepCount = 0;
  private readonly state = new Map<string, tf.Variable>();

  constructor(private readonly params: Array<[string, tf.Variable]>, settings: OptimizerSettings) {
    const name = settings.name;
    if (!OPTIMIZER_NAMES.includes(name)) throw new CataloguedError(message('optimizer-name', { got: String(name), allowed: [...OPTIMIZER_NAMES] }));
    this.settings = {
      name,
      momentum: settings.momentum ?? 0.9,
      beta1: settings.beta1 ?? 0.9,
      beta2: settings.beta2 ?? 0.999,
      alpha: settings.alpha ?? 0.99,
      eps: settings.eps ?? (name === 'adagrad' ? 1e-10 : 1e-8),
      weightDecay: settings.weightDecay ?? 0,
    };
    for (const [pname, p] of params) {
      for (const s of STATE_NAMES[name]) {
        const zeros = tf.zerosLike(p);
        this.state.set(`${s}.${pname}`, tf.variable(zeros, false)); // the variable keeps the data; the handle goes
        zeros.dispose();
      }
    }
  }

  /** One update with `grads` in parameter order, at learning rate `lr`. */
  step(grads: tf.Tensor[], lr: number): void {
    this.stepCount++;
    const t = this.stepCount;
    const o = this.settings;
    tf.tidy(() => {
      this.params.forEach(([name, p], i) => {
        let g = grads[i];
        if (o.weightDecay) g = tf.add(g, tf.mul(p, o.weightDecay));
        const st = (s: string) => this.state.get(`${s}.${name}`)!;
        if (o.name === 'sgd') {
          const buf = o.momentum ? tf.add(tf.mul(st('momentum_buffer'), o.momentum), g) : g;
          if (o.momentum) st('momentum_buffer').assign(buf);
          p.assign(tf.sub(p, tf.mul(buf, lr)));
        } else if (o.name === 'adam') {
          const m = tf.add(tf.mul(st('exp_avg'), o.beta1), tf.mul(g, 1 - o.beta1));
          const v = tf.add(tf.mul(st('exp_avg_sq'), o.beta2), tf.mul(tf.square(g), 1 - o.beta2));
          st('exp_avg').assign(m);
          st('exp_avg_sq').assign(v);
          const stepSize = lr / (1 - o.beta1 ** t);
          const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(1 - o.beta2 ** t)), o.eps);
          p.assign(tf.sub(p, tf.mul(tf.div(m, denom), stepSize)));
        } else {
          const s = o.name === 'rmsprop'
            ? tf.add(tf.mul(st('square_avg'), o.alpha), tf.mul(tf.square(g), 1 - o.alpha))
            : tf.add(st('sum'), tf.square(g));
          st(o.name === 'rmsprop' ? 'square_avg' : 'sum').assign(s);
          p.assign(tf.sub(p, tf.mul(tf.div(g, tf.add(tf.sqrt(s), o.eps)), lr)));
        }
      });
    });
  }

  /** State tensors by name (`exp_avg.rnn.weight_ih_l0`, ...). Owned by the optimizer. */
  stateTensors(): Record<string, tf.Tensor> {
    return Object.fromEntries(this.state);
  }

  /** Restores state saved by `stateTensors()`; every tensor must be present with its shape. */
  loadState(record: Record<string, { shape: number[]; data: Float32Array }>, stepCount: number): void {
    for (const [name, v] of this.state) {
      const saved = record[name];
      if (!saved) throw new Error(`optimizer state: missing tensor "${name}"`);
      if (saved.shape.join() !== v.shape.join()) throw new Error(`optimizer state: "${name}" has shape [${saved.shape}], expected [${v.shape}]`);
    }
    for (const [name, v] of this.state) tf.tidy(() => v.assign(tf.tensor(record[name].data, v.shape)));
    this.stepCount = stepCount;
  }

  dispose(): void {
    for (const v of this.state.values()) v.dispose();
    this.state.clear();
  }
}

export interface ScheduleSettings {
  learningRate: number;
  schedule: ScheduleName;
  /** Linear warm-up from 0 over this many steps, before the schedule. */
  warmupSteps: number;
  /** cosine: decays to learningRate * minRatio at totalSteps. */
  totalSteps: number;
  minRatio: number;
  /** step: multiply by gamma every stepSize steps. */
  stepSize: number;
  gamma: number;
}

/** The learning rate for step `step` (1-based). */
export function learningRateAt(step: number, s: ScheduleSettings): number {
  if (s.warmupSteps > 0 && step <= s.warmupSteps) return (s.learningRate * step) / s.warmupSteps;
  const t = step - s.warmupSteps;
  if (s.schedule === 'step') return s.learningRate * s.gamma ** Math.floor(t / s.stepSize);
  if (s.schedule === 'cosine') {
    const span = Math.max(1, s.totalSteps - s.warmupSteps);
    const progress = Math.min(1, t / span);
    const min = s.learningRate * s.minRatio;
    return min + 0.5 * (s.learningRate - min) * (1 + Math.cos(Math.PI * progress));
  }
  return s.learningRate;
}
