/**
 * Bounds on the work an experiment's settings ask for, checked before the first run.
 *
 * Lists: every list setting has a length limit chosen from what it is for (a few lengths,
 * the cells there are, a handful of clip norms), at least one entry, and no entry twice:
 * a repeated cell, length or clip norm would run the same seeded runs again and draw a
 * second line (or panel) under the same name, so it is refused with the value named, not
 * silently dropped. `settingList` is that rule; the form reads the limit from the schema
 * (settingsForm.ts) and refuses a repeat itself (settingFields.ts).
 *
 * Memory: each experiment describes what one run holds (`RunShape`), and `runBytes` turns
 * it into bytes. A run holds, in float32:
 *   - its parameters, their gradients and the optimiser's slots (Adam 2, SGD with momentum 1);
 *   - for backpropagation through time, per layer and direction, FLOATS_PER_UNIT[cell] floats
 *     per hidden unit at each of batch x length positions (SeqLab's wasm kernels keep the input
 *     projection, the gates and the states of every step: LSTM 12 H forward, and the gates'
 *     gradients backward), plus the input and the head's input and gradient at each position;
 *   - the head's logits for HEAD_CHUNK_ROWS rows at a time (nn/ops.ts), and the text it trains on.
 * A worker thread's wasm heap grows to its largest run and never shrinks, so the peak of an
 * experiment is the process's base, plus for each of its parallel threads a thread's base and
 * the largest runs it may hold (the sum of the `threads` largest runs).
 *
 * The constants were fitted to the maximum resident set (`/usr/bin/time -v node dist/cli.js
 * experiment NAME --set ...`, 2 cores, wasm) of thirteen runs that finished, from 0.48 to
 * 3.57 GiB: the estimate is 1.02-1.26 times the measurement (test/engine/experimentBounds.test.ts
 * keeps them). Five runs that died in wasm ("memory access out of bounds", "Aborted()") at
 * 4.1 GB are estimated above the 4 GiB heap, and refused.
 */
import { z } from 'zod';
import { HEAD_CHUNK_ROWS } from '../nn/ops';
import type { Bilingual, Lang } from '../core/lang';
import { gib, message, renderMessage, type EngineMessage } from '../core/messages';

/**
 * A list setting of `item`s: at least `min` entries, at most `max`, none twice (a repeat is
 * refused with its value named). The limit reaches the form as the JSON schema's maxItems.
 */
export function settingList<T extends z.ZodType>(item: T, max: number, min = 1) {
  return z.array(item).min(min).max(max).superRefine((list, ctx) => {
    if (list.length > max) return; // said by max: one message, not one per repeat of a long list
    const seen = new Set<string>();
    for (const v of list) {
      const key = JSON.stringify(v);
      if (seen.has(key)) return ctx.addIssue({ code: 'custom', message: `${key} is listed twice: each entry runs once` });
      seen.add(key);
    }
  });
}

/** A list of choices from `options`: at most all of them, each once. */
export const choiceList = <const T extends readonly [string, ...string[]]>(options: T) => settingList(z.enum(options), options.length);

/** What one run holds, for `runBytes`. */
export interface RunShape {
  /** The recurrent layers' kind: what each keeps per step for backpropagation through time. */
  cell: CellKind;
  hidden: number;
  layers: number;
  /** 2 for a bidirectional layer (or two encoders side by side). */
  directions: number;
  /** Features into the first layer (the embedding size, or the adding problem's 2). */
  input: number;
  batch: number;
  /** Time steps of one training window (the longest a run holds at once). */
  length: number;
  /** Classes of the head (the vocabulary); 1 for a regression head. */
  vocab: number;
  /** The embedding's size, when the run has an embedding of `vocab` rows (0: none). */
  embed: number;
  /** Optimiser slots per parameter: Adam 2, SGD with momentum 1, plain SGD 0. */
  optimizerSlots: number;
  /** Characters of text the run holds (the config's text, its ids and windows); 0 for generated data. */
  textChars?: number;
  /** Sequences of `length` evaluated at once without gradients (the adding problem's test batch of 512), when more than `batch`. */
  evalBatch?: number;
}

