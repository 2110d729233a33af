/**
 * The safetensors format (https://github.com/huggingface/safetensors): an 8-byte
 * little-endian header length N, N bytes of JSON (`{name: {dtype, shape, data_offsets}},
 * and an optional "__metadata__" of strings), then the raw little-endian data. PyTorch
 * users load it with `safetensors.torch.load_file`, or with the few lines of
 * test/interop/seqlab_torch.py. Only float32 tensors are written and read here.
 */
import * as fs from 'node:fs';
import { CataloguedError, message, type Named } from '../core/messages';
import { openRegularFile, readAt } from '../io/files';

export interface NamedArray { shape: number[]; data: Float32Array }

/** Tensors (a state_dict, an optimiser's state) as named float arrays: what a safetensors file and a thread message hold. */
export function namedArrays(tensors: Record<string, { shape: readonly number[]; dataSync(): unknown }>): Record<string, NamedArray> {
  return Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, { shape: [...t.shape], data: t.dataSync() as Float32Array }]));
}

/**
 * A damaged or foreign tensor file: its catalogue message (`st-*`) says what is wrong. (Two
 * texts stay plain English: encoding SeqLab's own tensors with a wrong length, a bug; and a
 * big-endian machine, which Node no longer runs on.)
 */
export class SafetensorsError extends CataloguedError {
  override readonly name = 'SafetensorsError';
}

/** The header is names, shapes and offsets: a few KB for any model SeqLab trains. */
const MAX_HEADER = 16 * 1024 * 1024;
/** Node 20's largest Buffer (4 GiB): one file is read into one Buffer to hash it. */
const MAX_FILE = 4 * 1024 ** 3 - 1;

export function encodeSafetensors(tensors: Record<string, NamedArray>, metadata: Record<string, string> = {}): Buffer {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const name of names) {
    const { shape, data } = tensors[name];
    const size = shape.reduce((a, b) => a * b, 1);
    if (size !== data.length) throw new SafetensorsError(`${name}: shape [${shape}] holds ${size} numbers, the data has ${data.length}`);
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + data.byteLength] };
    offset += data.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8); // keeps the data 8-byte aligned
  const headerBytes = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + headerBytes.length + offset);
  out.writeBigUInt64LE(BigInt(headerBytes.length), 0);
  headerBytes.copy(out, 8);
  let at = 8 + headerBytes.length;
  for (const name of names) {
    const { data } = tensors[name];
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (!isLittleEndian) throw new SafetensorsError('big-endian machines are not supported');
    bytes.copy(out, at);
    at += data.byteLength;
  }
  return out;
}

const isLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

interface TensorEntry { name: string; shape: number[]; begin: number; end: number }

/**
 * Checks a parsed header against the length of the data that follows it: dtypes, shapes,
 * offsets inside the data, no overlaps and no holes (the format's own rule). Nothing is
 * allocated for the tensors before this passes.
 */
