/**
 * Generating text from a prompt, one token at a time, as an async stream.
 *
 * At batch 1 a step is dispatch overhead, not arithmetic, so sampling has its own path
 * without autodiff and with as few ops as possible: the first layer's input projection
 * is precomputed for every token (embedding @ W_ih^T + biases, a (V, G*H) table), so a
 * step is one row lookup, one product with W_hh^T, the gate arithmetic and the head.
 * Normalised models step through the module instead (same numbers, slower).
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { tf } from '../core/backend';
import type { CharLM } from './charlm';
import { Random, freshSeed } from '../core/random';
import { describeCharacters, type Vocabulary } from '../text/vocabulary';
import { CataloguedError, message, type EngineMessage } from '../core/messages';
import { intervalOf } from '../core/schemaFields';
import { GenerationSchema, generationField, type GenerationInput, type GenerationOptions } from './generationConfig';

/**
 * Length, temperature, top-k, top-p, stop strings, seed, unknown prompt characters and the
 * prompt's cut: their types, ranges and defaults are the generation schema's (generationConfig.ts).
 */
export type SampleOptions = GenerationInput;

export type SampleStop = 'length' | 'stop' | 'cancelled';

export interface SampleSummary {
  text: string;
  tokens: number;
  stopReason: SampleStop;
  warnings: string[];
  /** The prompt's characters the model has no token for (distinct, most frequent first, at most 20), and how many of the prompt's characters it knew. */
  unknownCharacters: string[];
  knownCharacters: number;
  /** From the call to the first token, in milliseconds. */
  firstTokenMs: number | null;
  /** Tokens per second after the first. */
  tokensPerSecond: number | null;
}

export class SampleError extends CataloguedError {
  override readonly name = 'SampleError';
}

/** Chooses a token from logits with temperature, top-k and top-p (pure JS, no tensors). */
export function chooseToken(logits: ArrayLike<number>, o: { temperature: number; topK: number; topP: number }, u: number): number {
  const n = logits.length;
  if (o.temperature <= 0) {
    let best = 0;
    for (let i = 1; i < n; i++) if (logits[i] > logits[best]) best = i;
    return best;
  }
  let order = Array.from({ length: n }, (_, i) => i).sort((a, b) => logits[b] - logits[a]);
  if (o.topK > 0 && o.topK < n) order = order.slice(0, o.topK);
  const max = logits[order[0]];
  let probs = order.map((i) => Math.exp((logits[i] - max) / o.temperature));
  let total = probs.reduce((a, b) => a + b, 0);
  probs = probs.map((p) => p / total);
  if (o.topP < 1) {
    let acc = 0;
    let keep = 0;
    while (keep < probs.length && acc < o.topP) acc += probs[keep++];
    order = order.slice(0, Math.max(1, keep));
    probs = probs.slice(0, order.length);
    total = probs.reduce((a, b) => a + b, 0);
    probs = probs.map((p) => p / total);
  }
  let acc = 0;
  for (let k = 0; k < order.length; k++) {
    acc += probs[k];
    if (u < acc) return order[k];
  }
  return order[order.length - 1];
}

/** Per-model precomputed weights for stepping at batch 1. */
type LayerWeights = { wihT?: tf.Tensor2D; whhT: tf.Tensor2D; bih?: tf.Tensor; bhh?: tf.Tensor };

class StepKernel {
  private readonly layers: LayerWeights[];
  private readonly table: tf.Tensor2D;
  private readonly headT: tf.Tensor2D;
  private readonly headBias: tf.Tensor;

  constructor(private readonly model: CharLM) {
    const sd = model.stateDict();
    const gru = model.config.cell === 'gru';
    const built = tf.tidy(() => {
      const layers: LayerWeights[] = [];
      for (let k = 0; k < model.config.numLayers; k++) {
        const w = (n: string) => sd[`rnn.${n}_l${k}`];
        const [bih, bhh] = [w('bias_ih'), w('bias_hh')];
        layers.push({
          wihT: k === 0 ? undefined : (tf.transpose(w('weight_ih')) as tf.Tensor2D),
          whhT: tf.transpose(w('weight_hh')) as tf.Tensor2D,
          // RNN and LSTM add both biases on the input side; the GRU's b_hn sits inside r * (.).
          bih: bih && (gru ? tf.clone(bih) : tf.add(bih, bhh)),
          bhh: bhh && gru ? tf.clone(bhh) : undefined,
        });
      }
      const proj = tf.matMul(sd['embedding.weight'] as tf.Tensor2D, tf.transpose(sd['rnn.weight_ih_l0'] as tf.Tensor2D));
      return {
        layers,
        table: (layers[0].bih ? tf.add(proj, layers[0].bih) : proj) as tf.Tensor2D,
        headT: tf.transpose(sd['head.weight']) as tf.Tensor2D,
        headBias: tf.clone(sd['head.bias']),
      };
    });
    this.layers = built.layers;
    this.table = built.table;
    this.headT = built.headT;
    this.headBias = built.headBias;
  }

