/**
 * A character language model: embedding -> recurrent layers -> linear head, with its
 * cross-entropy loss. A module only: the training loop (engine/train) owns the optimiser
 * and the step, as in PyTorch. PyTorch twin:
 *
 *   class CharLM(nn.Module):
 *       embedding = nn.Embedding(V, E); rnn = nn.LSTM(E, H, num_layers); head = nn.Linear(H, V)
 *
 * so its state_dict names are `embedding.weight`, `rnn.weight_ih_l0`, ..., `head.weight`,
 * `head.bias`.
 */
import { tf } from '../core/backend';
import { Random, freshSeed } from '../core/random';
import { Module, checkKnownKeys, checkPositiveInt } from '../nn/module';
import { headCrossEntropy, linear } from '../nn/ops';
import { GRU, LSTM, RNN, type ForwardOptions, type Normalization, type RNNBase, type RecurrentOutput } from '../nn/recurrent';

import { CELL_TYPES, type CellType } from '../core/names';
import { CataloguedError, message } from '../core/messages';

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

export class CharLM extends Module {
  readonly config: Required<Omit<CharLMConfig, 'forgetBias' | 'seed'>> & Pick<CharLMConfig, 'forgetBias' | 'seed'>;
  readonly embedding: tf.Variable;
  readonly rnn: RNNBase;
  readonly headWeight: tf.Variable;
  readonly headBias: tf.Variable;

  constructor(config: CharLMConfig) {
    super();
    checkKnownKeys('CharLM', config, CONFIG_KEYS);
    const cell = config.cell ?? 'lstm';
    if (!CELL_TYPES.includes(cell)) throw new CataloguedError(message('cell-type', { got: String(cell), allowed: [...CELL_TYPES] }));
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

  /**
   * Mean cross-entropy (nats per character) of predicting window[:, 1:] from window[:, :-1].
   * The head and the loss go through the logits in chunks of rows (headCrossEntropy), so a
   * large vocabulary does not hold (L*N, V) floats several times over; `gradients: false`
   * (evaluation) skips the gradient work done in its forward pass.
   */
  loss(windows: tf.Tensor2D, options: { gradients: boolean } = { gradients: true }): tf.Scalar {
    return tf.tidy(() => {
      const [N, W] = windows.shape;
      const L = W - 1;
      const inputs = tf.slice(windows, [0, 0], [N, L]) as tf.Tensor2D;
      const targets = tf.transpose(tf.slice(windows, [0, 1], [N, L])).reshape([L * N]) as tf.Tensor1D;
      const r = this.rnn.forward(this.embed(inputs));
      const h = r.output.reshape([L * N, this.config.hiddenSize]) as tf.Tensor2D;
      return headCrossEntropy(h, this.headWeight as tf.Tensor as tf.Tensor2D, this.headBias, targets, options);
    });
  }
}
