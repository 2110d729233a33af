/**
 * An experiment's settings form as data, and what the panel, the host and the CLI do with it:
 * a value at a dotted key, the settings changed from the defaults, a field's problem, the
 * command line. No zod, no Node: the Experiments panel's webview imports this file.
 */
interface FieldBase {
  /** The setting's path in the config, dotted: "hidden", "explore.seqLen". */
  key: string;
  /** What the form calls it, in the student's language ("sequence length", "序列长度"); the key when none is written. */
  label: string;
  /** Its unit or reading, in the student's language ("time steps", "时间步"); '' when it has none. */
  unit: string;
  /** What the field means and does, in the student's language; '' when no hint is written. */
  hint: string;
}
export type SettingField = FieldBase & (
  | { kind: 'number'; integer: boolean; min?: number; max?: number; exclusiveMin?: number; default: number; slider: boolean }
  | { kind: 'enum'; options: string[]; default: string }
  | { kind: 'choices'; options: string[]; minItems: number; maxItems?: number; default: string[] }
  | { kind: 'numbers'; integer: boolean; min?: number; max?: number; minItems: number; maxItems?: number; default: number[] }
  | { kind: 'boolean'; default: boolean }
  | { kind: 'text'; maxLength?: number; default: string }
);

/** A setting's value as the form's lines and the captions write it: "64", "lstm, gru", "0, 1, 5". */
export const formatSettingValue = (value: unknown): string => (Array.isArray(value) ? value.join(', ') : String(value));

/** The config's value at a dotted key. */
export function valueAt(config: Record<string, unknown>, key: string): unknown {
  return key.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), config);
}

/** The settings of `config` that differ from the form's defaults, as [key, value] (the figure's caption and the CLI command name them). */
export function changedSettings(fields: readonly SettingField[], config: Record<string, unknown>): Array<[string, unknown]> {
  return fields.flatMap((f) => {
    const value = valueAt(config, f.key);
    return value !== undefined && JSON.stringify(value) !== JSON.stringify(f.default) ? [[f.key, value] as [string, unknown]] : [];
  });
}

/** One field's problem with `value`, in `lang`, or null: what the panel says under the field before Run. */
export function fieldProblem(field: SettingField, value: unknown, tr: (en: string, zh: string) => string): string | null {
  const checkNumber = (v: unknown, f: { integer: boolean; min?: number; max?: number; exclusiveMin?: number }): string | null => {
    if (typeof v !== 'number' || !Number.isFinite(v)) return tr('a number, please', '请输入数字');
    if (f.integer && !Number.isInteger(v)) return tr('a whole number, please', '请输入整数');
    if (f.min !== undefined && v < f.min) return tr(`at least ${f.min}`, `至少为 ${f.min}`);
    if (f.exclusiveMin !== undefined && v <= f.exclusiveMin) return tr(`above ${f.exclusiveMin}`, `须大于 ${f.exclusiveMin}`);
    if (f.max !== undefined && v > f.max) return tr(`at most ${f.max}`, `至多为 ${f.max}`);
    return null;
  };
  switch (field.kind) {
    case 'number': return checkNumber(value, field);
    case 'enum': return field.options.includes(value as string) ? null : tr(`one of ${field.options.join(', ')}`, `须为 ${field.options.join('、')} 之一`);
    case 'boolean': return typeof value === 'boolean' ? null : tr('on or off', '开或关');
    case 'text':
      if (typeof value !== 'string') return tr('text, please', '请输入文字');
      return field.maxLength !== undefined && [...value].length > field.maxLength ? tr(`at most ${field.maxLength} characters`, `至多 ${field.maxLength} 个字符`) : null;
    case 'choices': {
      const list = Array.isArray(value) ? value : [];
      if (list.length < Math.max(1, field.minItems)) return tr('tick at least one', '至少勾选一项');
      return tooMany(list, field.maxItems, tr) ?? repeated(list, tr);
    }
    case 'numbers': {
      const list = Array.isArray(value) ? value : [];
      if (list.length < Math.max(1, field.minItems)) return tr('at least one number, separated by commas', '至少一个数，用逗号分隔');
      const many = tooMany(list, field.maxItems, tr); // before the entries: a pasted list of thousands is refused at once
      if (many) return many;
      for (const v of list) {
        const problem = checkNumber(v, field);
        if (problem) return `${v}: ${problem}`;
      }
      return repeated(list, tr);
    }
  }
}

/** A list longer than `maxItems` (experiments/bounds.ts's settingList refuses it, and an entry twice). */
function tooMany(list: unknown[], maxItems: number | undefined, tr: (en: string, zh: string) => string): string | null {
  return maxItems !== undefined && list.length > maxItems ? tr(`at most ${maxItems}, each once`, `至多 ${maxItems} 个，每个只列一次`) : null;
}

