/**
 * SeqLab's settings, read through one typed layer: every value is cleaned and
 * defaulted by `readSettings(get)` before any logic sees it (no raw config.get()
 * elsewhere). Pure: `get` is `workspace.getConfiguration('seqlab').get`, or a map in tests.
 * The training and generation settings' entries in package.json are written from the training
 * config's and the generation options' schemas by the build (scripts/settingsManifest.ts), so
 * their ranges and defaults are theirs.
 */
import { BACKEND_NAMES, TORCH_DEVICES, TORCH_PRECISIONS, type BackendName, type TorchDeviceChoice, type TorchPrecision } from '../engine/core/names';
import { inLang, type Lang } from '../engine/core/lang';
import { parseTrainConfig, type TrainConfig } from '../engine/train/config';
import { SETTING_FIELDS, checkField, configFromSettings } from '../engine/train/configFields';
import type { FieldSpec } from '../webview/protocol';
import { CONNECTIVITY_MAX_WINDOW, CONNECTIVITY_WINDOW } from '../engine/model/connectivityTypes';
import { generationFromSettings } from '../engine/model/generationConfig';

export interface Settings {
  /**
   * The training config the settings make (`seqlab.train.hiddenSize` is `hidden`), every
   * other field at its default: one schema (engine/train/config.ts) names, bounds and defaults them.
   */
  train: TrainConfig;
  /** Generate Continuation's options (`seqlab.generate.*`): one schema (engine/model/generationConfig.ts) bounds and defaults them. */
  generate: ReturnType<typeof generationFromSettings>;
  backend: 'auto' | BackendName;
  /** Data-parallel worker threads of a training run: 'auto' (one per core) or a count (`seqlab.train.workers`). */
  workers: 'auto' | number;
  /** The PyTorch engine's device and processes (`seqlab.torch.*`); its Python is found by extension/torchEngine.ts. */
  torch: { device: TorchDeviceChoice; processes: number; precision: TorchPrecision };
  /** The unit of every loss shown: nats per character (PyTorch's cross-entropy) or bits. */
  units: 'nats' | 'bits';
  storage: 'global' | 'workspace';
  filesGlob: string;
  /** Show What Drove This Character and the inspector's connectivity: characters back measured (`seqlab.connectivity.window`). */
  connectivityWindow: number;
}

/** The Training view's form: a field per training setting, in the schema's order, labelled in `lang`. */
export function trainFields(lang: Lang): FieldSpec[] {
  return SETTING_FIELDS.map((f) => ({
    key: f.setting, label: f.label ? inLang(f.label, lang) : f.setting, kind: f.kind,
    ...(f.options ? { options: f.options } : {}), ...(f.min !== undefined ? { min: f.min } : {}),
    ...(f.exclusiveMin !== undefined ? { exclusiveMin: f.exclusiveMin } : {}), ...(f.max !== undefined ? { max: f.max } : {}),
  }));
}

/** Why `value` is not acceptable for the training setting `setting`, or undefined when it is. */
export function checkSetting(setting: string, value: unknown): string | undefined {
  const field = SETTING_FIELDS.find((f) => f.setting === setting);
  return field ? checkField(field, value) : 'an unknown setting';
}

/** The form's values, by setting name, from the training config. */
export function settingValues(train: TrainConfig): Record<string, unknown> {
  return Object.fromEntries(SETTING_FIELDS.map((f) => [f.setting, train[f.key]]));
}

/** What a run sends the engine: the fields the settings set (evaluation and samples: the engine's defaults, as for `seqlab train`). */
export function engineConfig(train: TrainConfig): Partial<TrainConfig> {
  return Object.fromEntries(SETTING_FIELDS.map((f) => [f.key, train[f.key]])) as Partial<TrainConfig>;
}

type Getter = (key: string) => unknown;

export function readSettings(get: Getter): Settings {
  const values: Record<string, unknown> = {};
  for (const field of SETTING_FIELDS) {
    const value = get(`train.${field.setting}`);
    if (value !== undefined && checkField(field, value) === undefined) values[field.setting] = value;
  }
  const num = (key: string, fallback: number, min: number, max: number, integer = false) => {
    const v = get(key);
    return typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max && (!integer || Number.isInteger(v)) ? v : fallback;
  };
  const backend = get('backend');
  const workers = get('train.workers');
  const glob = get('trainOnFiles.glob');
  return {
    train: parseTrainConfig(configFromSettings(values)),
    generate: generationFromSettings((setting) => get(`generate.${setting}`)),
    backend: backend === 'auto' || BACKEND_NAMES.includes(backend as BackendName) ? (backend as Settings['backend']) : 'auto',
    workers: typeof workers === 'string' && /^[1-8]$/.test(workers) ? Number(workers) : 'auto',
    torch: {
      device: TORCH_DEVICES.includes(get('torch.device') as TorchDeviceChoice) ? (get('torch.device') as TorchDeviceChoice) : 'auto',
      processes: num('torch.processes', 1, 1, 64, true),
      precision: TORCH_PRECISIONS.includes(get('torch.precision') as TorchPrecision) ? (get('torch.precision') as TorchPrecision) : 'fp32',
    },
    storage: get('storage.location') === 'workspace' ? 'workspace' : 'global',
    units: get('units') === 'bits' ? 'bits' : 'nats',
    filesGlob: typeof glob === 'string' && glob.trim() ? glob.trim() : '**/*.{md,txt}',
    connectivityWindow: num('connectivity.window', CONNECTIVITY_WINDOW, 1, CONNECTIVITY_MAX_WINDOW, true),
  };
}
