/**
 * One run per folder: training, resume and export hold a lock on the folder they write,
 * so that two processes (two `seqlab train` with the same --out, two VS Code windows
 * resuming the same run) never write one folder at once. No TensorFlow.js here.
 *
 * The lock is a file beside the folder, `NAME.lock` (inside, it would make the folder
 * hold something that is not a checkpoint), holding JSON: the process id, the host, what
 * holds it, since when, and a random nonce. It is created whole or not at all: written
 * to a private file, then hard-linked to `NAME.lock`, which fails if the name exists.
 *
 * A worker thread that is terminated never runs its `finally`: its process lives on, so its
 * locks would look live for ever. The host that ran it (EngineClient) knows the thread is
 * gone and calls `releaseLocksOfThread` for the folders of its jobs.
 *
 * Which process wrote a lock: its pid, and `instance`, the process's start (on Linux the boot
 * id and the start time in clock ticks from /proc/self/stat, else the wall-clock start in
 * milliseconds). A pid alone is not enough: a container restarted after an out-of-memory kill
 * runs SeqLab with the same pid again, and the lock left by the killed process then carries the
 * new process's own pid. A lock with our pid is ours only if this process instance wrote it
 * (its instance, or for a lock without one its start time, says so); any other with our pid
 * is stale. A pid of 0 or below (or not a whole number) is no process at all: the lock file is
 * damaged, and is treated as one SeqLab cannot read (refused, with the file to delete named).
 *
 * A lock whose process is gone (same host, pid not running) is stale and recovered: it is
 * renamed to a private name, and only if what was renamed is still the stale lock (its
 * nonce) is it removed; a live lock that won the race in between is put back. A lock from
 * another host cannot be checked from here and is never taken over: the message says
 * which file to delete if that process is known to be gone.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { threadId } from 'node:worker_threads';
import { message, renderMessage, type EngineMessage } from '../core/messages';
import { nameBytes } from '../io/files';
import { CheckpointError, MAX_SAVED_NAME_BYTES, tooLong } from './folder';
import { processAlive } from '../io/processes';

export interface LockInfo {
  pid: number;
  /** The worker thread inside that process (0: the main thread), for a host whose worker died. */
  thread: number;
  host: string;
  /** What holds it: "training", "export", ... */
  purpose: string;
  started: string;
  nonce: string;
  /** The process instance that wrote it (see the file comment); missing in locks of SeqLab before 0.5. */
  instance?: string;
}

/** The folder is locked by another run (`lock-held`), or its lock cannot be read (`lock-damaged`, `lock-contended`). */
export class FolderLockedError extends CheckpointError {
  constructor(m: EngineMessage, readonly holder: LockInfo | null) {
    super(m);
  }
}

export interface FolderLock {
  /** The lock file. */
  file: string;
  /** Removes the lock (only if it is still this one). Safe to call twice. */
  release(): void;
}

export const lockFileOf = (dir: string) => `${path.resolve(dir)}.lock`;

function readLock(file: string): LockInfo | null | 'absent' {
  let text: string;
  try {
    const st = fs.lstatSync(file);
    if (!st.isFile() || st.size > 4096) return null;
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'absent' : null;
  }
  try {
    const v = JSON.parse(text) as Partial<LockInfo>;
    if (typeof v.pid === 'number' && typeof v.host === 'string' && typeof v.nonce === 'string') {
      return {
        pid: v.pid, thread: typeof v.thread === 'number' ? v.thread : 0, host: v.host, purpose: String(v.purpose ?? 'a run'), started: String(v.started ?? ''), nonce: v.nonce,
        ...(typeof v.instance === 'string' ? { instance: v.instance } : {}),
      };
    }
  } catch {
    // unreadable: treated as held by an unknown process
  }
  return null;
}

/** A process id at all: a whole number above 0 (kill(0) and kill(-1) would signal groups, and "succeed"). */
const validPid = (pid: number) => Number.isSafeInteger(pid) && pid > 0;

/** The wall-clock time this process started, in milliseconds (the same in every thread of it). */
const processStartMs = () => Date.now() - process.uptime() * 1000;
/** Two readings of processStartMs differ by the clock's drift between them; more than this is another process. */
const START_SLACK_MS = 2000;

let ownInstance: string | undefined;
/** This process's instance (see the file comment), read once per thread; the same in all threads of the process. */
export function processInstance(): string {
  if (ownInstance !== undefined) return ownInstance;
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    // Fields after the command name (which may hold spaces and parentheses): state is field 3, starttime field 22.
    const starttime = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[22 - 3];
    const boot = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    if (/^\d+$/.test(starttime) && boot) return (ownInstance = `linux:${boot}:${starttime}`);
  } catch {
    // not Linux: the wall clock below
  }
  return (ownInstance = `start:${Math.round(processStartMs())}`);
}

/** Whether a lock that carries this process's pid was written by this process instance (and not by an earlier one with the same pid). */
export function writtenByThisProcess(info: LockInfo): boolean {
  if (info.pid !== process.pid || info.host !== os.hostname()) return false;
  const mine = processInstance();
  if (info.instance?.startsWith('linux:') && mine.startsWith('linux:')) return info.instance === mine;
  if (info.instance?.startsWith('start:') && mine.startsWith('start:')) return Math.abs(Number(info.instance.slice(6)) - Number(mine.slice(6))) <= START_SLACK_MS;
  // An older lock (or one from another kind of system): ours only if taken after this process started.
  const started = Date.parse(info.started);
  return Number.isFinite(started) && started >= processStartMs() - START_SLACK_MS;
}

