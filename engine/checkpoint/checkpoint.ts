/**
 * Checkpoints: a folder with
 *   model.safetensors      the weights under PyTorch state_dict names (embedding.weight,
 *                          rnn.weight_ih_l0, ..., head.weight, head.bias), loadable into
 *                          torch.nn.Embedding + LSTM/GRU/RNN + Linear;
 *   optimizer.safetensors  the optimiser's state (exp_avg.<param>, ...);
 *   seqlab.json            format version, model and training config, vocabulary,
 *                          training state (step, losses, random state), and the SHA-256
 *                          of both tensor files, so a mismatched or edited pair is caught.
 * Saving writes a complete new folder beside the old one and swaps it in with renames, so
 * a crash leaves the old checkpoint or the new one, never a mix. Loading checks
 * everything and names what is wrong.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { tf } from '../backend';
import { CharLM, type CharLMConfig } from '../charlm';
import { CELL_TYPES, NORMALIZATIONS } from '../names';
import { Vocabulary, type VocabularyJSON } from '../text/vocabulary';
import { TrainConfigSchema, type TrainConfig } from '../train/config';
import { decodeSafetensors, encodeSafetensors, type NamedArray } from './safetensors';

export const CHECKPOINT_FORMAT = 'seqlab-checkpoint';
export const CHECKPOINT_VERSION = 1;
export const MODEL_FILE = 'model.safetensors';
export const OPTIMIZER_FILE = 'optimizer.safetensors';
export const META_FILE = 'seqlab.json';

export interface TrainingState {
  step: number;
  optimizerStep: number;
  trainLoss: number | null;
  valLoss: number | null;
  bestValLoss: number | null;
  bestStep: number | null;
  initialValLoss: number | null;
  /** Position of the batch sampler's random generator, for an exact resume. */
  rngState: number;
  elapsedSeconds: number;
  /** Evaluations so far, for redrawing the loss chart. */
  history: Array<{ step: number; trainLoss: number; valLoss: number }>;
}

const finiteOrNull = z.number().finite().nullable();
const MetaSchema = z.object({
  format: z.literal(CHECKPOINT_FORMAT),
  version: z.number().int(),
  created: z.string(),
  backend: z.string(),
  model: z.object({
    vocabSize: z.number().int().positive(),
    embeddingSize: z.number().int().positive(),
    hiddenSize: z.number().int().positive(),
    numLayers: z.number().int().positive(),
    cell: z.enum(CELL_TYPES),
    dropout: z.number().min(0).max(1),
    normalization: z.enum(NORMALIZATIONS),
    forgetBias: z.number().optional(),
  }),
  vocabulary: z.object({ mode: z.enum(['char', 'byte']), tokens: z.array(z.string()).optional(), capped: z.boolean().optional() }),
  training: z.object({
    config: TrainConfigSchema.partial().passthrough(),
    corpus: z.string().optional(),
    state: z.object({
      step: z.number().int().min(0),
      optimizerStep: z.number().int().min(0),
      trainLoss: finiteOrNull,
      valLoss: finiteOrNull,
      bestValLoss: finiteOrNull,
      bestStep: z.number().int().nullable(),
      initialValLoss: finiteOrNull,
      rngState: z.number().int(),
      elapsedSeconds: z.number().min(0),
      history: z.array(z.object({ step: z.number(), trainLoss: z.number(), valLoss: z.number() })),
    }),
  }),
  files: z.record(z.string(), z.string()),
});
export type CheckpointMeta = z.infer<typeof MetaSchema>;

export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
}

function sha256(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}

function toArrays(tensors: Record<string, tf.Tensor>): Record<string, NamedArray> {
  return Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, { shape: [...t.shape], data: t.dataSync() as Float32Array }]));
}

