/**
 * The experiments as PyTorch scripts: what the export writes and refuses, and that each
 * script's settings are the experiment's. (That the scripts give SeqLab's numbers is
 * test/interop/check_experiment_scripts.py, which needs PyTorch.)
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EXPERIMENTS, experimentScript, findExperiment } from '../../engine/experiments';
import { EXPERIMENT_SCRIPTS, hasTorchScript } from '../../engine/export/experimentScript';
import { writeNewFile } from '../../engine/io/files';
import { DEMO_CORPUS } from '../../engine/text/demoCorpus';
import { CHINESE_NEWS_LEAD, CHINESE_NEWS_PROMPT, CHINESE_NEWS_SENTENCES, CHINESE_NEWS_TALLIES, CHINESE_NEWS_WORDS } from '../../engine/text/chineseNews';

const SCRIPTS = path.join(__dirname, '..', '..', 'engine', 'export', 'scripts');
const CLI = path.join(__dirname, '..', '..', 'dist', 'cli.js');
const PYTHON = ['/usr/bin/python3', '/usr/local/bin/python3'].find((p) => fs.existsSync(p));
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-script-'));

/** The script's SETTINGS dict (written as JSON-compatible Python: numbers, strings, lists). */
function declaredSettings(file: string): Record<string, unknown> {
  const source = fs.readFileSync(path.join(SCRIPTS, file), 'utf8');
  const literal = /^SETTINGS = (\{[\s\S]*?\})\n/m.exec(source);
  assert.ok(literal, `${file} declares SETTINGS`);
  return JSON.parse(literal[1].replace(/\bTrue\b/g, 'true').replace(/\bFalse\b/g, 'false')) as Record<string, unknown>;
}

