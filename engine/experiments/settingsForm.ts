/**
 * An experiment's settings as a form: the fields the Experiments panel draws, read from the
 * experiment's zod schema (z.toJSONSchema: ranges, integers, choices, defaults), with a hint
 * for each in the student's language. Numbers with a range become sliders beside a number
 * field; a choice, a dropdown; a list of choices, check boxes; a list of numbers, a field of
 * comma-separated numbers; a nested object (cell-walkthrough's `explore`), a group of these.
 * The text an experiment trains on comes from the editor, never from the form.
 */
import { z } from 'zod';
import { inLang, type Bilingual, type Lang } from '../core/lang';
import type { SettingField } from './settingFields';
export type { SettingField } from './settingFields';

/** Hints by setting name, shared by the experiments that use the name (an experiment's own `hints` come first). */
export const SETTING_HINTS: Record<string, Bilingual> = {
  cells: { en: 'The cells to compare: each is a line (or a panel) of the figures.', zh: '要比较的单元：每个是图中的一条线（或一个面板）。' },
  models: { en: 'The models to compare.', zh: '要比较的模型。' },
  hidden: { en: 'Hidden units per layer (PyTorch\'s hidden_size).', zh: '每层的隐藏单元数（PyTorch 的 hidden_size）。' },
  hiddenSize: { en: 'Hidden units (PyTorch\'s hidden_size).', zh: '隐藏单元数（PyTorch 的 hidden_size）。' },
  embed: { en: 'Size of the character embedding fed to the cell.', zh: '输入单元的字符嵌入维度。' },
  inputSize: { en: 'Features per input step (PyTorch\'s input_size).', zh: '每个输入时间步的特征数（PyTorch 的 input_size）。' },
  seqLen: { en: 'Time steps per sequence (PyTorch\'s seq_len).', zh: '每个序列的时间步数（PyTorch 的 seq_len）。' },
  batch: { en: 'Sequences per step.', zh: '每步的序列数。' },
  steps: { en: 'Training steps of each run.', zh: '每次运行的训练步数。' },
  trainSteps: { en: 'Training steps before the second measurement ("after a little training").', zh: '第二次测量之前的训练步数（“少量训练之后”）。' },
  learningRate: { en: 'Learning rate of the optimiser.', zh: '优化器的学习率。' },
  normalizedLearningRate: { en: 'The learning rate of the layer- and batch-normalised tanh RNNs (ln-rnn, bn-rnn). Measured over 3 seeds: at 3e-2 neither goes below MSE 0.05; at 1e-2 and 3e-3 the batch-normalised one does in training (at 1e-2 in 2 or 3 of 3 seeds, with the float order), the layer-normalised one at none of the three.', zh: '层归一化和批归一化 tanh RNN（ln-rnn、bn-rnn）的学习率。3 个种子上测得：3e-2 时两者都不能低于 MSE 0.05；1e-2 和 3e-3 时批归一化的那个在训练中可以（1e-2 时随浮点运算顺序为 3 个种子中的 2 或 3 个），层归一化的那个在这三个学习率下都不能。' },
  irnnLearningRate: { en: 'The IRNN\'s own learning rate (Le et al. 2015 train it with a smaller one: at 1e-2 and above its ReLUs blow up).', zh: 'IRNN 单独的学习率（Le 等 2015 用更小的学习率训练它：1e-2 及以上时它的 ReLU 会爆炸）。' },
  optimizer: { en: 'torch.optim rule used for training.', zh: '训练使用的 torch.optim 规则。' },
  seeds: { en: 'How many seeds (new weights and data each): a claim must hold in every one; the figures show their range as a band.', zh: '种子数（每个种子权重和数据都不同）：结论要在每个种子中都成立；图中阴影为它们的范围。' },
  seed: { en: 'The first seed; the others follow it.', zh: '第一个种子；其余的依次往后。' },
  influenceLength: { en: 'Positions measured for the influence matrix (how much each input moves each output).', zh: '影响矩阵所测量的位置数（每个输入对每个输出的影响）。' },
  generateLength: { en: 'Characters each model generates after training (0 = none).', zh: '训练后每个模型生成的字符数（0 表示不生成）。' },
  numLayers: { en: 'Stacked layers (PyTorch\'s num_layers): only h goes up a layer, never c.', zh: '堆叠的层数（PyTorch 的 num_layers）：只有 h 往上一层传，c 从不。' },
  bidirectional: { en: 'A second direction reads the sequence backwards; outputs are concatenated (2 x hidden_size).', zh: '第二个方向反向读取序列；输出拼接在一起（2 x hidden_size）。' },
  batchFirst: { en: 'Inputs and outputs as (batch, seq_len, features) instead of (seq_len, batch, features).', zh: '输入输出的形状为 (batch, seq_len, features)，而不是 (seq_len, batch, features)。' },
  explore: { en: 'The nn.LSTM module whose shapes the walkthrough explains.', zh: '演练中解释其形状的 nn.LSTM 模块。' },
  lengths: { en: 'Sequence lengths of the adding problem, one panel each (each length is as long as all the others together).', zh: '加法问题的序列长度，每个长度一个面板（一个长度的耗时约等于其余全部之和）。' },
  clipNorm: { en: 'Clip the gradient\'s norm to this before each step (0 = off), as torch.nn.utils.clip_grad_norm_.', zh: '每步之前把梯度范数裁剪到此值（0 表示关闭），同 torch.nn.utils.clip_grad_norm_。' },
  clipNorms: { en: 'Gradient-norm clipping thresholds to compare, one line each (0 = no clipping).', zh: '要比较的梯度范数裁剪阈值，每个一条线（0 表示不裁剪）。' },
  solvedBelow: { en: 'A run whose training error stays below this for 25 steps has solved the task and stops (0 = always run every step).', zh: '训练误差连续 25 步低于此值即视为解决任务并停止（0 表示总是跑完全部步数）。' },
  reluRecurrentScale: { en: 'The ReLU RNN\'s recurrent weight W_hh is multiplied by this at initialisation: above 1 its gradient explodes.', zh: '初始化时把 ReLU RNN 的循环权重 W_hh 乘以此值：大于 1 时梯度会爆炸。' },
  tanhRecurrentScale: { en: 'The tanh RNN\'s recurrent weight W_hh is multiplied by this at initialisation.', zh: '初始化时把 tanh RNN 的循环权重 W_hh 乘以此值。' },
  maxCharacters: { en: 'Only the first this-many characters of your text are used, so the time does not grow with the file.', zh: '只使用文本的前这么多个字符，耗时不随文件变大。' },
  vocabMax: { en: 'The most frequent characters kept; the rest share one unknown token (the caption says how much of the text that keeps).', zh: '保留出现最多的这么多个字符，其余共用一个未知符号（图注会说明保留了多少文本）。' },
  layers: { en: 'Recurrent layers.', zh: '循环层数。' },
  normalizations: { en: 'Normalisations to compare: none, layer norm (Ba et al. 2016), recurrent batch norm (Cooijmans et al. 2016).', zh: '要比较的归一化：无、层归一化（Ba 等 2016）、循环批归一化（Cooijmans 等 2016）。' },
  trainChars: { en: 'Train on only this many characters of the text (0 = all of its training part; the validation part stays the text\'s end): with little text a model overfits, and the table shows by how much.', zh: '只用文本中这么多个字符训练（0 = 整个训练部分；验证部分仍是文本的末尾）：文本少时模型会过拟合，表格给出过拟合的程度。' },
  initScale: { en: 'Every recurrent layer\'s W_ih and W_hh is multiplied by this at initialisation (1 = PyTorch\'s initialisation): how sensitive is training to the initial weights?', zh: '初始化时把每个循环层的 W_ih 和 W_hh 乘以此值（1 即 PyTorch 的初始化）：训练对初始权重有多敏感？' },
  bnGain: { en: 'Recurrent batch norm\'s initial gain gamma (Cooijmans et al. recommend 0.1).', zh: '循环批归一化的初始增益 gamma（Cooijmans 等建议 0.1）。' },
};