/** The first entry listed twice, said; null when each is once. */
function repeated(list: unknown[], tr: (en: string, zh: string) => string): string | null {
  const seen = new Set<unknown>();
  const twice = list.find((v) => seen.has(v) || !seen.add(v));
  return twice === undefined ? null : tr(`${String(twice)} is listed twice`, `${String(twice)} 列了两次`);
}

/** The words of a settings note in the reader's language: templates with {0}, {1}, {2}. */
export interface NoteWords { made: string; item: string; defaults: string; /** Between the settings: ', ', or '，' in Chinese. */ separator?: string }

/**
 * "Made with hidden size 64 (default 128), sequence length 200 (default 100)." or "Made with
 * the default settings.": what ends every figure's caption, each setting by its label in the
 * reader's language, written by the host for a run and by the panel for the playground's live
 * pictures.
 */
export function settingsNote(fields: readonly SettingField[], config: Record<string, unknown>, words: NoteWords): string {
  const changed = changedSettings(fields, config);
  const fill = (template: string, ...args: string[]) => template.replace(/\{(\d)\}/g, (_, i) => args[Number(i)] ?? '');
  return changed.length
    ? fill(words.made, changed.map(([key, value]) => { const f = fields.find((x) => x.key === key)!; return fill(words.item, f.label || key, formatSettingValue(value), formatSettingValue(f.default)); }).join(words.separator ?? ', '))
    : words.defaults;
}

/**
 * The command line that runs the same experiment: `seqlab experiment NAME --set key=value`
 * for each changed setting, each argument quoted for a POSIX shell (values are numbers,
 * choices and lists of them; quoting keeps a list's brackets and quotes intact).
 */
export function cliCommand(name: string, changed: ReadonlyArray<[string, unknown]>): string {
  const quote = (s: string) => (/^[\w.,=:+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  // A nested setting is given whole: --set takes top-level keys.
  const top = new Map<string, unknown>();
  for (const [key, value] of changed) {
    const [head, ...rest] = key.split('.');
    if (!rest.length) top.set(head, value);
    else {
      const obj = (top.get(head) as Record<string, unknown> | undefined) ?? {};
      obj[rest.join('.')] = value;
      top.set(head, obj);
    }
  }
  return ['seqlab', 'experiment', quote(name), ...[...top].flatMap(([k, v]) => ['--set', quote(`${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)])].join(' ');
}

/**
 * The playground's state as a short string a student can copy and paste back (TensorFlow
 * Playground keeps its state in the URL the same way): the changed settings as
 * `cell=lstm&forgetBias=2`, "defaults" when none changed. Lists are comma-separated.
 */
export function stateString(fields: readonly SettingField[], config: Record<string, unknown>): string {
  const changed = changedSettings(fields, config);
  return changed.length ? changed.map(([k, v]) => `${k}=${encodeURIComponent(formatSettingValue(v)).replace(/%2C%20/g, ',')}`).join('&') : 'defaults';
}

/**
 * A pasted state string back into settings over the defaults, or what is wrong with it (an
 * unknown name, a value a field refuses): nothing is applied unless all of it is good.
 */
export function parseStateString(fields: readonly SettingField[], text: string, tr: (en: string, zh: string) => string): { values: Record<string, unknown> } | { error: string } {
  const values: Record<string, unknown> = Object.fromEntries(fields.map((f) => [f.key, f.default]));
  const trimmed = text.trim().replace(/^[?#]/, '');
  if (trimmed === '' || trimmed === 'defaults') return { values };
  for (const part of trimmed.split('&')) {
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    const field = fields.find((f) => f.key === key);
    if (!field) return { error: tr(`"${key}" is not a setting of this experiment (its settings: ${fields.map((f) => f.key).join(', ')})`, `“${key}”不是此实验的设置（其设置为：${fields.map((f) => f.key).join('、')}）`) };
    let raw: string;
    try {
      raw = decodeURIComponent(eq < 0 ? '' : part.slice(eq + 1));
    } catch {
      return { error: tr(`${key}: the value is not readable`, `${key}：值无法读取`) };
    }
    const list = () => raw.split(',').map((x) => x.trim()).filter(Boolean);
    const value = field.kind === 'number' ? (raw.trim() === '' ? NaN : Number(raw))
      : field.kind === 'boolean' ? (raw === 'true' ? true : raw === 'false' ? false : raw)
        : field.kind === 'choices' ? list()
          : field.kind === 'numbers' ? list().map(Number)
            : raw;
    const problem = fieldProblem(field, value, tr);
    if (problem) return { error: `${key}: ${problem}` };
    values[key] = value;
  }
  return { values };
}
