/**
 * A zod object schema's fields as data (type, range, default, and the metadata each field
 * was registered with): what the VS Code settings, forms and command-line options are
 * generated from, so none of them restates a range or a default. The training config
 * (train/configFields.ts) and the generation options (model/generationConfig.ts) are read
 * through this. No TensorFlow.js: the extension host and the build script import it.
 */
import * as z from 'zod/mini';

export type FieldKind = 'integer' | 'number' | 'enum';

/** The range and default of a field: what `checkField` and the generated settings read. */
export interface FieldRange {
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

interface JsonSchemaProperty {
  type?: string;
  enum?: string[];
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
  default?: number | string;
  [meta: string]: unknown;
}

/**
 * Every field of `schema` (numbers, whole numbers and enums), in the schema's order, with the
 * metadata registered for it in zod's global registry. Fields of other types (lists, booleans)
 * are left out: no setting or flag is generated from them.
 */
export function fieldsOf<K extends string, M extends object>(schema: z.ZodMiniObject): Array<FieldRange & M & { key: K }> {
  const json = z.toJSONSchema(schema, { io: 'input' }) as unknown as { properties: Record<string, JsonSchemaProperty> };
  return Object.entries(json.properties).flatMap(([key, p]) => {
    const { type, enum: options, minimum, exclusiveMinimum, maximum, default: fallback, ...meta } = p;
    if (!options && type !== 'integer' && type !== 'number') return [];
    // JSON Schema's bounds of a whole number that has none of its own: not a range anyone chose.
    const bound = (v: number | undefined) => (v === undefined || Math.abs(v) >= Number.MAX_SAFE_INTEGER ? undefined : v);
    return [{
      ...(meta as M), key: key as K, kind: options ? 'enum' : type === 'integer' ? 'integer' : 'number',
      ...(options ? { options } : {}), ...defined({ min: bound(minimum), exclusiveMin: exclusiveMinimum, max: bound(maximum), default: fallback }),
    } as FieldRange & M & { key: K }];
  });
}

export function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Why `value` is not acceptable for `field`, or undefined when it is: "at most 8". */
export function checkField(field: Pick<FieldRange, 'kind' | 'options' | 'min' | 'exclusiveMin' | 'max'>, value: unknown): string | undefined {
  if (field.kind === 'enum') return field.options!.includes(value as string) ? undefined : `one of ${field.options!.join(', ')}`;
  if (typeof value !== 'number' || !Number.isFinite(value)) return 'a number';
  if (field.kind === 'integer' && !Number.isInteger(value)) return 'a whole number';
  if (field.min !== undefined && value < field.min) return `at least ${field.min}`;
  if (field.exclusiveMin !== undefined && value <= field.exclusiveMin) return `more than ${field.exclusiveMin}`;
  if (field.max !== undefined && value > field.max) return `at most ${field.max}`;
  return undefined;
}

/** A field's range in interval notation, the same in every language: `[0, 5]`, `(0, 1]`, `[1, ∞)`. */
export function intervalOf(field: Pick<FieldRange, 'min' | 'exclusiveMin' | 'max'>): string {
  const low = field.min !== undefined ? `[${field.min}` : field.exclusiveMin !== undefined ? `(${field.exclusiveMin}` : '(-∞';
  return `${low}, ${field.max !== undefined ? `${field.max}]` : '∞)'}`;
}

/** A VS Code setting's `contributes.configuration` entry for a field, its description by nls key. */
export function manifestEntry(field: FieldRange, nlsKey: string): object {
  return {
    type: field.kind === 'enum' ? 'string' : field.kind,
    default: field.default,
    description: `%${nlsKey}%`,
    ...(field.options ? { enum: field.options } : {}),
    ...defined({ minimum: field.min, exclusiveMinimum: field.exclusiveMin, maximum: field.max }),
  };
}

/** A settings section as package.json holds it: `seqlab.<section>.<setting>` entries (descriptions by nls key) and those keys' texts in English and Chinese. */
export interface SettingsManifest { properties: Record<string, object>; nls: { en: Record<string, string>; zh: Record<string, string> } }

/** The manifest of the fields that are settings, under `seqlab.<section>.` (train, generate). */
export function manifestOf(section: string, fields: ReadonlyArray<FieldRange & { setting: string; en: string; zh: string }>): SettingsManifest {
  const properties: Record<string, object> = {};
  const en: Record<string, string> = {};
  const zh: Record<string, string> = {};
  for (const f of fields) {
    const nlsKey = `config.${section}.${f.setting}`;
    properties[`seqlab.${section}.${f.setting}`] = manifestEntry(f, nlsKey);
    en[nlsKey] = f.en;
    zh[nlsKey] = f.zh;
  }
  return { properties, nls: { en, zh } };
}
