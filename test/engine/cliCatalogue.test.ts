/**
 * The bad-input catalogue, through the real command line (dist/cli.js as a process):
 * each case asserts the exit code, the message, that it does not hang, and that nothing
 * in the working folder changed except the output the case asked for.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const CLI = path.join(__dirname, '..', '..', 'dist', 'cli.js');
const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-catalogue-'));
const SMALL = ['--hidden', '16', '--embed', '8', '--seq-len', '16', '--batch', '4', '--steps', '3', '--eval-interval', '3'];
const ENGLISH = 'The forget gate decides what to keep of the cell state, and the input gate what to write. '.repeat(20);

/** The benchmark's own entry (`npm run bench`): its cases are written `bench ...` below. */
const BENCH = path.join(__dirname, '..', '..', 'dist', 'bench.js');

function seqlab(args: string[], timeout = 60_000) {
  const command = args[0] === 'bench' ? [BENCH, ...args.slice(1)] : [CLI, ...args];
  const r = spawnSync(process.execPath, command, { encoding: 'utf8', cwd: ws, timeout });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Every entry under `dir` (files with their SHA-256, folders, links, FIFOs), to compare before and after. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const p = path.join(entry.parentPath, entry.name);
    const rel = path.relative(dir, p);
    if (entry.isSymbolicLink()) out[rel] = `link -> ${fs.readlinkSync(p)}`;
    else if (entry.isFile()) out[rel] = createHash('sha256').update(fs.readFileSync(p)).digest('hex');
    else out[rel] = entry.isDirectory() ? 'dir' : 'special';
  }
  return out;
}

interface Case {
  name: string;
  args: string[];
  code: number;
  message: RegExp;
  /** Paths (relative to the working folder) the case may create; nothing else may change. */
  creates?: string[];
}

/** Runs one case: exit code, message on stderr, no stack trace, no hang, nothing else touched. */
function check(c: Case): void {
  const before = tree(ws);
  const r = seqlab(c.args);
  assert.equal(r.signal, null, `${c.name}: killed by ${r.signal} (did it hang?)`);
  assert.equal(r.code, c.code, `${c.name}: exit code ${r.code}\n${r.stderr}`);
  assert.match(r.stderr, c.message, `${c.name}: message`);
  assert.doesNotMatch(r.stderr, /^\s+at /m, `${c.name}: printed a stack trace`);
  const after = tree(ws);
  const created = (c.creates ?? []).map((p) => path.normalize(p));
  const owned = (rel: string) => created.some((p) => rel === p || rel.startsWith(p + path.sep));
  const changed = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => before[k] !== after[k] && !owned(k));
  assert.deepEqual(changed, [], `${c.name}: changed files it should not have`);
  for (const p of created) assert.ok(!(p in before), `${c.name}: ${p} existed before`);
}

const write = (name: string, data: string | Buffer) => {
  fs.mkdirSync(path.dirname(path.join(ws, name)), { recursive: true });
  fs.writeFileSync(path.join(ws, name), data);
};

