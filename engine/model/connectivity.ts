/**
 * Connectivity (after Madsen, "Visualizing memorization in RNNs", Distill 2019): for each
 * prediction, how strongly each earlier character drove it. Entry (t, k) is
 *     || d log p(x_{t+1} | x_0..x_t) / d e_{t-k} ||
 * the norm of the gradient of the log-probability the model gave the actual next character
 * at position t, with respect to the embedding vector of the input k steps back (k = 0 is
 * x_t itself), for k below a window.
 *
 * Exact within the window, and batched: one forward pass over the whole text records every
 * layer's state; then each prediction becomes a row of a batch that starts `window` steps
 * back from the *recorded* state there (so the prediction is the full text's, not a
 * truncated one's) and is differentiated with respect to that row's embeddings. The rows of
 * a batch do not interact, so one backward pass of a chunk gives every row's own gradient:
 * 500 characters are a few chunks instead of 500 backward passes.
 */
import { tf } from '../core/backend';
import { linear, stableNorm } from '../nn/ops';
import type { CharLM } from './charlm';
import { describeCharacters, type Vocabulary } from '../text/vocabulary';

import { CONNECTIVITY_WINDOW, type ConnectivityMatrix, type Drivers } from './connectivityTypes';
import { CataloguedError, message } from '../core/messages';

export { CONNECTIVITY_WINDOW, CONNECTIVITY_MAX_WINDOW, type ConnectivityMatrix, type Drivers } from './connectivityTypes';

/** Every layer's h (and c) after each input position, (L, H) row-major, from one step-by-step pass (batch 1). */
export interface RecordedStates { h: Float32Array[]; c?: Float32Array[] }

/** Rows per backward pass: activations of a chunk stay near 30 MB for the default model and window. */
const ROWS_PER_CHUNK = 128;

export function recordStates(model: CharLM, inputs: number[]): RecordedStates {
  const L = inputs.length;
  const out: RecordedStates = { h: [] };
  tf.tidy(() => {
    const r = model.forward(tf.tensor2d([inputs], [1, L], 'int32'), undefined, undefined, { returnGates: true });
    out.h = r.steps!.map((s) => s.h.reshape([L, -1]).dataSync() as Float32Array);
    if (r.steps![0].c) out.c = r.steps!.map((s) => s.c!.reshape([L, -1]).dataSync() as Float32Array);
  });
  return out;
}

/**
 * Connectivity of `inputs` (token ids read) and `targets` (the next token of each, same
 * length) under `model` (put in eval mode by the caller). `states` may be passed when a
 * probe has already recorded them.
 */
export function connectivity(model: CharLM, inputs: number[], targets: number[], window = CONNECTIVITY_WINDOW, states?: RecordedStates, only?: number[]): ConnectivityMatrix {
  const L = inputs.length;
  if (targets.length !== L) throw new Error(`connectivity needs a target for every input (${L} inputs, ${targets.length} targets)`);
  if (!Number.isInteger(window) || window < 1) throw new CataloguedError(message('connectivity-window', { got: String(window) }));
  const W = Math.min(window, L); // every row has this many steps
  const H = model.config.hiddenSize;
  const layers = model.config.numLayers;
  const recorded = states ?? recordStates(model, inputs);
  const data = new Float32Array(L * window);
  // Row t starts at a(t): W steps back from t, or at 0 for the first W positions (their
  // loss sits inside the row, not at its end; later steps do not reach it).
  const startOf = (t: number) => Math.max(0, t - W + 1);
  const wanted = only ?? Array.from({ length: L }, (_, t) => t); // `only`: the rows asked for (the others stay zero)
  for (let first = 0; first < wanted.length; first += ROWS_PER_CHUNK) {
    const rows = wanted.slice(first, first + ROWS_PER_CHUNK);
    const B = rows.length;
    const norms = tf.tidy(() => {
      const ids = tf.tensor2d(rows.map((t) => inputs.slice(startOf(t), startOf(t) + W)), [B, W], 'int32');
      // The state each row starts from: the one recorded after input a-1 (zero before the text).
      const initial = (per: Float32Array[]) => {
        const buf = new Float32Array(layers * B * H);
        for (let k = 0; k < layers; k++) {
          rows.forEach((t, b) => {
            const a = startOf(t);
            if (a > 0) buf.set(per[k].subarray((a - 1) * H, a * H), (k * B + b) * H);
          });
        }
        return tf.tensor3d(buf, [layers, B, H]);
      };
      const h0 = initial(recorded.h);
      const c0 = recorded.c ? initial(recorded.c) : undefined;
      // Which step of each row is its prediction: a (W, B, 1) mask, summed over time. (A
      // gather would be cheaper, but its gradient has no kernel on the wasm backend; the mask
      // is W*B*H multiply-adds, small beside the recurrence.)
      const mask = new Float32Array(W * B);
      rows.forEach((t, b) => { mask[(t - startOf(t)) * B + b] = 1; });
      const at = tf.tensor3d(mask, [W, B, 1]);
      const target = tf.oneHot(tf.tensor1d(rows.map((t) => targets[t]), 'int32'), model.config.vocabSize);
      const x = model.embed(ids);
      const g = tf.grad((xs: tf.Tensor) => {
        const r = model.rnn.forward(xs, h0, c0);
        const h = tf.sum(tf.mul(r.output, at), 0) as tf.Tensor2D; // only the step whose prediction counts goes through the head
        const logp = tf.logSoftmax(linear(h, model.headWeight as tf.Tensor as tf.Tensor2D, model.headBias));
        return tf.sum(tf.mul(logp, target));
      })(x);
      return stableNorm(g, 2); // (W, B)
    });
    const values = norms.dataSync() as Float32Array;
    norms.dispose();
    rows.forEach((t, b) => {
      const a = startOf(t);
      for (let k = 0; k < window && t - k >= 0; k++) {
        const j = t - k - a;
        if (j < 0) break;
        data[t * window + k] = values[j * B + b];
      }
    });
  }
  return { rows: L, cols: window, data };
}

