/**
 * Checkpoints: a folder with
 *   model.safetensors      the weights under PyTorch state_dict names (embedding.weight,
 *                          rnn.weight_ih_l0, ..., head.weight, head.bias), loadable into
 *                          torch.nn.Embedding + LSTM/GRU/RNN + Linear;
 *   optimizer.safetensors  the optimiser's state (exp_avg.<param>, ...);
 *   seqlab.json            format version, model and training config, vocabulary,
 *                          training state (step, losses, random state), and the SHA-256
 *                          of both tensor files, so a mismatched or edited pair is caught.
 * This file is the format: the schema of seqlab.json, its checks, and the bytes of a
 * checkpoint in and out (`writeCheckpoint`, `readCheckpoint`). It loads no TensorFlow.js
 * and knows no model class, so the extension host reads checkpoints through it directly;
 * engine/train/checkpointing.ts turns a model and an optimiser into these bytes and back.
 * Saving and reading the folder (ownership, the swap, reads during a save) is in
 * folder.ts. Reading checks everything before any tensor is built, and names what is
 * wrong: a hostile seqlab.json cannot make it allocate more than the tensor files hold.
 */
// zod/mini: this module is on the extension host's activation path, where zod's full API
// cost about 55 ms to load and zod/mini about 10 (measured, bundled and minified).
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { CELL_TYPES, MODEL_LIMITS, NORMALIZATIONS } from '../core/names';
import {
  CHECKPOINT_FORMAT, CheckpointError, META_FILE, MODEL_FILE, OPTIMIZER_FILE, checkFormatTag, fileIn, readCheckpointFolder, readMetaJSON, resolveCheckpointDir,
  sha256, writeCheckpointFolder, type CheckpointFolderContents, type HeaderCheck,
} from './folder';
import { message } from '../core/messages';
import { truncate } from '../io/safeText';
import { decodeSafetensors, encodeSafetensors, type NamedArray } from './safetensors';

z.config(en()); // the messages that name what is wrong with a seqlab.json

export { CHECKPOINT_FORMAT, CheckpointError, META_FILE, MODEL_FILE, OPTIMIZER_FILE, checkSaveTarget, removeCheckpoint } from './folder';
export const CHECKPOINT_VERSION = 1;
/** Unicode has 0x110000 code points; a capped vocabulary adds one unknown token. */
const MAX_VOCABULARY = 0x110000 + 1;

const finiteOrNull = z.nullable(z.number()); // zod 4's number() refuses Infinity and NaN
const count = (min = 0) => z.number().check(z.int(), z.minimum(min));
const bounded = (max: number) => z.number().check(z.int(), z.positive(), z.maximum(max));
const text = (max: number) => z.string().check(z.maxLength(max));
/** Where a run's text came from ("notes.md", "3 files", "selection in poems.txt"): a name, not a text. */
export const MAX_CORPUS_NAME = 1024;
const HistoryPoint = z.object({ step: z.number(), trainLoss: z.number(), valLoss: z.number(), seconds: z.optional(z.number()) });
const Curve = z.optional(z.array(z.tuple([z.number(), z.number(), z.number()])).check(z.maxLength(100_000)));
/** Where a run stands: what a resumed run continues from, and what its chart redraws. */
const TrainingStateSchema = z.object({
  step: count(),
  optimizerStep: count(),
  trainLoss: finiteOrNull,
  valLoss: finiteOrNull,
  bestValLoss: finiteOrNull,
  bestStep: z.nullable(z.number().check(z.int())),
  initialValLoss: finiteOrNull,
  /** Position of the batch sampler's random generator, for an exact resume. */
  rngState: z.number().check(z.int()),
  elapsedSeconds: z.number().check(z.minimum(0)),
  /** Evaluations so far, for redrawing the loss chart (`seconds` of training time since SeqLab 0.2). */
  history: z.array(HistoryPoint),
  /** The training loss as the chart drew it: [step, seconds, mean loss since the previous point], at most MAX_CURVE_POINTS. */
  trainCurve: Curve,
});
export type TrainingState = z.infer<typeof TrainingStateSchema>;
/**
 * A run's training config as saved: flat, its values scalars of bounded size. Its meaning
 * (keys, ranges) is the training config's (engine/train/config.ts), checked where a run
 * resumes from it; the format only keeps it from being more than settings.
 */
