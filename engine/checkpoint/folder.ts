/**
 * A checkpoint folder on disk: who owns it, how a new one replaces the old, and how a
 * reader gets one whole checkpoint even while a save is under way. No TensorFlow.js here.
 *
 * Ownership before deletion: a save replaces only what it recognises as a SeqLab
 * checkpoint (a folder holding seqlab.json with SeqLab's format tag and nothing else but
 * the two tensor files), or an empty folder. Anything else is refused with a message,
 * and deleting is done file by file for the three known names, so a file someone puts
 * into a folder during a save survives it.
 *
 * The swap: the new checkpoint is written complete into `NAME.tmp-<pid>-<tag>` (meta
 * last, each file fsynced), then `NAME` is renamed to `NAME.old-<pid>-<tag>`, the staging
 * folder to `NAME`, and the old one is removed. A kill at any point leaves a complete
 * checkpoint: at `NAME`, or (between the two renames) in the two leftovers. Readers fall
 * back to the newest complete leftover when `NAME` is missing; the next save or load of
 * `NAME` moves it back into place and removes the leftovers of processes that are gone.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CataloguedError, SAVE_ERRNOS, message, messageOf, renderMessage, type EngineMessage } from '../core/messages';
import { FileRefusedError, MAX_NAME_BYTES, READ_CHUNK, WRITE_CHUNK, kindOf, nameBytes, openRegularFile, readAt, writeAll } from '../io/files';
import { readSafetensorsFile } from './safetensors';
import { processAlive } from '../io/processes';

export const CHECKPOINT_FORMAT = 'seqlab-checkpoint';
export const MODEL_FILE = 'model.safetensors';
export const OPTIMIZER_FILE = 'optimizer.safetensors';
export const META_FILE = 'seqlab.json';
const OWNED_FILES: readonly string[] = [MODEL_FILE, OPTIMIZER_FILE, META_FILE];
/** seqlab.json holds the config, the vocabulary and the loss history: well under a megabyte in practice. */
export const MAX_META_BYTES = 16 * 1024 * 1024;

/** A checkpoint that cannot be read, or a folder a save may not use: its catalogue message (`ckpt-*`) says why. */
export class CheckpointError extends CataloguedError {
  override readonly name = 'CheckpointError';
}

/** The SHA-256 of `buf`, fed in chunks: one update() of 2 GiB or more fails ("data is too long"). */
export function sha256(buf: Buffer, chunk = READ_CHUNK): string {
  const hash = createHash('sha256');
  for (let at = 0; at < buf.length; at += chunk) hash.update(buf.subarray(at, Math.min(buf.length, at + chunk)));
  return hash.digest('hex');
}

/** `NAME.tmp-<pid>-<hex>` or `NAME.old-<pid>-<hex>` (the pid is missing in folders from SeqLab 0.1). */
const LEFTOVER = /^(.+)\.(tmp|old)-(?:(\d+)-)?([0-9a-f]{8})$/;

interface Leftover { dir: string; kind: 'tmp' | 'old'; pid: number | null }

function leftoversOf(target: string): Leftover[] {
  const parent = path.dirname(target);
  const base = path.basename(target);
  let names: string[];
  try {
    names = fs.readdirSync(parent);
  } catch {
    return [];
  }
  const out: Leftover[] = [];
  for (const name of names) {
    const m = LEFTOVER.exec(name);
    if (m && m[1] === base) out.push({ dir: path.join(parent, name), kind: m[2] as 'tmp' | 'old', pid: m[3] ? Number(m[3]) : null });
  }
  return out;
}

/**
 * Whether the save that left `l` may still be under way. A leftover that carries our own pid
 * was made by this process only if it was last changed after this process started: a
 * container restarted after an out-of-memory kill runs SeqLab with the same pid again, and the
 * killed save's leftovers would otherwise look live for ever (never cleaned, each read waiting
 * for a save that will not end).
 */
