/** The Experiments panel's settings form, read from each experiment's schema. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { EXPERIMENTS } from '../../engine/experiments';
import { settingsForm, SETTING_HINTS, SETTING_LABELS } from '../../engine/experiments/settingsForm';
import { changedSettings, cliCommand, fieldProblem, parseStateString, settingsNote, stateString, valueAt } from '../../engine/experiments/settingFields';
import { translator } from '../../engine/core/lang';

const en = translator('en');

describe('experiment settings as a form', () => {
  it('every setting of every experiment is a field with its default, range and a hint in both languages', () => {
    for (const e of EXPERIMENTS) {
      const defaults = e.schema.parse({}) as Record<string, unknown>;
      const fields = settingsForm(e.schema, 'en', e.hints);
      const zh = settingsForm(e.schema, 'zh-cn', e.hints);
      // Every top-level setting but the text (which comes from the editor) is in the form, nested ones by their dotted key.
      const keys = new Set(fields.map((f) => f.key.split('.')[0]));
      for (const key of Object.keys(defaults)) if (key !== 'text') assert.ok(keys.has(key), `${e.name}: ${key} has no field`);
      for (const [i, f] of fields.entries()) {
        assert.deepEqual(f.default, valueAt(defaults, f.key), `${e.name}.${f.key}: the field's default is the schema's`);
        assert.equal(fieldProblem(f, f.default, en), null, `${e.name}.${f.key}: the default passes the field's own check`);
        assert.ok(f.hint.length > 10 && zh[i].hint.length > 3 && f.hint !== zh[i].hint, `${e.name}.${f.key}: a hint in English and Chinese`);
        // A label a student reads (not the config key), and its Chinese is Chinese; a unit, when it has one, in both.
        assert.ok(SETTING_LABELS[f.key.split('.').pop()!], `${e.name}.${f.key}: no label in SETTING_LABELS (the form would show the key)`);
        assert.match(zh[i].label, /\p{Script=Han}/u, `${e.name}.${f.key}: the Chinese label "${zh[i].label}" has no Chinese`);
        assert.equal(Boolean(f.unit), Boolean(zh[i].unit), `${e.name}.${f.key}: a unit in one language only`);
      }
    }
    assert.ok(Object.values(SETTING_HINTS).every((h) => h.en && h.zh));
  });

  it('draws numbers with ranges as sliders, choices as dropdowns and check boxes, lists of numbers as a field', () => {
    const vanishing = settingsForm(EXPERIMENTS.find((e) => e.name === 'vanishing-gradients')!.schema, 'en');
    const hidden = vanishing.find((f) => f.key === 'hidden')!;
    assert.deepEqual(hidden.kind === 'number' && [hidden.integer, hidden.min, hidden.max, hidden.slider], [true, 1, 1024, true]);
    const seed = vanishing.find((f) => f.key === 'seed')!;
    assert.ok(seed.kind === 'number' && seed.max === undefined && !seed.slider, 'an unbounded number is a number field');
    const cells = vanishing.find((f) => f.key === 'cells')!;
    assert.ok(cells.kind === 'choices' && cells.options.includes('lstm-forget1') && cells.minItems === 1);
    const exploding = settingsForm(EXPERIMENTS.find((e) => e.name === 'exploding-gradients')!.schema, 'en');
    const clip = exploding.find((f) => f.key === 'clipNorms')!;
    assert.deepEqual(clip.kind === 'numbers' && [clip.min, clip.default], [0, [0, 1, 5]]);
    const lr = exploding.find((f) => f.key === 'learningRate')!;
    assert.ok(lr.kind === 'number' && lr.exclusiveMin === 0 && !lr.slider, 'a rate above 0 is typed, not dragged');
    const walk = settingsForm(EXPERIMENTS.find((e) => e.name === 'cell-walkthrough')!.schema, 'en');
    assert.ok(walk.some((f) => f.key === 'explore.bidirectional' && f.kind === 'boolean'));
    const versus = settingsForm(EXPERIMENTS.find((e) => e.name === 'lstm-vs-gru')!.schema, 'en');
    assert.ok(!versus.some((f) => f.key === 'text'), 'the text is not a form field');
    assert.ok(versus.some((f) => f.key === 'optimizer' && f.kind === 'enum' && f.options.includes('sgd')));
  });

  it('checks a value as the schema would, in the student\'s language', () => {
    const fields = settingsForm(EXPERIMENTS.find((e) => e.name === 'vanishing-gradients')!.schema, 'en');
    const hidden = fields.find((f) => f.key === 'hidden')!;
    assert.equal(fieldProblem(hidden, 2000, en), 'at most 1024');
    assert.equal(fieldProblem(hidden, 1.5, en), 'a whole number, please');
    assert.equal(fieldProblem(hidden, NaN, translator('zh-cn')), '请输入数字');
    assert.equal(fieldProblem(fields.find((f) => f.key === 'cells')!, [], en), 'tick at least one');
  });

  it('names the changed settings and copies them as a command line the CLI runs', () => {
    const e = EXPERIMENTS.find((x) => x.name === 'vanishing-gradients')!;
    const fields = settingsForm(e.schema, 'en');
    const config = { ...(e.schema.parse({}) as Record<string, unknown>), hidden: 16, seqLen: 12, cells: ['rnn-sigmoid', 'lstm'], trainSteps: 0, seeds: 1 };
    const changed = changedSettings(fields, config);
    assert.deepEqual(changed.map(([k]) => k), ['cells', 'hidden', 'seqLen', 'trainSteps', 'seeds']);
    const command = cliCommand('vanishing-gradients', changed);
    assert.equal(command, `seqlab experiment vanishing-gradients --set 'cells=["rnn-sigmoid","lstm"]' --set hidden=16 --set seqLen=12 --set trainSteps=0 --set seeds=1`);
    // The copied line, run by a shell, gives the CLI the same settings.
    const cli = path.join(__dirname, '..', '..', 'dist', 'cli.js');
    const r = spawnSync('sh', ['-c', `${command.replace(/^seqlab /, `"${process.execPath}" "${cli}" `)} --json`], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { config: Record<string, unknown> };
    for (const [k, v] of changed) assert.deepEqual(out.config[k], v, k);
  });
});

describe('the playground\'s state string', () => {
  const flow = EXPERIMENTS.find((e) => e.name === 'gradient-flow')!;
  const fields = settingsForm(flow.schema, 'en', flow.hints);
  const defaults = flow.schema.parse({}) as Record<string, unknown>;

  it('names the changed settings only, and reads back to the same settings', () => {
    assert.equal(stateString(fields, defaults), 'defaults');
    const changed = { ...defaults, cell: 'lstm', forgetBias: 2, gain: 1.25 };
    const text = stateString(fields, changed);
    assert.equal(text, 'cell=lstm&gain=1.25&forgetBias=2');
    assert.deepEqual(parseStateString(fields, text, en), { values: changed });
    assert.deepEqual(parseStateString(fields, 'defaults', en), { values: defaults });
    // The same settings as the captions' note (host and playground write it with one function).
    const words = { made: 'Made with {0}.', item: '{0} {1} (default {2})', defaults: 'Made with the default settings.' };
    assert.equal(settingsNote(fields, changed, words), 'Made with cell lstm (default rnn-tanh), initial gain 1.25 (default 1), forget gate bias 2 (default 0).');
    assert.equal(settingsNote(fields, defaults, words), 'Made with the default settings.');
    // A leading ? (pasted from a URL) and spaces around it are fine.
    assert.deepEqual(parseStateString(fields, '  ?cell=lstm&gain=1.25&forgetBias=2 ', en), { values: changed });
  });

  it('refuses, with the reason, an unknown name or a value a field refuses, and applies nothing', () => {
    assert.match((parseStateString(fields, 'cell=lstm&size=3', en) as { error: string }).error, /"size" is not a setting of this experiment \(its settings: cell, hidden/);
    assert.deepEqual(parseStateString(fields, 'hidden=4', en), { error: 'hidden: at least 8' });
    assert.deepEqual(parseStateString(fields, 'cell=cnn', en), { error: 'cell: one of rnn-tanh, rnn-sigmoid, rnn-relu, lstm, gru' });
    assert.deepEqual(parseStateString(fields, 'gain=', en), { error: 'gain: a number, please' });
    assert.match((parseStateString(fields, 'gain=%E0%A4%A', translator('zh-cn')) as { error: string }).error, /值无法读取/);
  });

  it('lists keep their commas, for experiments whose settings are lists', () => {
    const leak = EXPERIMENTS.find((e) => e.name === 'bidirectional-leak')!;
    const leakFields = settingsForm(leak.schema, 'en', leak.hints);
    const values = { ...(leak.schema.parse({}) as Record<string, unknown>), models: ['uni', 'bi2'] };
    const text = stateString(leakFields, values);
    assert.match(text, /models=uni,bi2/);
    assert.deepEqual(parseStateString(leakFields, text, en), { values });
  });
});