const SavedConfigSchema = z.record(text(64), z.union([z.number(), text(256), z.boolean(), z.null()]));

const MetaSchema = z.object({
  format: z.literal(CHECKPOINT_FORMAT),
  version: count(1),
  // Shown in views, messages and exported READMEs: bounded here, escaped where they are shown.
  created: text(64),
  backend: text(64),
  // Bounded as the training config is, so that no seqlab.json describes a model SeqLab could not have trained.
  model: z.object({
    vocabSize: bounded(MAX_VOCABULARY),
    embeddingSize: bounded(MODEL_LIMITS.embed),
    hiddenSize: bounded(MODEL_LIMITS.hidden),
    numLayers: bounded(MODEL_LIMITS.layers),
    cell: z.enum(CELL_TYPES),
    dropout: z.number().check(z.minimum(0), z.maximum(1)),
    normalization: z.enum(NORMALIZATIONS),
    forgetBias: z.optional(z.number()),
  }),
  vocabulary: z.object({ mode: z.enum(['char', 'byte']), tokens: z.optional(z.array(z.string()).check(z.maxLength(MAX_VOCABULARY))), capped: z.optional(z.boolean()) }),
  training: z.object({
    config: SavedConfigSchema,
    corpus: z.optional(text(MAX_CORPUS_NAME)),
    /** The run's reference losses (nats/char: ln V, and the unigram cross-entropy of its validation text), for the chart after a reload. */
    baselines: z.optional(z.object({ uniform: z.number().check(z.minimum(0)), unigram: z.number().check(z.minimum(0)) })),
    state: TrainingStateSchema,
    /**
     * The whole run's curves, to its end, in the best checkpoint of a run that went on after
     * its best (`state` is the best step's, for resuming; charts and Compare Runs draw these).
     */
    run: z.optional(z.object({
      step: count(),
      elapsedSeconds: z.number().check(z.minimum(0)),
      history: z.array(HistoryPoint),
      trainCurve: Curve,
    })),
  }),
  files: z.record(z.string(), z.string()),
});
export type CheckpointMeta = z.infer<typeof MetaSchema>;

/** An optimiser's state as a checkpoint holds it: the rule's name and its tensors by torch's names. */
export interface SavedOptimizerState {
  name: string;
  tensors: Record<string, NamedArray>;
}

/** What a checkpoint holds, as arrays: what `writeCheckpoint` takes and `readCheckpoint` gives. */
export interface CheckpointContents {
  /** The model's state_dict by PyTorch's names. */
  weights: Record<string, NamedArray>;
  optimizer: SavedOptimizerState;
  /** seqlab.json without its format tag, version, date and file hashes (the writer adds them). */
  meta: Pick<CheckpointMeta, 'backend' | 'model' | 'vocabulary' | 'training'>;
}

/**
 * Writes a checkpoint folder atomically, replacing only a SeqLab checkpoint or an empty
 * folder at `dir` (see folder.ts). Returns the folder.
 */
export function writeCheckpoint(dir: string, contents: CheckpointContents): string {
  const modelBytes = encodeSafetensors(contents.weights, { format: 'pt', producer: 'seqlab' });
  const optimizerBytes = encodeSafetensors(contents.optimizer.tensors, { optimizer: contents.optimizer.name });
  const { training } = contents.meta;
  const meta: CheckpointMeta = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    created: new Date().toISOString(),
    ...contents.meta,
    training: { ...training, corpus: training.corpus === undefined ? undefined : truncate(training.corpus, MAX_CORPUS_NAME / 2) },
    files: { [MODEL_FILE]: sha256(modelBytes), [OPTIMIZER_FILE]: sha256(optimizerBytes) },
  };
  return writeCheckpointFolder(dir, [
    [MODEL_FILE, modelBytes],
    [OPTIMIZER_FILE, optimizerBytes],
    [META_FILE, JSON.stringify(meta, null, 2) + '\n'],
  ]);
}

