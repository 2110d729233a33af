/**
 * The training config's fields as data, read from its schema (config.ts: type, range,
 * default, and each field's FieldMeta): what the VS Code settings, the Training view's
 * form and the command line are generated from, so none of them restates a range or a
 * default. No TensorFlow.js: the extension host and the build script import this.
 */
import { TrainConfigSchema, type FieldMeta, type TrainConfig } from './config';
import { checkField, fieldsOf, manifestOf, type FieldKind, type FieldRange, type SettingsManifest } from '../core/schemaFields';

export { checkField, type FieldKind };

export interface ConfigField extends FieldMeta, FieldRange {
  /** The key in the training config (`hidden`). */
  key: keyof TrainConfig;
}

/** Every field of the training config, in the schema's order. */
export const CONFIG_FIELDS: readonly ConfigField[] = fieldsOf<keyof TrainConfig, FieldMeta>(TrainConfigSchema);

/** The fields that are VS Code settings (`seqlab.train.<setting>`) and the Training view's form. */
export const SETTING_FIELDS: ReadonlyArray<ConfigField & { setting: string }> = CONFIG_FIELDS.filter((f): f is ConfigField & { setting: string } => f.setting !== undefined);

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
export function settingsManifest(): SettingsManifest {
  return manifestOf('train', SETTING_FIELDS);
}