/**
 * What the form calls each setting (its config key stays the name on the command line and in
 * `--set`), and its unit, by setting name: every field has both, in both languages
 * (test/engine/settingsForm.test.ts). An experiment's own `labels` come first.
 */
export const SETTING_LABELS: Record<string, { label: Bilingual; unit?: Bilingual }> = {
  batch: { label: { en: 'batch size', zh: '批大小' }, unit: { en: 'sequences per step', zh: '每步的序列数' } },
  batchFirst: { label: { en: 'batch first', zh: '批维度在前' } },
  bidirectional: { label: { en: 'bidirectional', zh: '双向' } },
  bnGain: { label: { en: 'batch norm gain', zh: '批归一化增益' } },
  cell: { label: { en: 'cell', zh: '单元类型' } },
  cells: { label: { en: 'cells to compare', zh: '要比较的单元' } },
  clip: { label: { en: 'gradient clip', zh: '梯度裁剪' }, unit: { en: 'gradient norm, 0 = off', zh: '梯度范数，0 为关闭' } },
  clipNorm: { label: { en: 'gradient clip', zh: '梯度裁剪' }, unit: { en: 'gradient norm, 0 = off', zh: '梯度范数，0 为关闭' } },
  clipNorms: { label: { en: 'gradient clips to compare', zh: '要比较的梯度裁剪' }, unit: { en: 'gradient norms, 0 = off', zh: '梯度范数，0 为关闭' } },
  corpus: { label: { en: 'training text', zh: '训练文本' } },
  embed: { label: { en: 'embedding size', zh: '嵌入维度' }, unit: { en: 'numbers per character', zh: '每个字符的数值个数' } },
  forgetBias: { label: { en: 'forget gate bias', zh: '遗忘门偏置' } },
  gain: { label: { en: 'initial gain', zh: '初始增益' } },
  generateLength: { label: { en: 'generated text', zh: '生成文本长度' }, unit: { en: 'characters', zh: '字符' } },
  hidden: { label: { en: 'hidden size', zh: '隐藏层大小' }, unit: { en: 'units', zh: '个单元' } },
  hiddenSize: { label: { en: 'hidden size', zh: '隐藏层大小' }, unit: { en: 'units', zh: '个单元' } },
  influenceLength: { label: { en: 'influence positions', zh: '影响矩阵位置数' }, unit: { en: 'time steps', zh: '时间步' } },
  init: { label: { en: 'initialisation', zh: '初始化方式' } },
  initScale: { label: { en: 'initial weight scale', zh: '初始权重缩放' }, unit: { en: 'times PyTorch\'s', zh: '乘以 PyTorch 默认值' } },
  inputScale: { label: { en: 'input scale', zh: '输入缩放' } },
  inputSize: { label: { en: 'input size', zh: '输入维度' }, unit: { en: 'features', zh: '个特征' } },
  irnnLearningRate: { label: { en: 'IRNN learning rate', zh: 'IRNN 学习率' } },
  layers: { label: { en: 'layers', zh: '层数' } },
  learningRate: { label: { en: 'learning rate', zh: '学习率' } },
  lengths: { label: { en: 'sequence lengths', zh: '序列长度' }, unit: { en: 'time steps, comma-separated', zh: '时间步，用逗号分隔' } },
  maxCharacters: { label: { en: 'text used', zh: '使用的文本' }, unit: { en: 'characters', zh: '字符' } },
  models: { label: { en: 'models to compare', zh: '要比较的模型' } },
  normalization: { label: { en: 'normalisation', zh: '归一化' } },
  normalizations: { label: { en: 'normalisations to compare', zh: '要比较的归一化' } },
  normalizedLearningRate: { label: { en: 'learning rate of the normalised RNNs', zh: '归一化 RNN 的学习率' } },
  numLayers: { label: { en: 'layers', zh: '层数' } },
  optimizer: { label: { en: 'optimiser', zh: '优化器' } },
  prompt: { label: { en: 'prompt', zh: '开头文本' } },
  reluRecurrentScale: { label: { en: 'ReLU recurrent weight scale', zh: 'ReLU 循环权重缩放' }, unit: { en: 'times W_hh', zh: '乘以 W_hh' } },
  sampleLength: { label: { en: 'sample length', zh: '采样长度' }, unit: { en: 'characters', zh: '字符' } },
  seed: { label: { en: 'first seed', zh: '起始种子' } },
  seeds: { label: { en: 'seeds', zh: '种子数' }, unit: { en: 'runs per setting', zh: '每种设置的运行次数' } },
  seqLen: { label: { en: 'sequence length', zh: '序列长度' }, unit: { en: 'time steps', zh: '时间步' } },
  solvedBelow: { label: { en: 'solved below', zh: '视为解决的误差' }, unit: { en: 'MSE, 0 = never stop early', zh: 'MSE，0 为不提前停止' } },
  steps: { label: { en: 'training steps', zh: '训练步数' }, unit: { en: 'steps per run', zh: '每次运行的步数' } },
  tanhRecurrentScale: { label: { en: 'tanh recurrent weight scale', zh: 'tanh 循环权重缩放' }, unit: { en: 'times W_hh', zh: '乘以 W_hh' } },
  temperature: { label: { en: 'temperature', zh: '温度' } },
  trainChars: { label: { en: 'training text', zh: '训练文本' }, unit: { en: 'characters, 0 = all', zh: '字符，0 为全部' } },
  trainSteps: { label: { en: 'training steps', zh: '训练步数' }, unit: { en: 'steps before the second measurement', zh: '第二次测量前的步数' } },
  vocabMax: { label: { en: 'vocabulary size', zh: '词表大小' }, unit: { en: 'characters', zh: '字符' } },
};