describe('experiments as PyTorch scripts', () => {
  it('each script declares exactly its experiment\'s settings, with the same defaults', () => {
    for (const [name, file] of Object.entries(EXPERIMENT_SCRIPTS)) {
      const { text: _text, ...defaults } = findExperiment(name).schema.parse({}) as Record<string, unknown>;
      assert.deepEqual(declaredSettings(file), defaults, name);
    }
  });

  it('carries SeqLab\'s built-in text word for word (the generated corpus starts from it)', () => {
    const common = fs.readFileSync(path.join(SCRIPTS, 'seqlab_common.py'), 'utf8');
    const quoted = /^DEMO_CORPUS = """([\s\S]*?)"""$/m.exec(common);
    assert.ok(quoted);
    assert.equal(quoted[1], DEMO_CORPUS);
  });

  it('carries the Chinese news grammar word for word (the interop check compares the texts\' SHA-256)', () => {
    const common = fs.readFileSync(path.join(SCRIPTS, 'seqlab_common.py'), 'utf8');
    // Python's literals here are JSON but for tuples and trailing commas: the line, its indented lines and a closing line.
    const literal = (name: string) => {
      const m = new RegExp(`^${name} = (.*(?:\\n[ \\t].*)*(?:\\n[\\]}].*)?)`, 'm').exec(common);
      assert.ok(m, name);
      return JSON.parse(m[1].replace(/\(/g, '[').replace(/\)/g, ']').replace(/,(\s*[\]}])/g, '$1'));
    };
    assert.deepEqual(literal('_NEWS_WORDS'), CHINESE_NEWS_WORDS);
    assert.deepEqual(literal('_NEWS_TALLIES'), CHINESE_NEWS_TALLIES);
    assert.deepEqual(literal('_NEWS_SENTENCES'), CHINESE_NEWS_SENTENCES);
    assert.equal(literal('_NEWS_LEAD'), CHINESE_NEWS_LEAD);
    assert.equal(literal('CHINESE_NEWS_PROMPT'), CHINESE_NEWS_PROMPT);
  });

  it('writes the shared part in and the chosen settings as the defaults; refuses what the experiment refuses', () => {
    const script = experimentScript('vanishing-gradients', { hidden: 32, cells: ['rnn-tanh', 'lstm'] });
    assert.doesNotMatch(script, /^from seqlab_common import/m, 'the shared part is written in');
    assert.match(script, /^class Random:/m);
    assert.match(script, /^EXPORTED = \{"cells": \["rnn-tanh", "lstm"\], "hidden": 32, "seqLen": 100, "batch": 8, "trainSteps": 40, "seeds": 3, "seed": 1\}$/m);
    assert.ok(script.startsWith('#!/usr/bin/env python3\n"""SeqLab\'s experiment "vanishing-gradients"'), 'its own docstring comes first (--help reads it)');
    assert.throws(() => experimentScript('vanishing-gradients', { hidden: 0 }), /hidden: .*>=1/);
    assert.throws(() => experimentScript('vanishing-gradients', { size: 3 }), /unknown key "size"/);
    assert.throws(() => experimentScript('no-such-experiment'), /no experiment named "no-such-experiment"/);
    assert.equal(hasTorchScript('toString'), false, 'only its own names');
    // A group of settings, and Python's booleans.
    assert.match(experimentScript('cell-walkthrough', { explore: { batchFirst: true } }),
      /^EXPORTED = \{"seqLen": 5, "batch": 3, "inputSize": 10, "hiddenSize": 20, "explore": \{"seqLen": 7, "batch": 4, "inputSize": 10, "hiddenSize": 20, "numLayers": 2, "bidirectional": True, "batchFirst": True\}, "seed": 1\}$/m);
  });

  it('keeps the student\'s own text out of the script and says how to pass it', () => {
    const script = experimentScript('lstm-vs-gru', { text: 'x'.repeat(5000) + '"""\'; import shutil', steps: 20 });
    assert.doesNotMatch(script, /import shutil/);
    assert.match(script, /^# SeqLab ran this on your own text \(5,019 characters\): save it to a file and pass it with --text FILE\.\nEXPORTED = \{"corpus": "english", "maxCharacters": 20000, "vocabMax": 300, "hidden": 128, "layers": 1, "seqLen": 64, "batch": 32, "steps": 20,/m);
  });

  it('every script is valid Python (compiled, not run: that needs PyTorch)', { skip: PYTHON ? false : 'no python3 here' }, () => {
    const dir = tmp();
    for (const name of Object.keys(EXPERIMENT_SCRIPTS)) {
      const file = path.join(dir, `${name}.py`);
      fs.writeFileSync(file, experimentScript(name));
      const r = spawnSync(PYTHON!, ['-m', 'py_compile', file], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${name}: ${r.stderr}`);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writeNewFile never overwrites, says why, and leaves no temporary file', () => {
    const dir = tmp();
    const file = path.join(dir, 'a "quoted" $(name).py');
    writeNewFile(file, 'print(1)\n', 0o755);
    assert.equal(fs.readFileSync(file, 'utf8'), 'print(1)\n');
    assert.equal(fs.statSync(file).mode & 0o777, 0o755 & ~process.umask());
    assert.throws(() => writeNewFile(file, 'other'), /already exists \(a regular file\): choose a new file name/);
    assert.equal(fs.readFileSync(file, 'utf8'), 'print(1)\n', 'unchanged');
    assert.throws(() => writeNewFile(path.join(dir, 'missing', 'x.py'), 'x'), /the folder .*missing does not exist/);
    assert.throws(() => writeNewFile(dir, 'x'), /already exists \(a directory\)/);
    assert.deepEqual(fs.readdirSync(dir), ['a "quoted" $(name).py']);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('every experiment has its script', () => {
    for (const e of EXPERIMENTS) assert.ok(hasTorchScript(e.name), e.name);
  });

  it('seqlab experiment NAME --export-torch FILE writes it (a hostile file name is only a name) and refuses to overwrite', () => {
    const dir = tmp();
    const name = "it's $(touch pwned); `x`.py";
    const run = () => spawnSync(process.execPath, [CLI, 'experiment', 'gradient-flow', '--set', 'cell=gru', '--set', 'hidden=16', '--export-torch', name], { encoding: 'utf8', cwd: dir });
    const first = run();
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stderr, /wrote it's \$\(touch pwned\); `x`\.py: run it with python3/);
    assert.match(fs.readFileSync(path.join(dir, name), 'utf8'), /^EXPORTED = \{"cell": "gru", "hidden": 16, /m);
    const second = run();
    assert.equal(second.status, 1);
    assert.match(second.stderr, /already exists \(a regular file\): choose a new file name, or remove it first/);
    const bad = spawnSync(process.execPath, [CLI, 'experiment', 'normalization', '--set', 'hidden=0', '--export-torch', 'x.py'], { encoding: 'utf8', cwd: dir });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /hidden: Too small: expected number to be >=1/);
    assert.deepEqual(fs.readdirSync(dir), [name], 'nothing else was made');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
