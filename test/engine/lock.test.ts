/**
 * One run per folder (engine/checkpoint/lock.ts): the lock itself, its stale and foreign
 * cases, and two real `seqlab train` processes started together on one --out.
 */
import { describe, it, after, mock } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeHolder, FolderLockedError, lockFileOf, lockFolder, lockHolder, processInstance, recoverStaleLock, releaseLocksOfThread } from '../../engine/checkpoint/lock';
import { MAX_SAVED_NAME_BYTES } from '../../engine/checkpoint/folder';
import { readCheckpointMeta } from '../../engine/checkpoint/format';
import { processAlive } from '../../engine/io/processes';

const CLI = path.join(__dirname, '..', '..', 'dist', 'cli.js');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-lock-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
const TEXT = 'The forget gate decides what to keep of the cell state, and the input gate what to write. '.repeat(30);

/** The pid of a process that has ended (a child that ran `true`). */
function deadPid(): number {
  const r = spawnSync('true');
  return r.pid!;
}

describe('folder lock', () => {
  it('tells a running process from one that has ended (engine/io/processes.ts: the lock, a save\'s leftovers and the runs in progress ask it)', () => {
    assert.equal(processAlive(process.pid), true);
    assert.equal(processAlive(process.ppid), true, 'a process this one did not start');
    assert.equal(processAlive(deadPid()), false);
    assert.equal(processAlive(null), false, 'unknown is gone');
  });

  it('is taken whole, refused to a second holder with its pid, and released', () => {
    const dir = path.join(root, 'a');
    const lock = lockFolder(dir, 'training');
    const info = JSON.parse(fs.readFileSync(lock.file, 'utf8'));
    assert.equal(info.pid, process.pid);
    assert.equal(info.host, os.hostname());
    assert.throws(() => lockFolder(dir, 'export'), (e: FolderLockedError) =>
      e instanceof FolderLockedError && e.message.includes(`process ${process.pid} on this machine (training`) && /choose another folder/.test(e.message));
    lock.release();
    assert.equal(fs.existsSync(lock.file), false);
    lockFolder(dir, 'export').release();
    assert.deepEqual(fs.readdirSync(root).filter((n) => n.startsWith('a.')), [], 'no drafts or stale copies left beside the folder');
  });

  it('names a live holder, and says so when a lock file cannot be read instead of inventing one', () => {
    const dir = path.join(root, 'held');
    assert.equal(lockHolder(dir), null);
    const lock = lockFolder(dir, 'training');
    const holder = lockHolder(dir);
    assert.ok(holder && holder !== 'unreadable' && holder.pid === process.pid && holder.purpose === 'training');
    lock.release();
    fs.writeFileSync(lockFileOf(dir), 'not a lock');
    assert.equal(lockHolder(dir), 'unreadable');
    assert.match(describeHolder(lockHolder(dir)), /cannot identify \(the lock file is unreadable\)/);
    fs.rmSync(lockFileOf(dir));
  });

  it('recovers a stale lock of a process that is gone', () => {
    const dir = path.join(root, 'b');
    fs.writeFileSync(lockFileOf(dir), JSON.stringify({ pid: deadPid(), host: os.hostname(), purpose: 'training', started: 'then', nonce: 'dead' }));
    const lock = lockFolder(dir, 'training');
    assert.equal(JSON.parse(fs.readFileSync(lock.file, 'utf8')).pid, process.pid);
    lock.release();
  });

  it('never takes over a lock from another host, or one it cannot read, and says which file to delete', () => {
    const dir = path.join(root, 'c');
    fs.writeFileSync(lockFileOf(dir), JSON.stringify({ pid: deadPid(), host: 'elsewhere', purpose: 'training', started: 'then', nonce: 'x' }));
    assert.throws(() => lockFolder(dir, 'training'), (e: Error) => /process \d+ on host elsewhere/.test(e.message) && e.message.includes(`delete ${lockFileOf(dir)}`));
    fs.writeFileSync(lockFileOf(dir), 'garbage');
    assert.throws(() => lockFolder(dir, 'training'), /cannot identify.*delete/);
    assert.equal(fs.readFileSync(lockFileOf(dir), 'utf8'), 'garbage', 'the foreign lock is left as it was');
  });

  it('a lock in a folder that does not exist yet creates the folders above it', () => {
    const dir = path.join(root, 'new', 'deeper', 'model');
    const lock = lockFolder(dir, 'training');
    assert.ok(fs.existsSync(lockFileOf(dir)));
    lock.release();
    assert.deepEqual(fs.readdirSync(path.dirname(dir)), []);
  });

  it('recovering a stale lock leaves nothing beside the folder, and puts back a live lock that replaced it meanwhile', () => {
    const dir = path.join(root, 'e');
    const file = lockFileOf(dir);
    const stale = { pid: deadPid(), thread: 0, host: os.hostname(), purpose: 'training', started: 'then', nonce: 'stale' };
    fs.writeFileSync(file, JSON.stringify(stale));
    lockFolder(dir, 'training').release();
    assert.deepEqual(fs.readdirSync(root).filter((n) => n.startsWith('e.')), [], 'no .stale- or .new- file left');
    // The race: between reading the stale lock and moving it aside, another process took the folder.
    // Live: the test runner that started this process (a lock with this process's own pid that this process did not write would be stale).
    const live = { pid: process.ppid, thread: 0, host: os.hostname(), purpose: 'export', started: 'now', nonce: 'live' };
    fs.writeFileSync(file, JSON.stringify(live));
    assert.equal(recoverStaleLock(file, stale), true);
    assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), live, 'the live lock is back in place');
    assert.throws(() => lockFolder(dir, 'training'), /process \d+ on this machine \(export/);
    assert.deepEqual(fs.readdirSync(root).filter((n) => n.startsWith('e.') && n !== 'e.lock'), []);
    fs.rmSync(file);
  });

  it('release leaves a lock that is no longer its own, or that became unreadable, and can be called twice', () => {
    const mine = lockFolder(path.join(root, 'f'), 'training');
    fs.writeFileSync(mine.file, 'garbage');
    mine.release();
    assert.equal(fs.readFileSync(mine.file, 'utf8'), 'garbage');
    fs.rmSync(mine.file);
    const twice = lockFolder(path.join(root, 'f'), 'training');
    twice.release();
    twice.release();
    assert.equal(fs.existsSync(twice.file), false);
  });

  it('a lock with our own pid is ours only if this process wrote it: one left by an earlier process with the same pid is stale', () => {
    const dir = path.join(root, 'self');
    const file = lockFileOf(dir);
    const lock = (fields: Record<string, unknown>) => fs.writeFileSync(file, JSON.stringify({ pid: process.pid, thread: 0, host: os.hostname(), purpose: 'training', nonce: 'x', ...fields }));
    const takes = () => {
      const taken = lockFolder(dir, 'training');
      assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).instance, processInstance());
      taken.release();
      assert.equal(fs.existsSync(file), false);
    };
    const refused = () => assert.throws(() => lockFolder(dir, 'training'), (e: Error) => e instanceof FolderLockedError && e.message.includes(`process ${process.pid} on this machine (training`));
    // Written by this process (its instance): live, refused with our pid, and lockHolder names us.
    const mine = lockFolder(dir, 'training');
    refused();
    assert.equal((lockHolder(dir) as { pid: number }).pid, process.pid);
    mine.release();
    lock({ started: new Date().toISOString(), instance: processInstance() });
    refused();
    // Our pid, another instance (a container restarted after an out-of-memory kill: same pid, an earlier start): stale, taken over.
    const [kind, boot, ticks] = processInstance().split(':');
    lock({ started: new Date().toISOString(), instance: kind === 'linux' ? `linux:${boot}:${Number(ticks) - 1}` : `start:${Number(boot) - 60_000}` });
    assert.equal(lockHolder(dir), null);
    takes();
    // A lock of an older SeqLab (no instance): ours if taken after this process started, stale if before.
    lock({ started: new Date().toISOString() });
    refused();
    lock({ started: new Date(Date.now() - process.uptime() * 1000 - 60_000).toISOString() });
    takes();
  });

  it('a lock of an older SeqLab (no instance) is ours when taken after this process started, even long after: the start is now minus the uptime in seconds', () => {
    const dir = path.join(root, 'older');
    const file = lockFileOf(dir);
    // This process has run an hour (its uptime, in seconds); the lock was taken half an hour ago, and one two hours ago.
    const uptime = mock.method(process, 'uptime', () => 3600);
    try {
      fs.writeFileSync(file, JSON.stringify({ pid: process.pid, thread: 0, host: os.hostname(), purpose: 'training', nonce: 'x', started: new Date(Date.now() - 1800_000).toISOString() }));
      assert.throws(() => lockFolder(dir, 'training'), new RegExp(`process ${process.pid} on this machine \\(training`));
      fs.writeFileSync(file, JSON.stringify({ pid: process.pid, thread: 0, host: os.hostname(), purpose: 'training', nonce: 'x', started: new Date(Date.now() - 7200_000).toISOString() }));
      lockFolder(dir, 'training').release();
    } finally {
      uptime.mock.restore();
    }
    assert.equal(fs.existsSync(file), false);
  });

  it('a lock released and taken again by others at every attempt is given up after 5 attempts, as contended', () => {
    const dir = path.join(root, 'contended');
    fs.mkdirSync(dir, { recursive: true });
    // Each link finds the name taken, and each look finds it free again: another process taking and releasing it every time.
    const link = mock.method(require('node:fs') as typeof fs, 'linkSync', () => {
      throw Object.assign(new Error('EEXIST: file already exists'), { code: 'EEXIST' });
    });
    try {
      assert.throws(() => lockFolder(dir, 'training'), (e: Error) => e instanceof FolderLockedError && e.holder === null && !/process \d+/.test(e.message));
      assert.equal(link.mock.callCount(), 5);
    } finally {
      link.mock.restore();
    }
    assert.deepEqual(fs.readdirSync(dir), [], 'no draft left');
  });

  it('a lock whose pid is 0, -1 or not a whole number is damaged: refused as unidentifiable, never as held by a process, and left as it was', () => {
    const dir = path.join(root, 'badpid');
    const file = lockFileOf(dir);
    for (const pid of [0, -1, 1.5]) {
      const text = JSON.stringify({ pid, thread: 0, host: os.hostname(), purpose: 'training', started: 'then', nonce: 'x' });
      fs.writeFileSync(file, text);
      assert.throws(() => lockFolder(dir, 'training'), (e: Error) =>
        e.message.includes(`its lock file is damaged: its pid is ${pid}, which is no process id`) && e.message.includes(`delete ${file}`) && !/in use by/.test(e.message));
      assert.match(describeHolder(lockHolder(dir)), /cannot identify/);
      assert.equal(lockHolder(dir), 'unreadable');
      assert.equal(fs.readFileSync(file, 'utf8'), text);
    }
    fs.rmSync(file);
    // A valid pid of a live process other than ours (the test runner) still holds it.
    fs.writeFileSync(file, JSON.stringify({ pid: process.ppid, thread: 0, host: os.hostname(), purpose: 'training', started: 'then', nonce: 'x' }));
    assert.throws(() => lockFolder(dir, 'training'), new RegExp(`process ${process.ppid} on this machine`));
    fs.rmSync(file);
  });

  it('releaseLocksOfThread removes the locks of that thread of this process only', () => {
    const dirs = ['t1', 't2', 't3'].map((n) => path.join(root, n));
    const write = (dir: string, fields: Record<string, unknown>) => fs.writeFileSync(lockFileOf(dir), JSON.stringify({ pid: process.pid, host: os.hostname(), purpose: 'training', started: new Date().toISOString(), nonce: 'n', instance: processInstance(), ...fields }));
    write(dirs[0], { thread: 7 });
    write(dirs[1], { thread: 8 });
    write(dirs[2], { thread: 7, instance: 'linux:another-boot:1' });
    releaseLocksOfThread(dirs, 7);
    assert.deepEqual(dirs.map((d) => fs.existsSync(lockFileOf(d))), [false, true, true]);
    for (const d of dirs) fs.rmSync(lockFileOf(d), { force: true });
  });

  it('a folder name is refused with a message above the length SeqLab can name its lock and staging files after, and works at it', () => {
    const at = path.join(root, 'n'.repeat(MAX_SAVED_NAME_BYTES));
    const lock = lockFolder(at, 'training');
    lock.release();
    const over = path.join(root, 'n'.repeat(MAX_SAVED_NAME_BYTES + 1));
    assert.throws(() => lockFolder(over, 'training'), new RegExp(`its name is ${MAX_SAVED_NAME_BYTES + 1} bytes long, and SeqLab needs at most ${MAX_SAVED_NAME_BYTES}`));
    assert.deepEqual(fs.readdirSync(root).filter((n) => n.startsWith('nnnn')), []);
  });

  it('release leaves a lock that is no longer its own', () => {
    const dir = path.join(root, 'd');
    const lock = lockFolder(dir, 'training');
    fs.writeFileSync(lock.file, JSON.stringify({ pid: 1, host: os.hostname(), purpose: 'other', started: '', nonce: 'other' }));
    lock.release();
    assert.ok(fs.existsSync(lock.file));
  });
});

