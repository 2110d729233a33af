/**
 * The training configuration: one typed object with commented defaults. Unknown keys
 * and out-of-range values are errors that name the key (`parseTrainConfig`).
 */
// zod/mini: the extension host reads the settings through this schema at activation, where
// zod's full API cost about 55 ms to load and zod/mini about 10 (measured, bundled and minified).
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import type { Bilingual } from '../core/lang';
import { message, renderMessage, type EngineMessage } from '../core/messages';
import { CELL_TYPES, ENGINE_CHOICES, MODEL_LIMITS, NORMALIZATIONS, OPTIMIZER_NAMES, SCHEDULE_NAMES } from '../core/names';

z.config(en()); // parseTrainConfig's messages ("Too big: expected number to be <=8")

const int = (min: number, max: number) => z.number().check(z.int(), z.minimum(min), z.maximum(max));
const num = (min: number, max?: number) => z.number().check(z.minimum(min), ...(max === undefined ? [] : [z.maximum(max)]));
/** Above `min` (a learning rate above 0), at most `max`. */
const above = (min: number, max: number) => z.number().check(z.gt(min), z.maximum(max));

export { MODEL_LIMITS };

/**
 * What a field of the training config says about itself, beside its type, range and
 * default: `configFields.ts` reads these to write the VS Code settings (package.json and
 * its two nls files, by `npm run build`), the Training view's form and the command line's
 * options and help. Adding a setting is one entry here, in both languages.
 */
export interface FieldMeta extends Bilingual {
  // en, zh: what the value does (the setting's description, the command line's help).
  /**
   * The VS Code setting `seqlab.train.<setting>`, and a field of the Training view's form
   * labelled `label`; none: the command line and experiments only.
   */
  setting?: string;
  label?: Bilingual;
  /** The command-line flag (`--<flag>`), when it is not the key in kebab case; null: none. */
  flag?: string | null;
}

const describe = <T extends z.ZodMiniType>(schema: T, meta: FieldMeta): T => { z.globalRegistry.add(schema, { ...meta }); return schema; };

