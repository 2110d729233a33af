/**
 * The safetensors format (https://github.com/huggingface/safetensors): an 8-byte
 * little-endian header length N, N bytes of JSON (`{name: {dtype, shape, data_offsets}},
 * and an optional "__metadata__" of strings), then the raw little-endian data. PyTorch
 * users load it with `safetensors.torch.load_file`, or with the few lines of
 * test/interop/seqlab_torch.py. Only float32 tensors are written and read here.
 */
export interface NamedArray { shape: number[]; data: Float32Array }

export class SafetensorsError extends Error {
  override readonly name = 'SafetensorsError';
}

const MAX_HEADER = 100 * 1024 * 1024;

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

/** Parses and checks a safetensors buffer; every problem is an error naming it. */
export function decodeSafetensors(buf: Buffer, what = 'safetensors file'): { tensors: Record<string, NamedArray>; metadata: Record<string, string> } {
  if (buf.length < 8) throw new SafetensorsError(`${what} is truncated: ${buf.length} bytes, not even a header length`);
  const headerLength = Number(buf.readBigUInt64LE(0));
  if (headerLength > MAX_HEADER || 8 + headerLength > buf.length) {
    throw new SafetensorsError(`${what} is truncated or damaged: its header claims ${headerLength} bytes, the file has ${buf.length}`);
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(buf.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new SafetensorsError(`${what} has a damaged header (not JSON)`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new SafetensorsError(`${what} has a damaged header (not an object)`);
  const dataStart = 8 + headerLength;
  const dataLength = buf.length - dataStart;
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  const tensors: Record<string, NamedArray> = {};
  const spans: Array<[number, number, string]> = [];
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const info = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (info.dtype !== 'F32') throw new SafetensorsError(`${what}: tensor "${name}" has dtype ${JSON.stringify(info.dtype)}; only F32 is supported`);
    const shape = info.shape;
    const offsets = info.data_offsets;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) throw new SafetensorsError(`${what}: tensor "${name}" has an invalid shape`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new SafetensorsError(`${what}: tensor "${name}" has invalid data_offsets`);
    }
    const [begin, end] = offsets as number[];
    const size = (shape as number[]).reduce((a, b) => a * b, 1);
    if (end - begin !== size * 4) throw new SafetensorsError(`${what}: tensor "${name}" of shape [${shape}] needs ${size * 4} bytes, its offsets give ${end - begin}`);
    if (end > dataLength) throw new SafetensorsError(`${what} is truncated: tensor "${name}" ends at byte ${end} of the data, which has ${dataLength}`);
    spans.push([begin, end, name]);
    const copy = new Float32Array(size);
    Buffer.from(copy.buffer).set(buf.subarray(dataStart + begin, dataStart + end));
    tensors[name] = { shape: shape as number[], data: copy };
  }
  spans.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i][0] < spans[i - 1][1]) throw new SafetensorsError(`${what}: tensors "${spans[i - 1][2]}" and "${spans[i][2]}" overlap`);
  }
  return { tensors, metadata };
}