/**
 * Adds the whole run's curves (`training.run`) to the checkpoint in `dir`, rewritten
 * atomically with its weights unchanged: a run kept at its best step still shows where it went.
 */
export function recordRunCurves(dir: string, run: Pick<TrainingState, 'step' | 'elapsedSeconds' | 'history' | 'trainCurve'>): string {
  const contents = readCheckedCheckpointFolder(dir);
  const meta = contents.checkedMeta;
  meta.training.run = { step: run.step, elapsedSeconds: run.elapsedSeconds, history: run.history, ...(run.trainCurve ? { trainCurve: run.trainCurve } : {}) };
  return writeCheckpointFolder(contents.dir, [
    [MODEL_FILE, contents.model.bytes],
    [OPTIMIZER_FILE, contents.optimizer.bytes],
    [META_FILE, JSON.stringify(meta, null, 2) + '\n'],
  ]);
}

/** Reads only the metadata (for listings), checked. */
export function readCheckpointMeta(dir: string): CheckpointMeta {
  const folder = resolveCheckpointDir(dir);
  return checkMeta(readMetaJSON(folder), folder);
}

/** Checks seqlab.json as read (`readCheckpointFolder`'s `meta`): format, version, schema. */
export function checkMeta(raw: unknown, folder: string): CheckpointMeta {
  checkFormatTag(raw, folder);
  const version = (raw as { version?: unknown }).version;
  if (typeof version === 'number' && version > CHECKPOINT_VERSION) {
    throw new CheckpointError(message('ckpt-newer', { folder, version, reads: CHECKPOINT_VERSION }));
  }
  const parsed = MetaSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5);
    const problems = issues.map((i) => {
      const said = i.message.replace(/^Invalid input: /, '').replace(/, received undefined$/, ', but it is missing');
      return `${i.path.join('.') || '(top level)'}: ${said}`;
    });
    const fields = issues.map((i) => i.path.join('.') || '(top level)');
    throw new CheckpointError(message('ckpt-meta-damaged', { folder, file: META_FILE, said: problems.join('; '), fields }));
  }
  return parsed.data;
}

/** Gates per step of each cell: the rows of weight_ih / weight_hh are gates x hidden. */
const GATES: Record<CheckpointMeta['model']['cell'], number> = { lstm: 4, gru: 3, 'rnn-tanh': 1, 'rnn-relu': 1, 'rnn-sigmoid': 1 };

/**
 * Checks the shapes in model.safetensors' header against the model seqlab.json
 * describes, before the model is built: the model then takes no more memory than the
 * file holds, whatever seqlab.json claims.
 */
