/**
 * Reading files without trusting them: every file the engine reads (training text,
 * seqlab.json, safetensors) comes through here. A FIFO would block a plain read for
 * ever and a symlink to /dev/zero would fill memory, so the file's kind and size are
 * checked before a single byte is read, on the open descriptor (no window between the
 * check and the read).
 *
 * Writing, the `--out` rules for every file SeqLab writes where the user chose:
 * - A new file the engine writes for the user (an exported script) goes through
 *   `writeNewFile`: never over an existing file, never seen half-written.
 * - A file SeqLab writes again on each run (`seqlab chapter --markdown FILE` and its
 *   figures) goes through `writeOwnedFiles`: it replaces only a regular file that SeqLab
 *   wrote and nobody edited since. SeqLab recognises its own output by its first line, an
 *   HTML/XML comment (`ownedText`) holding the SHA-256 of the rest of the file: a Markdown
 *   preview and an SVG viewer do not show it, and an edit anywhere below it makes the file
 *   the user's. Anything else at the name (a file of the user's, an edited one, a folder, a
 *   FIFO, a device, a symbolic link) is refused with a message, and nothing is written.
 * - Both write under a short private temporary name in the target's folder (so a name near
 *   the file system's 255-byte limit still works) with O_EXCL (never through a link put
 *   there), in chunks (one write(2) of 2 GiB or more fails), and move it into place only
 *   when every file is complete; on any failure the temporary files, and a folder the write
 *   created, are removed. Each errno becomes a message that says what to do (`writeErrorText`).
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Bilingual } from '../core/lang';
import { CataloguedError, message, renderMessage, type EngineMessage, type Named } from '../core/messages';

/** A file the engine will not read, with the catalogue message that says why (`read-*`). */
export class FileRefusedError extends CataloguedError {
  override readonly name = 'FileRefusedError';
  constructor(m: EngineMessage, readonly code: 'missing' | 'not-regular' | 'too-large' | 'unreadable') {
    super(m);
  }
}

/** What is at `file` now (undefined: nothing), for a write about to be made there; an error says why it cannot be looked at. */
function lstatForWrite(file: string, tr: Tr): fs.Stats | undefined {
  try {
    return fs.lstatSync(file, { throwIfNoEntry: false });
  } catch (err) {
    throw explainWrite(err, file, tr);
  }
}

/** What a file system entry is, in English and Chinese, for messages: "a FIFO", "a directory", ... */
const KINDS: Array<[(st: fs.Stats) => boolean, string, string]> = [
  [(st) => st.isDirectory(), 'a directory', '文件夹'],
  [(st) => st.isFIFO(), 'a FIFO (named pipe)', 'FIFO（命名管道）'],
  [(st) => st.isCharacterDevice(), 'a character device', '字符设备'],
  [(st) => st.isBlockDevice(), 'a block device', '块设备'],
  [(st) => st.isSocket(), 'a socket', '套接字'],
  [(st) => st.isSymbolicLink(), 'a symbolic link', '符号链接'],
];

/** "a FIFO", "a directory", ... for messages. */
export function describeKind(st: fs.Stats): string {
  return KINDS.find(([is]) => is(st))?.[1] ?? 'a regular file';
}

/** describeKind in Chinese. */
export function describeKindZh(st: fs.Stats): string {
  return KINDS.find(([is]) => is(st))?.[2] ?? '普通文件';
}