export const TrainConfigSchema = z.object({
  // model
  cell: describe(z._default(z.enum(CELL_TYPES), 'lstm'), {
    en: 'Recurrent cell of new models.', zh: '新模型的循环单元。', setting: 'cell', label: { en: 'cell', zh: '单元类型' },
  }),
  layers: describe(z._default(int(1, MODEL_LIMITS.layers), 1), { en: 'Recurrent layers.', zh: '循环层数。', setting: 'layers', label: { en: 'layers', zh: '层数' } }),
  // The chapter's examples use 128-512; 128 trains a 27k-character Chinese text in 2 minutes here.
  hidden: describe(z._default(int(1, MODEL_LIMITS.hidden), 128), {
    en: 'Hidden units per layer.', zh: '每层隐藏单元数。', setting: 'hiddenSize', label: { en: 'hidden size', zh: '隐藏层大小' },
  }),
  embed: describe(z._default(int(1, MODEL_LIMITS.embed), 32), {
    en: 'Size of the character embedding.', zh: '字符嵌入的维度。', setting: 'embeddingSize', label: { en: 'embedding size', zh: '嵌入维度' },
  }),
  dropout: describe(z._default(num(0, 0.9), 0), {
    en: 'Dropout between layers (needs 2 or more layers).', zh: '层间 dropout（需要 2 层或以上）。', setting: 'dropout', label: { en: 'dropout', zh: 'dropout' },
  }),
  normalization: describe(z._default(z.enum(NORMALIZATIONS), 'none'), {
    en: 'Normalise the gate pre-activations (layer norm, or recurrent batch norm).', zh: '对门的预激活做归一化（层归一化或循环批归一化）。',
    setting: 'normalization', label: { en: 'normalization', zh: '归一化' },
  }),
  forgetBias: describe(z.optional(num(-10, 10)), {
    en: 'LSTM: the initial forget-gate bias (1 keeps the cell state open from the start, the "conveyor belt"); default PyTorch\'s initialisation.',
    zh: 'LSTM：遗忘门偏置的初始值（1 让细胞状态从一开始就保持畅通，即"传送带"）；默认使用 PyTorch 的初始化。',
  }),
  // data
  seqLen: describe(z._default(int(2, 4096), 64), {
    en: 'Characters per training window (backpropagation through time).', zh: '每个训练窗口的字符数（随时间反向传播的长度）。',
    setting: 'seqLen', label: { en: 'sequence length', zh: '序列长度' },
  }),
  batch: describe(z._default(int(1, 4096), 32), { en: 'Windows per training step.', zh: '每步训练的窗口数。', setting: 'batchSize', label: { en: 'batch size', zh: '批大小' } }),
  valFraction: describe(z._default(num(0.01, 0.5), 0.1), {
    en: 'The share of the text, at its end, held out for validation.', zh: '文本末尾留作验证的比例。',
  }),
  vocabMode: describe(z._default(z.enum(['auto', 'char', 'byte']), 'auto'), {
    en: 'Tokens: characters, bytes, or auto (characters unless the text has too many distinct ones).', zh: '词元：字符、字节，或 auto（除非文本中不同字符过多，否则用字符）。',
  }),
  vocabMax: describe(z.optional(int(2, 1_000_000)), {
    en: 'Cap the character vocabulary at this many tokens (the rarest characters become one unknown token).', zh: '把字符词表限制在这么多个词元（最少见的字符合并为一个未知词元）。',
  }),
  // optimisation
  optimizer: describe(z._default(z.enum(OPTIMIZER_NAMES), 'adam'), { en: 'Optimiser.', zh: '优化器。', setting: 'optimizer', label: { en: 'optimizer', zh: '优化器' } }),
  // Adam's usual range for char models is 1e-3 to 3e-3.
  lr: describe(z._default(above(0, 10), 3e-3), { en: 'Learning rate.', zh: '学习率。', setting: 'learningRate', label: { en: 'learning rate', zh: '学习率' } }),
  momentum: describe(z._default(num(0, 0.999), 0.9), { en: 'Momentum (sgd only).', zh: '动量（仅用于 sgd）。' }),
  weightDecay: describe(z._default(num(0, 1), 0), {
    en: 'Weight decay (L2, as torch.optim\'s weight_decay): adds this times each weight to its gradient. 0 = off.',
    zh: '权重衰减（L2，与 torch.optim 的 weight_decay 相同）：把每个权重乘以此值加到它的梯度上。0 表示关闭。',
    setting: 'weightDecay', label: { en: 'weight decay', zh: '权重衰减' },
  }),
  schedule: describe(z._default(z.enum(SCHEDULE_NAMES), 'constant'), {
    en: 'Learning-rate schedule after the warm-up: constant, cosine (to lr × lrMinRatio at the last step) or step (× lrGamma every lrStepSize steps).',
    zh: '预热之后的学习率调度：constant（不变）、cosine（在最后一步降到 lr × lrMinRatio）或 step（每 lrStepSize 步乘以 lrGamma）。',
  }),
  warmupSteps: describe(z._default(int(0, 10_000_000), 0), { en: 'Raise the learning rate linearly from 0 over this many steps.', zh: '在这么多步内把学习率从 0 线性升高。' }),
  lrMinRatio: describe(z._default(num(0, 1), 0.1), { en: 'cosine: the learning rate ends at lr × this.', zh: 'cosine：学习率最终降到 lr × 此值。' }),
  lrStepSize: describe(z._default(int(1, 10_000_000), 1000), { en: 'step: multiply the learning rate by lrGamma every this many steps.', zh: 'step：每隔这么多步把学习率乘以 lrGamma。' }),
  lrGamma: describe(z._default(above(0, 1), 0.5), { en: 'step: the factor of each decay.', zh: 'step：每次衰减的系数。' }),
  // ReLU RNNs explode without it.
  clipNorm: describe(z._default(num(0), 5), {
    en: 'Clip the global gradient norm to this (0 = off).', zh: '把全局梯度范数裁剪到此值（0 表示关闭）。', setting: 'clipNorm', flag: 'clip',
    label: { en: 'gradient clip (norm)', zh: '梯度裁剪（范数）' },
  }),
  clipValue: describe(z._default(num(0), 0), { en: 'Clip every gradient element to ± this first (0 = off).', zh: '先把每个梯度元素裁剪到 ± 此值（0 表示关闭）。' }),
  // length and reporting
  steps: describe(z._default(int(1, 100_000_000), 100_000), {
    en: 'At most this many training steps. A cap: a default run is ended by the time budget or by patience.', zh: '最多训练这么多步。这是上限：默认的训练由时间预算或耐心值结束。',
    setting: 'steps', label: { en: 'steps (at most)', zh: '步数（上限）' },
  }),
  minutes: describe(z._default(num(0, 60 * 24 * 7), 2), {
    en: 'Time budget in minutes (0 = none). Training stops at whichever of the steps, the budget and patience comes first, and keeps the checkpoint with the best validation loss.',
    zh: '时间预算（分钟；0 表示不限）。训练在步数、时间预算和耐心值中先到者处停止，并保留验证损失最好的检查点。',
    setting: 'minutes', label: { en: 'minutes (time budget)', zh: '分钟（时间预算）' },
  }),
  patience: describe(z._default(int(0, 1_000_000), 8), {
    en: 'Stop when the validation loss has not improved for this many evaluations (one every 25 steps; 0 = never): the model has begun to memorise its text.',
    zh: '当验证损失连续这么多次评估（每 25 步一次；0 表示从不）都没有改进时停止：模型已开始记忆它的文本。',
    setting: 'patience', label: { en: 'patience (evaluations without a new best; 0 = never)', zh: '耐心值（没有新最佳结果的评估次数；0 表示从不）' },
  }),
  // An evaluation costs about one training step: 4%.
  evalInterval: describe(z._default(int(1, 1_000_000), 25), { en: 'Steps between validation passes.', zh: '两次验证之间的步数。' }),
  checkpointEvery: describe(z._default(int(0, 100_000_000), 100), {
    en: 'Save the latest weights beside the run (as <run>-last) every this many steps, or every `checkpointSeconds` seconds if that comes first, so that a window reload or a crash loses little: SeqLab then offers to resume. 0 = by time only.',
    zh: '每隔这么多步（或每隔 checkpointSeconds 秒，以先到者为准）把最新的权重保存在训练旁边（<run>-last），这样窗口重新加载或崩溃损失很少：SeqLab 随后会提示继续训练。0 表示只按时间保存。',
    // The command line keeps no <run>-last folder: Ctrl+C saves the weights as they are.
    setting: 'checkpointEvery', label: { en: 'save the latest weights every (steps)', zh: '每隔多少步保存最新权重' }, flag: null,
  }),
  // A slow run (a busy machine, a large model) may take minutes for 100 steps; a reload then lost it all. A save
  // costs ~45 ms at the default size (bench/checkpointCost.mts: half a step), 0.15% of a run at one every 30 s.
  checkpointSeconds: describe(z._default(int(0, 86_400), 30), {
    en: 'Also save the latest weights (as <run>-last) when this many seconds have passed since the last save, whatever the steps: a slow run is never more than this far from a checkpoint. 0 = by steps only (`checkpointEvery`); with both 0, only when you stop the run.',
    zh: '距上次保存已过这么多秒时也保存最新权重（<run>-last），不论步数：慢的训练离检查点永远不超过这么久。0 表示只按步数保存（checkpointEvery）；两者都为 0 时只在你停止训练时保存。',
    setting: 'checkpointSeconds', label: { en: 'save the latest weights every (seconds)', zh: '每隔多少秒保存最新权重' }, flag: null,
  }),
  evalWindows: describe(z._default(int(1, 100_000), 64), { en: 'Validation windows per evaluation (contiguous, the same every time).', zh: '每次评估使用的验证窗口数（连续，每次相同）。' }),
  sampleInterval: describe(z._default(int(0, 1_000_000), 100), { en: 'Steps between samples while training (0 = none).', zh: '训练中两次采样之间的步数（0 表示不采样）。' }),
  sampleLength: describe(z._default(int(1, 10_000), 120), { en: 'Characters per sample while training.', zh: '训练中每次采样的字符数。' }),
  // At most ~4 progress events a second; 0: every step, for experiments.
  progressIntervalMs: describe(z._default(int(0, 60_000), 250), { en: 'Milliseconds between progress events (0 = every step).', zh: '两次进度事件之间的毫秒数（0 表示每步）。', flag: null }),
  seed: describe(z._default(int(0, 2 ** 31 - 1), 1234), {
    en: 'Random seed: the same seed and settings give the same run.', zh: '随机种子：相同的种子和设置得到相同的结果。', setting: 'seed', label: { en: 'seed', zh: '随机种子' },
  }),
  // The run itself is the same on either engine (same weights, batches, rules: engine/train/torchStepper.ts); only who computes the steps differs.
  engine: describe(z._default(z.enum(ENGINE_CHOICES), 'builtin'), {
    en: 'What computes the training steps: builtin (TensorFlow.js, nothing to install), pytorch (your own PyTorch, on its CPU threads or GPU: the same run, same initial weights, batches and rules), or auto (PyTorch when a Python with it is found, else built-in). The Python is the seqlab.python setting, the Python extension\'s environment, or python3 on PATH.',
    zh: '由谁计算训练步：builtin（内置的 TensorFlow.js，无需安装）、pytorch（你自己的 PyTorch，用它的 CPU 线程或 GPU：同一次训练，相同的初始权重、批次和规则），或 auto（找到装有 PyTorch 的 Python 时用 PyTorch，否则用内置引擎）。Python 取自 seqlab.python 设置、Python 扩展的环境，或 PATH 上的 python3。',
    setting: 'engine', label: { en: 'engine', zh: '计算引擎' },
  }),
});

