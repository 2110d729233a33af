/**
 * Looking inside a trained model on a piece of text: what the inspector draws and the
 * experiments measure. For positions t = 0..L-1 of the text (each predicting t+1):
 *   - every layer's gate activations, h and c (rows = positions, columns = units);
 *   - the probability of the actual next character, its surprisal in bits, the top 5;
 *   - gradient norms through time: ||d loss_{L-1} / d h_t|| per layer, for every t;
 *   - the influence matrix |d logit_t[actual next] / d x_s| (L2 norm over the
 *     embedding of input s), which is zero for s > t in a causal model.
 * Matrices are row-major Float32Arrays, so the worker can transfer them.
 */
import { tf } from '../core/backend';
import { stableNorm } from '../nn/ops';
import type { CharLM } from './charlm';
import { describeCharacters, type Vocabulary } from '../text/vocabulary';
import { connectivity, type ConnectivityMatrix } from './connectivity';
import { CataloguedError, message } from '../core/messages';

export interface Matrix { rows: number; cols: number; data: Float32Array }

export interface LayerProbe {
  layer: number;
  /** i, f, g, o (LSTM) or r, z, n (GRU); none for a plain RNN. */
  gates: Record<string, Matrix>;
  h: Matrix;
  c?: Matrix;
}

export interface PositionSurprisal {
  /** The character read at t, and the next one the model had to predict. */
  input: string;
  actual: string;
  probability: number;
  bits: number;
  top: Array<{ token: string; probability: number }>;
}

export interface ProbeResult {
  /** The characters (tokens) read, one per position (all of the text with `includeLast`, else all but the last). */
  tokens: string[];
  /** (L, V): the model's logits at each position, for checking against PyTorch. */
  logits: Matrix;
  layers: LayerProbe[];
  surprisal: PositionSurprisal[];
  /** Per layer: ||d loss_{L-1} / d h_t|| for t = 0..L-1 (empty when not asked for). */
  gradientNorms: Float32Array[];
  /** (L, L): row t, column s. Absent when the text is longer than `maxInfluenceLength`. */
  influence?: Matrix;
  /** (L, window): what drove each prediction (connectivity.ts). Present when asked for. */
  connectivity?: ConnectivityMatrix;
  warnings: string[];
}

export interface ProbeOptions {
  /** Longer texts are cut to their first this-many tokens (default 1024). */
  maxLength?: number;
  /** The influence matrix costs one backward pass per position: only up to this length (default 256; 0 = not wanted). */
  maxInfluenceLength?: number;
  /**
   * Also read the last character (the inspector shows a column for every character): the
   * layers then have one more row than `surprisal`, since nothing follows the last one.
   */
  includeLast?: boolean;
  /** Gradient norms through time cost a backward pass with a hook per position (default true). */
  gradientNorms?: boolean;
  /** Connectivity over this many characters back (0 or absent = not wanted). */
  connectivityWindow?: number;
}

const toMatrix = (t: tf.Tensor): Matrix => ({ rows: t.shape[0], cols: t.size / t.shape[0], data: t.dataSync() as Float32Array });

/**
 * ||d loss / d h_t|| for every layer and position t, where the loss is the mean
 * cross-entropy of predicting `lastTargets[n]` at the last position of each row of
 * `inputs` (rows of equal length L). A zero is added to every hidden state (the
 * module's hidden-state hook) and differentiated: d loss / d h_t exactly, through the
 * recurrence. Returns one Float32Array of length L per layer.
 */
export function gradientNormsThroughTime(model: CharLM, inputs: number[][], lastTargets: number[]): Float32Array[] {
  const N = inputs.length;
  const L = inputs[0].length;
  const numLayers = model.config.numLayers;
  const H = model.config.hiddenSize;
  return tf.tidy(() => {
    const input = tf.tensor2d(inputs, [N, L], 'int32');
    const zeros = Array.from({ length: numLayers * L }, () => tf.zeros([N, H]));
    const target = tf.oneHot(tf.tensor1d(lastTargets, 'int32'), model.config.vocabSize);
    const grads = tf.grads((...es: tf.Tensor[]) => {
      const r = model.forward(input, undefined, undefined, { hiddenHook: (k, _d, t, h) => tf.add(h, es[k * L + t]) as tf.Tensor2D });
      const last = tf.slice(r.logits, [(L - 1) * N, 0], [N, -1]); // time-major rows: the last N
      return tf.div(tf.neg(tf.sum(tf.mul(tf.logSoftmax(last), target))), N);
    })(zeros);
    return Array.from({ length: numLayers }, (_, k) => tf.stack(grads.slice(k * L, (k + 1) * L).map((g) => stableNorm(g))));
  }).map((t) => {
    const data = t.dataSync() as Float32Array;
    t.dispose();
    return data;
  });
}

/** The ids of the `k` largest values, largest first; equal values keep the lower id first (as a stable sort would). */
export function largest(values: ArrayLike<number>, k: number): number[] {
  const ids: number[] = [];
  for (let id = 0; id < values.length; id++) {
    const v = values[id];
    if (ids.length === k && !(v > values[ids[k - 1]])) continue;
    let at = ids.length;
    while (at > 0 && values[ids[at - 1]] < v) at--;
    ids.splice(at, 0, id);
    if (ids.length > k) ids.pop();
  }
  return ids;
}