/** describeKind in both languages, for a catalogue message's parameters. */
export const kindOf = (st: fs.Stats): Bilingual => ({ en: describeKind(st), zh: describeKindZh(st) });

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
export function openRegularFile(file: string, what: Named, maxBytes: number): { fd: number; size: number } {
  let st: fs.Stats;
  try {
    st = fs.statSync(file); // follows symlinks: a link to /dev/zero is a character device here
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new FileRefusedError(message('read-missing', { what, file }), 'missing');
    throw new FileRefusedError(message('read-failed', { what, file, code: code ?? (err as Error).message }), 'unreadable');
  }
  if (!st.isFile()) throw new FileRefusedError(message('read-not-regular', { what, file, kind: kindOf(st) }), 'not-regular');
  let fd: number;
  try {
    fd = fs.openSync(file, OPEN_FLAGS);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new FileRefusedError(message('read-failed', { what, file, code: code ?? (err as Error).message }), code === 'ENOENT' ? 'missing' : 'unreadable');
  }
  try {
    const opened = fs.fstatSync(fd); // the file itself, in case the path changed since the stat
    if (!opened.isFile()) throw new FileRefusedError(message('read-not-regular', { what, file, kind: kindOf(opened) }), 'not-regular');
    if (opened.size > maxBytes) {
      throw new FileRefusedError(message('read-too-large', { what, file, size: formatBytes(opened.size), limit: formatBytes(maxBytes) }), 'too-large');
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
export function readRegularFile(file: string, what: Named, maxBytes: number): Buffer {
  const { fd, size } = openRegularFile(file, what, maxBytes);
  try {
    return readAt(fd, size, 0);
  } finally {
    fs.closeSync(fd);
  }
}

/** One write(2) at most this long: fs.writeSync refuses lengths of 2 GiB and more ("length out of range"). */
export const WRITE_CHUNK = READ_CHUNK;

/** Writes all of `data` at the descriptor's position, in writes of at most `chunk` bytes (a file of any size). */
export function writeAll(fd: number, data: Buffer | string, chunk = WRITE_CHUNK): void {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  for (let done = 0; done < buf.length;) done += fs.writeSync(fd, buf, done, Math.min(chunk, buf.length - done));
}

/** A file's last name component as the file system counts it (bytes, UTF-8), against its 255-byte limit. */
export const MAX_NAME_BYTES = 255;
export const nameBytes = (file: string) => Buffer.byteLength(path.basename(file), 'utf8');

/** `.seqlab-<hex>.tmp` in `dir`: a private name of fixed length, whatever the target's name. */
const temporaryIn = (dir: string) => path.join(dir, `.seqlab-${randomBytes(6).toString('hex')}.tmp`);

/** Writes `data` to a new file `file` (O_EXCL: never an existing name, never through a link), in chunks, synced; on failure nothing is left. */
function writeExclusive(file: string, data: Buffer | string, mode: number, chunk: number): void {
  const fd = fs.openSync(file, 'wx', mode);
  try {
    writeAll(fd, data, chunk);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
    throw err;
  }
}

type Tr = (en: string, zh: string) => string;
const english: Tr = (en) => en;

/**
 * A file-system error of a write, refused with a message that says what to do. It carries its
 * catalogue message (`write-*`); its `message` is in the language of the `tr` it was made with
 * (the command line's --lang), English by default.
 */
export class WriteRefusedError extends CataloguedError {
  override readonly name = 'WriteRefusedError';
  constructor(m: EngineMessage, tr: Tr = english) {
    super(m);
    this.message = tr(this.message, renderMessage(m, 'zh-cn'));
  }
}

/**
 * What went wrong writing `file`, as a catalogue message that says what to do, or undefined for
 * an error that is not about the file system. `file` is the name the user gave (the error's own
 * path may be a temporary name).
 */
export function writeErrorMessage(err: unknown, file: string): EngineMessage | undefined {
  const code = (err as NodeJS.ErrnoException).code;
  const dir = path.dirname(file);
  switch (code) {
    case 'EISDIR': return message('write-is-folder', { file, example: path.join(file, 'chapter.md') });
    case 'EEXIST': return message('write-taken', { file });
    case 'ENAMETOOLONG': return message('write-name-too-long', { file, max: MAX_NAME_BYTES });
    case 'ENOSPC': return message('write-disk-full', { name: path.basename(file) });
    case 'EDQUOT': return message('write-quota', {});
    case 'EROFS': return message('write-read-only', { dir });
    case 'EACCES':
    case 'EPERM': return message('write-permission', { dir });
    case 'ENOENT': return message('write-no-folder', { dir });
    case 'ENOTDIR': return message('write-path-not-folder', { dir });
    case 'ELOOP': return message('write-link-loop', { file });
    default: return undefined;
  }
}

/** writeErrorMessage's text in the language `tr` picks. */
export function writeErrorText(err: unknown, file: string, tr: Tr = english): string | undefined {
  const m = writeErrorMessage(err, file);
  return m && tr(renderMessage(m, 'en'), renderMessage(m, 'zh-cn'));
}

/** `err` as a WriteRefusedError with its message (nothing was changed), or `err` itself when it is not about the file system. */
function explainWrite(err: unknown, file: string, tr: Tr): unknown {
  if (err instanceof WriteRefusedError) return err;
  const reason = writeErrorMessage(err, file);
  return reason === undefined ? err : new WriteRefusedError(message('write-failed', { reason: [reason], code: String((err as NodeJS.ErrnoException).code) }), tr);
}

/** Throws unless the folder of `file` exists (a file's folder is the user's to create), with the message for it. */
function checkParentFolder(file: string, tr: Tr): void {
  const dir = path.dirname(file);
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(dir, { throwIfNoEntry: false });
  } catch (err) {
    throw explainWrite(err, file, tr);
  }
  if (!st) throw new WriteRefusedError(message('write-no-folder', { dir }), tr);
  if (!st.isDirectory()) throw new WriteRefusedError(message('write-parent-not-folder', { dir, kind: kindOf(st) }), tr);
}

/** Refuses a name longer than the file system takes, before anything is written. */
function checkNameLength(file: string, tr: Tr): void {
  if (nameBytes(file) > MAX_NAME_BYTES) throw explainWrite(Object.assign(new Error('name too long'), { code: 'ENAMETOOLONG' }), file, tr);
}

/**
 * Writes `text` to `file`, which must not exist: written beside it under a temporary name,
 * then linked into place (a link fails if the name was taken meanwhile, so nothing is ever
 * overwritten) and the temporary name removed. A reader never sees a half-written file.
 */
export function writeNewFile(file: string, text: string, mode = 0o644, tr: Tr = english, chunk = WRITE_CHUNK): void {
  const target = path.resolve(file);
  checkNameLength(target, tr);
  const existing = lstatForWrite(target, tr);
  if (existing) throw new WriteRefusedError(message('write-exists', { file, kind: kindOf(existing) }), tr);
  checkParentFolder(target, tr);
  const temporary = temporaryIn(path.dirname(target));
  try {
    writeExclusive(temporary, text, mode, chunk);
    try {
      fs.linkSync(temporary, target);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw new WriteRefusedError(message('write-created-meanwhile', { file }), tr);
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw err;
      fs.copyFileSync(temporary, target, fs.constants.COPYFILE_EXCL); // a file system without hard links: an exclusive copy
    }
  } catch (err) {
    throw explainWrite(err, target, tr);
  } finally {
    fs.rmSync(temporary, { force: true });
  }
}

/** The first line SeqLab puts in a text file it writes: the SHA-256 of the rest, so an edit shows. */
const OWNED_LINE = /^<!-- written by SeqLab \(([^)\n]{1,80})\); sha256 ([0-9a-f]{64}); [^\n]*-->\n/;

/** `body` with SeqLab's first line (see the file comment); `what` says which command wrote it. */
export function ownedText(body: string, what: string): string {
  const hash = createHash('sha256').update(body, 'utf8').digest('hex');
  return `<!-- written by SeqLab (${what.replace(/[)\n]/g, ' ').replace(/-{2,}/g, '-').slice(0, 80)}); sha256 ${hash}; the next run replaces this file unless it was edited -->\n${body}`;
}

/** Whether `bytes` is a file SeqLab wrote with `ownedText` and nobody edited since. */
export function isOwnedText(bytes: Buffer): boolean {
  const text = bytes.toString('utf8');
  const m = OWNED_LINE.exec(text);
  return m !== null && createHash('sha256').update(text.slice(m[0].length), 'utf8').digest('hex') === m[2];
}

/** SeqLab's own files are small (a Markdown report, an SVG figure): a larger file at the name is not one. */
const MAX_OWNED_BYTES = 64 * 1024 * 1024;

/** Why SeqLab may not replace what is at `file`, or null when nothing is there or it is SeqLab's own unedited file. */
function refusalToReplace(file: string, tr: Tr): EngineMessage | null {
  const st = lstatForWrite(file, tr);
  if (!st) return null;
  if (st.isSymbolicLink()) return message('write-why-link', { file });
  if (!st.isFile()) return message('write-why-kind', { file, kind: kindOf(st) });
  let mine = false;
  try {
    mine = st.size <= MAX_OWNED_BYTES && isOwnedText(readRegularFile(file, { en: 'the file', zh: '文件' }, MAX_OWNED_BYTES));
  } catch {
    mine = false;
  }
  return mine ? null : message('write-why-not-ours', { file });
}

/** One file of a `writeOwnedFiles`: where, and what (use `ownedText` for the contents, so a later run recognises it). */
export interface OwnedFile { file: string; data: string | Buffer }

/** Refuses to write, saying why (a file that is not SeqLab's, a link, a folder...). */
function refuse(why: EngineMessage, tr: Tr): never {
  throw new WriteRefusedError(message('write-refused', { why: [why] }), tr);
}

/**
 * The checks of `writeOwnedFiles` without writing: for a command that takes long before it
 * writes (the chapter check), so that a name it may not use is refused at once.
 */
export function checkOwnedFiles(files: readonly string[], options: { folder?: string; tr?: Tr } = {}): void {
  const tr = options.tr ?? english;
  const folder = options.folder;
  for (const file of files) {
    if (!folder || path.dirname(file) !== folder) checkParentFolder(file, tr);
    checkNameLength(file, tr);
  }
  if (folder) {
    checkParentFolder(folder, tr);
    checkNameLength(folder, tr);
    const st = lstatForWrite(folder, tr);
    if (st?.isSymbolicLink()) refuse(message('write-why-link', { file: folder }), tr);
    if (st && !st.isDirectory()) refuse(message('write-why-figures-folder', { folder, kind: kindOf(st) }), tr);
  }
  for (const file of files) {
    const why = refusalToReplace(file, tr);
    if (why) refuse(why, tr);
  }
}

/**
 * Writes `files` (absolute paths) following the rules in the file comment: each may replace
 * only SeqLab's own unedited file; `folder` (absolute), if given, is a folder SeqLab names
 * after the user's file and puts some of them in: it may not be a link or anything but a
 * folder, is created when missing, and removed again (with what was put in it) on failure.
 * Every file is written whole under a temporary name first; then they are moved into place
 * in the order given. Throws a WriteRefusedError (nothing written) or the error itself.
 */
export function writeOwnedFiles(files: readonly OwnedFile[], options: { folder?: string; tr?: Tr; chunk?: number } = {}): void {
  const tr = options.tr ?? english;
  const chunk = options.chunk ?? WRITE_CHUNK;
  const folder = options.folder;
  checkOwnedFiles(files.map((f) => f.file), options);
  let createdFolder = false;
  const staged: Array<{ temporary: string; file: string }> = [];
  const placed: string[] = [];
  let current = files[0]?.file ?? folder ?? '';
  try {
    if (folder) {
      current = folder;
      const st = fs.lstatSync(folder, { throwIfNoEntry: false }); // again, just before writing into it: never through a link
      if (!st) {
        fs.mkdirSync(folder); // not recursive: its parent was checked, and only this one folder is SeqLab's to remove again
        createdFolder = true;
      } else if (!st.isDirectory()) {
        refuse(message('write-why-figures-folder', { folder, kind: kindOf(st) }), tr);
      }
    }
    for (const { file, data } of files) {
      current = file;
      const temporary = temporaryIn(path.dirname(file));
      staged.push({ temporary, file });
      writeExclusive(temporary, data, 0o644, chunk);
    }
    for (const { temporary, file } of staged) {
      current = file;
      const why = refusalToReplace(file, tr); // again: the name may have been taken while the files were written
      if (why) refuse(why, tr);
      fs.renameSync(temporary, file);
      placed.push(file);
    }
  } catch (err) {
    for (const { temporary } of staged) fs.rmSync(temporary, { force: true });
    if (createdFolder && folder) {
      for (const file of placed) if (path.dirname(file) === folder) fs.rmSync(file, { force: true });
      try {
        fs.rmdirSync(folder);
      } catch {
        // something else was put there meanwhile: it stays
      }
    }
    throw explainWrite(err, current, tr);
  }
}