const StrictTrainConfig = z.strictObject(TrainConfigSchema.shape);
const SavedTrainConfig = z.partial(z.looseObject(TrainConfigSchema.shape));

export type TrainConfig = z.output<typeof TrainConfigSchema>;
export type TrainConfigInput = z.input<typeof TrainConfigSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** The problems as catalogue messages (engine/core/messages.ts), for the student's language. */
  readonly engineMessage: EngineMessage<'bad-settings'>;
  readonly problems: string[];
  constructor(problems: EngineMessage[]) {
    const m = message('bad-settings', { problems });
    super(renderMessage(m, 'en'));
    this.engineMessage = m;
    this.problems = problems.map((p) => renderMessage(p, 'en'));
  }
}

/** One zod problem of a training config as a catalogue message naming the setting (its label in Chinese). */
function settingProblem(issue: z.core.$ZodIssue, raw: unknown): EngineMessage {
  if (issue.code === 'unrecognized_keys') return message('setting-unknown', { keys: issue.keys });
  const key = issue.path.join('.') || '(config)';
  const field = TrainConfigSchema.shape[issue.path[0] as keyof typeof TrainConfigSchema.shape];
  const label = (field && (z.globalRegistry.get(field) as FieldMeta | undefined)?.label) || undefined;
  const given = issue.path.reduce<unknown>((v, k) => (v as Record<PropertyKey, unknown> | undefined)?.[k as PropertyKey], raw);
  const base = { key, ...(label ? { label } : {}), got: JSON.stringify(given) ?? 'undefined' };
  switch (issue.code) {
    case 'too_big': return message('setting-too-big', { ...base, max: Number(issue.maximum), inclusive: issue.inclusive !== false });
    case 'too_small': return message('setting-too-small', { ...base, min: Number(issue.minimum), inclusive: issue.inclusive !== false });
    case 'invalid_value': return message('setting-not-one-of', { ...base, values: issue.values.map(String) });
    case 'invalid_type': return issue.expected === 'int' ? message('setting-not-integer', base) : issue.expected === 'number' ? message('setting-not-number', base) : message('setting-invalid', base);
    case 'invalid_format': return issue.format === 'safeint' ? message('setting-not-integer', base) : message('setting-invalid', base);
    default: return message('setting-invalid', base);
  }
}

/** Applies defaults and checks everything; the error lists each problem with its key. */
export function parseTrainConfig(raw: unknown): TrainConfig {
  const result = StrictTrainConfig.safeParse(raw ?? {});
  if (result.success) return result.data;
  throw new ConfigError(result.error.issues.map((issue) => settingProblem(issue, raw)));
}

/**
 * A saved run's config (a checkpoint's `training.config`), checked as far as it goes:
 * every key it has must be in range; keys this SeqLab does not know pass (a newer one
 * wrote them), and `parseTrainConfig` refuses them if a run is to use them.
 */
export function savedTrainConfig(saved: Record<string, unknown>): Partial<TrainConfig> {
  const result = SavedTrainConfig.safeParse(saved);
  if (result.success) return result.data as Partial<TrainConfig>;
  throw new Error(`training.config: ${result.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message.replace(/^Invalid input: /, '')}`).join('; ')}`);
}