function checkHeader(header: unknown, dataLength: number, what: Named): { entries: TensorEntry[]; metadata: Record<string, string> } {
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new SafetensorsError(message('st-header-not-object', { what }));
  const record = header as Record<string, unknown>;
  const rawMetadata = record.__metadata__ ?? {};
  if (typeof rawMetadata !== 'object' || rawMetadata === null || Array.isArray(rawMetadata) || !Object.values(rawMetadata).every((v) => typeof v === 'string')) {
    throw new SafetensorsError(message('st-header-metadata', { what }));
  }
  const entries: TensorEntry[] = [];
  for (const [name, raw] of Object.entries(record)) {
    if (name === '__metadata__') continue;
    const info = (typeof raw === 'object' && raw !== null ? raw : {}) as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (info.dtype !== 'F32') {
      throw new SafetensorsError(message('st-dtype', { what, name, dtype: info.dtype === undefined ? null : String(JSON.stringify(info.dtype)) }));
    }
    const shape = info.shape;
    const offsets = info.data_offsets;
    if (!Array.isArray(shape) || shape.length > 8 || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new SafetensorsError(message('st-shape', { what, name }));
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new SafetensorsError(message('st-offsets', { what, name }));
    }
    const [begin, end] = offsets as number[];
    const size = (shape as number[]).reduce((a, b) => a * b, 1);
    if (end - begin !== size * 4) throw new SafetensorsError(message('st-size', { what, name, shape: String(shape), needs: size * 4, gives: end - begin }));
    if (end > dataLength) throw new SafetensorsError(message('st-tensor-truncated', { what, name, end, length: dataLength }));
    entries.push({ name, shape: shape as number[], begin, end });
  }
  const spans = [...entries].sort((a, b) => a.begin - b.begin);
  let covered = 0;
  for (const span of spans) {
    if (span.begin < covered) throw new SafetensorsError(message('st-overlap', { what, name: span.name }));
    if (span.begin > covered) throw new SafetensorsError(message('st-hole', { what, from: covered, to: span.begin }));
    covered = span.end;
  }
  if (covered !== dataLength) throw new SafetensorsError(message('st-trailing', { what, bytes: dataLength - covered }));
  return { entries, metadata: rawMetadata as Record<string, string> };
}

function parseHeaderJSON(bytes: Buffer, what: Named): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new SafetensorsError(message('st-header-not-json', { what }));
  }
}

function checkHeaderLength(headerLength: number, fileLength: number, what: Named): void {
  if (headerLength > MAX_HEADER || 8 + headerLength > fileLength) {
    throw new SafetensorsError(message('st-header-length', { what, claims: headerLength, has: fileLength }));
  }
}

/** Parses and checks a safetensors buffer; every problem is an error naming it. */
export function decodeSafetensors(buf: Buffer, what: Named = { en: 'safetensors file', zh: 'safetensors 文件' }): { tensors: Record<string, NamedArray>; metadata: Record<string, string> } {
  if (buf.length < 8) throw new SafetensorsError(message('st-too-short', { what, bytes: buf.length }));
  const headerLength = Number(buf.readBigUInt64LE(0));
  checkHeaderLength(headerLength, buf.length, what);
  const dataStart = 8 + headerLength;
  const { entries, metadata } = checkHeader(parseHeaderJSON(buf.subarray(8, dataStart), what), buf.length - dataStart, what);
  const tensors: Record<string, NamedArray> = {};
  for (const { name, shape, begin, end } of entries) {
    const copy = new Float32Array((end - begin) / 4);
    Buffer.from(copy.buffer).set(buf.subarray(dataStart + begin, dataStart + end));
    tensors[name] = { shape, data: copy };
  }
  return { tensors, metadata };
}

/**
 * Reads a safetensors file whose header has been checked against the file's size
 * before the data is read: a header that claims more than the file holds is refused
 * without allocating what it claims. Returns the whole file's bytes (for hashing) and
 * the tensor names and shapes.
 */
export function readSafetensorsFile(file: string, what: Named, checkShapes?: (shapes: Record<string, number[]>) => void): { bytes: Buffer; shapes: Record<string, number[]> } {
  const { fd, size } = openRegularFile(file, what, MAX_FILE);
  try {
    if (size < 8) throw new SafetensorsError(message('st-too-short', { what, bytes: size }));
    const headerLength = Number(readAt(fd, 8, 0).readBigUInt64LE(0));
    checkHeaderLength(headerLength, size, what);
    const { entries } = checkHeader(parseHeaderJSON(readAt(fd, headerLength, 8), what), size - 8 - headerLength, what);
    const shapes = Object.fromEntries(entries.map((e) => [e.name, e.shape]));
    checkShapes?.(shapes); // before the data: a file that does not fit is refused unread
    const bytes = readAt(fd, size, 0);
    if (bytes.length !== size) throw new SafetensorsError(message('st-changed', { what, got: bytes.length, size }));
    return { bytes, shapes };
  } finally {
    fs.closeSync(fd);
  }
}
