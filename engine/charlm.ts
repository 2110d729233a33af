/**
 * A character language model: embedding -> recurrent layers -> linear head, trained
 * with cross-entropy, Adam and gradient clipping by global norm. PyTorch twin:
 *
 *   class CharLM(nn.Module):
 *       embedding = nn.Embedding(V, E); rnn = nn.LSTM(E, H, num_layers); head = nn.Linear(H, V)
 *
 * so its state_dict names are `embedding.weight`, `rnn.weight_ih_l0`, ..., `head.weight`,
 * `head.bias`.
 */
import { tf } from './backend';
import { Random, freshSeed } from './random';
import { Module, checkKnownKeys, checkPositiveInt } from './nn/module';
import { crossEntropy, linear } from './nn/ops';
import { GRU, LSTM, RNN, type ForwardOptions, type Normalization, type RNNBase, type RecurrentOutput } from './nn/recurrent';
import { Optimizer, clipGradients, optimizeStep, type OptimizerSettings } from './train/optim';

import { CELL_TYPES, type CellType } from './names';

export { CELL_TYPES, type CellType };

export interface CharLMConfig {
  vocabSize: number;
  embeddingSize: number;
  hiddenSize: number;
  numLayers?: number;
  cell?: CellType;
  dropout?: number;
  normalization?: Normalization;
  forgetBias?: number;
  seed?: number;
}

export interface OptimizerConfig extends Partial<OptimizerSettings> {
  /** Default for trainStep when no rate is passed (the schedule passes one). Default 2e-3. */
  learningRate?: number;
  /** Clip the global gradient norm to this (torch.nn.utils.clip_grad_norm_); 0 = off. */
  clipNorm?: number;
  /** Clip every gradient element to [-clipValue, clipValue] first (clip_grad_value_); 0 = off. */
  clipValue?: number;
}

const CONFIG_KEYS = ['vocabSize', 'embeddingSize', 'hiddenSize', 'numLayers', 'cell', 'dropout', 'normalization', 'forgetBias', 'seed'];

/**
 * The embedding's gradient: row `ids[r]` of the (V, E) result gathers row r of dy. A
 * scatter-add in plain typed arrays: wasm lacks UnsortedSegmentSum (tf.gather's own
 * gradient), and the product with a one-hot (N*L, V) matrix it replaced cost N*L*V*E
 * multiply-adds for N*L*E useful ones (~300 MFLOP a step with a 2,400-character vocabulary).
 */
export function embeddingGrad(ids: Int32Array, dy: Float32Array, vocab: number, width: number): Float32Array {
  const out = new Float32Array(vocab * width);
  for (let r = 0; r < ids.length; r++) {
    const to = ids[r] * width;
    const from = r * width;
    for (let e = 0; e < width; e++) out[to + e] += dy[from + e];
  }
  return out;
}

/** Embedding lookup with the scatter-add gradient above. */
const embeddingLookup = tf.customGrad((weight, ids, save) => {
  (save as tf.GradSaveFunc)([ids as tf.Tensor]);
  const [vocab, width] = (weight as tf.Tensor).shape as [number, number];
  return {
    value: tf.gather(weight as tf.Tensor, ids as tf.Tensor),
    gradFunc: (dy: tf.Tensor, [savedIds]: tf.Tensor[]) => [
      tf.tensor2d(embeddingGrad(savedIds.dataSync() as Int32Array, dy.dataSync() as Float32Array, vocab, width), [vocab, width]),
      tf.zerosLike(savedIds),
    ],
  };
});

export interface TrainStepResult {
  loss: number;
  gradNorm: number;
}

export class CharLM extends Module {
  readonly config: Required<Omit<CharLMConfig, 'forgetBias' | 'seed'>> & Pick<CharLMConfig, 'forgetBias' | 'seed'>;
  readonly embedding: tf.Variable;
  readonly rnn: RNNBase;
  readonly headWeight: tf.Variable;
  readonly headBias: tf.Variable;
  private optimizer?: Optimizer;
  private optimizerConfig: OptimizerConfig & { learningRate: number; clipNorm: number; clipValue: number } = { learningRate: 2e-3, clipNorm: 0, clipValue: 0 };

  constructor(config: CharLMConfig) {
    super();
    checkKnownKeys('CharLM', config, CONFIG_KEYS);
    const cell = config.cell ?? 'lstm';
    if (!CELL_TYPES.includes(cell)) throw new Error(`cell must be one of ${CELL_TYPES.join(', ')}, got '${String(cell)}'`);
    this.config = {
      vocabSize: checkPositiveInt('vocabSize', config.vocabSize),
      embeddingSize: checkPositiveInt('embeddingSize', config.embeddingSize),
      hiddenSize: checkPositiveInt('hiddenSize', config.hiddenSize),
      numLayers: checkPositiveInt('numLayers', config.numLayers ?? 1),
      cell,
      dropout: config.dropout ?? 0,
      normalization: config.normalization ?? 'none',
      forgetBias: config.forgetBias,
      seed: config.seed,
    };
    const rng = new Random(config.seed ?? freshSeed());
    const { vocabSize: V, embeddingSize: E, hiddenSize: H } = this.config;
    // nn.Embedding draws N(0, 1); nn.Linear draws U(-1/sqrt(in), 1/sqrt(in)).
    this.embedding = this.registerParameter('embedding.weight', tf.randomNormal([V, E], 0, 1, 'float32', rng.seed()));
    const common = {
      inputSize: E, hiddenSize: H, numLayers: this.config.numLayers, dropout: this.config.dropout,
      normalization: this.config.normalization, seed: rng.seed(),
    };
    this.rnn = this.registerModule('rnn', cell === 'lstm' ? new LSTM({ ...common, forgetBias: config.forgetBias })
      : cell === 'gru' ? new GRU(common)
        : new RNN({ ...common, nonlinearity: cell === 'rnn-relu' ? 'relu' : cell === 'rnn-sigmoid' ? 'sigmoid' : 'tanh' }));
    const bound = 1 / Math.sqrt(H);
    this.headWeight = this.registerParameter('head.weight', tf.randomUniform([V, H], -bound, bound, 'float32', rng.seed()));
    this.headBias = this.registerParameter('head.bias', tf.randomUniform([V], -bound, bound, 'float32', rng.seed()));
  }