export function probe(model: CharLM, vocabulary: Vocabulary, text: string, options: ProbeOptions = {}): ProbeResult {
  const warnings: string[] = [];
  const encoded = vocabulary.encode(text, { onUnknown: 'unk' });
  if (encoded.unknown.size) {
    warnings.push(`characters not in the model's vocabulary were ${vocabulary.capped ? 'mapped to the unknown token' : 'skipped'}: ${describeCharacters(encoded.unknown)}`);
  }
  let ids = Array.from(encoded.ids);
  const maxLength = options.maxLength ?? 1024;
  if (ids.length > maxLength + 1) {
    warnings.push(`the text was cut to its first ${maxLength + 1} tokens`);
    ids = ids.slice(0, maxLength + 1);
  }
  if (ids.length < 2) throw new CataloguedError(message('probe-too-few', {}));
  const inputs = ids.slice(0, -1);
  const targets = ids.slice(1);
  const L = inputs.length;
  const read = options.includeLast ? ids : inputs; // what the gates and states are shown for
  const R = read.length;
  const token = (id: number) => vocabulary.decode([id]);
  const wasTraining = model.training;
  model.eval();
  try {
    const input = tf.tensor2d([inputs], [1, L], 'int32');
    const readInput = options.includeLast ? tf.tensor2d([read], [1, R], 'int32') : input;
    try {
      // Gates, states and surprisal: one step-by-step pass. (Results leave tidy through
      // outer variables: tidy walks every key of what it returns, typed arrays included.)
      let layers: LayerProbe[] = [];
      let surprisal: PositionSurprisal[] = [];
      let logits: Matrix | undefined;
      tf.tidy(() => {
        const r = model.forward(readInput, undefined, undefined, { returnGates: true });
        layers = r.steps!.map((s, layer) => {
          const gates: Record<string, Matrix> = {};
          for (const name of ['i', 'f', 'g', 'o', 'r', 'z', 'n'] as const) {
            if (s[name]) gates[name] = toMatrix(s[name]!.reshape([R, -1]));
          }
          return { layer, gates, h: toMatrix(s.h.reshape([R, -1])), ...(s.c ? { c: toMatrix(s.c.reshape([R, -1])) } : {}) };
        });
        const predicting = R === L ? r.logits : tf.slice(r.logits, [0, 0], [L, -1]); // the last row predicts nothing we know
        logits = toMatrix(predicting);
        // One flat read and a top-5 pick per row: a nested array and a full sort of every row
        // took a quarter of a 2,000-character probe with a few hundred characters of vocabulary.
        const probs = tf.softmax(predicting).dataSync() as Float32Array;
        const V = predicting.shape[1];
        surprisal = targets.map((target, t) => {
          const row = probs.subarray(t * V, (t + 1) * V);
          const p = row[target];
          return {
            input: token(inputs[t]), actual: token(target), probability: p, bits: -Math.log2(p),
            top: largest(row, 5).map((id) => ({ token: token(id), probability: row[id] })),
          };
        });
      });

      const gradientNorms = options.gradientNorms === false ? [] : gradientNormsThroughTime(model, [inputs], [targets[L - 1]]);

      // Influence of each input on each prediction: one backward pass per position.
      let influence: Matrix | undefined;
      const maxInfluence = options.maxInfluenceLength ?? 256;
      if (maxInfluence > 0 && L <= maxInfluence) {
        const data = new Float32Array(L * L);
        const x = tf.tidy(() => model.embed(input));
        try {
          for (let t = 0; t < L; t++) {
            const row = tf.tidy(() => {
              const g = tf.grad((xs: tf.Tensor) => {
                const logits = model.forwardEmbedded(xs as tf.Tensor3D).logits;
                return tf.slice(logits, [t, targets[t]], [1, 1]).sum();
              })(x);
              return stableNorm(g.reshape([L, -1]), 1);
            });
            data.set(row.dataSync() as Float32Array, t * L);
            row.dispose();
          }
        } finally {
          x.dispose();
        }
        influence = { rows: L, cols: L, data };
      } else if (maxInfluence > 0) {
        warnings.push(`the influence matrix was skipped: the text has ${L} positions, more than ${maxInfluence}`);
      }
      // The states are the gate pass's (its first L rows: `includeLast` adds one after them).
      const window = options.connectivityWindow ?? 0;
      const drove = window > 0
        ? connectivity(model, inputs, targets, window, {
          h: layers.map((l) => l.h.data.subarray(0, L * l.h.cols)),
          ...(layers[0].c ? { c: layers.map((l) => l.c!.data.subarray(0, L * l.c!.cols)) } : {}),
        })
        : undefined;
      return { tokens: read.map(token), logits: logits!, layers, surprisal, gradientNorms, influence, ...(drove ? { connectivity: drove } : {}), warnings };
    } finally {
      input.dispose();
      if (readInput !== input) readInput.dispose();
    }
  } finally {
    model.train(wasTraining);
  }
}