/** A lock of this host whose process is gone: another pid not running, or our pid written by an earlier process. A damaged pid is never stale (see the file comment). */
const isStale = (info: LockInfo) => info.host === os.hostname() && validPid(info.pid) && (info.pid === process.pid ? !writtenByThisProcess(info) : !processAlive(info.pid));

/**
 * Takes the stale lock away if it is still `stale`; says whether to try again. Exported for
 * the test of its race: a live lock that replaced `stale` after it was read is put back.
 */
export function recoverStaleLock(file: string, stale: LockInfo): boolean {
  const aside = `${file}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    fs.renameSync(file, aside);
  } catch {
    return false; // gone or replaced meanwhile: try again from the start
  }
  const taken = readLock(aside);
  if (taken !== 'absent' && taken !== null && taken.nonce !== stale.nonce) {
    // A live lock replaced the stale one between our read and our rename: put it back.
    try {
      fs.linkSync(aside, file);
    } catch {
      // its name is taken again: the other holder still holds the folder through that one
    }
  }
  fs.rmSync(aside, { force: true });
  return true;
}

/** Who holds a lock, as a catalogue message (`holder-*`). */
function holderMessage(info: LockInfo | 'unreadable' | null): EngineMessage {
  if (!info || info === 'unreadable') return message('holder-unknown', {});
  if (!validPid(info.pid)) return message('holder-damaged', { pid: String(JSON.stringify(info.pid)) });
  return message('holder-process', { pid: info.pid, host: info.host === os.hostname() ? null : info.host, purpose: info.purpose, since: info.started });
}

/** Who holds a lock, in English (logs). */
const describeHolder = (info: LockInfo | 'unreadable' | null): string => renderMessage(holderMessage(info), 'en');

/**
 * Locks `dir` (which need not exist) for `purpose`, or throws a FolderLockedError naming
 * the process that holds it. Release it when done; a process that dies leaves a stale lock
 * that the next one recovers.
 */
export function lockFolder(dir: string, purpose: string): FolderLock {
  const file = lockFileOf(dir);
  if (nameBytes(path.resolve(dir)) > MAX_SAVED_NAME_BYTES) throw new CheckpointError(message('lock-name-too-long', { folder: path.resolve(dir), why: [tooLong(dir)] }));
  const info: LockInfo = { pid: process.pid, thread: threadId, host: os.hostname(), purpose, started: new Date().toISOString(), nonce: randomBytes(8).toString('hex'), instance: processInstance() };
  // Short: NAME.lock.new-<pid>-<8 hex> stays within the 28 bytes that MAX_SAVED_NAME_BYTES leaves.
  const draft = `${file}.new-${process.pid}-${info.nonce.slice(0, 8)}`;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(draft, JSON.stringify(info) + '\n', { flag: 'wx' });
  } catch (err) {
    throw explainLockError(err, dir);
  }
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        fs.linkSync(draft, file);
        return {
          file,
          // Idempotent: it removes the lock only while the lock is still this one (its nonce).
          release: () => {
            const now = readLock(file);
            if (now !== 'absent' && now !== null && now.nonce === info.nonce) fs.rmSync(file, { force: true });
          },
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw explainLockError(err, dir);
      }
      const holder = readLock(file);
      if (holder === 'absent') continue; // released meanwhile
      if (holder !== null && isStale(holder) && recoverStaleLock(file, holder)) continue;
      if (holder !== null && !validPid(holder.pid)) {
        throw new FolderLockedError(message('lock-damaged', { folder: path.resolve(dir), pid: String(JSON.stringify(holder.pid)), file }), null);
      }
      const other = holder !== null && holder.host !== os.hostname();
      throw new FolderLockedError(message('lock-held', { folder: path.resolve(dir), holder: [holderMessage(holder)], file: other || holder === null ? file : null }), holder);
    }
    throw new FolderLockedError(message('lock-contended', { folder: path.resolve(dir) }), null);
  } finally {
    fs.rmSync(draft, { force: true });
  }
}

function explainLockError(err: unknown, dir: string): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'ENOSPC' || code === 'EDQUOT') {
    return new CheckpointError(message('lock-cannot-write', { folder: path.resolve(dir), code }));
  }
  if (code === 'ENAMETOOLONG') return new CheckpointError(message('lock-name-too-long-fs', { folder: path.resolve(dir), code }));
  if (code === 'ENOTDIR' || code === 'EEXIST') return new CheckpointError(message('lock-path-not-folder', { folder: path.resolve(dir), code }));
  return err;
}

/**
 * The live holder of `dir`'s lock, if any (a stale lock of a process that is gone counts as
 * none); 'unreadable' when a lock file is there but says nothing SeqLab can read: held, by whom is unknown.
 */
export function lockHolder(dir: string): LockInfo | 'unreadable' | null {
  const info = readLock(lockFileOf(dir));
  if (info === 'absent') return null;
  if (info === null || !validPid(info.pid)) return 'unreadable';
  return isStale(info) ? null : info;
}

/** "process 123 on this machine (training, since ...)", for messages. */
export { describeHolder, holderMessage };

/**
 * Removes the locks on `dirs` that the worker thread `thread` of this process held: for a host
 * whose worker was terminated or crashed in the middle of a job. Locks of anyone else stay.
 */
export function releaseLocksOfThread(dirs: readonly string[], thread: number): void {
  for (const dir of dirs) {
    const file = lockFileOf(dir);
    const info = readLock(file);
    if (info !== 'absent' && info !== null && info.thread === thread && writtenByThisProcess(info)) fs.rmSync(file, { force: true });
  }
}
