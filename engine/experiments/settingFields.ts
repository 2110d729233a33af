/**
 * An experiment's settings form as data, and what the panel, the host and the CLI do with it:
 * a value at a dotted key, the settings changed from the defaults, a field's problem, the
 * command line. No zod, no Node: the Experiments panel's webview imports this file.
 */
interface FieldBase {
  /** The setting's path in the config, dotted: "hidden", "explore.seqLen". */
  key: string;
  /** What the field means and does, in the student's language; '' when no hint is written. */
  hint: string;
}
export type SettingField = FieldBase & (
  | { kind: 'number'; integer: boolean; min?: number; max?: number; exclusiveMin?: number; default: number; slider: boolean }
  | { kind: 'enum'; options: string[]; default: string }
  | { kind: 'choices'; options: string[]; minItems: number; default: string[] }
  | { kind: 'numbers'; integer: boolean; min?: number; max?: number; minItems: number; default: number[] }
  | { kind: 'boolean'; default: boolean }
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
    case 'choices': {
      const list = Array.isArray(value) ? value : [];
      return list.length < Math.max(1, field.minItems) ? tr('tick at least one', '至少勾选一项') : null;
    }
    case 'numbers': {
      const list = Array.isArray(value) ? value : [];
      if (list.length < Math.max(1, field.minItems)) return tr('at least one number, separated by commas', '至少一个数，用逗号分隔');
      for (const v of list) {
        const problem = checkNumber(v, field);
        if (problem) return `${v}: ${problem}`;
      }
      return null;
    }
  }
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