describe('two seqlab train processes on one --out', () => {
  it('one trains and saves; the other is refused at once, naming the first, and changes nothing', async () => {
    for (let round = 0; round < 3; round++) {
      const ws = fs.mkdtempSync(path.join(root, 'race-'));
      fs.writeFileSync(path.join(ws, 'text.txt'), TEXT);
      const args = [CLI, 'train', 'text.txt', '--out', 'm', '--hidden', '16', '--embed', '8', '--seq-len', '16', '--batch', '4', '--steps', '40', '--eval-interval', '10', '--workers', '1'];
      const runs = [0, 1].map(() => new Promise<{ code: number | null; stderr: string; pid: number }>((resolve) => {
        const child = spawn(process.execPath, args, { cwd: ws });
        let stderr = '';
        child.stderr.on('data', (d) => (stderr += d));
        child.on('close', (code) => resolve({ code, stderr, pid: child.pid! }));
      }));
      const [a, b] = await Promise.all(runs);
      const winners = [a, b].filter((r) => r.code === 0);
      const losers = [a, b].filter((r) => r.code !== 0);
      assert.equal(winners.length, 1, `round ${round}: exactly one run trains\n${a.stderr}\n${b.stderr}`);
      assert.equal(losers[0].code, 1);
      assert.match(losers[0].stderr, new RegExp(`in use by another SeqLab run: process ${winners[0].pid} on this machine \\(training`));
      assert.doesNotMatch(losers[0].stderr, /ENOENT|ENOTEMPTY|^\s+at /m);
      assert.equal(readCheckpointMeta(path.join(ws, 'm')).training.state.step, 40, 'the folder holds the winner\'s whole run');
      assert.deepEqual(fs.readdirSync(ws).sort(), ['m', 'text.txt'], 'no lock, staging or .old- folder left');
    }
  });
});
