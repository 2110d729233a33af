/**
 * Option parsers shared by the commands, and the training config's options, generated
 * from its schema (engine/train/configFields.ts): a flag, a help text and a default per
 * field, none restated here. Ranges are the schema's, checked by parseTrainConfig, which
 * names the key; a parser here only refuses what is not a number.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { BACKEND_NAMES } from '../core/names';
import { CONFIG_FIELDS, flagOf, type ConfigField } from '../train/configFields';
import type { TrainConfigInput } from '../train/config';
import { GENERATION_FIELDS, generationFlagOf, type GenerationField, type GenerationInput } from '../model/generationConfig';
import { checkField } from '../core/schemaFields';

export const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`${name} must be a whole number.`);
  // 1e30 is a whole number to JavaScript, but not one it can count in: every integer above 2^53 is a rounded one.
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`${name} must be a whole number between -${Number.MAX_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}.`);
  return n;
};
export const num = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number.`);
  return n;
};

/** A whole number of at least `min`. */
export const intAtLeast = (name: string, min: number) => (v: string) => {
  const n = int(name)(v);
  if (n < min) throw new InvalidArgumentError(`${name} must be at least ${min}.`);
  return n;
};
/** A whole number from `min` to `max`. */
export const intBetween = (name: string, min: number, max: number) => (v: string) => {
  const n = int(name)(v);
  if (n < min || n > max) throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}.`);
  return n;
};
/** --workers of the experiment commands: a whole number of worker threads from 1 to 64. */
export const workerCount = (v: string) => {
  const n = int('--workers')(v);
  if (n < 1 || n > 64) throw new InvalidArgumentError('--workers must be between 1 and 64.');
  return n;
};
/** A number above 0. */
export const positive = (name: string, example: string) => (v: string) => {
  const n = num(name)(v);
  if (n <= 0) throw new InvalidArgumentError(`${name} must be more than 0, such as ${example}.`);
  return n;
};
/** A folder name that is not empty (an empty --out would resolve to the current folder, or to no saving at all). */
export const folderName = (name: string, example: string) => (v: string) => {
  if (!v.trim()) throw new InvalidArgumentError(`${name} needs a folder name, such as ${example}.`);
  return v;
};

/** The largest seed: the training config's (a 31-bit whole number), so any seed works for both commands. */
export const MAX_SEED = 2 ** 31 - 1;
/** --seed: a whole number from 0 to MAX_SEED. */
export const seedNumber = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_SEED) throw new InvalidArgumentError(`${name} must be a whole number from 0 to ${MAX_SEED}, such as 1.`);
  return n;
};
/** The path of a program (--python): not empty (an empty one would silently fall back to searching PATH). */
export const programPath = (name: string, example: string) => (v: string) => {
  if (!v.trim()) throw new InvalidArgumentError(`${name} needs the path of a program, such as ${example}; leave ${name} out to use the first one on PATH that has what is needed.`);
  return v;
};

export const backendOption = () => new Option('--backend <name>', 'compute backend (default: the fastest available)').choices(BACKEND_NAMES);

/** `--workers`: "auto" or a count from 1 to 64. */
export function workersOption(value: string): number | 'auto' {
  if (value === 'auto') return 'auto';
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError('--workers must be "auto" or a whole number from 1 to 64.');
  return n;
}

/** The fields with a flag, and the property commander gives each (`--seq-len` is `seqLen`). */
const FLAGGED = CONFIG_FIELDS.flatMap((field) => {
  const flag = flagOf(field);
  return flag === null ? [] : [{ field, flag, property: flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()) }];
});

function optionOf(field: ConfigField, flag: string): Option {
  const help = `${field.en.replace(/\.$/, '')}${field.default !== undefined ? ` (default ${field.default})` : ''}`;
  const option = new Option(`--${flag} <${field.kind === 'enum' ? 'name' : field.kind === 'integer' ? 'n' : 'x'}>`, help);
  if (field.kind === 'enum') return option.choices(field.options!);
  return option.argParser(field.kind === 'integer' ? int(`--${flag}`) : num(`--${flag}`));
}

/** Adds an option per training-config field to `command`. */
export function addTrainConfigOptions(command: Command): Command {
  for (const { field, flag } of FLAGGED) command.addOption(optionOf(field, flag));
  return command;
}

/** The training config the flags set (the rest: the schema's defaults, applied by the session). */
export function trainConfigOf(flags: Record<string, unknown>): TrainConfigInput {
  const config: Record<string, unknown> = {};
  for (const { field, property } of FLAGGED) if (flags[property] !== undefined) config[field.key] = flags[property];
  return config as TrainConfigInput;
}

/** The generation options with a flag (`seqlab sample`), and the property commander gives each (`--top-k` is `topK`). */
const GENERATION_FLAGGED = GENERATION_FIELDS.flatMap((field) => {
  const flag = generationFlagOf(field);
  return flag === null ? [] : [{ field, flag, property: flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()) }];
});

/** A generation option's range in words: "a whole number from 0 to 100000", "a number above 0 and at most 1". */
function rangeInWords(field: GenerationField): string {
  const what = field.kind === 'integer' ? 'a whole number' : 'a number';
  if (field.min !== undefined && field.max !== undefined) return `${what} from ${field.min} to ${field.max}`;
  const low = field.min !== undefined ? `at least ${field.min}` : field.exclusiveMin !== undefined ? `above ${field.exclusiveMin}` : undefined;
  return [what, [low, field.max !== undefined ? `at most ${field.max}` : undefined].filter(Boolean).join(' and ')].filter(Boolean).join(', ');
}

/** An option of a generation field: its help, default and range from the schema (model/generationConfig.ts), checked as it is read. */
function generationOption(field: GenerationField, flag: string): Option {
  const help = `${field.en.replace(/\.$/, '')}; ${rangeInWords(field)}${field.default !== undefined ? ` (default ${field.default})` : ''}`;
  return new Option(`--${flag} <${field.kind === 'integer' ? 'n' : 'x'}>`, help).argParser((v: string) => {
    const n = Number(v);
    // Whole numbers beyond 2^53 are rounded ones: no count or seed.
    if (!Number.isFinite(n) || (field.kind === 'integer' && !Number.isSafeInteger(n)) || checkField(field, n) !== undefined) {
      throw new InvalidArgumentError(`--${flag} must be ${rangeInWords(field)}.`);
    }
    return n;
  });
}

/** Adds an option per numeric generation option to `command` (`seqlab sample`). */
export function addGenerationOptions(command: Command): Command {
  for (const { field, flag } of GENERATION_FLAGGED) if (field.kind !== 'enum') command.addOption(generationOption(field, flag));
  return command;
}

/** The generation options the flags set (the rest: the schema's defaults, applied by sample()). */
export function generationOf(flags: Record<string, unknown>): GenerationInput {
  const options: Record<string, unknown> = {};
  for (const { field, property } of GENERATION_FLAGGED) if (flags[property] !== undefined) options[field.key] = flags[property];
  return options as GenerationInput;
}