function writeFileSynced(file: string, data: Buffer | string): void {
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export interface SaveInput {
  model: CharLM;
  vocabulary: Vocabulary;
  config: Partial<TrainConfig>;
  state: TrainingState;
  backend: string;
  corpus?: string;
}

/** Writes a checkpoint folder atomically (see the file comment). Returns the folder. */
export function saveCheckpoint(dir: string, input: SaveInput): string {
  const target = path.resolve(dir);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const suffix = randomBytes(4).toString('hex');
  const staging = `${target}.tmp-${suffix}`;
  fs.mkdirSync(staging);
  try {
    const cfg = input.model.config;
    const modelBytes = encodeSafetensors(toArrays(input.model.stateDict()), { format: 'pt', producer: 'seqlab' });
    const optimizer = input.model.getOptimizer();
    const optimizerBytes = encodeSafetensors(toArrays(optimizer.stateTensors()), { optimizer: optimizer.settings.name });
    const meta: CheckpointMeta = {
      format: CHECKPOINT_FORMAT,
      version: CHECKPOINT_VERSION,
      created: new Date().toISOString(),
      backend: input.backend,
      model: {
        vocabSize: cfg.vocabSize, embeddingSize: cfg.embeddingSize, hiddenSize: cfg.hiddenSize, numLayers: cfg.numLayers,
        cell: cfg.cell, dropout: cfg.dropout, normalization: cfg.normalization,
        ...(cfg.forgetBias !== undefined ? { forgetBias: cfg.forgetBias } : {}),
      },
      vocabulary: input.vocabulary.toJSON() as CheckpointMeta['vocabulary'],
      training: { config: input.config, corpus: input.corpus, state: input.state },
      files: { [MODEL_FILE]: sha256(modelBytes), [OPTIMIZER_FILE]: sha256(optimizerBytes) },
    };
    writeFileSynced(path.join(staging, MODEL_FILE), modelBytes);
    writeFileSynced(path.join(staging, OPTIMIZER_FILE), optimizerBytes);
    writeFileSynced(path.join(staging, META_FILE), JSON.stringify(meta, null, 2) + '\n');
    const old = `${target}.old-${suffix}`;
    const hadOld = fs.existsSync(target);
    if (hadOld) fs.renameSync(target, old);
    fs.renameSync(staging, target);
    if (hadOld) fs.rmSync(old, { recursive: true, force: true });
    return target;
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw err;
  }
}

export interface LoadedCheckpoint {
  dir: string;
  meta: CheckpointMeta;
  model: CharLM;
  vocabulary: Vocabulary;
  /** The optimiser state, applied by `restoreOptimizer` when training resumes. */
  optimizerState: Record<string, NamedArray>;
}

/** The checkpoint folder to read: `dir`, or the `.old-*` copy a crash mid-swap left behind. */
function resolveDir(dir: string): string {
  const target = path.resolve(dir);
  if (fs.existsSync(path.join(target, META_FILE))) return target;
  const parent = path.dirname(target);
  const base = path.basename(target);
  const leftover = fs.existsSync(parent) ? fs.readdirSync(parent).filter((f) => f.startsWith(`${base}.old-`)).sort() : [];
  if (leftover.length) return path.join(parent, leftover[leftover.length - 1]);
  if (!fs.existsSync(target)) throw new CheckpointError(`no checkpoint at ${target}: the folder does not exist`);
  throw new CheckpointError(`${target} is not a SeqLab checkpoint: ${META_FILE} is missing`);
}

/** Reads only the metadata (for listings), checked. */
export function readCheckpointMeta(dir: string): CheckpointMeta {
  const folder = resolveDir(dir);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(path.join(folder, META_FILE), 'utf8'));
  } catch (err) {
    throw new CheckpointError(`${META_FILE} in ${folder} is not valid JSON (${(err as Error).message}); the file is damaged`);
  }
  const format = (raw as { format?: unknown })?.format;
  if (format !== CHECKPOINT_FORMAT) throw new CheckpointError(`${folder} is not a SeqLab checkpoint (format ${JSON.stringify(format)})`);
  const version = (raw as { version?: unknown }).version;
  if (typeof version === 'number' && version > CHECKPOINT_VERSION) {
    throw new CheckpointError(`${folder} was written by a newer SeqLab (checkpoint format ${version}; this one reads up to ${CHECKPOINT_VERSION}); update SeqLab`);
  }
  const parsed = MetaSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).slice(0, 5);
    throw new CheckpointError(`${META_FILE} in ${folder} is damaged: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/** Loads and checks a checkpoint; the model is ready for sampling (eval mode). */
export function loadCheckpoint(dir: string): LoadedCheckpoint {
  const folder = resolveDir(dir);
  const meta = readCheckpointMeta(folder);
  const read = (file: string) => {
    const p = path.join(folder, file);
    if (!fs.existsSync(p)) throw new CheckpointError(`${file} is missing from ${folder}`);
    const bytes = fs.readFileSync(p);
    if (meta.files[file] !== sha256(bytes)) {
      throw new CheckpointError(`${file} in ${folder} does not match ${META_FILE} (its SHA-256 differs): the file was truncated, edited or comes from another checkpoint`);
    }
    return decodeSafetensors(bytes, `${file} in ${folder}`);
  };
  const weights = read(MODEL_FILE).tensors;
  const optimizerState = read(OPTIMIZER_FILE).tensors;
  let vocabulary: Vocabulary;
  try {
    vocabulary = Vocabulary.fromJSON(meta.vocabulary as VocabularyJSON);
  } catch (err) {
    throw new CheckpointError(`${META_FILE} in ${folder}: ${(err as Error).message}`);
  }
  if (vocabulary.size !== meta.model.vocabSize) {
    throw new CheckpointError(`${META_FILE} in ${folder}: the vocabulary has ${vocabulary.size} tokens but the model expects ${meta.model.vocabSize}`);
  }
  const model = new CharLM({ ...(meta.model as CharLMConfig), seed: 0 });
  try {
    model.loadStateDict(weights);
  } catch (err) {
    model.dispose();
    throw new CheckpointError(`${MODEL_FILE} in ${folder} does not fit the model in ${META_FILE}: ${(err as Error).message}`);
  }
  model.eval();
  return { dir: folder, meta, model, vocabulary, optimizerState };
}