/** One character of a text and the tokens it became (a character is several at byte level, none when skipped). */
interface CharacterTokens { start: number; end: number; ids: number[] }

/**
 * What drove the last character of `text`: its connectivity row, mapped back to the text's
 * own offsets (UTF-16, as an editor counts them), one entry per earlier character. Each
 * character is encoded on its own, so its offsets are known whatever the vocabulary does
 * with it (several byte tokens, the unknown token, or none).
 */
export function whatDrove(model: CharLM, vocabulary: Vocabulary, text: string, window = CONNECTIVITY_WINDOW): Drivers {
  const warnings: string[] = [];
  const characters: CharacterTokens[] = [];
  let offset = 0;
  const skipped = new Map<string, number>();
  for (const ch of text) {
    const encoded = vocabulary.encode(ch);
    for (const [u, n] of encoded.unknown) if (!encoded.ids.length) skipped.set(u, (skipped.get(u) ?? 0) + n);
    characters.push({ start: offset, end: offset + ch.length, ids: Array.from(encoded.ids) });
    offset += ch.length;
  }
  if (skipped.size) warnings.push(`characters not in the model's vocabulary were skipped: ${describeCharacters(skipped)}`);
  const ids = characters.flatMap((c) => c.ids);
  const last = characters.at(-1);
  if (!last || !last.ids.length) throw new CataloguedError(message('drove-unknown-char', {}));
  if (ids.length < 2) throw new CataloguedError(message('drove-nothing-before', {}));
  const inputs = ids.slice(0, -1);
  const targets = ids.slice(1);
  const t = inputs.length - 1; // the prediction of the last token
  const wasTraining = model.training;
  model.eval();
  try {
    const states = recordStates(model, inputs);
    const row = connectivity(model, inputs, targets, window, states, [t]);
    const H = model.config.hiddenSize;
    const top = states.h[states.h.length - 1].subarray(t * H, (t + 1) * H); // the last layer's h after the last input
    const probability = tf.tidy(() => tf.softmax(linear(tf.tensor2d(top, [1, H]), model.headWeight as tf.Tensor as tf.Tensor2D, model.headBias)).dataSync()[targets[t]]);
    // Token index -> its influence (input index s = t - k), then summed in squares per character.
    const influenceOf = (s: number) => (t - s >= 0 && t - s < window ? row.data[t * window + (t - s)] : 0);
    const drivers: Drivers['drivers'] = [];
    let token = 0;
    for (const c of characters.slice(0, -1)) {
      let squares = 0;
      let inWindow = false;
      for (let i = 0; i < c.ids.length; i++, token++) {
        if (t - token < window) inWindow = true;
        squares += influenceOf(token) ** 2;
      }
      if (inWindow) drivers.push({ start: c.start, end: c.end, text: text.slice(c.start, c.end), value: Math.sqrt(squares) });
    }
    return { target: { start: last.start, end: last.end, text: text.slice(last.start, last.end), probability }, window, drivers, warnings };
  } finally {
    model.train(wasTraining);
  }
}
