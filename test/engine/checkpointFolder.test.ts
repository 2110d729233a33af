/**
 * The checkpoint folder on disk: ownership before deletion, a save that always leaves a
 * checkpoint at its path (SIGKILLs at random points of real saves in another process),
 * readers during saves, and cleanup of what killed saves leave behind.
 */
import { describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  META_FILE, checkSaveTarget, sha256, readCheckpointFolder, recoverCheckpointFolder, refusalToRemove, removeCheckpoint, resolveCheckpointDir, writeCheckpointFolder,
} from '../../engine/checkpoint/folder';
import { syntheticCheckpoint } from './support/syntheticCheckpoint';
import { READ_CHUNK, readAt } from '../../engine/io/files';

const ROOT = path.join(__dirname, '..', '..');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-folder-'));
const serialOf = (dir: string) => (readCheckpointFolder(dir).meta as { serial: number }).serial;
const siblings = (target: string) => fs.readdirSync(path.dirname(target)).filter((n) => n.startsWith(`${path.basename(target)}.`));

/** Every file under `dir` with its SHA-256, to show a folder survived byte for byte. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const p = path.join(entry.parentPath, entry.name);
    if (entry.isFile()) out[path.relative(dir, p)] = createHash('sha256').update(fs.readFileSync(p)).digest('hex');
  }
  return out;
}

/** A pid that belonged to a process which has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('checkpoint folders: ownership before deletion', () => {
  it('refuses a folder holding anything but a SeqLab checkpoint, and leaves it byte for byte', () => {
    const base = tmp();
    const notes = path.join(base, 'notes');
    fs.mkdirSync(path.join(notes, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(notes, 'todo.md'), 'my precious notes\n');
    fs.writeFileSync(path.join(notes, 'sub', 'deep.txt'), 'deeper\n');
    const before = tree(notes);
    assert.throws(() => writeCheckpointFolder(notes, syntheticCheckpoint(1)),
      /will not write a checkpoint to .*notes: the folder holds files that are not SeqLab's \(sub, todo.md\); .* Choose a new folder, such as .*notes\/seqlab-model/);
    assert.deepEqual(tree(notes), before);
    assert.deepEqual(siblings(notes), [], 'no staging folder is left behind');

    // The message names up to three foreign entries, and counts the rest.
    const three = path.join(base, 'three');
    fs.mkdirSync(three);
    for (const f of ['a.txt', 'b.txt', 'c.txt']) fs.writeFileSync(path.join(three, f), f);
    assert.throws(() => checkSaveTarget(three), (e: Error) => /not SeqLab's \(a.txt, b.txt, c.txt\);/.test(e.message) && !/more/.test(e.message));
    fs.writeFileSync(path.join(three, 'd.txt'), 'd');
    fs.writeFileSync(path.join(three, 'e.txt'), 'e');
    assert.throws(() => checkSaveTarget(three), /not SeqLab's \(a.txt, b.txt, c.txt and 2 more\);/);

    // seqlab.json of SeqLab's beside a user's file: still not ours to replace.
    const mixed = path.join(base, 'mixed');
    writeCheckpointFolder(mixed, syntheticCheckpoint(1));
    fs.writeFileSync(path.join(mixed, 'README.md'), 'mine\n');
    const mixedBefore = tree(mixed);
    assert.throws(() => writeCheckpointFolder(mixed, syntheticCheckpoint(2)), /holds files that are not SeqLab's \(README.md\)/);
    assert.deepEqual(tree(mixed), mixedBefore);

    // The right file names without SeqLab's seqlab.json are not recognisably ours either.
    const lookalike = path.join(base, 'lookalike');
    fs.mkdirSync(lookalike);
    fs.writeFileSync(path.join(lookalike, 'model.safetensors'), 'someone else\'s weights');
    fs.writeFileSync(path.join(lookalike, META_FILE), '{"format": "other-tool"}');
    assert.throws(() => writeCheckpointFolder(lookalike, syntheticCheckpoint(1)), /no readable seqlab.json of SeqLab's/);
    assert.equal(fs.readFileSync(path.join(lookalike, 'model.safetensors'), 'utf8'), 'someone else\'s weights');
  });

  it('refuses a file, a symbolic link, the current folder and its parents', () => {
    const base = tmp();
    const file = path.join(base, 'notes.txt');
    fs.writeFileSync(file, 'text\n');
    assert.throws(() => checkSaveTarget(file), /notes.txt: it is a regular file, and a checkpoint is a folder\. Choose a new folder, such as .*notes-model/);
    fs.symlinkSync(base, path.join(base, 'link'));
    assert.throws(() => checkSaveTarget(path.join(base, 'link')), /it is a symbolic link/);
    const cwd = process.cwd();
    try {
      process.chdir(base);
      assert.throws(() => checkSaveTarget('.'), /it is the current folder or holds it.*such as .*seqlab-model/);
      assert.throws(() => checkSaveTarget('..'), /it is the current folder or holds it/);
    } finally {
      process.chdir(cwd);
    }
    assert.equal(fs.readFileSync(file, 'utf8'), 'text\n');
  });

  it('refuses folders and links under SeqLab\'s own file names, saving and removing alike', () => {
    const base = tmp();
    const user = path.join(base, 'user-dir');
    fs.mkdirSync(user);
    fs.writeFileSync(path.join(user, 'keep.txt'), 'precious\n');
    for (const name of ['model.safetensors', 'optimizer.safetensors', META_FILE]) {
      // A checkpoint whose file `name` is a user's folder, then a link to the user's folder.
      for (const kind of ['folder', 'link'] as const) {
        const dir = path.join(base, `${kind}-${name}`);
        writeCheckpointFolder(dir, syntheticCheckpoint(1));
        fs.rmSync(path.join(dir, name));
        if (kind === 'folder') {
          fs.mkdirSync(path.join(dir, name));
          fs.writeFileSync(path.join(dir, name, 'inside.txt'), 'mine\n');
        } else {
          fs.symlinkSync(user, path.join(dir, name));
        }
        const before = tree(dir);
        assert.throws(() => writeCheckpointFolder(dir, syntheticCheckpoint(2)), new RegExp(`holds files that are not SeqLab's \\(${name.replace('.', '\\.')}\\)`), `${kind} ${name}`);
        assert.match(refusalToRemove(dir) ?? '', new RegExp(`will not remove .*not SeqLab's \\(${name.replace('.', '\\.')}\\).*SeqLab removes only`), `${kind} ${name}`);
        assert.equal(removeCheckpoint(dir), false);
        assert.deepEqual(tree(dir), before, `${kind} ${name}: untouched`);
        assert.deepEqual(siblings(dir), [], `${kind} ${name}: nothing left beside it`);
      }
    }
    assert.equal(fs.readFileSync(path.join(user, 'keep.txt'), 'utf8'), 'precious\n');
    const own = path.join(base, 'own');
    writeCheckpointFolder(own, syntheticCheckpoint(1));
    assert.equal(refusalToRemove(own), null);
    assert.equal(removeCheckpoint(own), true, 'its own checkpoint it removes, and says so');
    assert.equal(fs.existsSync(own), false);
    assert.equal(removeCheckpoint(own), false, 'nothing there: nothing removed');
    const file = path.join(base, 'file.txt');
    fs.writeFileSync(file, 'x');
    assert.match(refusalToRemove(path.join(file, 'model')) ?? '', /cannot write a checkpoint to .*file.txt\/model: ENOTDIR/, 'a path that cannot be looked at is refused too');
    assert.match(refusalToRemove(path.join(base, 'missing')) ?? '', /does not exist/);
    fs.mkdirSync(path.join(base, 'empty'));
    assert.match(refusalToRemove(path.join(base, 'empty')) ?? '', /empty folder, not a checkpoint/);
  });

  it('writes into an empty folder and replaces its own checkpoint, leaving nothing beside it', () => {
    const base = tmp();
    const empty = path.join(base, 'empty');
    fs.mkdirSync(empty);
    writeCheckpointFolder(empty, syntheticCheckpoint(1));
    assert.equal(serialOf(empty), 1);
    writeCheckpointFolder(empty, syntheticCheckpoint(2));
    assert.equal(serialOf(empty), 2);
    assert.deepEqual(siblings(empty), []);
  });
});

describe('files of 2 GiB and more', () => {
  it('are read and hashed in chunks (fs.readSync and hash.update refuse 2 GiB in one call)', () => {
    const file = path.join(tmp(), 'data.bin');
    const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7) % 256));
    fs.writeFileSync(file, data);
    const fd = fs.openSync(file, 'r');
    try {
      for (const chunk of [1, 7, 999, 1000, 4096]) assert.deepEqual(readAt(fd, 900, 100, chunk), data.subarray(100), `chunk ${chunk}`);
      assert.deepEqual(readAt(fd, 50, 980, 7), data.subarray(980), 'a file that ends early gives what it has');
    } finally {
      fs.closeSync(fd);
    }
    const whole = createHash('sha256').update(data).digest('hex');
    for (const chunk of [1, 3, 64, 1000, 5000]) assert.equal(sha256(data, chunk), whole, `chunk ${chunk}`);
    assert.equal(READ_CHUNK, 2 ** 30);
  });
});

describe('checkpoint folders: interrupted saves', () => {
  it('reads the newer checkpoint when a save was killed between its two renames, then puts it back in place', () => {
    const base = tmp();
    const target = path.join(base, 'model');
    const pid = deadPid();
    writeCheckpointFolder(path.join(base, 'old-src'), syntheticCheckpoint(1));
    writeCheckpointFolder(path.join(base, 'new-src'), syntheticCheckpoint(2));
    fs.renameSync(path.join(base, 'old-src'), `${target}.old-${pid}-0000000a`);
    fs.renameSync(path.join(base, 'new-src'), `${target}.tmp-${pid}-0000000a`);
    assert.equal(resolveCheckpointDir(target), `${target}.tmp-${pid}-0000000a`);
    assert.equal(serialOf(target), 2, 'the reader gets the newer, complete checkpoint');
    assert.ok(fs.existsSync(path.join(target, META_FILE)), 'the load moved it back to its path');
    assert.deepEqual(siblings(target), [], 'and removed the old one');
  });

  it('a leftover with our own pid is stale if it was made before this process started (a restarted container), live if after', () => {
    const base = tmp();
    const target = path.join(base, 'model');
    writeCheckpointFolder(target, syntheticCheckpoint(1));
    const before = `${target}.tmp-${process.pid}-0000000a`; // the killed process, same pid
    fs.mkdirSync(before);
    fs.writeFileSync(path.join(before, 'model.safetensors'), Buffer.alloc(100));
    const started = (Date.now() - process.uptime() * 1000) / 1000;
    fs.utimesSync(before, started - 60, started - 60);
    const ours = `${target}.tmp-${process.pid}-0000000f`; // a save of this process under way
    fs.mkdirSync(ours);
    fs.writeFileSync(path.join(ours, 'model.safetensors'), Buffer.alloc(100));
    writeCheckpointFolder(target, syntheticCheckpoint(2));
    assert.deepEqual(siblings(target), [path.basename(ours)]);
    assert.equal(serialOf(target), 2);
  });

  it('removes incomplete and stale leftovers at the next save, but not those of a live process or holding other files', () => {
    const base = tmp();
    const target = path.join(base, 'model');
    writeCheckpointFolder(target, syntheticCheckpoint(1));
    const pid = deadPid();
    const incomplete = `${target}.tmp-${pid}-0000000b`; // killed while writing: no seqlab.json yet
    fs.mkdirSync(incomplete);
    fs.writeFileSync(path.join(incomplete, 'model.safetensors'), Buffer.alloc(100));
    const fromOldVersion = `${target}.old-0000000c`; // SeqLab 0.1 wrote no pid
    writeCheckpointFolder(fromOldVersion, syntheticCheckpoint(0));
    const foreign = `${target}.tmp-${pid}-0000000d`;
    fs.mkdirSync(foreign);
    fs.writeFileSync(path.join(foreign, 'mine.txt'), 'not SeqLab\'s');
    const sleeper = spawn('sleep', ['30']);
    const live = `${target}.tmp-${sleeper.pid}-0000000e`;
    fs.mkdirSync(live);
    try {
      writeCheckpointFolder(target, syntheticCheckpoint(2));
      assert.deepEqual(siblings(target).sort(), [path.basename(foreign), path.basename(live)].sort());
      assert.equal(fs.readFileSync(path.join(foreign, 'mine.txt'), 'utf8'), 'not SeqLab\'s');
      assert.equal(serialOf(target), 2);
    } finally {
      sleeper.kill();
    }
  });

  it('survives SIGKILLs at random points of saves: a checkpoint is always readable, leftovers go at the next save', async () => {
    const base = tmp();
    const target = path.join(base, 'model');
    const counts = { kills: 0, readable: 0, pathPresent: 0, pathMissing: 0, stagingLeft: 0, oldLeft: 0, cleanAfterNextSave: 0 };
    const KILLS = 24;
    for (let i = 0; i < KILLS; i++) {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'support', 'saveLoop.ts'), target, '65536', String(1 + i * 1_000_000)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
      await waitForReady(child);
      await new Promise((r) => setTimeout(r, Math.random() * 120));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      counts.kills++;
      const left = siblings(target);
      if (fs.existsSync(target)) counts.pathPresent++; else counts.pathMissing++;
      if (left.some((n) => n.includes('.tmp-'))) counts.stagingLeft++;
      if (left.some((n) => n.includes('.old-'))) counts.oldLeft++;
      const serial = serialOf(target); // throws if no whole checkpoint can be read
      assert.ok(serial >= 1 + i * 1_000_000, `kill ${i}: read the checkpoint of save ${serial}, from before this process started`);
      counts.readable++;
      writeCheckpointFolder(target, syntheticCheckpoint(1 + i * 1_000_000));
      if (siblings(target).length === 0) counts.cleanAfterNextSave++;
    }
    console.log(`# SIGKILL during saves: ${JSON.stringify(counts)}`);
    assert.equal(counts.readable, KILLS);
    assert.equal(counts.cleanAfterNextSave, KILLS);
    assert.ok(counts.stagingLeft > 0, 'some kills should land mid-save (else the test does not test)');
  });

  it('gives a reader the old or the new checkpoint, never a mix, while another process saves', async () => {
    const base = tmp();
    const target = path.join(base, 'model');
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'support', 'saveLoop.ts'), target, '65536', '1'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    await waitForReady(child);
    let reads = 0;
    const seen = new Set<number>();
    const failures: string[] = [];
    // Bounded in saves seen, not in seconds (a loaded machine saves fewer times in 3 s); a minute is only a guard against a writer that stopped.
    const until = Date.now() + 60_000;
    while ((seen.size <= 5 || reads < 100) && Date.now() < until) {
      try {
        const contents = readCheckpointFolder(target);
        const serial = (contents.meta as { serial: number }).serial;
        // The data holds the serial too: the tensors belong to the meta that was read.
        assert.equal(new Float32Array(contents.model.bytes.buffer, contents.model.bytes.byteOffset + contents.model.bytes.length - 4, 1)[0], serial);
        seen.add(serial);
        reads++;
      } catch (err) {
        failures.push((err as Error).message);
      }
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    console.log(`# reads during saves: ${reads} reads, ${seen.size} different saves seen, ${failures.length} failed`);
    assert.deepEqual(failures, []);
    assert.ok(seen.size > 5, `the writer should have saved several times during the reads (saw ${seen.size})`);
  });

  it('recovering a folder that cannot be written is harmless: nothing changes, and the leftover is still read', (t) => {
    const base = tmp();
    const target = path.join(base, 'model');
    writeCheckpointFolder(target, syntheticCheckpoint(7));
    // A save killed between its renames, by a process that is gone: only the leftover holds the checkpoint.
    const deadPid = spawnSync('true').pid!;
    fs.renameSync(target, `${target}.old-${deadPid}-abcdef12`);
    const view = tmp();
    const bind = spawnSync('mount', ['--bind', base, view], { encoding: 'utf8' });
    if (bind.status !== 0) {
      t.skip(`cannot bind-mount a folder read-only here (${(bind.stderr || '').trim() || `exit ${bind.status}`}); needs root`);
      return;
    }
    try {
      assert.equal(spawnSync('mount', ['-o', 'remount,ro,bind', view]).status, 0);
      const readOnly = path.join(view, 'model');
      const before = tree(view);
      recoverCheckpointFolder(readOnly); // would rename the leftover into place: EROFS, ignored
      assert.deepEqual(tree(view), before, 'nothing changed');
      assert.equal(serialOf(readOnly), 7, 'the checkpoint is read from the leftover');
      assert.throws(() => writeCheckpointFolder(readOnly, syntheticCheckpoint(8)), /the file system is read-only; save to another folder \(EROFS\)/);
    } finally {
      spawnSync('umount', [view]);
    }
  });
});

function waitForReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the saving process exited (${code}) before it was ready`)));
  });
}

describe('checkpoint folders: a reader\'s retries, counted', () => {
  /** The waits a read makes between its attempts (Atomics.wait, stubbed: nothing sleeps), and what it threw. */
  function waitsOf(read: () => unknown): { waits: number[]; blocking: boolean; error: unknown } {
    const wait = mock.method(Atomics, 'wait', () => 'timed-out' as const);
    try {
      let error: unknown;
      try {
        read();
      } catch (err) {
        error = err;
      }
      const calls = wait.mock.calls.map((c) => c.arguments as unknown as [Int32Array, number, number, number]);
      // A wait blocks only when the value it is given is the one in the array (else it returns 'not-equal' at once).
      return { waits: calls.map((a) => a[3]), blocking: calls.every(([array, index, value]) => array[index] === value), error };
    } finally {
      wait.mock.restore();
    }
  }

  it('a damaged checkpoint with no save under way fails at once; with one under way, after 20 waits of 5, 10, ... 100 ms', () => {
    const base = tmp();
    const target = path.join(base, 'model');
    writeCheckpointFolder(target, syntheticCheckpoint(1));
    const weights = path.join(target, 'model.safetensors');
    fs.truncateSync(weights, Math.floor(fs.statSync(weights).size / 2));
    const alone = waitsOf(() => readCheckpointFolder(target));
    assert.ok(alone.error instanceof Error, 'the damaged checkpoint is refused');
    assert.deepEqual(alone.waits, [], 'no save under way: no retry');
    // A save of this process under way beside it (made now): the read may have met a swap, so it tries again, 20 times.
    const live = `${target}.tmp-${process.pid}-0000000f`;
    fs.mkdirSync(live);
    const racing = waitsOf(() => readCheckpointFolder(target));
    assert.equal((racing.error as Error)?.message, (alone.error as Error).message, 'the same refusal in the end');
    assert.deepEqual(racing.waits, Array.from({ length: 20 }, (_, k) => 5 * (k + 1)));
    assert.ok(racing.blocking, 'each wait really waits');
  });
});