/** A slider is offered where a range is bounded and small enough to drag through. */
const SLIDER_SPAN = 100_000;
const NO_MAX = Number.MAX_SAFE_INTEGER;

interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
  maxItems?: number;
  maxLength?: number;
}

/** The form of an experiment's settings, in `lang`, in the schema's order. */
export function settingsForm(schema: z.ZodType, lang: Lang, hints: Record<string, Bilingual> = {}): SettingField[] {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const hintOf = (key: string) => {
    const h = hints[key] ?? SETTING_HINTS[key.split('.').pop()!];
    return h ? inLang(h, lang) : '';
  };
  // The label and unit of a field; a setting without one in SETTING_LABELS shows its key (the test lists none such).
  const named = (key: string) => {
    const l = SETTING_LABELS[key.split('.').pop()!];
    return { label: l ? inLang(l.label, lang) : key, unit: l?.unit ? inLang(l.unit, lang) : '' };
  };
  const fields: SettingField[] = [];
  const walk = (props: Record<string, JsonSchema>, prefix: string, defaults: Record<string, unknown>) => {
    for (const [name, p] of Object.entries(props)) {
      const key = prefix + name;
      const fallback = p.default ?? defaults[name];
      const bounds = { ...(p.minimum !== undefined ? { min: p.minimum } : {}), ...(p.maximum !== undefined && p.maximum < NO_MAX ? { max: p.maximum } : {}), ...(p.exclusiveMinimum !== undefined ? { exclusiveMin: p.exclusiveMinimum } : {}) };
      if (p.type === 'object' && p.properties) {
        walk(p.properties, `${key}.`, (fallback ?? {}) as Record<string, unknown>);
      } else if ((p.type === 'number' || p.type === 'integer') && typeof fallback === 'number') {
        const lo = bounds.min ?? bounds.exclusiveMin;
        // A slider where the range can be dragged through: whole numbers in a bounded range, or decimals between inclusive bounds.
        const slider = bounds.max !== undefined && (p.type === 'integer' ? lo !== undefined && bounds.max - lo <= SLIDER_SPAN : bounds.min !== undefined);
        fields.push({ key, ...named(key), hint: hintOf(key), kind: 'number', integer: p.type === 'integer', ...bounds, default: fallback, slider });
      } else if (p.enum && typeof fallback === 'string') {
        fields.push({ key, ...named(key), hint: hintOf(key), kind: 'enum', options: p.enum.map(String), default: fallback });
      } else if (p.type === 'string' && typeof fallback === 'string') {
        fields.push({ key, ...named(key), hint: hintOf(key), kind: 'text', ...(p.maxLength !== undefined ? { maxLength: p.maxLength } : {}), default: fallback });
      } else if (p.type === 'boolean' && typeof fallback === 'boolean') {
        fields.push({ key, ...named(key), hint: hintOf(key), kind: 'boolean', default: fallback });
      } else if (p.type === 'array' && p.items?.enum && Array.isArray(fallback)) {
        fields.push({ key, ...named(key), hint: hintOf(key), kind: 'choices', options: p.items.enum.map(String), minItems: p.minItems ?? 0, ...(p.maxItems !== undefined ? { maxItems: p.maxItems } : {}), default: fallback.map(String) });
      } else if (p.type === 'array' && (p.items?.type === 'number' || p.items?.type === 'integer') && Array.isArray(fallback)) {
        const i = p.items;
        fields.push({
          key, ...named(key), hint: hintOf(key), kind: 'numbers', integer: i.type === 'integer', minItems: p.minItems ?? 0, ...(p.maxItems !== undefined ? { maxItems: p.maxItems } : {}), default: fallback as number[],
          ...(i.minimum !== undefined ? { min: i.minimum } : {}), ...(i.maximum !== undefined && i.maximum < NO_MAX ? { max: i.maximum } : {}),
        });
      }
      // Anything else (the text an experiment trains on, which has no default) is not the form's: it comes from the editor.
    }
  };
  walk(json.properties ?? {}, '', {});
  return fields;
}

