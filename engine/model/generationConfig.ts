/**
 * The generation options: one zod schema with each option's type, range, default and
 * description, in both languages. The VS Code settings `seqlab.generate.*` (package.json and
 * its nls files, written by `npm run build` through scripts/settingsManifest.ts), the
 * extension's reading of them, the worker protocol's `sample` request, `seqlab sample`'s
 * options and the exported sample.py's defaults and ranges all come from here; `sample()`
 * checks its options through it. Adding an option is one entry here, in both languages.
 * No TensorFlow.js: the extension host and the build script import this.
 */
import * as z from 'zod/mini';
import type { Bilingual } from '../core/lang';
import { checkField, fieldsOf, manifestOf, type FieldRange, type SettingsManifest } from '../core/schemaFields';

/** What an option says about itself, beside its type, range and default. */
export interface GenerationMeta extends Bilingual {
  // en, zh: what the value does (the setting's description, the command line's help).
  /** The VS Code setting `seqlab.generate.<setting>`; none: not a setting. */
  setting?: string;
  /** The flag (`--<flag>`) of `seqlab sample`, when it is not the key in kebab case; null: none. (The exported sample.py has every numeric option.) */
  flag?: string | null;
}

const describe = <T extends z.ZodMiniType>(schema: T, meta: GenerationMeta): T => { z.globalRegistry.add(schema, { ...meta }); return schema; };
const int = (min: number, max: number) => z.number().check(z.int(), z.minimum(min), z.maximum(max));

/** The largest seed: the training config's (a 31-bit whole number), so any seed works for both. */
export const MAX_SAMPLE_SEED = 2 ** 31 - 1;

export const GenerationSchema = z.object({
  // No upper bound: `seqlab sample --length 1000000000 | head -c 100` streams until the pipe closes.
  length: describe(z._default(z.number().check(z.int(), z.minimum(1)), 200), { en: 'Characters to generate.', zh: '要生成的字符数。', setting: 'length' }),
  // What README.md and docs/guide.md promise for Generate Continuation: varied text that still follows the model.
  temperature: describe(z._default(z.number().check(z.minimum(0), z.maximum(5)), 0.7), {
    en: 'Sampling temperature (0 = always the most likely character).', zh: '采样温度（0 表示总是选最可能的字符）。', setting: 'temperature',
  }),
  topK: describe(z._default(int(0, 100_000), 0), {
    en: 'Sample among the k most likely characters only (0 = all).', zh: '只在最可能的 k 个字符中采样（0 表示全部）。', setting: 'topK',
  }),
  topP: describe(z._default(z.number().check(z.gt(0), z.maximum(1)), 1), {
    en: 'Sample among the smallest set of characters reaching this probability (1 = all).', zh: '只在累计概率达到此值的最小字符集合中采样（1 表示全部）。', setting: 'topP',
  }),
  stop: describe(z.optional(z.array(z.string())), { en: 'Stop before the first of these strings (not included in the output).', zh: '在这些字符串中第一个出现之前停止（不包含在输出中）。' }),
  seed: describe(z.optional(int(0, MAX_SAMPLE_SEED)), {
    en: 'Random seed: the same seed and settings give the same text (default: a fresh one).', zh: '随机种子：相同的种子和设置得到相同的文本（默认：每次新取一个）。',
  }),
  onUnknown: describe(z._default(z.enum(['unk', 'skip']), 'unk'), {
    en: 'Prompt characters outside the vocabulary: map to its unknown token (when it has one) or skip.', zh: '提示中词表以外的字符：映射为未知词元（若有）或跳过。', flag: null,
  }),
  // Latency: a long prompt is read in one pass before the first character.
  maxPromptTokens: describe(z._default(int(1, 1_000_000), 2048), {
    en: 'Only the last this-many prompt tokens condition the model.', zh: '只有提示的最后这么多个词元作用于模型。', flag: null,
  }),
});

export type GenerationOptions = z.output<typeof GenerationSchema>;
export type GenerationInput = z.input<typeof GenerationSchema>;

/** What a `sample` request may carry: any of the options, nothing else (the protocol checks it on arrival). */
export const GenerationRequestSchema = z.partial(z.strictObject(GenerationSchema.shape));

export interface GenerationField extends GenerationMeta, FieldRange {
  key: keyof GenerationOptions;
}

/** The options with a range (numbers and choices), in the schema's order. */
export const GENERATION_FIELDS: readonly GenerationField[] = fieldsOf<keyof GenerationOptions, GenerationMeta>(GenerationSchema);

/** The options that are VS Code settings (`seqlab.generate.<setting>`). */
export const GENERATION_SETTING_FIELDS = GENERATION_FIELDS.filter((f): f is GenerationField & { setting: string } => f.setting !== undefined);

/** Every option at its default. */
export const GENERATION_DEFAULTS: GenerationOptions = GenerationSchema.parse({});

export function generationField(key: keyof GenerationOptions): GenerationField {
  return GENERATION_FIELDS.find((f) => f.key === key)!;
}

/** The settings' generation options from their values (`get('length')`), a value out of range at its default. */
export function generationFromSettings(get: (setting: string) => unknown): Pick<GenerationOptions, 'length' | 'temperature' | 'topK' | 'topP'> {
  const values: Record<string, unknown> = {};
  for (const f of GENERATION_SETTING_FIELDS) {
    const value = get(f.setting);
    if (value !== undefined && checkField(f, value) === undefined) values[f.key] = value;
  }
  const { length, temperature, topK, topP } = GenerationSchema.parse(values);
  return { length, temperature, topK, topP };
}

/** The command-line flag of an option (`top-k`, or its own `flag`); null: not on the command line. */
export function generationFlagOf(field: GenerationField): string | null {
  return field.flag === undefined ? field.key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`) : field.flag;
}

/**
 * The `contributes.configuration` entries of the generation settings, as package.json holds
 * them (descriptions by nls key), and those keys' texts in English and Chinese.
 */
export function generationManifest(): SettingsManifest {
  return manifestOf('generate', GENERATION_SETTING_FIELDS);
}

/**
 * The exported sample.py's numeric options (Python's names, `top_k`): each default and range,
 * as a Python dict literal that the export writes into the script (engine/export/torchProject.ts).
 */
export function generationForPython(): string {
  const entries = GENERATION_FIELDS.filter((f) => f.kind !== 'enum').map((f) => {
    const py = f.key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    const number = (v: number) => (f.kind === 'number' && Number.isInteger(v) ? v.toFixed(1) : String(v));
    const parts = [
      `"default": ${f.default === undefined ? 'None' : number(f.default as number)}`,
      ...(f.min !== undefined ? [`"min": ${number(f.min)}`] : []),
      ...(f.exclusiveMin !== undefined ? [`"above": ${number(f.exclusiveMin)}`] : []),
      ...(f.max !== undefined ? [`"max": ${number(f.max)}`] : []),
    ];
    return `    "${py}": {${parts.join(', ')}},`;
  });
  return `{\n${entries.join('\n')}\n}`;
}