  /** One step from token `id`; replaces the states in place, returns the logits. */
  step(id: number, h: tf.Tensor2D[], c: tf.Tensor2D[]): Float32Array {
    const cell = this.model.config.cell;
    const H = this.model.config.hiddenSize;
    const next = tf.tidy(() => {
      let x: tf.Tensor2D | undefined;
      const hs: tf.Tensor2D[] = [];
      const cs: tf.Tensor2D[] = [];
      this.layers.forEach((l, k) => {
        let gi = k === 0 ? (tf.slice(this.table, [id, 0], [1, -1]) as tf.Tensor2D) : (tf.matMul(x!, l.wihT!) as tf.Tensor2D);
        if (k > 0 && l.bih) gi = tf.add(gi, l.bih);
        const gh = tf.matMul(h[k], l.whhT);
        if (cell === 'lstm') {
          const [i, f, g, o] = tf.split(tf.add(gi, gh), 4, 1);
          const cNew = tf.add(tf.mul(tf.sigmoid(f), c[k]), tf.mul(tf.sigmoid(i), tf.tanh(g))) as tf.Tensor2D;
          cs.push(cNew);
          x = tf.mul(tf.sigmoid(o), tf.tanh(cNew)) as tf.Tensor2D;
        } else if (cell === 'gru') {
          const ghb = l.bhh ? tf.add(gh, l.bhh) : gh;
          const [xrz, xn] = tf.split(gi, [2 * H, H], 1);
          const [hrz, hn] = tf.split(ghb, [2 * H, H], 1);
          const [r, z] = tf.split(tf.sigmoid(tf.add(xrz, hrz)), 2, 1);
          const n = tf.tanh(tf.add(xn, tf.mul(r, hn)));
          x = tf.add(n, tf.mul(z, tf.sub(h[k], n))) as tf.Tensor2D;
        } else {
          const pre = tf.add(gi, gh);
          x = (cell === 'rnn-relu' ? tf.relu(pre) : cell === 'rnn-sigmoid' ? tf.sigmoid(pre) : tf.tanh(pre)) as tf.Tensor2D;
        }
        hs.push(x);
      });
      const logits = tf.add(tf.matMul(x!, this.headT), this.headBias);
      return { logits, hs, cs };
    });
    tf.dispose([...h, ...c]);
    h.splice(0, h.length, ...next.hs);
    c.splice(0, c.length, ...next.cs);
    const out = next.logits.dataSync() as Float32Array;
    next.logits.dispose();
    return out;
  }

  dispose(): void {
    tf.dispose([this.table, this.headT, this.headBias]);
    for (const l of this.layers) tf.dispose([l.wihT, l.whhT, l.bih, l.bhh].filter((t): t is tf.Tensor => t !== undefined));
  }
}

const OPTION_MESSAGES = { length: 'sample-length', temperature: 'sample-temperature', topK: 'sample-top-k', topP: 'sample-top-p' } as const;

/** The options with their defaults, checked by the schema; the first problem as a catalogue message naming the option and its range. */
function generationOptions(options: SampleOptions): GenerationOptions & { stop: string[] } {
  const result = GenerationSchema.safeParse(options);
  if (!result.success) {
    const key = result.error.issues[0].path[0] as keyof GenerationOptions;
    const got = String((options as Record<string, unknown>)[key]);
    const code = OPTION_MESSAGES[key as keyof typeof OPTION_MESSAGES];
    const m: EngineMessage = code ? message(code, { got, range: intervalOf(generationField(key)) }) : message('setting-invalid', { key: String(key), got });
    throw new SampleError(m);
  }
  return { ...result.data, stop: (result.data.stop ?? []).filter((s) => s.length > 0) };
}

/**
 * Streams the continuation of `prompt`, piece by piece (a piece is one character, or
 * nothing while a byte-level character is incomplete or text is held back because it
 * may begin a stop string). Cancelled by `signal` between tokens.
 */
