/** The `seqlab` command line, run as a real process from the built dist/cli.js. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildProgram } from '../../engine/cli/main';

const CLI = path.join(__dirname, '..', '..', 'dist', 'cli.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-cli-'));
const mixed = 'hello world, this is a small text about gates and cells.\n你好，世界。门控循环单元有两个门。\n';
fs.writeFileSync(path.join(dir, 'a.txt'), mixed.repeat(20));
fs.writeFileSync(path.join(dir, 'b.txt'), mixed.repeat(20));

function seqlab(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: dir });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('seqlab command line', () => {
  const model = path.join(dir, 'model');

  it('trains from a glob and prints one JSON object last', () => {
    const r = seqlab('train', '*.txt', '--out', model, '--hidden', '24', '--embed', '8', '--seq-len', '16', '--batch', '8', '--steps', '40', '--eval-interval', '10', '--lr', '0.01', '--seed', '3', '--json');
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout.trim().split('\n').pop()!);
    for (const key of ['steps', 'trainLoss', 'valLoss', 'initialValLoss', 'charsPerSecond', 'vocabSize', 'checkpoint']) assert.ok(key in result, key);
    assert.equal(result.steps, 40);
    assert.equal(result.checkpoint, model);
    assert.ok(result.valLoss < result.initialValLoss);
    assert.match(r.stderr, /corpus: 2 files/);
  });

  it('samples to stdout without the prompt, Chinese included', () => {
    const r = seqlab('sample', '--model', model, '--prompt', '你好', '--length', '20', '--seed', '1');
    assert.equal(r.code, 0, r.stderr);
    assert.equal([...r.stdout.replace(/\n$/, '')].length, 20);
    const again = seqlab('sample', '--model', model, '--prompt', '你好', '--length', '20', '--seed', '1');
    assert.equal(again.stdout, r.stdout);
    const unknown = seqlab('sample', '--model', model, '--prompt', 'xyzQ', '--length', '5');
    assert.equal(unknown.code, 0);
    assert.match(unknown.stderr, /warning: prompt characters not in the model's vocabulary were skipped: "y" \(U\+0079\), "z" \(U\+007A\), "Q" \(U\+0051\)/);
  });

  it('probes as JSON and as a table', () => {
    const r = seqlab('probe', '--model', model, '--text', 'hello gates', '--json');
    assert.equal(r.code, 0, r.stderr);
    const p = JSON.parse(r.stdout);
    assert.equal(p.tokens.length, 10);
    assert.deepEqual(Object.keys(p.layers[0].gates).sort(), ['f', 'g', 'i', 'o']);
    assert.equal(p.influence.length, 10);
    // Connectivity: a row per prediction, as long as the text before it (the window is 100).
    assert.equal(p.connectivity.window, 100);
    assert.deepEqual(p.connectivity.rows.map((row: number[]) => row.length), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (const row of p.connectivity.rows) assert.ok(row[0] > 0, 'a prediction depends on the character it reads');
    const short = JSON.parse(seqlab('probe', '--model', model, '--text', 'hello gates', '--json', '--window', '3').stdout);
    assert.deepEqual(short.connectivity.rows.map((row: number[]) => row.length), [1, 2, 3, 3, 3, 3, 3, 3, 3, 3]);
    short.connectivity.rows[9].forEach((v: number, k: number) => assert.ok(Math.abs(v - p.connectivity.rows[9][k]) <= 1e-5 * Math.max(1, v)));
    assert.equal(JSON.parse(seqlab('probe', '--model', model, '--text', 'hello', '--json', '--window', '0').stdout).connectivity, null);
    const table = seqlab('probe', '--model', model, '--text', 'hello');
    assert.match(table.stdout, /mean surprisal [\d.]+ bits\/char/);
    assert.match(table.stdout, /what drove the last prediction \("o"\), strongest first: "l" 0 back [\d.e+-]+/);
  });

  it('fails with readable messages and non-zero exit codes', () => {
    const missing = seqlab('sample', '--model', path.join(dir, 'nope'), '--prompt', 'x');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no checkpoint at .*nope: the folder does not exist/);
    const badFlag = seqlab('train', 'a.txt', '--out', 'm', '--hidden', '12.5');
    assert.notEqual(badFlag.code, 0);
    assert.match(badFlag.stderr, /--hidden must be a whole number/);
    const noFiles = seqlab('train', 'nothing-*.md', '--out', 'm');
    assert.equal(noFiles.code, 1);
    assert.match(noFiles.stderr, /no file matches "nothing-\*.md"/);
    const tooShort = seqlab('train', 'a.txt', '--out', 'm', '--seq-len', '4000');
    assert.match(tooShort.stderr, /training needs at least/);
    const noOut = seqlab('train', 'a.txt');
    assert.match(noOut.stderr, /required option '--out <dir>' not specified/);
  });

  it('has --help on every command', () => {
    // Every command the program defines, so a new one cannot be left out of this test.
    const commands = buildProgram().commands.map((c) => c.name());
    assert.deepEqual([...commands].sort(), ['chapter', 'demo', 'experiment', 'export-torch', 'probe', 'sample', 'train']);
    for (const cmd of commands) {
      const r = seqlab(cmd, '--help');
      assert.equal(r.code, 0, `${cmd} --help: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`Usage: seqlab ${cmd}`));
      for (const option of buildProgram().commands.find((c) => c.name() === cmd)!.options) assert.ok(r.stdout.includes(option.long!), `${cmd} --help names ${option.long}`);
    }
  });
});
