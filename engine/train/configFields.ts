/**
 * The training config's fields as data, read from its schema (config.ts: type, range,
 * default, and each field's FieldMeta): what the VS Code settings, the Training view's
 * form and the command line are generated from, so none of them restates a range or a
 * default. No TensorFlow.js: the extension host and the build script import this.
 */
import * as z from 'zod/mini';
import { TrainConfigSchema, type FieldMeta, type TrainConfig } from './config';

export type FieldKind = 'integer' | 'number' | 'enum';

export interface ConfigField extends FieldMeta {
  /** The key in the training config (`hidden`). */
  key: keyof TrainConfig;
  kind: FieldKind;
  /** enum: the values allowed. */
  options?: string[];
  min?: number;
  /** The value must be above `exclusiveMin` (a learning rate above 0). */
  exclusiveMin?: number;
  max?: number;
  /** Absent: the field is optional, and has no default. */
  default?: number | string;
}

interface JsonSchemaProperty extends FieldMeta {
  type?: 'integer' | 'number' | 'string';
  enum?: string[];
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
  default?: number | string;
}

/** Every field of the training config, in the schema's order. */
export const CONFIG_FIELDS: readonly ConfigField[] = (() => {
  const json = z.toJSONSchema(TrainConfigSchema, { io: 'input' }) as unknown as { properties: Record<string, JsonSchemaProperty> };
  return Object.entries(json.properties).map(([key, p]): ConfigField => {
    const { type, enum: options, minimum, exclusiveMinimum, maximum, default: fallback, ...meta } = p;
    // JSON Schema's bounds of a whole number that has none of its own: not a range anyone chose.
    const bound = (v: number | undefined) => (v === undefined || Math.abs(v) >= Number.MAX_SAFE_INTEGER ? undefined : v);
    return {
      ...meta, key: key as keyof TrainConfig, kind: options ? 'enum' : type === 'integer' ? 'integer' : 'number',
      ...(options ? { options } : {}), ...defined({ min: bound(minimum), exclusiveMin: exclusiveMinimum, max: bound(maximum), default: fallback }),
    };
  });
})();

function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The fields that are VS Code settings (`seqlab.train.<setting>`) and the Training view's form. */
export const SETTING_FIELDS: ReadonlyArray<ConfigField & { setting: string }> = CONFIG_FIELDS.filter((f): f is ConfigField & { setting: string } => f.setting !== undefined);

/** Why `value` is not acceptable for `field`, or undefined when it is: "at most 8". */
export function checkField(field: Pick<ConfigField, 'kind' | 'options' | 'min' | 'exclusiveMin' | 'max'>, value: unknown): string | undefined {
  if (field.kind === 'enum') return field.options!.includes(value as string) ? undefined : `one of ${field.options!.join(', ')}`;
  if (typeof value !== 'number' || !Number.isFinite(value)) return 'a number';
  if (field.kind === 'integer' && !Number.isInteger(value)) return 'a whole number';
  if (field.min !== undefined && value < field.min) return `at least ${field.min}`;
  if (field.exclusiveMin !== undefined && value <= field.exclusiveMin) return `more than ${field.exclusiveMin}`;
  if (field.max !== undefined && value > field.max) return `at most ${field.max}`;
  return undefined;
}

/** The command-line flag of a field (`seq-len`, or its own `flag`); null: not on the command line. */
export function flagOf(field: ConfigField): string | null {
  return field.flag === undefined ? field.key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`) : field.flag;
}

/** A training config from settings values keyed by setting name (`hiddenSize`), as the engine names them (`hidden`). */
export function configFromSettings(values: Readonly<Record<string, unknown>>): Partial<TrainConfig> {
  const config: Record<string, unknown> = {};
  for (const f of SETTING_FIELDS) if (values[f.setting] !== undefined) config[f.key] = values[f.setting];
  return config as Partial<TrainConfig>;
}

/**
 * The `contributes.configuration` entries of the training settings, as package.json holds
 * them (descriptions by nls key), and those keys' texts in English and Chinese.
 */
export function settingsManifest(): { properties: Record<string, object>; nls: { en: Record<string, string>; zh: Record<string, string> } } {
  const properties: Record<string, object> = {};
  const en: Record<string, string> = {};
  const zh: Record<string, string> = {};
  for (const f of SETTING_FIELDS) {
    const nlsKey = `config.train.${f.setting}`;
    properties[`seqlab.train.${f.setting}`] = {
      type: f.kind === 'enum' ? 'string' : f.kind,
      default: f.default,
      description: `%${nlsKey}%`,
      ...(f.options ? { enum: f.options } : {}),
      ...defined({ minimum: f.min, exclusiveMinimum: f.exclusiveMin, maximum: f.max }),
    };
    en[nlsKey] = f.en;
    zh[nlsKey] = f.zh;
  }
  return { properties, nls: { en, zh } };
}
