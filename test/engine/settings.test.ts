/**
 * One schema per setting: the training config's schema (engine/train/config.ts) is what
 * package.json's training settings, their two nls files, the Training view's form and the
 * command line's options come from. These tests fail when any of them drifts from it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONFIG_FIELDS, SETTING_FIELDS, checkField, flagOf } from '../../engine/train/configFields';
import { TrainConfigSchema, parseTrainConfig } from '../../engine/train/config';
import { HAND_WRITTEN, formatJson, readManifestFiles, withSettings } from '../../scripts/settingsManifest';
import { engineConfig, readSettings, settingValues, trainFields } from '../../extension/settings';
import { buildProgram } from '../../engine/cli/main';
import { keysSetIn, parseSettingsText, restrictedSettings } from '../../extension/settingsFiles';
import { GENERATION_DEFAULTS, GENERATION_FIELDS, GENERATION_SETTING_FIELDS, generationFlagOf } from '../../engine/model/generationConfig';
import { parseRequest } from '../../engine/worker/protocol';
import { exportedSampleScript, GENERATION_MARKER } from '../../engine/export/torchProject';
import { initBackend } from '../../engine/core/backend';
import { CharLM } from '../../engine/model/charlm';
import { sampleText } from '../../engine/model/sample';
import { Vocabulary } from '../../engine/text/vocabulary';

const ROOT = path.join(__dirname, '..', '..');
const CJK = /[\u4e00-\u9fff]/;

describe('one schema per training setting', () => {
  it('package.json and both nls files hold what the schema generates (run `npm run build` after changing engine/train/config.ts)', () => {
    const files = readManifestFiles(ROOT);
    const generated = withSettings(files);
    assert.equal(formatJson(files.packageJson), formatJson(generated.packageJson), 'package.json drifted from the schema');
    assert.equal(formatJson(files.nlsEn), formatJson(generated.nlsEn), 'package.nls.json drifted from the schema');
    assert.equal(formatJson(files.nlsZh), formatJson(generated.nlsZh), 'package.nls.zh-cn.json drifted from the schema');
  });

  it('puts back a changed range or default, drops a setting the schema lost, keeps the hand-written ones', () => {
    const files = readManifestFiles(ROOT);
    const props = (files.packageJson.contributes as { configuration: { properties: Record<string, Record<string, unknown>> } }).configuration.properties;
    props['seqlab.train.hiddenSize'].maximum = 99;
    props['seqlab.train.layers'].default = 3;
    props['seqlab.train.retired'] = { type: 'number', default: 1 };
    files.nlsZh['config.train.seed'] = 'stale';
    const fixed = withSettings(files);
    const fixedProps = (fixed.packageJson.contributes as { configuration: { properties: Record<string, Record<string, unknown>> } }).configuration.properties;
    assert.equal(fixedProps['seqlab.train.hiddenSize'].maximum, 4096);
    assert.equal(fixedProps['seqlab.train.layers'].default, 1);
    assert.equal(fixedProps['seqlab.train.retired'], undefined);
    for (const key of HAND_WRITTEN) assert.ok(fixedProps[key], key);
    assert.ok(fixedProps['seqlab.units'] && fixedProps['seqlab.generate.length'], 'settings outside training stay');
    assert.match(fixed.nlsZh['config.train.seed'], CJK);
  });

  it('gives every setting a label and a description in English and Chinese, and every field a description in both', () => {
    for (const f of CONFIG_FIELDS) {
      assert.ok(f.en.length > 3 && CJK.test(f.zh), `${f.key}: en "${f.en}", zh "${f.zh}"`);
    }
    for (const f of SETTING_FIELDS) assert.ok(f.label?.en && f.label.zh, `${f.setting}: a label in both languages`);
    assert.deepEqual(trainFields('zh-cn').find((f) => f.key === 'hiddenSize')?.label, '隐藏层大小');
    assert.deepEqual(trainFields('en').find((f) => f.key === 'learningRate'), { key: 'learningRate', label: 'learning rate', kind: 'number', exclusiveMin: 0, max: 10 });
  });

  it('reads settings by their names into the engine\'s config, each range the schema\'s', () => {
    const user: Record<string, unknown> = { 'train.hiddenSize': 12.5, 'train.learningRate': 0, 'train.layers': 2, 'train.weightDecay': 0.01, 'train.cell': 'gru' };
    const s = readSettings((k) => user[k]);
    assert.equal(s.train.hidden, 128, 'a fractional hidden size falls back to the default');
    assert.equal(s.train.lr, 3e-3, 'a learning rate of 0 is refused (above 0)');
    assert.equal(s.train.layers, 2);
    assert.equal(s.train.weightDecay, 0.01, 'the added setting reaches the engine');
    assert.equal(s.train.cell, 'gru');
    const sent = engineConfig(s.train);
    assert.deepEqual(Object.keys(sent), SETTING_FIELDS.map((f) => f.key), 'a run sends every setting, by the engine\'s names');
    assert.deepEqual({ cell: sent.cell, layers: sent.layers, hidden: sent.hidden, lr: sent.lr, weightDecay: sent.weightDecay, minutes: sent.minutes }, { cell: 'gru', layers: 2, hidden: 128, lr: 3e-3, weightDecay: 0.01, minutes: 2 });
    assert.equal(settingValues(s.train).hiddenSize, 128);
    assert.deepEqual(parseTrainConfig(engineConfig(s.train)), s.train, 'the config a run sends is the settings\' config');
  });

  it('checks values as the schema does', () => {
    for (const f of CONFIG_FIELDS) {
      const probes = f.kind === 'enum' ? [...f.options!, 'nonsense'] : [f.min, f.max, f.exclusiveMin, (f.min ?? 0) - 1, (f.max ?? 0) + 1, 0.5, 7].filter((v) => v !== undefined);
      for (const value of probes) {
        const bySchema = TrainConfigSchema.shape[f.key].safeParse(value).success;
        assert.equal(checkField(f, value) === undefined, bySchema, `${f.key} = ${value}: checkField says ${checkField(f, value) ?? 'fine'}, the schema ${bySchema ? 'accepts' : 'refuses'}`);
      }
    }
  });

  it('offers every field on `seqlab train` but two that mean nothing there, with the schema\'s default in its help', () => {
    const train = buildProgram().commands.find((c) => c.name() === 'train')!;
    const help = train.helpInformation();
    assert.deepEqual(CONFIG_FIELDS.filter((f) => flagOf(f) === null).map((f) => f.key), ['checkpointEvery', 'checkpointSeconds', 'progressIntervalMs']);
    for (const f of CONFIG_FIELDS) {
      const flag = flagOf(f);
      if (flag === null) continue;
      const option = train.options.find((o) => o.long === `--${flag}`);
      assert.ok(option, `--${flag} for ${f.key}`);
      if (f.default !== undefined) assert.ok(option!.description.includes(`default ${f.default}`), `--${flag} says its default: ${option!.description}`);
      assert.ok(help.includes(`--${flag}`));
    }
  });
});

/**
 * The generation options (length, temperature, top-k, top-p, seed...) have one home,
 * engine/model/generationConfig.ts: a default or a range written a second time anywhere
 * (package.json, the extension's reading of the settings, `seqlab sample`, the worker
 * protocol, sample() itself, the exported sample.py) fails here.
 */