/**
 * Floats per hidden unit, position, layer and direction kept for backpropagation through time
 * and its gradients. SeqLab's fused wasm kernels (lstm, gru, rnn, and rnn-norm: the plain RNN
 * with layer or batch norm) keep what the counts say: LSTM gates 4 H, input projection 4 H, h,
 * c, tanh c, h_prev (12 H) forward and the gates' gradients backward; GRU 9 H and 6 H. A cell
 * run step by step through TensorFlow.js's tape (`-steps`: the gradient probe of
 * vanishing-gradients; `-norm`: the layer- and batch-normalised LSTM and GRU) keeps every op's
 * output of every step, many times more. The taped and normalised ones are fitted to MEASURED.
 */
export const FLOATS_PER_UNIT = {
  lstm: 20, gru: 16, rnn: 8, 'rnn-norm': 14, 'lstm-steps': 130, 'gru-steps': 110, 'rnn-steps': 36, 'lstm-norm': 320, 'gru-norm': 260,
} as const;
type CellKind = keyof typeof FLOATS_PER_UNIT;
/** The same for a forward pass without gradients (the kernels still write their gates and states: LSTM 13 H, GRU 10 H, RNN 4 H). */
const FORWARD_FLOATS_PER_UNIT: Record<CellKind, number> = { lstm: 13, gru: 10, rnn: 4, 'rnn-norm': 10, 'lstm-steps': 65, 'gru-steps': 55, 'rnn-steps': 18, 'lstm-norm': 160, 'gru-norm': 130 };
/** Gate blocks per cell kind (PyTorch's layout: LSTM 4, GRU 3, RNN 1). */
const GATES: Record<CellKind, number> = { lstm: 4, gru: 3, rnn: 1, 'rnn-norm': 1, 'lstm-steps': 4, 'gru-steps': 3, 'rnn-steps': 1, 'lstm-norm': 4, 'gru-norm': 3 };
/** The built-in English text's vocabulary (54 distinct characters, with room for the special tokens): the experiments that train on it. */
export const BUILT_IN_VOCAB = 64;
/** Bytes per character of text a run holds: the string (2), its ids (4), the training windows and validation copies. */
const TEXT_BYTES_PER_CHAR = 16;
/** The wasm heap's growth beyond the bytes the run's tensors hold (allocator slack, tensors freed late). */
const HEAP_SLACK = 1.3;
/** What any run adds whatever its size: its data (the built-in text, its ids and windows), the kernels' scratch, heap slack (measured: a batch-normalised tanh RNN at hidden 256, 16 x 200, took 0.25 GB against 0.13 without). */
const RUN_BASE_BYTES = 64 * 2 ** 20;
/** Resident set of the process before any run: Node, TensorFlow.js and the wasm backend (measured: 123-128 MB). */
export const PROCESS_BASE_BYTES = 130 * 2 ** 20;
/** A worker thread's own resident set before its run: its TensorFlow.js and wasm heap (measured: 2 threads 256 MB against 126 MB without). */
export const THREAD_BASE_BYTES = 66 * 2 ** 20;

/** Slots per parameter of each torch.optim rule as train/optim.ts keeps them: Adam m and v, SGD its momentum, RMSprop and Adagrad one. */
export const optimizerSlots = (name: string) => (name === 'adam' ? 2 : 1);

/** The parameters of `s`'s model: recurrent layers, embedding, head. */
export function parameterCount(s: RunShape): number {
  const g = GATES[s.cell] * s.hidden;
  let p = 0;
  for (let l = 0; l < s.layers; l++) {
    const input = l === 0 ? s.input : s.hidden * s.directions;
    p += s.directions * (g * (input + s.hidden) + 2 * g);
  }
  return p + s.vocab * s.embed + (s.hidden * s.directions + 1) * s.vocab;
}

/** Bytes one run of shape `s` holds at its peak (see the header). */
export function runBytes(s: RunShape): number {
  const params = parameterCount(s) * (2 + s.optimizerSlots);
  const positions = s.batch * s.length;
  const width = s.hidden * s.directions;
  const bptt = positions * (s.layers * s.directions * FLOATS_PER_UNIT[s.cell] * s.hidden + s.input + 2 * width);
  const head = Math.min(positions, HEAD_CHUNK_ROWS) * s.vocab * 3;
  // An evaluation batch larger than the training one: its forward pass reuses the heap training freed, so the larger of the two.
  const evaluation = (s.evalBatch ?? 0) > s.batch ? s.evalBatch! * s.length * (s.layers * s.directions * FORWARD_FLOATS_PER_UNIT[s.cell] * s.hidden + s.input + width) : 0;
  return RUN_BASE_BYTES + HEAP_SLACK * 4 * (params + Math.max(bptt + head, evaluation)) + TEXT_BYTES_PER_CHAR * (s.textChars ?? 0);
}

