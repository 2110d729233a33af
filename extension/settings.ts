/**
 * SeqLab's settings, read through one typed layer: every value is cleaned and
 * defaulted by `readSettings(get)` before any logic sees it (no raw config.get()
 * elsewhere). Pure: `get` is `workspace.getConfiguration('seqlab').get`, or a map in tests.
 * The schema in package.json (`contributes.configuration`) matches FIELDS and DEFAULTS.
 */
import { BACKEND_NAMES, CELL_TYPES, NORMALIZATIONS, OPTIMIZER_NAMES, type BackendName, type CellType, type Normalization, type OptimizerName } from '../engine/core/names';
import type { FieldSpec } from '../webview/protocol';

export interface TrainSettings {
  cell: CellType;
  layers: number;
  hiddenSize: number;
  embeddingSize: number;
  dropout: number;
  normalization: Normalization;
  seqLen: number;
  batchSize: number;
  optimizer: OptimizerName;
  learningRate: number;
  clipNorm: number;
  /** A cap: the time budget or patience ends a default run. */
  steps: number;
  /** 0 = no time budget. */
  minutes: number;
  /** Evaluations without a new best validation loss before stopping; 0 = never. */
  patience: number;
  /** Steps between saves of the latest weights to `<run>-last` (what a reload or crash can resume from); 0 = only at Stop. */
  checkpointEvery: number;
  seed: number;
}

export interface Settings {
  train: TrainSettings;
  generate: { length: number; temperature: number; topK: number; topP: number };
  backend: 'auto' | BackendName;
  /** Data-parallel worker threads of a training run: 'auto' (one per core) or a count (`seqlab.train.workers`). */
  workers: 'auto' | number;
  /** The unit of every loss shown: nats per character (PyTorch's cross-entropy) or bits. */
  units: 'nats' | 'bits';
  storage: 'global' | 'workspace';
  filesGlob: string;
}

/** The training form's fields, in order; ranges as in package.json. */
export const TRAIN_FIELDS: FieldSpec[] = [
  { key: 'cell', label: 'cell', kind: 'enum', options: [...CELL_TYPES] },
  { key: 'layers', label: 'layers', kind: 'integer', min: 1, max: 8 },
  { key: 'hiddenSize', label: 'hiddenSize', kind: 'integer', min: 1, max: 4096 },
  { key: 'embeddingSize', label: 'embeddingSize', kind: 'integer', min: 1, max: 4096 },
  { key: 'dropout', label: 'dropout', kind: 'number', min: 0, max: 0.9 },
  { key: 'normalization', label: 'normalization', kind: 'enum', options: [...NORMALIZATIONS] },
  { key: 'seqLen', label: 'seqLen', kind: 'integer', min: 2, max: 4096 },
  { key: 'batchSize', label: 'batchSize', kind: 'integer', min: 1, max: 4096 },
  { key: 'optimizer', label: 'optimizer', kind: 'enum', options: [...OPTIMIZER_NAMES] },
  { key: 'learningRate', label: 'learningRate', kind: 'number', min: 1e-6, max: 10 },
  { key: 'clipNorm', label: 'clipNorm', kind: 'number', min: 0, max: 1000 },
  { key: 'steps', label: 'steps', kind: 'integer', min: 1, max: 10_000_000 },
  { key: 'minutes', label: 'minutes', kind: 'number', min: 0, max: 10_080 },
  { key: 'patience', label: 'patience', kind: 'integer', min: 0, max: 1_000_000 },
  { key: 'checkpointEvery', label: 'checkpointEvery', kind: 'integer', min: 0, max: 100_000_000 },
  { key: 'seed', label: 'seed', kind: 'integer', min: 0, max: 2_147_483_647 },
];

export const TRAIN_DEFAULTS: TrainSettings = {
  cell: 'lstm', layers: 1, hiddenSize: 128, embeddingSize: 32, dropout: 0, normalization: 'none', seqLen: 64, batchSize: 32,
  optimizer: 'adam', learningRate: 0.003, clipNorm: 5, steps: 100_000, minutes: 2, patience: 8, checkpointEvery: 100, seed: 1234,
};

/** Why a value is not acceptable for a field, or undefined when it is. */
export function checkField(field: FieldSpec, value: unknown): string | undefined {
  if (field.kind === 'enum') return field.options!.includes(value as string) ? undefined : `one of ${field.options!.join(', ')}`;
  if (typeof value !== 'number' || !Number.isFinite(value)) return 'a number';
  if (field.kind === 'integer' && !Number.isInteger(value)) return 'a whole number';
  if (field.min !== undefined && value < field.min) return `at least ${field.min}`;
  if (field.max !== undefined && value > field.max) return `at most ${field.max}`;
  return undefined;
}

type Getter = (key: string) => unknown;

export function readSettings(get: Getter): Settings {
  const train = { ...TRAIN_DEFAULTS } as unknown as Record<string, unknown>;
  for (const field of TRAIN_FIELDS) {
    const value = get(`train.${field.key}`);
    if (value !== undefined && checkField(field, value) === undefined) train[field.key] = value;
  }
  const num = (key: string, fallback: number, min: number, max: number, integer = false) => {
    const v = get(key);
    return typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max && (!integer || Number.isInteger(v)) ? v : fallback;
  };
  const backend = get('backend');
  const workers = get('train.workers');
  const glob = get('trainOnFiles.glob');
  return {
    train: train as unknown as TrainSettings,
    generate: {
      length: num('generate.length', 200, 1, 10_000, true),
      temperature: num('generate.temperature', 0.7, 0, 5),
      topK: num('generate.topK', 0, 0, 100_000, true),
      topP: num('generate.topP', 1, 0.01, 1),
    },
    backend: backend === 'auto' || BACKEND_NAMES.includes(backend as BackendName) ? (backend as Settings['backend']) : 'auto',
    workers: typeof workers === 'string' && /^[1-8]$/.test(workers) ? Number(workers) : 'auto',
    storage: get('storage.location') === 'workspace' ? 'workspace' : 'global',
    units: get('units') === 'bits' ? 'bits' : 'nats',
    filesGlob: typeof glob === 'string' && glob.trim() ? glob.trim() : '**/*.{md,txt}',
  };
}

/** The engine's training config (engine/train/config.ts keys) from the settings. */
export function engineConfig(t: TrainSettings): Record<string, unknown> {
  return {
    cell: t.cell, layers: t.layers, hidden: t.hiddenSize, embed: t.embeddingSize, dropout: t.dropout, normalization: t.normalization,
    seqLen: t.seqLen, batch: t.batchSize, optimizer: t.optimizer, lr: t.learningRate, clipNorm: t.clipNorm,
    steps: t.steps, minutes: t.minutes, patience: t.patience, checkpointEvery: t.checkpointEvery, seed: t.seed, // evaluation and samples: the engine's defaults, as for `seqlab train`
  };
}