  /**
   * ids: (N, L) int32 token ids. Returns logits (L*N, V) in time-major order (row t*N + n)
   * and the final states, which the caller owns.
   */
  forward(ids: tf.Tensor2D, h0?: tf.Tensor3D, c0?: tf.Tensor3D, options?: ForwardOptions): { logits: tf.Tensor2D; hN: tf.Tensor3D; cN?: tf.Tensor3D; steps?: RecurrentOutput['steps'] } {
    return tf.tidy(() => this.forwardEmbedded(this.embed(ids), h0, c0, options));
  }

  /** Token ids (N, L) to embedding vectors, time first: (L, N, E). */
  embed(ids: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => {
      const [N, L] = ids.shape;
      const timeMajor = tf.transpose(ids).reshape([L * N]); // (L*N)
      return (embeddingLookup(this.embedding, timeMajor) as tf.Tensor).reshape([L, N, this.config.embeddingSize]) as tf.Tensor3D;
    });
  }

  /** The model from embedding vectors x (L, N, E) on: what influence probes differentiate. */
  forwardEmbedded(x: tf.Tensor3D, h0?: tf.Tensor3D, c0?: tf.Tensor3D, options?: ForwardOptions): { logits: tf.Tensor2D; hN: tf.Tensor3D; cN?: tf.Tensor3D; steps?: RecurrentOutput['steps'] } {
    return tf.tidy(() => {
      const [L, N] = x.shape;
      const r = this.rnn.forward(x, h0, c0, options);
      const logits = linear(r.output.reshape([L * N, this.config.hiddenSize]), this.headWeight as tf.Tensor as tf.Tensor2D, this.headBias);
      return { logits, hN: r.hN, ...(r.cN ? { cN: r.cN } : {}), ...(r.steps ? { steps: r.steps } : {}) };
    }) as unknown as { logits: tf.Tensor2D; hN: tf.Tensor3D; cN?: tf.Tensor3D; steps?: RecurrentOutput['steps'] };
  }

  /** Mean cross-entropy (nats per character) of predicting window[:, 1:] from window[:, :-1]. */
  loss(windows: tf.Tensor2D): tf.Scalar {
    return tf.tidy(() => {
      const [N, W] = windows.shape;
      const inputs = tf.slice(windows, [0, 0], [N, W - 1]) as tf.Tensor2D;
      const targets = tf.transpose(tf.slice(windows, [0, 1], [N, W - 1])).reshape([(W - 1) * N]) as tf.Tensor1D;
      const { logits } = this.forward(inputs);
      return crossEntropy(logits, targets);
    });
  }

  /** Sets the optimiser (default Adam) and clipping; starts its state afresh. */
  setOptimizer(config: OptimizerConfig): Optimizer {
    this.optimizerConfig = { ...this.optimizerConfig, ...config };
    this.optimizer?.dispose();
    this.optimizer = new Optimizer(this.namedParameters(), { ...this.optimizerConfig, name: this.optimizerConfig.name ?? 'adam' });
    return this.optimizer;
  }

  /** The optimiser in use (created with defaults on first use). */
  getOptimizer(): Optimizer {
    return this.optimizer ?? this.setOptimizer({});
  }

  /** One Adam step on a batch of token windows (N, L+1); returns the loss before the step. */
  trainStep(windows: tf.Tensor2D, learningRate = this.optimizerConfig.learningRate): TrainStepResult {
    this.getOptimizer();
    this.train();
    const params = this.parameters();
    const { clipNorm, clipValue } = this.optimizerConfig;
    return optimizeStep(params, () => this.loss(windows), this.optimizer!, learningRate, clipNorm, clipValue);
  }

  /**
   * The mean loss over the windows and its gradient for every parameter, flattened in
   * `parameters()` order into one array: what a data-parallel replica sends to be averaged.
   */
  computeGradients(windows: tf.Tensor2D): { loss: number; grads: Float32Array } {
    this.train();
    const params = this.parameters();
    const flat = new Float32Array(params.reduce((n, p) => n + p.size, 0));
    // The array stays outside tidy's result: tidy walks every key of what it returns.
    const loss = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => this.loss(windows), params);
      let offset = 0;
      for (const p of params) {
        flat.set(grads[p.name].dataSync() as Float32Array, offset);
        offset += p.size;
      }
      return value.dataSync()[0];
    });
    return { loss, grads: flat };
  }

  /** Clips and applies one Adam step with flattened gradients, as trainStep does; returns the norm before clipping. */
  applyGradients(flat: Float32Array, learningRate = this.optimizerConfig.learningRate): number {
    this.getOptimizer();
    const params = this.parameters();
    return tf.tidy(() => {
      let offset = 0;
      const list = params.map((p) => {
        const g = tf.tensor(flat.subarray(offset, offset + p.size), p.shape);
        offset += p.size;
        return g;
      });
      const { grads, norm } = clipGradients(list, this.optimizerConfig.clipNorm, this.optimizerConfig.clipValue);
      this.optimizer!.step(grads, learningRate);
      return norm.dataSync()[0];
    });
  }

  override dispose(): void {
    this.optimizer?.dispose();
    super.dispose();
  }
}

