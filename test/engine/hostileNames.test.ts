/**
 * Nothing a file name, a folder name or a checkpoint carries may run as a command, drive a
 * terminal or become markup. Real runs of the real command line (dist/cli.js): a model is
 * trained on files with hostile names, its seqlab.json is edited as an attacker would, it
 * is exported, and every command line SeqLab generates (the README's, the CLI's hints) runs
 * through `bash -c` in a scratch folder, where `python3` and `torchrun` only record their
 * arguments. No marker file may appear, and each program must receive the name exactly.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import MarkdownIt from 'markdown-it';
import { isPrintableName, jsonForTerminal, markdownText, powershellQuote, shellCommand, shellQuote, terminalSafe, truncate } from '../../engine/io/safeText';
import { commandTextFile } from '../../engine/export/torchProject';
import { jsonNesting } from '../../engine/checkpoint/folder';

const CLI = path.join(__dirname, '..', '..', 'dist', 'cli.js');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-hostile-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
const SMALL = ['--hidden', '16', '--embed', '8', '--seq-len', '16', '--batch', '4', '--steps', '3', '--eval-interval', '3', '--workers', '1'];
const TEXT = 'The forget gate decides what to keep of the cell state, and the input gate what to write. '.repeat(20);

/** Names an attacker would choose; every one is a legal file name on Linux. */
const HOSTILE = [
  'a;{cd,..};{touch,PWNED};b.txt', // brace expansion supplies the spaces (the audit's case)
  '$(touch PWNED).txt',
  '`touch PWNED`.txt',
  "it's'; touch PWNED; echo '.txt",
  'x" && touch PWNED && echo ".txt',
  'a|touch PWNED|.txt',
  'a&touch PWNED&.txt',
  '>PWNED.txt',
  '<PWNED.txt',
  '*.txt',
  '~root.txt',
  '-rf.txt',
  'with space.txt',
  '$HOME.txt',
  '!!.txt',
  '<img src=x onerror=alert(1)>.txt',
  '[link](javascript:alert(1)).txt',
  'a\n```sh\ntouch PWNED\n```\n.txt',
  'esc\u001b]0;owned\u0007\u001b[2J.txt',
  'c1\u009b31m.txt',
  'rlo\u202etxt.exe',
];

