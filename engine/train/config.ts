/**
 * The training configuration: one typed object with commented defaults. Unknown keys
 * and out-of-range values are errors that name the key (`parseTrainConfig`).
 */
import { z } from 'zod';
import { CELL_TYPES, MODEL_LIMITS, NORMALIZATIONS, OPTIMIZER_NAMES, SCHEDULE_NAMES } from '../core/names';

const int = (min: number, max: number) => z.number().int().min(min).max(max);

export { MODEL_LIMITS };

export const TrainConfigSchema = z.object({
  // model
  cell: z.enum(CELL_TYPES).default('lstm'),
  layers: int(1, MODEL_LIMITS.layers).default(1),
  hidden: int(1, MODEL_LIMITS.hidden).default(128), // the chapter's examples use 128-512; 128 trains a 27k-character Chinese text in 2 minutes here
  embed: int(1, MODEL_LIMITS.embed).default(32),
  dropout: z.number().min(0).max(0.9).default(0), // between layers; needs layers > 1
  normalization: z.enum(NORMALIZATIONS).default('none'),
  forgetBias: z.number().min(-10).max(10).optional(), // LSTM: 1 keeps the conveyor belt open at the start
  // data
  seqLen: int(2, 4096).default(64), // backpropagation through time spans this many characters
  batch: int(1, 4096).default(32),
  valFraction: z.number().min(0.01).max(0.5).default(0.1), // the last 10% of the text validates
  vocabMode: z.enum(['auto', 'char', 'byte']).default('auto'),
  vocabMax: int(2, 1_000_000).optional(), // cap the character vocabulary (rest -> unknown token)
  // optimisation
  optimizer: z.enum(OPTIMIZER_NAMES).default('adam'),
  lr: z.number().gt(0).max(10).default(3e-3), // Adam's usual range for char models (1e-3 to 3e-3)
  momentum: z.number().min(0).max(0.999).default(0.9), // sgd only
  weightDecay: z.number().min(0).max(1).default(0),
  schedule: z.enum(SCHEDULE_NAMES).default('constant'),
  warmupSteps: int(0, 10_000_000).default(0),
  lrMinRatio: z.number().min(0).max(1).default(0.1), // cosine ends at lr * lrMinRatio
  lrStepSize: int(1, 10_000_000).default(1000), // step: lr *= lrGamma every lrStepSize steps
  lrGamma: z.number().gt(0).max(1).default(0.5),
  clipNorm: z.number().min(0).default(5), // 0 = off; ReLU RNNs explode without it
  clipValue: z.number().min(0).default(0), // 0 = off
  // length and reporting
  steps: int(1, 100_000_000).default(100_000), // a cap: the time budget or patience ends a default run
  minutes: z.number().min(0).max(60 * 24 * 7).default(2), // time budget (0 = none): stops at whichever of steps, minutes and patience comes first
  patience: int(0, 1_000_000).default(8), // stop after this many evaluations without a new best validation loss (0 = never)
  evalInterval: int(1, 1_000_000).default(25), // an evaluation costs about one training step: 4%
  checkpointEvery: int(0, 100_000_000).default(100), // save the latest weights this often, where a run has a place for them (0 = only at the end)
  evalWindows: int(1, 100_000).default(64), // validation windows per evaluation (contiguous, fixed)
  sampleInterval: int(0, 1_000_000).default(100), // 0 = no samples while training
  sampleLength: int(1, 10_000).default(120),
  progressIntervalMs: int(0, 60_000).default(250), // at most ~4 progress events a second (0: every step, for experiments)
  seed: int(0, 2 ** 31 - 1).default(1234), // same seed + config + backend + workers = same loss curve
});

export type TrainConfig = z.output<typeof TrainConfigSchema>;
export type TrainConfigInput = z.input<typeof TrainConfigSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid training configuration: ${problems.join('; ')}`);
  }
}

/** Applies defaults and checks everything; the error lists each problem with its key. */
export function parseTrainConfig(raw: unknown): TrainConfig {
  const result = TrainConfigSchema.strict().safeParse(raw ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    const key = issue.path.join('.') || '(config)';
    const given = issue.path.reduce<unknown>((v, k) => (v as Record<PropertyKey, unknown> | undefined)?.[k as PropertyKey], raw);
    return `${key}: ${issue.message.replace(/^Invalid input: /, '')}, got ${JSON.stringify(given)}`;
  });
  throw new ConfigError(problems);
}

/**
 * A saved run's config (a checkpoint's `training.config`), checked as far as it goes:
 * every key it has must be in range; keys this SeqLab does not know pass (a newer one
 * wrote them), and `parseTrainConfig` refuses them if a run is to use them.
 */
export function savedTrainConfig(saved: Record<string, unknown>): Partial<TrainConfig> {
  const result = TrainConfigSchema.partial().passthrough().safeParse(saved);
  if (result.success) return result.data as Partial<TrainConfig>;
  throw new Error(`training.config: ${result.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message.replace(/^Invalid input: /, '')}`).join('; ')}`);
}
