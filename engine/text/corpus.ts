/**
 * Where training text comes from (an editor selection, a file, several files), the
 * checks that turn bad text into a clear error, and the split into training and
 * validation parts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { glob } from 'tinyglobby';
import { z } from 'zod';
import { FileRefusedError, formatBytes, readRegularFile } from '../io/files';
import { shellCommand } from '../io/safeText';
import { codePointCount } from './codePoints';
import type { TokenIds } from './vocabulary';
import { CataloguedError, message, type EngineMessage } from '../core/messages';

/** Text given as it is (a selection: `name` says where from), or files by glob patterns. */
export const CorpusSourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('text'), text: z.string(), name: z.string().optional() }),
  z.object({ kind: z.literal('files'), patterns: z.array(z.string()).min(1), cwd: z.string().optional() }),
]);
export type CorpusSource = z.infer<typeof CorpusSourceSchema>;

export interface CorpusFile { path: string; characters: number }

export interface Corpus {
  text: string;
  /** Where it came from, for the user: "selection in notes.md", "3 files (12,345 characters)". */
  origin: string;
  files: CorpusFile[];
}

/** Default limit on the text held for training: 50 million characters (about 200 MB as tokens and strings). */
export const DEFAULT_MAX_CHARACTERS = 50_000_000;

/** The text cannot be trained on; `engineMessage`: the catalogue message (engine/core/messages.ts), when it has one. */
export class CorpusError extends CataloguedError {
  override readonly name = 'CorpusError';
}

/** The text is too short for the sequence length: lowering it (or more text) is the remedy. */
export class TextTooShortError extends CorpusError {
  constructor(m: string | EngineMessage, readonly details: { length: number; needed: number }) {
    super(m);
  }
}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads one file as UTF-8 text, refusing what is not a regular file, files above
 * `maxCharacters` (checked on the size before reading: UTF-8 takes at most 3 bytes per
 * UTF-16 unit, so a file of more than 3 x maxCharacters bytes is over the limit), and
 * binary files (NUL bytes or invalid UTF-8).
 */
export function readTextFile(file: string, maxCharacters = DEFAULT_MAX_CHARACTERS): string {
  let bytes: Buffer;
  try {
    bytes = readRegularFile(file, 'the training file', 3 * maxCharacters);
  } catch (err) {
    if (err instanceof FileRefusedError && err.code === 'too-large') {
      throw new CorpusError(message('file-too-large', { file, limit: maxCharacters, bytes: formatBytes(3 * maxCharacters) }));
    }
    if (err instanceof FileRefusedError && err.code === 'missing') throw new CorpusError(message('file-missing', { file }));
    throw new CorpusError(message('file-unreadable', { file, said: err instanceof FileRefusedError ? err.message : `cannot read ${file}: ${(err as Error).message}` }));
  }
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    const converted = `${path.basename(file, path.extname(file))}-utf8${path.extname(file)}`;
    throw new CorpusError(message('file-utf16', { file, command: `${shellCommand(['iconv', '-f', 'UTF-16', '-t', 'UTF-8', path.basename(file)])} > ${shellCommand([converted])}` }));
  }
  if (bytes.includes(0)) throw new CorpusError(message('file-binary', { file }));
  try {
    return fatalUtf8.decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    throw new CorpusError(message('file-not-utf8', { file }));
  }
}

/** Loads a corpus and checks it. `minLength` is the shortest usable text (one training window). */
export async function loadCorpus(source: CorpusSource, options: { minLength: number; maxCharacters?: number }): Promise<Corpus> {
  const max = options.maxCharacters ?? DEFAULT_MAX_CHARACTERS;
  let corpus: Corpus;
  if (source.kind === 'text') {
    if (source.text.includes('\0')) throw new CorpusError(message('text-binary', {}));
    corpus = { text: source.text, origin: source.name ?? 'text', files: [] };
  } else {
    const cwd = source.cwd ?? process.cwd();
    const files: string[] = [];
    for (const pattern of source.patterns) {
      const absolute = path.resolve(cwd, pattern);
      const st = fs.statSync(absolute, { throwIfNoEntry: false });
      if (st?.isDirectory()) {
        throw new CorpusError(message('file-is-folder', { path: absolute, glob: path.join(pattern, '**', '*.md') }));
      }
      if (st) {
        files.push(absolute); // readTextFile refuses FIFOs, devices and sockets with a message
        continue;
      }
      const matched = await glob(pattern, { cwd, absolute: true, onlyFiles: true });
      if (matched.length === 0) throw new CorpusError(message('file-no-match', { pattern, cwd }));
      files.push(...matched.sort());
    }
    const unique = [...new Set(files)];
    const parts: string[] = [];
    const list: CorpusFile[] = [];
    let total = 0;
    for (const file of unique) {
      const text = readTextFile(file, max);
      total += text.length;
      if (total > max) {
        throw new CorpusError(unique.length === 1
          ? message('file-has-too-many', { file, length: text.length, limit: max })
          : message('files-too-many', { limit: max }));
      }
      parts.push(text);
      list.push({ path: file, characters: codePointCount(text) });
    }
    corpus = {
      text: parts.join('\n\n'),
      origin: unique.length === 1 ? path.basename(unique[0]) : `${unique.length} files`,
      files: list,
    };
  }
  checkText(corpus.text, options.minLength, max);
  corpus.text = corpus.text.normalize('NFC');
  return corpus;
}

/** Throws a CorpusError that says what to do when the text cannot be trained on. */
export function checkText(text: string, minLength: number, maxCharacters = DEFAULT_MAX_CHARACTERS): void {
  if (text.trim().length === 0) throw new CorpusError(message('text-empty', {}));
  if (text.length > maxCharacters) {
    throw new CorpusError(message('text-too-long', { length: text.length, limit: maxCharacters }));
  }
  const length = codePointCount(text);
  if (length < minLength) {
    throw new TextTooShortError(message('text-too-short', { length, needed: minLength }), { length, needed: minLength });
  }
}

/** A contiguous split: the last `valFraction` of the ids is for validation. */
export function splitIds<T extends TokenIds>(ids: T, valFraction: number, minPart: number): { train: T; validation: T } {
  const valLength = Math.max(minPart, Math.round(ids.length * valFraction));
  if (ids.length - valLength < minPart) {
    throw new TextTooShortError(message('text-too-short-split', { length: ids.length, held: valLength, window: minPart }), { length: ids.length, needed: valLength + minPart });
  }
  return { train: ids.subarray(0, ids.length - valLength) as T, validation: ids.subarray(ids.length - valLength) as T };
}