function seqlab(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A scratch folder whose PATH has recording stand-ins for python3, python and torchrun. */
function sandbox(): { dir: string; env: NodeJS.ProcessEnv; calls: () => string[][] } {
  const dir = fs.mkdtempSync(path.join(root, 'sandbox-'));
  const bin = path.join(dir, '.bin');
  fs.mkdirSync(bin);
  const log = path.join(dir, '.calls');
  for (const name of ['python3', 'python', 'torchrun']) {
    fs.writeFileSync(path.join(bin, name), `#!/bin/sh\nprintf '%s\\0' "$0" "$@" >> '${log}'\nprintf '\\n\\0' >> '${log}'\n`, { mode: 0o755 });
  }
  return {
    dir,
    env: { PATH: `${bin}:/usr/bin:/bin`, HOME: dir },
    calls: () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n\0').filter(Boolean).map((c) => c.split('\0').filter((_, i, a) => i < a.length - 1 || a[i] !== '')) : []),
  };
}

/** Every line of the README's fenced `sh` blocks that is a command (not a comment). */
function shellLines(readme: string): string[] {
  const lines: string[] = [];
  for (const m of readme.matchAll(/^```sh\n([\s\S]*?)^```$/gm)) {
    for (const line of m[1].split('\n')) if (line.trim() && !line.startsWith('#')) lines.push(line);
  }
  return lines;
}

/** Runs `line` with bash in a fresh sandbox; returns the recorded calls, after checking no marker appeared anywhere. */
function runInBash(line: string, setup?: (dir: string) => void): string[][] {
  const box = sandbox();
  setup?.(box.dir);
  const markersBefore = markers();
  const r = spawnSync('bash', ['-c', line], { cwd: box.dir, env: box.env, encoding: 'utf8', timeout: 10_000 });
  assert.equal(r.signal, null, `${line}: hung`);
  assert.deepEqual(markers(), markersBefore, `running ${JSON.stringify(line)} created a marker file\n${r.stderr}`);
  return box.calls();
}

/** Every file named PWNED (or starting so) under the scratch root and its parent. */
function markers(): string[] {
  const found: string[] = [];
  for (const dir of [root, path.dirname(root)]) {
    for (const e of fs.readdirSync(dir, { recursive: dir === root, withFileTypes: true })) if (/^PWNED/.test(e.name)) found.push(path.join(e.parentPath, e.name));
  }
  return found.sort();
}

describe('quoting and escaping (engine/io/safeText)', () => {
  it('shellQuote makes one bash word of any name, which bash gives back exactly', () => {
    const box = sandbox();
    for (const name of [...HOSTILE, '', "'", "''", '\\', 'a\tb', 'new\nline', '中文 名字.txt', '{a,b}']) {
      const r = spawnSync('bash', ['-c', `printf '%s' ${shellQuote(name)}`], { cwd: box.dir, env: box.env, encoding: 'utf8' });
      assert.equal(r.stdout, name, `round trip of ${JSON.stringify(name)}`);
    }
    assert.deepEqual(markers(), []);
  });

  it('powershellQuote doubles every quote PowerShell accepts, so the word cannot be closed', () => {
    assert.equal(powershellQuote("it's"), "'it''s'");
    assert.equal(powershellQuote('a\u2019b'), "'a\u2019\u2019b'");
    assert.equal(powershellQuote('$(rm x)'), "'$(rm x)'");
    for (const name of HOSTILE) {
      const inner = powershellQuote(name).slice(1, -1);
      assert.doesNotMatch(inner.replace(/(['\u2018-\u201b])\1/g, ''), /['\u2018-\u201b]/, name);
    }
  });

  it('terminalSafe replaces C0 (but tab and newline), DEL, C1 and bidi overrides, and nothing else', () => {
    assert.equal(terminalSafe('a\u001b[2Jb\u009bc\u007fd\re\tf\ng\u202eh 中文'), 'a\uFFFD[2Jb\uFFFDc\uFFFDd\uFFFDe\tf\ng\uFFFDh 中文');
    const json = jsonForTerminal(JSON.stringify({ token: '\u009b\u001b\u202e' }));
    assert.doesNotMatch(json, /[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/);
    assert.deepEqual(JSON.parse(json), { token: '\u009b\u001b\u202e' });
  });

  it('each character of every class, one at a time: what each function does with it, and that nothing else changes', () => {
    const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => String.fromCharCode(from + i));
    const c0 = range(0x00, 0x1f).filter((c) => c !== '\t' && c !== '\n');
    const c1 = range(0x7f, 0x9f);
    const bidi = [...range(0x202a, 0x202e), ...range(0x2066, 0x2069)];
    const separators = ['\u2028', '\u2029'];
    const quotes = ["'", ...range(0x2018, 0x201b)];
    const ordinary = ['a', 'Z', '0', ' ', '中', '文', '😀', '"', '\u201c', '\u201d', '\u2017', '\u201f', '\u2065', '\u206a', '\u00a0', '$', '`', '\\'];
    for (const c of [...c0, ...c1, ...bidi]) {
      const code = `U+${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
      assert.equal(terminalSafe(`x${c}y`), 'x\uFFFDy', `terminalSafe lets ${code} through`);
      assert.equal(isPrintableName(`x${c}y`), false, `isPrintableName accepts ${code}`);
      const json = jsonForTerminal(JSON.stringify(`x${c}y`));
      assert.doesNotMatch(json, /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/, `jsonForTerminal lets ${code} through`);
      assert.equal(JSON.parse(json), `x${c}y`, `jsonForTerminal changes the value of ${code}`);
    }
    for (const c of ['\t', '\n']) assert.equal(terminalSafe(`x${c}y`), `x${c}y`, 'tab and newline stay in a terminal');
    for (const c of ['\t', '\n', ...separators]) assert.equal(isPrintableName(`x${c}y`), false, 'a name is one line');
    for (const q of quotes) {
      const code = `U+${q.charCodeAt(0).toString(16).padStart(4, '0')}`;
      assert.equal(powershellQuote(`a${q}b`), `'a${q}${q}b'`, `powershellQuote does not double ${code}`);
    }
    for (const c of ordinary) {
      const code = `U+${c.codePointAt(0)!.toString(16).padStart(4, '0')}`;
      assert.equal(terminalSafe(`x${c}y`), `x${c}y`, `terminalSafe changes ${code}`);
      assert.equal(isPrintableName(`x${c}y`), true, `isPrintableName refuses ${code}`);
      if (c !== "'") assert.equal(powershellQuote(`a${c}b`), `'a${c}b'`, `powershellQuote changes ${code}`);
    }
  });

  it('markdownText renders as the text itself in VS Code\'s Markdown renderer (markdown-it), on one line', () => {
    const md = new MarkdownIt({ html: true, linkify: true });
    for (const name of HOSTILE) {
      const html = md.render(`# ${markdownText(name)}\n\nfrom ${markdownText(name)}.\n`);
      assert.doesNotMatch(html, /<img|<a |<pre|<code|<script/, `${JSON.stringify(name)} became markup: ${html}`);
      assert.equal((html.match(/<h1>/g) ?? []).length, 1, html);
      if (isPrintableName(name)) {
        const heading = /<h1>(.*)<\/h1>/.exec(html)![1];
        const decoded = heading.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
        assert.equal(decoded, name, 'a printable name reads as itself');
      }
    }
  });

  it('a generated command names the run\'s file only when it is one printable file name', () => {
    assert.equal(commandTextFile('notes.txt'), 'notes.txt');
    assert.equal(commandTextFile('a;{cd,..};{touch,PWNED};b.txt'), 'a;{cd,..};{touch,PWNED};b.txt'); // quoted where it is used
    assert.equal(commandTextFile('-rf.txt'), null);
    assert.equal(commandTextFile('a\n```sh\ntouch PWNED\n```\n.txt'), null);
    assert.equal(commandTextFile('dir/notes.txt'), null);
    assert.equal(commandTextFile('3 files'), null);
    assert.equal(commandTextFile(undefined), null);
  });

  it('shellCommand quotes each word; names are printable and bounded; truncate keeps max characters with the ellipsis', () => {
    assert.equal(shellCommand(['cd', 'a b', "it's", 'plain.txt']), "cd 'a b' 'it'\\''s' plain.txt");
    assert.equal(isPrintableName(''), false);
    assert.equal(isPrintableName('a'), true);
    assert.equal(isPrintableName('x'.repeat(200)), true);
    assert.equal(isPrintableName('x'.repeat(201)), false);
    assert.equal(isPrintableName('x'.repeat(10), 10), true);
    assert.equal(truncate('abcdef', 6), 'abcdef');
    assert.equal(truncate('abcdefg', 6), 'abcde…');
    assert.equal(truncate('😀😀😀😀', 3), '😀😀…', 'counted in characters, not UTF-16 units');
    assert.equal([...markdownText('y'.repeat(500), 50)].length, 50);
  });

  it('jsonNesting counts brackets outside strings only', () => {
    assert.equal(jsonNesting('{"a": [1, {"b": "[[[{{{"}]}'), 3);
    assert.equal(jsonNesting('"\\"[["'), 0);
    assert.equal(jsonNesting('['.repeat(100_000) + ']'.repeat(100_000)), 100_000);
  });
});

describe('hostile names through the real command line', () => {
  let model: string;
  before(() => {
    // One model trained on a file with the audit's name: its seqlab.json carries the name itself.
    const dir = fs.mkdtempSync(path.join(root, 'train-'));
    fs.writeFileSync(path.join(dir, HOSTILE[0]), TEXT);
    const r = seqlab(['train', HOSTILE[0], '--out', 'm', ...SMALL], dir);
    assert.equal(r.code, 0, r.stderr);
    model = path.join(dir, 'm');
    assert.equal(JSON.parse(fs.readFileSync(path.join(model, 'seqlab.json'), 'utf8')).training.corpus, HOSTILE[0]);
  });

  /** A copy of the model whose seqlab.json says `corpus` (the tensor files' hashes do not cover seqlab.json). */
  function withCorpus(corpus: string): string {
    const dir = fs.mkdtempSync(path.join(root, 'edited-'));
    const copy = path.join(dir, 'model');
    fs.cpSync(model, copy, { recursive: true });
    const metaFile = path.join(copy, 'seqlab.json');
    const meta = JSON.parse(fs.readFileSync(metaFile, 'utf8'));
    meta.training.corpus = corpus;
    fs.writeFileSync(metaFile, JSON.stringify(meta));
    return copy;
  }

  for (const [i, name] of HOSTILE.entries()) {
    it(`export with the corpus ${JSON.stringify(name)}: every README command runs safely and passes the name exactly`, () => {
      const source = i === 0 ? model : withCorpus(name);
      const out = path.join(fs.mkdtempSync(path.join(root, 'export-')), 'project');
      const r = seqlab(['export-torch', '--model', source, '--out', out], root);
      assert.equal(r.code, 0, r.stderr);
      const readme = fs.readFileSync(path.join(out, 'README.md'), 'utf8');
      const lines = shellLines(readme);
      assert.ok(lines.length >= 5, `the README has its commands:\n${readme}`);
      const expected = commandTextFile(name) ?? 'corpus.txt';
      let trainCalls = 0;
      for (const line of lines) {
        for (const call of runInBash(line)) {
          const at = call.indexOf('--text');
          if (at >= 0) {
            trainCalls++;
            assert.equal(call[at + 1], expected, `${line}: --text got ${JSON.stringify(call[at + 1])}`);
          }
        }
      }
      assert.equal(trainCalls, 2, 'train.py under python3 and under torchrun');
      // The Markdown preview shows the name as text: no markup, no extra code block.
      const html = new MarkdownIt({ html: true, linkify: true }).render(readme);
      assert.doesNotMatch(html, /<img|<script|<a\s|href=/i, "no image, script or link");
      assert.equal((html.match(/<pre>/g) ?? []).length, 3, 'exactly the three code blocks SeqLab wrote');
      assert.doesNotMatch(readme, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/, 'no control characters in the README');
    });
  }

  it('the CLI\'s "next: cd ..." hint runs safely in bash for hostile folder names', () => {
    for (const name of ['$(touch PWNED)', '`touch PWNED`', "it's; touch PWNED", 'a;{cd,..};{touch,PWNED};b']) {
      const parent = fs.mkdtempSync(path.join(root, 'hint-'));
      const out = path.join(parent, name);
      const r = seqlab(['export-torch', '--model', model, '--out', out], root);
      assert.equal(r.code, 0, r.stderr);
      const hint = /^next: (.*)$/m.exec(r.stderr)![1];
      const calls = runInBash(hint);
      assert.equal(calls.length, 1, `${hint}: cd reached the folder and ran sample.py`);
      assert.ok(fs.existsSync(out));
    }
  });

  it('model text printed by `seqlab sample` and the training log carries no control characters', () => {
    const dir = fs.mkdtempSync(path.join(root, 'escapes-'));
    // A text full of escape sequences: the model learns to emit ESC, CSI and BEL.
    fs.writeFileSync(path.join(dir, 'escapes.txt'), 'ab\u001b[2J\u001b]0;owned\u0007\u009b31m\u202e '.repeat(60));
    const t = seqlab(['train', 'escapes.txt', '--out', 'm', '--json', ...SMALL.map((a) => (a === '3' ? '30' : a))], dir);
    assert.equal(t.code, 0, t.stderr);
    const s = seqlab(['sample', '--model', 'm', '--prompt', '\u001b', '--length', '300', '--temperature', '1', '--seed', '3'], dir);
    assert.equal(s.code, 0, s.stderr);
    assert.ok(s.stdout.includes('\uFFFD'), 'the model did emit control characters, shown as U+FFFD');
    for (const stream of [s.stdout, s.stderr, t.stdout, t.stderr]) assert.doesNotMatch(stream, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
    const p = seqlab(['probe', '--model', 'm', '--text', 'ab\u001b[2J\u009b'], dir);
    assert.equal(p.code, 0, p.stderr);
    assert.doesNotMatch(p.stdout, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
  });

  it('a hostile seqlab.json is refused or shown escaped: over-long names, deep nesting, a negative version', () => {
    const long = withCorpus('x'.repeat(5000));
    assert.match(seqlab(['sample', '--model', long, '--prompt', 'The'], root).stderr, /training\.corpus: .*(too big|at most|<=)/i);
    const deep = withCorpus('ok');
    const metaFile = path.join(deep, 'seqlab.json');
    const meta = JSON.parse(fs.readFileSync(metaFile, 'utf8'));
    meta.training.config.extra = 'NEST';
    fs.writeFileSync(metaFile, JSON.stringify(meta).replace('"NEST"', '['.repeat(100_000) + ']'.repeat(100_000)));
    const r = seqlab(['export-torch', '--model', deep, '--out', path.join(root, 'deep-out')], root);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /nest 100003 levels deep, and a SeqLab checkpoint needs at most 64/);
    assert.doesNotMatch(r.stderr, /Maximum call stack/);
    const negative = withCorpus('ok');
    const m2 = JSON.parse(fs.readFileSync(path.join(negative, 'seqlab.json'), 'utf8'));
    m2.version = -1;
    fs.writeFileSync(path.join(negative, 'seqlab.json'), JSON.stringify(m2));
    assert.match(seqlab(['sample', '--model', negative, '--prompt', 'The'], root).stderr, /version: .*(>=1|at least 1|too small)/i);
  });
});