/** Peak bytes of an experiment whose runs hold `runs` bytes each, on `threads` threads (1: in this thread). */
export function peakBytes(runs: readonly number[], threads: number): number {
  const largest = [...runs].sort((a, b) => b - a).slice(0, Math.max(1, threads));
  const held = largest.reduce((a, b) => a + b, 0);
  return PROCESS_BASE_BYTES + (threads > 1 ? threads * THREAD_BASE_BYTES : 0) + held;
}

/**
 * The most an experiment may take: half of the memory this process may use (the machine's, or
 * its container's limit when lower). The other half is the editor's (code-server and its
 * browser took 1.2 GB here), the operating system's and the student's other programs': an
 * experiment that pushes the machine into swap or the out-of-memory killer takes the editor
 * with it, and a smaller setting shows the same thing.
 */
export function memoryBound(total: number): number {
  return total / 2;
}

/**
 * A wasm thread's heap cannot grow past 4 GiB (wasm32; TensorFlow.js's build stops at
 * 4294901760 bytes): a larger run fails inside a kernel, so it is refused before it starts.
 */
export const WASM_HEAP_BYTES = 4294901760;

/** What an experiment's memory check found: the peak, each run's bytes, and the bounds. */
export interface MemoryPlan {
  peakBytes: number;
  largestRunBytes: number;
  boundBytes: number;
  /** The heap limit of one run's thread (wasm), or null when the backend has none. */
  runBoundBytes: number | null;
  /** The most threads whose runs side by side stay within the bound (0: not even one). */
  fittingThreads: number;
}

/** The most of `threads` threads (counting down) on which `runs` stay within `bound`; 0 when one thread does not. */
export function fittingThreads(runs: readonly number[], threads: number, bound: number): number {
  for (let k = threads; k >= 1; k--) if (peakBytes(runs, k) <= bound) return k;
  return 0;
}

export { gib };

/** An experiment refused before its first run: it would take more memory than the bound. Code 'too-large' (or 'too-large-run') in the catalogue. */
export class ExperimentTooLarge extends Error {
  override readonly name = 'ExperimentTooLarge';
  readonly engineMessage?: EngineMessage;
  constructor(m: string | EngineMessage, readonly details: { peakBytes: number; boundBytes: number; settings: string[] }, lang: Lang = 'en') {
    super(typeof m === 'string' ? m : renderMessage(m, lang));
    if (typeof m !== 'string') this.engineMessage = m;
  }
}

/**
 * Refuses (throws ExperimentTooLarge) a plan above the bound, its message in `lang` (the catalogue
 * message travels too), naming the settings to lower (`settings`: name and value) and, on the
 * command line, the --workers that would fit. `name`: the experiment's title (or its name).
 */
export function checkMemory(name: string | Bilingual, memory: MemoryPlan, threads: number, settings: Array<[string, unknown]>, options: { lang?: Lang; host?: 'cli' | 'editor' } = {}): void {
  const lang = options.lang ?? 'en';
  const list = (l: Lang) => settings.map(([k, v]) => `${k} (${Array.isArray(v) ? v.join(', ') : String(v)})`).join(l === 'zh-cn' ? '、' : ', ');
  const title: Bilingual = typeof name === 'string' ? { en: name, zh: name } : name;
  const keys = settings.map(([k]) => k);
  if (memory.runBoundBytes !== null && memory.largestRunBytes > memory.runBoundBytes) {
    throw new ExperimentTooLarge(message('too-large-run', { title, largest: memory.largestRunBytes, bound: memory.runBoundBytes, settings: { en: list('en'), zh: list('zh-cn') } }),
      { peakBytes: memory.peakBytes, boundBytes: memory.runBoundBytes, settings: keys }, lang);
  }
  if (memory.peakBytes <= memory.boundBytes) return;
  // Fewer threads help when the runs side by side are what is too much, and one of them alone fits.
  const k = memory.fittingThreads;
  const fewer = options.host === 'cli' && k >= 1 && k < threads;
  throw new ExperimentTooLarge(message('too-large', {
    title, peak: memory.peakBytes, bound: memory.boundBytes, threads, largest: memory.largestRunBytes, settings: { en: list('en'), zh: list('zh-cn') }, fewer: fewer ? k : null,
  }), { peakBytes: memory.peakBytes, boundBytes: memory.boundBytes, settings: keys }, lang);
}