describe('one schema per generation option', () => {
  type Props = Record<string, Record<string, unknown>>;
  const propsOf = (pkg: Record<string, unknown>) => (pkg.contributes as { configuration: { properties: Props } }).configuration.properties;
  const numeric = GENERATION_FIELDS.filter((f) => f.kind !== 'enum');

  it('package.json\'s seqlab.generate.* are the schema\'s: a changed default or range is put back, a lost option dropped', () => {
    const files = readManifestFiles(ROOT);
    const props = propsOf(files.packageJson);
    assert.deepEqual(Object.keys(props).filter((k) => k.startsWith('seqlab.generate.')), GENERATION_SETTING_FIELDS.map((f) => `seqlab.generate.${f.setting}`));
    for (const f of GENERATION_SETTING_FIELDS) assert.equal(props[`seqlab.generate.${f.setting}`].default, f.default, `seqlab.generate.${f.setting}`);
    props['seqlab.generate.temperature'].default = 0.8;
    props['seqlab.generate.topP'].minimum = 0.01;
    props['seqlab.generate.retired'] = { type: 'number', default: 1 };
    files.nlsEn['config.generate.retired'] = 'gone';
    const fixed = withSettings(files);
    const fixedProps = propsOf(fixed.packageJson);
    assert.equal(fixedProps['seqlab.generate.temperature'].default, GENERATION_DEFAULTS.temperature);
    assert.equal(fixedProps['seqlab.generate.topP'].minimum, undefined);
    assert.equal(fixedProps['seqlab.generate.topP'].exclusiveMinimum, 0);
    assert.equal(fixedProps['seqlab.generate.retired'], undefined);
    assert.equal(fixed.nlsEn['config.generate.retired'], undefined);
    for (const f of GENERATION_FIELDS) assert.ok(f.en.length > 3 && CJK.test(f.zh), `${f.key}: a description in both languages`);
  });

  it('the extension reads the settings with the schema\'s defaults and ranges', () => {
    const { length, temperature, topK, topP } = GENERATION_DEFAULTS;
    assert.deepEqual(readSettings(() => undefined).generate, { length, temperature, topK, topP });
    for (const f of GENERATION_SETTING_FIELDS) {
      for (const value of [f.min, f.max, f.exclusiveMin, (f.min ?? 0) - 1, (f.max ?? 0) + 1, 0.5, 7].filter((v) => v !== undefined)) {
        const read = (readSettings((k) => (k === `generate.${f.setting}` ? value : undefined)).generate as Record<string, unknown>)[f.key];
        assert.equal(read, checkField(f, value) === undefined ? value : f.default, `seqlab.generate.${f.setting} = ${value}`);
      }
    }
  });

  it('`seqlab sample` has an option per numeric option, its default said in the help and applied by the schema, none of its own', () => {
    const command = buildProgram().commands.find((c) => c.name() === 'sample')!;
    for (const f of numeric.filter((f) => generationFlagOf(f) !== null)) {
      const option = command.options.find((o) => o.long === `--${generationFlagOf(f)}`);
      assert.ok(option, `--${generationFlagOf(f)} for ${f.key}`);
      assert.equal(option!.defaultValue, undefined, `--${generationFlagOf(f)} has a default of its own: ${option!.defaultValue}`);
      if (f.default !== undefined) assert.ok(option!.description.includes(`(default ${f.default})`), `--${generationFlagOf(f)} says its default: ${option!.description}`);
    }
    assert.deepEqual(command.options.filter((o) => o.defaultValue !== undefined).map((o) => o.long), [], 'no option of `seqlab sample` has a default of its own');
  });

  it('the worker protocol fills in the schema\'s defaults and refuses what the schema refuses', () => {
    const parsed = parseRequest({ type: 'sample', id: 1, prompt: 'x', options: {} });
    assert.ok(parsed.ok && parsed.request.type === 'sample');
    assert.deepEqual(parsed.request.options, GENERATION_DEFAULTS);
    for (const f of numeric) {
      for (const value of [f.min, f.max, f.exclusiveMin, (f.min ?? 0) - 1, (f.max ?? 0) + 1, 0.5, 7].filter((v) => v !== undefined)) {
        const ok = parseRequest({ type: 'sample', id: 1, prompt: 'x', options: { [f.key]: value } }).ok;
        assert.equal(ok, checkField(f, value) === undefined, `sample ${f.key} = ${value}`);
      }
    }
    assert.equal(parseRequest({ type: 'sample', id: 1, prompt: 'x', options: { temprature: 1 } }).ok, false, 'an unknown option is refused');
  });

  it('sample() takes the schema\'s defaults', async () => {
    await initBackend('wasm');
    const vocabulary = Vocabulary.fromText('the quick brown fox jumps over the lazy dog\n').vocabulary;
    const m = new CharLM({ vocabSize: vocabulary.size, embeddingSize: 6, hiddenSize: 12, numLayers: 1, cell: 'lstm', seed: 3 });
    try {
      const { length, temperature, topK, topP } = GENERATION_DEFAULTS;
      assert.equal(await sampleText(m, vocabulary, 'the', { seed: 4 }), await sampleText(m, vocabulary, 'the', { seed: 4, length, temperature, topK, topP }));
    } finally {
      m.dispose();
    }
  });

  it('the exported sample.py gets every default and range from the schema, and states none itself', () => {
    const source = fs.readFileSync(path.join(ROOT, 'engine', 'export', 'torch', 'sample.py'), 'utf8');
    assert.ok(source.includes(GENERATION_MARKER), 'sample.py marks where the export writes the options');
    const python = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    for (const f of numeric) {
      const line = source.split('\n').find((l) => l.includes(`add_argument("--${python(f.key).replace(/_/g, '-')}"`));
      assert.ok(line, `sample.py has --${python(f.key).replace(/_/g, '-')}`);
      assert.match(line!, new RegExp(`default=GENERATION\\["${python(f.key)}"\\]\\["default"\\]`), `sample.py's --${python(f.key)} states a default of its own: ${line}`);
    }
    const exported = exportedSampleScript();
    const literal = /^GENERATION = (\{[\s\S]*?\n\})$/m.exec(exported)?.[1];
    assert.ok(literal, 'the exported sample.py has its options written in');
    const options = JSON.parse(literal!.replace(/\bNone\b/g, 'null').replace(/,(\s*\})/g, '$1')) as Record<string, Record<string, number | null>>;
    for (const f of numeric) {
      const o = options[python(f.key)];
      assert.deepEqual(o, { default: f.default ?? null, ...(f.min !== undefined ? { min: f.min } : {}), ...(f.exclusiveMin !== undefined ? { above: f.exclusiveMin } : {}), ...(f.max !== undefined ? { max: f.max } : {}) }, f.key);
    }
  });
});