describe('the bad-input catalogue, through the real command line', () => {
  const model = 'model';
  /** A copy of the catalogue's model, edited by `edit`; its path relative to the working folder. */
  const damaged = (name: string, edit: (dir: string) => void) => {
    const dir = path.join(ws, 'damaged', name);
    fs.cpSync(path.join(ws, model), dir, { recursive: true });
    edit(dir);
    return path.relative(ws, dir);
  };
  before(() => {
    write('english.txt', ENGLISH);
    write('notes/todo.md', 'my precious notes\n');
    write('notes/deeper/plan.txt', 'keep me\n');
    write('empty.txt', '');
    write('one.txt', 'a');
    write('spaces.txt', ' \n\t \n'.repeat(100));
    write('binary.bin', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00, 0x01, 0x02, ...Buffer.from(ENGLISH)]));
    write('latin1.txt', Buffer.concat([Buffer.from(ENGLISH), Buffer.from([0xe9, 0x74, 0xe9])]));
    write('utf16.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(ENGLISH, 'utf16le')]));
    write('huge.txt', Buffer.alloc(50 * 2 ** 20, 'a'));
    let cjk = '';
    for (let i = 0; i < 10_000; i++) cjk += String.fromCodePoint(0x4e00 + i);
    write('cjk.txt', cjk.repeat(2));
    spawnSync('mkfifo', [path.join(ws, 'fifo.txt')]);
    fs.symlinkSync('/dev/zero', path.join(ws, 'zero.txt'));
    const r = seqlab(['train', 'english.txt', '--out', model, ...SMALL]);
    assert.equal(r.code, 0, r.stderr);
  });

  it('training text that cannot be trained on', () => {
    const cases: Case[] = [
      { name: 'empty file', args: ['train', 'empty.txt', '--out', 'o'], code: 1, message: /the text is empty: select or open some text to train on/ },
      { name: 'one character', args: ['train', 'one.txt', '--out', 'o'], code: 1, message: /the text has 1 character, but training needs at least 130 .*lower the sequence length/ },
      { name: 'whitespace only', args: ['train', 'spaces.txt', '--out', 'o'], code: 1, message: /the text is empty/ },
      { name: 'binary file', args: ['train', 'binary.bin', '--out', 'o'], code: 1, message: /binary.bin looks binary \(it contains NUL bytes\); train on text files only/ },
      { name: 'invalid UTF-8', args: ['train', 'latin1.txt', '--out', 'o'], code: 1, message: /latin1.txt is not valid UTF-8 text; convert it to UTF-8 first \(e.g. iconv/ },
      { name: 'UTF-16', args: ['train', 'utf16.txt', '--out', 'o'], code: 1, message: /utf16.txt is UTF-16 text; SeqLab reads UTF-8: convert it first \(e.g. iconv -f UTF-16 -t UTF-8/ },
      { name: '50 MB', args: ['train', 'huge.txt', '--out', 'o'], code: 1, message: /huge.txt has 52,428,800 characters, more than the limit of 50,000,000; train on a part of it/ },
      { name: 'a directory', args: ['train', 'notes', '--out', 'o'], code: 1, message: /notes is a folder; name the files to train on, or a glob such as "notes\/\*\*\/\*\.md"/ },
      { name: 'a FIFO', args: ['train', 'fifo.txt', '--out', 'o'], code: 1, message: /the training file .*fifo.txt is a FIFO \(named pipe\), not a regular file/ },
      { name: 'a device (symlink to /dev/zero)', args: ['train', 'zero.txt', '--out', 'o'], code: 1, message: /the training file .*zero.txt is a character device, not a regular file/ },
      { name: 'a glob matching nothing', args: ['train', 'texts/**/*.md', '--out', 'o'], code: 1, message: /no file matches "texts\/\*\*\/\*\.md"/ },
      { name: 'a missing file', args: ['train', 'missing.txt', '--out', 'o'], code: 1, message: /no file matches "missing.txt"/ },
    ];
    for (const c of cases) check(c);
  });

  it('10,000 distinct CJK characters train at byte level, and say why', () => {
    check({ name: '10,000 CJK', args: ['train', 'cjk.txt', '--out', 'cjk-model', ...SMALL, '--json'], code: 0, message: /Vocabulary: 256 \(byte level: 10000 distinct characters, and the 7999 most frequent cover only/, creates: ['cjk-model'] });
  });

  it('bad flags', () => {
    const cases: Case[] = [
      { name: 'fractional --hidden', args: ['train', 'english.txt', '--out', 'o', '--hidden', '12.5'], code: 1, message: /--hidden must be a whole number/ },
      { name: 'non-numeric --lr', args: ['train', 'english.txt', '--out', 'o', '--lr', 'fast'], code: 1, message: /--lr must be a number/ },
      { name: 'negative --lr', args: ['train', 'english.txt', '--out', 'o', '--lr', '-1'], code: 1, message: /lr: Too small: expected number to be >0, got -1/ },
      { name: 'too many layers', args: ['train', 'english.txt', '--out', 'o', '--layers', '100'], code: 1, message: /layers: Too big: expected number to be <=8, got 100/ },
      { name: 'zero steps', args: ['train', 'english.txt', '--out', 'o', '--steps', '0'], code: 1, message: /steps: Too small: expected number to be >=1, got 0/ },
      { name: 'unknown cell', args: ['train', 'english.txt', '--out', 'o', '--cell', 'transformer'], code: 1, message: /argument 'transformer' is invalid. Allowed choices are lstm, gru/ },
      { name: 'unknown option', args: ['train', 'english.txt', '--out', 'o', '--colour', 'red'], code: 1, message: /unknown option '--colour'/ },
      { name: 'no --out', args: ['train', 'english.txt'], code: 1, message: /required option '--out <dir>' not specified/ },
      { name: 'unknown command', args: ['trian'], code: 1, message: /unknown command 'trian'/ },
      { name: 'sample without a prompt', args: ['sample', '--model', model], code: 1, message: /required option '--prompt <text>' not specified/ },
      { name: 'experiment config that is not JSON', args: ['experiment', 'cell-walkthrough', '--config', 'english.txt'], code: 1, message: /the config file english.txt is not valid JSON/ },
      { name: 'experiment config that is a FIFO', args: ['experiment', 'cell-walkthrough', '--config', 'fifo.txt'], code: 1, message: /the config file fifo.txt is a FIFO \(named pipe\), not a regular file/ },
      { name: 'unknown experiment', args: ['experiment', 'warp-drive'], code: 1, message: /warp-drive/ },
    ];
    for (const c of cases) check(c);
  });

  it('--out that would replace what is not a checkpoint', () => {
    const cases: Case[] = [
      { name: '--out a folder of notes', args: ['train', 'english.txt', '--out', 'notes', ...SMALL], code: 1, message: /will not write a checkpoint to .*notes: the folder holds files that are not SeqLab's \(deeper, todo.md\).*Choose a new folder, such as .*notes\/seqlab-model/ },
      { name: '--out .', args: ['train', 'english.txt', '--out', '.', ...SMALL], code: 1, message: /it is the current folder or holds it.*such as .*seqlab-model/ },
      { name: '--out ..', args: ['train', 'english.txt', '--out', '..', ...SMALL], code: 1, message: /it is the current folder or holds it/ },
      { name: '--out a file', args: ['train', 'english.txt', '--out', 'english.txt', ...SMALL], code: 1, message: /english.txt: it is a regular file, and a checkpoint is a folder.*such as .*english-model/ },
    ];
    for (const c of cases) check(c);
    // Its own checkpoint, it may replace.
    check({ name: '--out an existing checkpoint', args: ['train', 'english.txt', '--out', 'again', ...SMALL], code: 0, message: /checkpoint: .*again/, creates: ['again'] });
    const replaced = tree(path.join(ws, 'again'));
    const r = seqlab(['train', 'english.txt', '--out', 'again', ...SMALL, '--seed', '9']);
    assert.equal(r.code, 0, r.stderr);
    assert.notDeepEqual(tree(path.join(ws, 'again')), replaced);
    assert.deepEqual(fs.readdirSync(ws).filter((n) => n.startsWith('again.')), []);
  });

  it('damaged checkpoints', () => {
    const meta = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'seqlab.json'), 'utf8'));
    const setMeta = (dir: string, m: unknown) => fs.writeFileSync(path.join(dir, 'seqlab.json'), JSON.stringify(m));
    const cases: Case[] = [
      { name: 'no such folder', args: ['sample', '--model', 'nowhere', '--prompt', 'x'], code: 1, message: /no checkpoint at .*nowhere: the folder does not exist/ },
      { name: 'a folder of notes', args: ['sample', '--model', 'notes', '--prompt', 'x'], code: 1, message: /notes is not a SeqLab checkpoint: seqlab.json is missing/ },
      {
        name: 'truncated weights', code: 1, message: /model.safetensors in .* is truncated/,
        args: ['sample', '--prompt', 'x', '--model', damaged('truncated', (d) => {
          const b = fs.readFileSync(path.join(d, 'model.safetensors'));
          fs.writeFileSync(path.join(d, 'model.safetensors'), b.subarray(0, b.length - 10));
        })],
      },
      {
        name: 'numLayers: 100000', code: 1, message: /seqlab.json in .* is damaged: model.numLayers: Too big: expected number to be <=8/,
        args: ['sample', '--prompt', 'x', '--model', damaged('layers', (d) => setMeta(d, { ...meta(d), model: { ...meta(d).model, numLayers: 100_000 } }))],
      },
      {
        name: 'weights a symlink to /dev/zero', code: 1, message: /model.safetensors in .* is a character device, not a regular file/,
        args: ['sample', '--prompt', 'x', '--model', damaged('zero', (d) => {
          fs.rmSync(path.join(d, 'model.safetensors'));
          fs.symlinkSync('/dev/zero', path.join(d, 'model.safetensors'));
        })],
      },
      {
        name: 'seqlab.json a FIFO', code: 1, message: /seqlab.json .* is a FIFO \(named pipe\), not a regular file/,
        args: ['sample', '--prompt', 'x', '--model', damaged('meta-fifo', (d) => {
          fs.rmSync(path.join(d, 'seqlab.json'));
          spawnSync('mkfifo', [path.join(d, 'seqlab.json')]);
        })],
      },
      {
        name: 'optimizer state a FIFO', code: 1, message: /optimizer.safetensors in .* is a FIFO \(named pipe\), not a regular file/,
        args: ['sample', '--prompt', 'x', '--model', damaged('optimizer-fifo', (d) => {
          fs.rmSync(path.join(d, 'optimizer.safetensors'));
          spawnSync('mkfifo', [path.join(d, 'optimizer.safetensors')]);
        })],
      },
      {
        name: 'from a newer SeqLab', code: 1, message: /was written by a newer SeqLab \(checkpoint format 99; this one reads up to 1\); update SeqLab/,
        args: ['sample', '--prompt', 'x', '--model', damaged('newer', (d) => setMeta(d, { ...meta(d), version: 99 }))],
      },
      {
        name: 'weights from another checkpoint', code: 1, message: /model.safetensors in .* does not match seqlab.json \(its SHA-256 differs\)/,
        args: ['sample', '--prompt', 'x', '--model', damaged('swapped', (d) => {
          const b = fs.readFileSync(path.join(d, 'model.safetensors'));
          b[b.length - 1] ^= 1;
          fs.writeFileSync(path.join(d, 'model.safetensors'), b);
        })],
      },
    ];
    for (const c of cases) check(c);
  });

  it('small things: empty folder names, zero rounds and minutes, a negative version, deep JSON, weights that do not fit', () => {
    const editMeta = (dir: string, edit: (m: Record<string, any>) => void) => {
      const m = JSON.parse(fs.readFileSync(path.join(dir, 'seqlab.json'), 'utf8'));
      edit(m);
      fs.writeFileSync(path.join(dir, 'seqlab.json'), JSON.stringify(m));
    };
    const cases: Case[] = [
      { name: '--out ""', args: ['train', 'english.txt', '--out', '', ...SMALL], code: 1, message: /--out needs a folder name, such as my-model/ },
      { name: '--out " "', args: ['train', 'english.txt', '--out', ' ', ...SMALL], code: 1, message: /--out needs a folder name/ },
      { name: 'export-torch --out ""', args: ['export-torch', '--model', model, '--out', ''], code: 1, message: /--out needs a folder name, such as my-model-pytorch/ },
      { name: 'export-torch --out .', args: ['export-torch', '--model', model, '--out', '.'], code: 1, message: /will not export into .*: it is the current folder or holds it/ },
      { name: 'export-torch --out ..', args: ['export-torch', '--model', model, '--out', '..'], code: 1, message: /will not export into .*: it is the current folder or holds it/ },
      { name: 'bench --rounds 0', args: ['bench', '--rounds', '0'], code: 1, message: /--rounds must be at least 1/ },
      { name: 'bench --steps 0', args: ['bench', '--steps', '0'], code: 1, message: /--steps must be at least 1/ },
      { name: 'demo --steps 0', args: ['demo', '--steps', '0'], code: 1, message: /--steps must be at least 1/ },
      { name: 'sample --length 0', args: ['sample', '--model', model, '--prompt', 'x', '--length', '0'], code: 1, message: /--length must be a whole number, at least 1/ },
      {
        name: 'version -1', code: 1, message: /seqlab.json in .* is damaged: version: Too small: expected number to be >=1/,
        args: ['sample', '--prompt', 'x', '--model', damaged('version', (d) => editMeta(d, (m) => { m.version = -1; }))],
      },
      {
        name: '100,000-deep JSON in the config', code: 1, message: /seqlab.json in .* is damaged: its values nest 100003 levels deep, and a SeqLab checkpoint needs at most 64/,
        args: ['export-torch', '--out', 'deep-out', '--model', damaged('deep', (d) => {
          editMeta(d, (m) => { m.training.config.extra = 'NEST'; });
          const p = path.join(d, 'seqlab.json');
          fs.writeFileSync(p, fs.readFileSync(p, 'utf8').replace('"NEST"', '['.repeat(100_000) + ']'.repeat(100_000)));
        })],
      },
      {
        name: 'a corpus name of 5,000 characters', code: 1, message: /training.corpus: Too big: expected string to have <=1024 characters/,
        args: ['sample', '--prompt', 'x', '--model', damaged('long-corpus', (d) => editMeta(d, (m) => { m.training.corpus = 'x'.repeat(5000); }))],
      },
    ];
    for (const c of cases) check(c);
  });

  it('export-torch --out . in an empty current folder is refused and the folder stays', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-empty-cwd-'));
    const inode = fs.statSync(empty).ino;
    const r = spawnSync(process.execPath, [CLI, 'export-torch', '--model', path.join(ws, model), '--out', '.'], { cwd: empty, encoding: 'utf8' });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /will not export into .*: it is the current folder or holds it/);
    assert.equal(fs.statSync(empty).ino, inode, 'the same folder, not a replacement');
    assert.deepEqual(fs.readdirSync(empty), []);
    fs.rmSync(empty, { recursive: true });
  });

  it('a 1.9 GiB model.safetensors that does not fit seqlab.json is refused from its header, unread', () => {
    // Outside the working folder: the catalogue's before/after comparison would hash it.
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-huge-')), 'huge-weights');
    fs.cpSync(path.join(ws, model), dir, { recursive: true });
    // A sparse file: a valid header for one tensor of 1.9 GiB, the data a hole (no disk used).
    const floats = 475_000_000;
    const header = Buffer.from(JSON.stringify({ 'embedding.weight': { dtype: 'F32', shape: [floats / 50, 50], data_offsets: [0, floats * 4] } }));
    const file = path.join(dir, 'model.safetensors');
    const head = Buffer.alloc(8);
    head.writeBigUInt64LE(BigInt(header.length));
    fs.writeFileSync(file, Buffer.concat([head, header]));
    fs.truncateSync(file, 8 + header.length + floats * 4);
    // Unread, counted in bytes, not seconds (a busy machine took 4 s to refuse it from the header):
    // the command line's own read() calls, from /proc/self/io as it exits (Linux; elsewhere not counted).
    const probe = path.join(__dirname, 'support', 'bytesRead.mjs');
    const r = spawnSync(process.execPath, ['--import', pathToFileURL(probe).href, CLI, 'sample', '--prompt', 'x', '--model', dir], { encoding: 'utf8', cwd: ws, timeout: 120_000 });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /model.safetensors in .* does not fit the model in seqlab.json: embedding.weight has shape \[9500000,50\] in the file/);
    const read = /bytes read: (\d+)/.exec(r.stderr);
    if (read) assert.ok(Number(read[1]) < 100e6, `the command line read ${(Number(read[1]) / 1e6).toFixed(0)} MB to refuse a 1,900 MB file (reading and hashing it first read all of it)`);
    else assert.notEqual(process.platform, 'linux', 'no byte count from /proc/self/io on Linux');
    fs.rmSync(path.dirname(dir), { recursive: true });
  });

  it('an empty mount point as --out, and an export into a read-only file system, are explained', (t) => {
    const mount = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-mount-'));
    const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mount], { encoding: 'utf8' });
    if (r.status !== 0) {
      t.skip(`cannot mount a tmpfs here (${(r.stderr || r.error?.message || '').trim() || `exit ${r.status}`}); needs root`);
      return;
    }
    try {
      const res = seqlab(['train', 'english.txt', '--out', mount, ...SMALL]);
      assert.equal(res.code, 1, res.stderr);
      assert.match(res.stderr, /cannot save the checkpoint to .*: the folder is in use by the system \(a mount point, or open elsewhere\).*\(EBUSY\)/);
      assert.deepEqual(fs.readdirSync(mount), []);
      assert.deepEqual(fs.readdirSync(path.dirname(mount)).filter((n) => n.startsWith(`${path.basename(mount)}.`)), [], 'no staging folder or lock left beside it');
      spawnSync('mount', ['-o', 'remount,ro', mount]);
      const exp = seqlab(['export-torch', '--model', model, '--out', path.join(mount, 'project')]);
      assert.equal(exp.code, 1, exp.stderr);
      assert.match(exp.stderr, /cannot write beside .*project \(EROFS\): choose a folder on a disk you can write to, with space. Nothing was changed/);
      assert.doesNotMatch(exp.stderr, /^\s+at /m);
    } finally {
      spawnSync('umount', [mount]);
      fs.rmSync(mount, { recursive: true, force: true });
    }
  });

  it('smaller things refused or explained (issue 35): an empty --python, seeds out of range, --out names too long for the lock, damaged locks', () => {
    const lock = (pid: number) => JSON.stringify({ pid, thread: 0, host: os.hostname(), purpose: 'training', started: '2020-01-01T00:00:00.000Z', nonce: 'x' });
    write('zero-pid.lock', lock(0));
    write('minus-pid.lock', lock(-1));
    const limit = 227; // MAX_SAVED_NAME_BYTES: 255 less the 28 bytes of SeqLab's longest derived name (NAME.lock.stale-<pid>-<hex>)
    const cases: Case[] = [
      { name: '--python ""', args: ['train', 'english.txt', '--out', 'o', '--python', '', ...SMALL], code: 1, message: /--python needs the path of a program, such as \/usr\/bin\/python3; leave --python out to use the first one on PATH/ },
      { name: '--python " "', args: ['train', 'english.txt', '--out', 'o', '--python', ' ', ...SMALL], code: 1, message: /--python needs the path of a program/ },
      { name: 'sample --seed 1e30', args: ['sample', '--model', model, '--prompt', 'x', '--seed', '1e30'], code: 1, message: /--seed must be a whole number from 0 to 2147483647/ },
      { name: 'sample --seed 2^31', args: ['sample', '--model', model, '--prompt', 'x', '--seed', '2147483648'], code: 1, message: /--seed must be a whole number from 0 to 2147483647/ },
      { name: 'sample --seed -1', args: ['sample', '--model', model, '--prompt', 'x', '--seed', '-1'], code: 1, message: /--seed must be a whole number from 0 to 2147483647/ },
      { name: 'sample --seed 1.5', args: ['sample', '--model', model, '--prompt', 'x', '--seed', '1.5'], code: 1, message: /--seed must be a whole number from 0 to 2147483647/ },
      { name: 'sample --top-k 1e30', args: ['sample', '--model', model, '--prompt', 'x', '--top-k', '1e30'], code: 1, message: /--top-k must be a whole number from 0 to 100000/ },
      { name: 'sample --seed 2^31 - 1', args: ['sample', '--model', model, '--prompt', 'x', '--seed', '2147483647', '--length', '5'], code: 0, message: /^(?![\s\S]*must be)/ },
      { name: `--out of ${limit + 1} characters`, args: ['train', 'english.txt', '--out', 'o'.repeat(limit + 1), ...SMALL], code: 1, message: new RegExp(`its name is ${limit + 1} bytes long, and SeqLab needs at most ${limit} \\(the file system allows 255, and SeqLab names its lock and staging files after the folder`) },
      { name: '--out of 255 characters', args: ['train', 'english.txt', '--out', 'o'.repeat(255), ...SMALL], code: 1, message: /its name is 255 bytes long, and SeqLab needs at most 227/ },
      { name: `--out of ${limit} characters`, args: ['train', 'english.txt', '--out', 'o'.repeat(limit), ...SMALL], code: 0, message: /checkpoint: /, creates: ['o'.repeat(limit)] },
      { name: 'a lock with pid 0', args: ['train', 'english.txt', '--out', 'zero-pid', ...SMALL], code: 1, message: /zero-pid is locked, but its lock file is damaged: its pid is 0, which is no process id, so SeqLab cannot tell whether a run holds it\. If no SeqLab run is using the folder, delete .*zero-pid\.lock/ },
      { name: 'a lock with pid -1', args: ['train', 'english.txt', '--out', 'minus-pid', ...SMALL], code: 1, message: /its lock file is damaged: its pid is -1, which is no process id/ },
    ];
    for (const c of cases) check(c);
  });

  it('a stale lock that carries the new process\'s own pid (a container restarted after an out-of-memory kill) is recovered; one of a live process is not', (t) => {
    // In a new pid namespace the CLI is pid 1, as the first process of a restarted container is.
    const probe = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', process.execPath, '-e', 'process.exit(process.pid === 1 ? 0 : 1)']);
    if (probe.status !== 0) {
      t.skip('cannot start a process in a new pid namespace here (unshare --pid needs root)');
      return;
    }
    const inNamespace = (args: string[]) => spawnSync('unshare', ['--pid', '--fork', '--mount-proc', process.execPath, CLI, ...args], { cwd: ws, encoding: 'utf8', timeout: 60_000 });
    // Left by the killed process: pid 1, started before the new one (and, on Linux, another start time).
    write('restarted.lock', JSON.stringify({ pid: 1, thread: 0, host: os.hostname(), purpose: 'training', started: '2020-01-01T00:00:00.000Z', nonce: 'old', instance: 'linux:old-boot:1' }));
    const r = inNamespace(['train', 'english.txt', '--out', 'restarted', ...SMALL]);
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /in use by/);
    assert.ok(fs.existsSync(path.join(ws, 'restarted', 'seqlab.json')));
    assert.equal(fs.existsSync(path.join(ws, 'restarted.lock')), false, 'released at the end');
    // The other side: a lock of a live process on this machine (this test) is refused, naming it.
    write('held.lock', JSON.stringify({ pid: process.pid, thread: 0, host: os.hostname(), purpose: 'training', started: new Date().toISOString(), nonce: 'live' }));
    const outside = seqlab(['train', 'english.txt', '--out', 'held', ...SMALL]);
    assert.equal(outside.code, 1, outside.stderr);
    assert.match(outside.stderr, new RegExp(`in use by another SeqLab run: process ${process.pid} on this machine \\(training`));
    fs.rmSync(path.join(ws, 'held.lock'));
    fs.rmSync(path.join(ws, 'held'), { recursive: true, force: true });
  });

  it('control characters from a prompt or an argument never reach the terminal', () => {
    const hostile = 'ab\u001b]0;pwned\u0007cd\u009b31m';
    const r = seqlab(['experiment', 'lstm-vs-gru', '--workers', '1', ...['corpus=chinese-news', 'hidden=8', 'seqLen=8', 'batch=4', 'steps=3', 'seeds=1', 'sampleLength=4', `prompt=${hostile}`].flatMap((x) => ['--set', x])]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /after «ab\uFFFD\]0;pwned\uFFFDcd\uFFFD31m»/, 'the table title shows the prompt, its controls replaced');
    for (const out of [r.stdout, r.stderr]) assert.doesNotMatch(out, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    const bad = seqlab(['sample', '--model', model, '--prompt', 'x', '--seed', hostile]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /argument 'ab\uFFFD\]0;pwned/);
    assert.doesNotMatch(bad.stderr, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  });

  it('chapter --markdown FILE refuses, before any run, what it may not write, and changes nothing', () => {
    write('mine.md', '# my own notes\n');
    write('figs.md-dir/.keep', '');
    fs.mkdirSync(path.join(ws, 'elsewhere'), { recursive: true });
    fs.symlinkSync(path.join(ws, 'elsewhere'), path.join(ws, 'linked-figures'));
    write('filed-figures', 'a file where the figures folder goes');
    const stem = 'c'.repeat(255 - '-figures'.length + 1);
    const cases: Case[] = [
      { name: 'a file of the user\'s', args: ['chapter', '--markdown', 'mine.md'], code: 1, message: /will not write: .*mine\.md exists and SeqLab did not write it, or it was edited since .*Nothing was written/ },
      { name: 'a FIFO', args: ['chapter', '--markdown', 'fifo.txt'], code: 1, message: /fifo\.txt is a FIFO \(named pipe\), and SeqLab replaces only regular files it wrote/ },
      { name: 'a link to a device', args: ['chapter', '--markdown', 'zero.txt'], code: 1, message: /zero\.txt is a symbolic link, and SeqLab does not write through links it did not make/ },
      { name: 'a folder', args: ['chapter', '--markdown', 'notes'], code: 1, message: /notes is a directory, and SeqLab replaces only regular files it wrote/ },
      { name: 'FILE-figures a link', args: ['chapter', '--markdown', 'linked.md'], code: 1, message: /linked-figures is a symbolic link, and SeqLab does not write through links it did not make/ },
      { name: 'FILE-figures a file', args: ['chapter', '--markdown', 'filed.md'], code: 1, message: /filed-figures is a regular file, not a folder for the figures/ },
      { name: 'a missing folder', args: ['chapter', '--markdown', 'no/such/folder/c.md'], code: 1, message: /the folder .*no\/such\/folder does not exist: create it first, or choose another place/ },
      { name: 'a name too long for its figures folder', args: ['chapter', '--markdown', `${stem}.md`], code: 1, message: /is too long for the file system \(at most 255 bytes for each name.*choose a shorter name\. Nothing was written \(ENAMETOOLONG\)/ },
      { name: 'in Chinese', args: ['chapter', '--markdown', 'mine.md', '--lang', 'zh-cn'], code: 1, message: /不写入：.*mine\.md 已存在，且不是 SeqLab 写的/ },
    ];
    for (const c of cases) check(c);
    assert.deepEqual(fs.readdirSync(path.join(ws, 'elsewhere')), []);
  });

  it('a closed pipe ends `sample` quietly with exit 0', async () => {
    const child = spawn(process.execPath, [CLI, 'sample', '--model', model, '--prompt', 'The', '--length', '1000000000'], { cwd: ws, stdio: ['ignore', 'pipe', 'pipe'] });
    let got = 0;
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    await new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => {
      got += d.length;
      if (got >= 100) {
        child.stdout.destroy(); // what `| head -c 100` does
        resolve();
      }
    }));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.once('exit', (c) => { clearTimeout(timer); resolve(c); });
    });
    assert.equal(code, 0, stderr);
    assert.equal(stderr.trim(), '');
  });

  it('a full disk: the save fails with a message and leaves nothing behind', (t) => {
    const mount = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-full-'));
    const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mount], { encoding: 'utf8' });
    if (r.status !== 0) {
      t.skip(`cannot mount a small tmpfs here (${(r.stderr || r.error?.message || '').trim() || `exit ${r.status}`}); needs root`);
      return;
    }
    try {
      const out = path.join(mount, 'model');
      const res = seqlab(['train', 'english.txt', '--out', out, ...SMALL, '--hidden', '64']);
      assert.equal(res.code, 1, res.stderr);
      assert.match(res.stderr, /cannot save the checkpoint to .*model: the disk is full; free some space or save to another disk \(ENOSPC\)\. Nothing was changed there/);
      assert.deepEqual(fs.readdirSync(mount), []);
    } finally {
      spawnSync('umount', [mount]);
    }
  });
});