function leftoverLive(l: Leftover): boolean {
  if (l.pid !== process.pid) return processAlive(l.pid);
  const changed = fs.statSync(l.dir, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  return changed >= Date.now() - process.uptime() * 1000 - 2000;
}

/** "model.safetensors in /home/s/m" in both languages: a file of a checkpoint, as messages name it. */
export const fileIn = (file: string, folder: string) => ({ en: `${file} in ${folder}`, zh: `${folder} 中的 ${file}` });

/** Reads seqlab.json (bounded) and parses it; the result is unchecked JSON. */
export function readMetaJSON(folder: string): unknown {
  let bytes: Buffer;
  try {
    const { fd, size } = openRegularFile(path.join(folder, META_FILE), META_FILE, MAX_META_BYTES);
    try {
      bytes = readAt(fd, size, 0);
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    if (err instanceof FileRefusedError && err.code === 'missing') throw new CheckpointError(message('ckpt-no-meta', { folder, file: META_FILE }));
    throw new CheckpointError(messageOf(err) ?? message('ckpt-cannot-read', { folder, file: META_FILE, said: (err as Error).message }));
  }
  const text = bytes.toString('utf8');
  const depth = jsonNesting(text);
  if (depth > MAX_META_NESTING) {
    throw new CheckpointError(message('ckpt-meta-nesting', { folder, file: META_FILE, depth, max: MAX_META_NESTING }));
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CheckpointError(message('ckpt-meta-not-json', { folder, file: META_FILE, said: (err as Error).message }));
  }
}

/**
 * seqlab.json nests 5 levels deep; a hostile one nested 100,000 deep parses, then breaks
 * whatever walks it recursively later (a copy, a message to the worker, JSON.stringify)
 * with "Maximum call stack size exceeded". Refused on reading instead.
 */
const MAX_META_NESTING = 64;

/** How deep the arrays and objects of a JSON text nest (brackets inside strings do not count). */
export function jsonNesting(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) deepest = Math.max(deepest, ++depth);
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return deepest;
}

type TargetState = 'absent' | 'empty' | 'checkpoint';

/**
 * The longest name a checkpoint folder may have: SeqLab names its lock, staging and leftover
 * files after it (`NAME.lock.stale-<pid>-<hex>` is the longest, 28 bytes more), and the file
 * system allows 255 bytes for a name.
 */
export const MAX_SAVED_NAME_BYTES = MAX_NAME_BYTES - 28;

/** Why a folder name is too long, for messages. */
export const tooLong = (target: string) => message('ckpt-why-name-too-long', { bytes: nameBytes(target), max: MAX_SAVED_NAME_BYTES, fsMax: MAX_NAME_BYTES });

/** A folder name under `dir` that does not exist yet, for suggestions. */
function freeChild(dir: string, base: string): string {
  for (let i = 1; ; i++) {
    const candidate = path.join(dir, i === 1 ? base : `${base}-${i}`);
    if (!fs.existsSync(candidate)) return candidate;
  }
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Why a folder may not be replaced or removed (a `ckpt-why-*` message), and a folder that may be used instead. */
interface Refusal { why: EngineMessage; suggestion: string }

/** What is at `target`, or why SeqLab may not replace it (`removing`: remove it) (the ownership rule in the file comment). */
function classifyTarget(target: string, removing = false): TargetState | Refusal {
  if (isInside(process.cwd(), target)) return { why: message('ckpt-why-cwd', {}), suggestion: freeChild(process.cwd(), 'seqlab-model') };
  if (nameBytes(target) > MAX_SAVED_NAME_BYTES) return { why: tooLong(target), suggestion: freeChild(path.dirname(target), 'seqlab-model') };
  let st: fs.Stats;
  try {
    st = fs.lstatSync(target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    if ((err as NodeJS.ErrnoException).code === 'ENAMETOOLONG') return { why: message('ckpt-why-path-too-long', {}), suggestion: freeChild(process.cwd(), 'seqlab-model') };
    throw new CheckpointError(message('ckpt-cannot-write', { folder: target, code: (err as NodeJS.ErrnoException).code ?? (err as Error).message }));
  }
  if (!st.isDirectory()) return { why: message('ckpt-why-kind', { kind: kindOf(st) }), suggestion: freeChild(path.dirname(target), `${path.basename(target, path.extname(target))}-model`) };
  const entries = fs.readdirSync(target).sort(); // sorted: messages name the same files on every file system
  if (entries.length === 0) return 'empty';
  const foreign = entries.filter((e) => !OWNED_FILES.includes(e) || !fs.lstatSync(path.join(target, e)).isFile());
  if (foreign.length) {
    return { why: message('ckpt-why-foreign', { shown: foreign.slice(0, 3), more: Math.max(0, foreign.length - 3), removing }), suggestion: freeChild(target, 'seqlab-model') };
  }
  let meta: unknown;
  try {
    meta = entries.includes(META_FILE) ? readMetaJSON(target) : undefined;
  } catch {
    meta = undefined;
  }
  if ((meta as { format?: unknown } | undefined)?.format !== CHECKPOINT_FORMAT) {
    return { why: message('ckpt-why-unrecognised', { file: META_FILE, removing }), suggestion: freeChild(target, 'seqlab-model') };
  }
  return 'checkpoint';
}

/**
 * What is at `target`, for a save that would replace it, or a CheckpointError that says
 * why it may not be replaced and suggests a folder that may.
 */
function inspectTarget(target: string): TargetState {
  const state = classifyTarget(target);
  if (typeof state === 'string') return state;
  throw new CheckpointError(message('ckpt-will-not-write', { folder: target, why: [state.why], suggestion: state.suggestion }));
}

/**
 * Why SeqLab may not remove `dir` (a catalogue message), or null when it is a checkpoint SeqLab
 * recognises (the ownership rule). For a removal done by someone else (VS Code's trash), which
 * must follow the same rule.
 */
export function refusalToRemoveMessage(dir: string): EngineMessage | null {
  const target = path.resolve(dir);
  let state: TargetState | Refusal;
  try {
    state = classifyTarget(target, true);
  } catch (err) {
    return messageOf(err) ?? message('ckpt-cannot-write', { folder: target, code: (err as Error).message });
  }
  if (state === 'checkpoint') return null;
  if (state === 'absent') return message('remove-absent', { folder: target });
  if (state === 'empty') return message('remove-empty', { folder: target });
  return message('remove-refused', { folder: target, why: [state.why] });
}

/** refusalToRemoveMessage's text in English (for logs and the command line). */
export function refusalToRemove(dir: string): string | null {
  const m = refusalToRemoveMessage(dir);
  return m && renderMessage(m, 'en');
}

/** Throws a CheckpointError unless a save may write to `dir`; returns the absolute path. */
export function checkSaveTarget(dir: string): string {
  const target = path.resolve(dir);
  inspectTarget(target);
  return target;
}

/** Removes the checkpoint at `dir` if it is one SeqLab recognises (see the file comment); anything else stays. Says whether it did. */
export function removeCheckpoint(dir: string): boolean {
  const target = path.resolve(dir);
  try {
    if (inspectTarget(target) !== 'checkpoint') return false;
  } catch {
    return false;
  }
  return removeOwnedFolder(target);
}

/** Removes a folder holding only SeqLab's files, file by file; leaves it (and says false) if it holds anything else. */
function removeOwnedFolder(dir: string): boolean {
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
  if (!entries.every((e) => OWNED_FILES.includes(e))) return false;
  for (const e of entries) fs.rmSync(path.join(dir, e), { force: true });
  try {
    fs.rmdirSync(dir);
    return true;
  } catch {
    return false; // something appeared meanwhile: it stays
  }
}

function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Windows cannot open a folder for fsync; its renames are durable once they return.
  }
}

/** A new file, written in chunks (a tensor file of 2 GiB or more, such as a 3x4096 LSTM's Adam state) and synced. */
export function writeFileSynced(file: string, data: Buffer | string, chunk = WRITE_CHUNK): void {
  const fd = fs.openSync(file, 'wx');
  try {
    writeAll(fd, data, chunk);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Throws unless seqlab.json carries SeqLab's format tag. */
export function checkFormatTag(meta: unknown, folder: string): void {
  const format = (typeof meta === 'object' && meta !== null ? meta as { format?: unknown } : {}).format;
  if (format === CHECKPOINT_FORMAT) return;
  const found = format === undefined ? null : JSON.stringify(format).slice(0, 40);
  throw new CheckpointError(message('ckpt-format-tag', { folder, file: META_FILE, format: CHECKPOINT_FORMAT, found }));
}

/** A checkpoint's hashes: seqlab.json's "files" entry, checked to be names -> hex strings. */
function hashesOf(meta: unknown, folder: string): Record<string, string> {
  const files = (meta as { files?: unknown } | null)?.files;
  if (typeof files !== 'object' || files === null || Array.isArray(files) || !Object.values(files).every((v) => typeof v === 'string')) {
    throw new CheckpointError(message('ckpt-meta-no-hashes', { folder, file: META_FILE }));
  }
  return files as Record<string, string>;
}

export interface CheckpointFolderContents {
  dir: string;
  /** seqlab.json as parsed JSON, not yet checked beyond its hashes. */
  meta: unknown;
  model: { bytes: Buffer; shapes: Record<string, number[]> };
  optimizer: { bytes: Buffer; shapes: Record<string, number[]> };
}

/**
 * Checks a tensor file's names and shapes (from its header) against seqlab.json before its
 * data is read: a file that does not fit the model is refused without reading gigabytes.
 */
export type HeaderCheck = (meta: unknown, file: string, shapes: Record<string, number[]>, folder: string) => void;

/** One read of one folder: meta, then both tensor files, each checked against the meta's hash. */
function readFolderOnce(folder: string, checkHeader?: HeaderCheck): CheckpointFolderContents {
  const meta = readMetaJSON(folder);
  checkFormatTag(meta, folder);
  const hashes = hashesOf(meta, folder);
  const read = (file: string) => {
    const p = path.join(folder, file);
    let contents: { bytes: Buffer; shapes: Record<string, number[]> };
    try {
      contents = readSafetensorsFile(p, fileIn(file, folder), checkHeader && ((shapes) => checkHeader(meta, file, shapes, folder)));
    } catch (err) {
      if (err instanceof FileRefusedError && err.code === 'missing') throw new CheckpointError(message('ckpt-file-missing', { folder, file }));
      throw err;
    }
    if (hashes[file] !== sha256(contents.bytes)) {
      throw new CheckpointError(message('ckpt-hash-mismatch', { folder, file, meta: META_FILE }));
    }
    return contents;
  };
  return { dir: folder, meta, model: read(MODEL_FILE), optimizer: read(OPTIMIZER_FILE) };
}

/** Whether a folder holds a whole checkpoint (all files present, hashes matching). */
function isComplete(folder: string): boolean {
  try {
    readFolderOnce(folder);
    return true;
  } catch {
    return false;
  }
}

function createdOf(folder: string): string {
  try {
    const created = (readMetaJSON(folder) as { created?: unknown }).created;
    return typeof created === 'string' ? created : '';
  } catch {
    return '';
  }
}

/**
 * Puts an interrupted save right: when `target` is missing, the newest complete leftover
 * of a process that is gone becomes `target`; then the other leftovers of gone processes
 * are removed (only if they hold nothing but SeqLab's files). Errors are ignored: a
 * read-only folder is still readable through the fallback.
 */
export function recoverCheckpointFolder(dir: string): void {
  const target = path.resolve(dir);
  const stale = leftoversOf(target).filter((l) => !leftoverLive(l));
  if (stale.length === 0) return;
  try {
    if (!fs.existsSync(target)) {
      const complete = stale.filter((l) => isComplete(l.dir)).sort((a, b) => createdOf(b.dir).localeCompare(createdOf(a.dir)));
      if (complete.length) fs.renameSync(complete[0].dir, target);
    }
    for (const l of stale) if (fs.existsSync(l.dir)) removeOwnedFolder(l.dir);
  } catch {
    // best effort, see above
  }
}

/** The folder to read for `dir`: itself, or the newest complete leftover of a save in progress or interrupted. */
export function resolveCheckpointDir(dir: string): string {
  const target = path.resolve(dir);
  if (fs.existsSync(path.join(target, META_FILE))) return target;
  const complete = leftoversOf(target).filter((l) => isComplete(l.dir)).sort((a, b) => createdOf(b.dir).localeCompare(createdOf(a.dir)));
  if (complete.length) return complete[0].dir;
  if (!fs.existsSync(target)) throw new CheckpointError(message('ckpt-no-folder', { folder: target }));
  if (!fs.statSync(target).isDirectory()) throw new CheckpointError(message('ckpt-not-folder', { folder: target }));
  throw new CheckpointError(message('ckpt-no-meta', { folder: target, file: META_FILE }));
}

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function metaIdentity(folder: string): string {
  try {
    const st = fs.statSync(path.join(folder, META_FILE));
    return `${st.ino}:${st.mtimeMs}:${st.size}`;
  } catch {
    return 'gone';
  }
}

/** What a concurrent save changes: the identity of NAME/seqlab.json and the leftovers beside NAME. */
function folderSnapshot(target: string): string {
  return `${metaIdentity(target)}|${leftoversOf(target).map((l) => path.basename(l.dir)).sort().join(',')}`;
}

/**
 * Reads the checkpoint at `dir` whole. If a save swaps folders while it reads (the
 * folder's snapshot changes, or a live process has a save under way), it reads again,
 * so it returns the old checkpoint or the new one, never a mix. A damaged checkpoint
 * with no save under way fails at once.
 */
export function readCheckpointFolder(dir: string, checkHeader?: HeaderCheck): CheckpointFolderContents {
  const target = path.resolve(dir);
  recoverCheckpointFolder(target);
  for (let attempt = 0; ; attempt++) {
    const before = folderSnapshot(target);
    try {
      return readFolderOnce(resolveCheckpointDir(target), checkHeader);
    } catch (err) {
      const raced = folderSnapshot(target) !== before || leftoversOf(target).some(leftoverLive);
      if (!raced || attempt >= 20) throw err;
      sleep(5 * (attempt + 1));
    }
  }
}

/**
 * Writes a checkpoint folder (files: name -> contents; seqlab.json is written last) and
 * swaps it in at `dir` (see the file comment). Returns the absolute path.
 */
export function writeCheckpointFolder(dir: string, files: ReadonlyArray<[string, Buffer | string]>): string {
  const target = checkSaveTarget(dir);
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const staging = `${target}.tmp-${tag}`;
  try {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    recoverCheckpointFolder(target);
    fs.mkdirSync(staging);
    const ordered = [...files.filter(([n]) => n !== META_FILE), ...files.filter(([n]) => n === META_FILE)];
    for (const [name, data] of ordered) {
      if (!OWNED_FILES.includes(name)) throw new Error(`internal: ${name} is not a checkpoint file`);
      writeFileSynced(path.join(staging, name), data);
    }
    fsyncDir(staging);
    const state = inspectTarget(target); // again: the folder may have changed while the files were written
    if (state === 'checkpoint') {
      const old = `${target}.old-${tag}`;
      fs.renameSync(target, old);
      fs.renameSync(staging, target);
      removeOwnedFolder(old);
    } else {
      if (state === 'empty' && process.platform === 'win32') fs.rmdirSync(target); // POSIX renames over an empty folder
      fs.renameSync(staging, target);
    }
    fsyncDir(path.dirname(target));
    return target;
  } catch (err) {
    if (fs.existsSync(staging)) removeOwnedFolder(staging);
    throw explainWriteError(err, target);
  }
}

/** A file-system error of a save, said so that the user knows what to do; other errors pass through. */
function explainWriteError(err: unknown, target: string): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (!code || !SAVE_ERRNOS.includes(code)) return err;
  return new CheckpointError(message('ckpt-save-failed', { folder: target, code }));
}
