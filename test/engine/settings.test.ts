/**
 * One schema per setting: the training config's schema (engine/train/config.ts) is what
 * package.json's training settings, their two nls files, the Training view's form and the
 * command line's options come from. These tests fail when any of them drifts from it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { CONFIG_FIELDS, SETTING_FIELDS, checkField, flagOf } from '../../engine/train/configFields';
import { TrainConfigSchema, parseTrainConfig } from '../../engine/train/config';
import { HAND_WRITTEN, formatJson, readManifestFiles, withSettings } from '../../scripts/settingsManifest';
import { engineConfig, readSettings, settingValues, trainFields } from '../../extension/settings';
import { buildProgram } from '../../engine/cli/main';
import { keysSetIn, parseSettingsText, restrictedSettings } from '../../extension/settingsFiles';

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