describe('Workspace Trust: the settings a cloned repository cannot use in Restricted Mode', () => {
  const manifest = () => readManifestFiles(ROOT).packageJson as { capabilities: { untrustedWorkspaces: { supported: unknown; description?: string } }; contributes: { configuration: { properties: Record<string, { scope?: string }> } } };

  it('declares limited support, with a description in both languages, and restricts every setting that names a program, a folder to write to, an engine or a number of processes', () => {
    const pkg = manifest();
    const files = readManifestFiles(ROOT);
    assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
    const key = /^%(.+)%$/.exec(pkg.capabilities.untrustedWorkspaces.description ?? '')?.[1];
    assert.ok(key && files.nlsEn[key] && CJK.test(files.nlsZh[key]), 'the description is localised');
    const restricted = restrictedSettings(pkg);
    const settings = Object.keys(pkg.contributes.configuration.properties);
    for (const k of restricted) assert.ok(settings.includes(k), `${k} is restricted but is no setting`);
    // By name: what a setting names decides whether a repository may choose it.
    const risky = settings.filter((k) => /python|engine|workers|processes|device|precision|backend|storage|location|path|folder|dir(ectory)?$|program|executable|command/i.test(k));
    assert.deepEqual(risky.filter((k) => !restricted.includes(k)), [], 'settings that name a program, a folder, an engine or processes, not restricted');
    for (const k of ['seqlab.python', 'seqlab.storage.location', 'seqlab.train.engine', 'seqlab.torch.device', 'seqlab.torch.processes', 'seqlab.torch.precision', 'seqlab.train.workers']) assert.ok(restricted.includes(k), k);
    assert.equal(pkg.contributes.configuration.properties['seqlab.python'].scope, 'machine', 'a path to a program is read from the user\'s settings only');
  });

  it('keeps the restrictions when the training settings are generated again', () => {
    const files = readManifestFiles(ROOT);
    const generated = withSettings(files).packageJson as ReturnType<typeof manifest>;
    assert.deepEqual(restrictedSettings(generated), restrictedSettings(files.packageJson));
    assert.equal(generated.contributes.configuration.properties['seqlab.python'].scope, 'machine');
  });

  it('reads which restricted settings a folder\'s settings file sets: comments, trailing commas, nested sections; nothing from what is not JSON', () => {
    const keys = ['seqlab.python', 'seqlab.train.engine', 'seqlab.storage.location'];
    const text = `{
      // "seqlab.storage.location": "workspace" (a comment, not a setting)
      "seqlab.python": "./tools/python // not a comment", /* a block */
      "seqlab": { "train.engine": "pytorch", },
      "editor.fontSize": 14,
    }`;
    assert.deepEqual((parseSettingsText(text) as Record<string, unknown>)['seqlab.python'], './tools/python // not a comment');
    assert.deepEqual(keysSetIn(text, keys), ['seqlab.python', 'seqlab.train.engine']);
    assert.deepEqual(keysSetIn('{"seqlab.storage.location": "workspace"}', keys), ['seqlab.storage.location']);
    assert.deepEqual(keysSetIn('{"a": "\\"seqlab.python\\": 1"}', keys), [], 'a key inside a string value is no key');
    assert.deepEqual(keysSetIn('not json {', keys), []);
    assert.deepEqual(keysSetIn('{"[python]": {"seqlab.python": "x"}}', keys), [], 'a language section does not set the setting');
  });
});