function checkShapes(shapes: Record<string, number[]>, model: CheckpointMeta['model'], folder: string): void {
  const { vocabSize: V, embeddingSize: E, hiddenSize: H, numLayers: L } = model;
  const G = GATES[model.cell];
  const expected: Array<[string, number[]]> = [['embedding.weight', [V, E]], ['head.weight', [V, H]], ['head.bias', [V]]];
  for (let k = 0; k < L; k++) expected.push([`rnn.weight_ih_l${k}`, [G * H, k === 0 ? E : H]], [`rnn.weight_hh_l${k}`, [G * H, H]]);
  for (const [name, shape] of expected) {
    const got = shapes[name];
    if (!got) throw new CheckpointError(message('ckpt-misfit', { folder, file: MODEL_FILE, meta: META_FILE, how: [message('misfit-no-tensor', { name })] }));
    if (got.length !== shape.length || got.some((d, i) => d !== shape[i])) {
      throw new CheckpointError(message('ckpt-misfit', { folder, file: MODEL_FILE, meta: META_FILE, how: [message('misfit-shape', { name, got: String(got), needed: String(shape) })] }));
    }
  }
  if (shapes[`rnn.weight_ih_l${L}`]) throw new CheckpointError(message('ckpt-misfit', { folder, file: MODEL_FILE, meta: META_FILE, how: [message('misfit-layers', { layers: L })] }));
  // Biases and normalisation parameters are small beside the weights: anything much larger is not this model.
  const needed = expected.reduce((sum, [, shape]) => sum + elements(shape), 0);
  const held = Object.values(shapes).reduce((sum, shape) => sum + elements(shape), 0);
  if (held > 2 * needed + 1_000_000) {
    throw new CheckpointError(message('ckpt-misfit', { folder, file: MODEL_FILE, meta: META_FILE, how: [message('misfit-size', { held, needed })] }));
  }
}

const elements = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * Checks each tensor file's header against seqlab.json before its data is read (see
 * readCheckpointFolder): model.safetensors must hold the model seqlab.json describes, and
 * optimizer.safetensors at most three numbers per weight (Adam keeps two). A 2 GB file
 * that does not fit is refused in milliseconds, unread.
 */
function headerCheck(checked: (raw: unknown, folder: string) => CheckpointMeta): HeaderCheck {
  let modelElements = 0;
  return (rawMeta, file, shapes, folder) => {
    const meta = checked(rawMeta, folder);
    if (file === MODEL_FILE) {
      checkShapes(shapes, meta.model, folder);
      modelElements = Object.values(shapes).reduce((sum, shape) => sum + elements(shape), 0);
    } else if (file === OPTIMIZER_FILE) {
      const held = Object.values(shapes).reduce((sum, shape) => sum + elements(shape), 0);
      if (held > 3 * modelElements + 1000) {
        throw new CheckpointError(message('ckpt-misfit', { folder, file: OPTIMIZER_FILE, meta: META_FILE, how: [message('misfit-optimizer-size', { held, model: modelElements })] }));
      }
    }
  };
}

/**
 * Reads a checkpoint folder whole, each tensor file checked against seqlab.json before its
 * data is read; `checkedMeta` is seqlab.json checked (once per read, however many files it is checked against).
 */
export function readCheckedCheckpointFolder(dir: string): CheckpointFolderContents & { checkedMeta: CheckpointMeta } {
  const memo = new WeakMap<object, CheckpointMeta>();
  const checked = (raw: unknown, folder: string): CheckpointMeta => {
    const known = typeof raw === 'object' && raw !== null ? memo.get(raw) : undefined;
    if (known) return known;
    const meta = checkMeta(raw, folder);
    if (typeof raw === 'object' && raw !== null) memo.set(raw, meta);
    return meta;
  };
  const contents = readCheckpointFolder(dir, headerCheck(checked));
  return { ...contents, checkedMeta: checked(contents.meta, contents.dir) };
}

/** A checkpoint read whole and checked: its metadata and its tensors, decoded (no model built). */
export interface ReadCheckpoint {
  dir: string;
  meta: CheckpointMeta;
  weights: Record<string, NamedArray>;
  optimizerState: Record<string, NamedArray>;
}

/** Reads and checks a checkpoint: every tensor file against seqlab.json before its data is read. */
export function readCheckpoint(dir: string): ReadCheckpoint {
  const contents = readCheckedCheckpointFolder(dir);
  const folder = contents.dir;
  const meta = contents.checkedMeta;
  const weights = decodeSafetensors(contents.model.bytes, fileIn(MODEL_FILE, folder)).tensors;
  const optimizerState = decodeSafetensors(contents.optimizer.bytes, fileIn(OPTIMIZER_FILE, folder)).tensors;
  return { dir: folder, meta, weights, optimizerState };
}