export async function* sample(
  model: CharLM, vocabulary: Vocabulary, prompt: string, options: SampleOptions = {}, signal?: AbortSignal,
): AsyncGenerator<string, SampleSummary> {
  const started = performance.now();
  const o = generationOptions(options);
  const rng = new Random(o.seed ?? freshSeed());
  const warnings: string[] = [];
  const encoded = vocabulary.encode(prompt, { onUnknown: o.onUnknown });
  if (encoded.unknown.size) {
    const mapped = vocabulary.capped && o.onUnknown !== 'skip';
    warnings.push(`prompt characters not in the model's vocabulary were ${mapped ? 'mapped to the unknown token' : 'skipped'}: ${describeCharacters(encoded.unknown)}`);
  }
  let ids = Array.from(encoded.ids);
  if (ids.length > o.maxPromptTokens) ids = ids.slice(ids.length - o.maxPromptTokens);
  if (ids.length === 0) {
    const newline = vocabulary.encode('\n').ids;
    ids = [newline.length ? newline[0] : 0];
    warnings.push('the prompt has no characters the model knows: generation starts from a line break');
  }

  const wasTraining = model.training;
  model.eval();
  const fast = model.config.normalization === 'none';
  const kernel = fast ? new StepKernel(model) : undefined;
  const layers = model.config.numLayers;
  let h: tf.Tensor2D[] = [];
  let c: tf.Tensor2D[] = [];
  let state3: { h?: tf.Tensor3D; c?: tf.Tensor3D } = {};
  const decode = vocabulary.streamDecoder();
  let text = '';
  let held = '';
  let tokens = 0;
  let stopReason: SampleStop = 'length';
  let firstTokenMs: number | null = null;
  let firstTokenAt = 0;
  const maxStop = o.stop.reduce((m, s) => Math.max(m, s.length), 0);
  try {
    // The prompt but its last token goes through the fused layers in one pass.
    let logits: Float32Array;
    const context = ids.slice(0, -1);
    if (context.length) {
      const input = tf.tensor2d([context], [1, context.length], 'int32');
      const r = model.forward(input);
      tf.dispose([input, r.logits]);
      state3 = { h: r.hN, c: r.cN };
    }
    const last = ids[ids.length - 1];
    if (kernel) {
      h = state3.h ? (tf.unstack(state3.h) as tf.Tensor2D[]) : Array.from({ length: layers }, () => tf.zeros([1, model.config.hiddenSize]) as tf.Tensor2D);
      c = model.config.cell === 'lstm' ? (state3.c ? (tf.unstack(state3.c) as tf.Tensor2D[]) : Array.from({ length: layers }, () => tf.zeros([1, model.config.hiddenSize]) as tf.Tensor2D)) : [];
      tf.dispose([state3.h, state3.c].filter((t): t is tf.Tensor3D => t !== undefined));
      state3 = {};
    }
    const step = (id: number): Float32Array => {
      if (kernel) return kernel.step(id, h, c);
      const input = tf.tensor2d([[id]], [1, 1], 'int32');
      const r = model.forward(input, state3.h, state3.c);
      tf.dispose([input, ...[state3.h, state3.c].filter((t): t is tf.Tensor3D => t !== undefined)]);
      state3 = { h: r.hN, c: r.cN };
      const out = r.logits.dataSync() as Float32Array;
      r.logits.dispose();
      return out;
    };
    logits = step(last);
    while (tokens < o.length) {
      if (signal?.aborted) {
        stopReason = 'cancelled';
        break;
      }
      const id = chooseToken(logits, o, rng.next());
      tokens++;
      held += decode(id);
      // Hold back what could be the start of a stop string; cut at a complete one.
      const hit = o.stop.map((s) => held.indexOf(s)).filter((i) => i >= 0).sort((a, b) => a - b)[0];
      if (hit !== undefined) {
        held = held.slice(0, hit);
        stopReason = 'stop';
      }
      const safe = stopReason === 'stop' ? held.length : Math.max(0, held.length - Math.max(0, maxStop - 1));
      const piece = held.slice(0, safe);
      held = held.slice(safe);
      if (piece) {
        if (firstTokenMs === null) {
          firstTokenMs = performance.now() - started;
          firstTokenAt = performance.now();
        }
        text += piece;
        yield piece;
      }
      if (stopReason === 'stop') break;
      if (tokens < o.length) logits = step(id);
      await nextTurn();
    }
    if (stopReason !== 'stop' && held) {
      text += held;
      yield held;
    }
  } finally {
    kernel?.dispose();
    tf.dispose([...h, ...c, ...[state3.h, state3.c].filter((t): t is tf.Tensor3D => t !== undefined)]);
    model.train(wasTraining);
  }
  const after = firstTokenMs === null ? 0 : (performance.now() - firstTokenAt) / 1000;
  const unknownCharacters = [...encoded.unknown].sort((a, b) => b[1] - a[1]).slice(0, 20).map(([c]) => c);
  return { text, tokens, stopReason, warnings, unknownCharacters, knownCharacters: encoded.ids.length - (vocabulary.capped && o.onUnknown !== 'skip' ? [...encoded.unknown.values()].reduce((a, b) => a + b, 0) : 0), firstTokenMs, tokensPerSecond: tokens > 1 && after > 0 ? (tokens - 1) / after : null };
}

/** Runs `sample` to the end and returns the text (for training-time samples and tests). */
export async function sampleText(model: CharLM, vocabulary: Vocabulary, prompt: string, options: SampleOptions = {}): Promise<string> {
  const gen = sample(model, vocabulary, prompt, options);
  for (;;) {
    const next = await gen.next();
    if (next.done) return next.value.text;
  }
}
