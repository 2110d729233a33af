/**
 * Reading files without trusting them: every file the engine reads (training text,
 * seqlab.json, safetensors) comes through here. A FIFO would block a plain read for
 * ever and a symlink to /dev/zero would fill memory, so the file's kind and size are
 * checked before a single byte is read, on the open descriptor (no window between the
 * check and the read). New files the engine writes for the user (an exported script) go
 * through `writeNewFile`: never over an existing file, never seen half-written.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export class FileRefusedError extends Error {
  override readonly name = 'FileRefusedError';
  constructor(message: string, readonly code: 'missing' | 'not-regular' | 'too-large' | 'unreadable') {
    super(message);
  }
}

/** "a FIFO", "a directory", ... for messages. */
export function describeKind(st: fs.Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'a regular file';
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

// O_NONBLOCK makes opening a FIFO return at once instead of waiting for a writer; it
// changes nothing for regular files. Windows has no such flag (and no FIFOs in paths).
const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0);

/** An open regular file: its descriptor and size, checked. Close it with `fs.closeSync`. */
export function openRegularFile(file: string, what: string, maxBytes: number): { fd: number; size: number } {
  let st: fs.Stats;
  try {
    st = fs.statSync(file); // follows symlinks: a link to /dev/zero is a character device here
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new FileRefusedError(`${what} ${file} does not exist`, 'missing');
    throw new FileRefusedError(`cannot read ${what} ${file}: ${code ?? (err as Error).message}`, 'unreadable');
  }
  if (!st.isFile()) throw new FileRefusedError(`${what} ${file} is ${describeKind(st)}, not a regular file; SeqLab reads regular files only`, 'not-regular');
  let fd: number;
  try {
    fd = fs.openSync(file, OPEN_FLAGS);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new FileRefusedError(`cannot read ${what} ${file}: ${code ?? (err as Error).message}`, code === 'ENOENT' ? 'missing' : 'unreadable');
  }
  try {
    const opened = fs.fstatSync(fd); // the file itself, in case the path changed since the stat
    if (!opened.isFile()) throw new FileRefusedError(`${what} ${file} is ${describeKind(opened)}, not a regular file; SeqLab reads regular files only`, 'not-regular');
    if (opened.size > maxBytes) {
      throw new FileRefusedError(`${what} ${file} is ${formatBytes(opened.size)}, more than the ${formatBytes(maxBytes)} SeqLab reads for it`, 'too-large');
    }
    return { fd, size: opened.size };
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
}

/** One read(2) at most this long: fs.readSync refuses lengths of 2 GiB and more ("length out of range"). */
export const READ_CHUNK = 1024 ** 3;

/** Reads `length` bytes at `position` (fewer only when the file shrank meanwhile), in chunks of at most `chunk` bytes. */
export function readAt(fd: number, length: number, position: number, chunk = READ_CHUNK): Buffer {
  const buf = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buf, done, Math.min(chunk, length - done), position + done);
    if (n === 0) break;
    done += n;
  }
  return done === length ? buf : buf.subarray(0, done);
}

/** The whole of a regular file of at most `maxBytes` bytes. */
export function readRegularFile(file: string, what: string, maxBytes: number): Buffer {
  const { fd, size } = openRegularFile(file, what, maxBytes);
  try {
    return readAt(fd, size, 0);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Writes `text` to `file`, which must not exist: written beside it under a temporary name,
 * then linked into place (a link fails if the name was taken meanwhile, so nothing is ever
 * overwritten) and the temporary name removed. A reader never sees a half-written file.
 */
export function writeNewFile(file: string, text: string, mode = 0o644): void {
  const target = path.resolve(file);
  const existing = fs.lstatSync(target, { throwIfNoEntry: false });
  if (existing) throw new Error(`${file} already exists (${describeKind(existing)}): choose a new file name, or remove it first`);
  const dir = path.dirname(target);
  if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`the folder ${dir} does not exist: create it first, or choose another place`);
  const temporary = path.join(dir, `.${path.basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  fs.writeFileSync(temporary, text, { mode, flag: 'wx' });
  try {
    fs.linkSync(temporary, target);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new Error(`${file} was created while writing it: choose a new file name`);
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw err;
    fs.copyFileSync(temporary, target, fs.constants.COPYFILE_EXCL); // a file system without hard links: an exclusive copy

  } finally {
    fs.rmSync(temporary, { force: true });
  }
}
