/**
 * The checkpoint loader against thousands of random mutations of a real checkpoint:
 * header lengths, offsets, dtypes, shapes, tensor names, truncation, appended bytes,
 * hostile seqlab.json fields (numLayers: 100000 and the like), with the hashes in
 * seqlab.json recomputed most of the time so that the damage reaches the parsers. Every
 * case must load correctly or be refused with a CheckpointError/SafetensorsError naming
 * the problem, within a time bound, and the loop must stay within a memory bound.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../../engine';
import { DEMO_CORPUS } from '../../engine/text/demoCorpus';
import { MODEL_FILE, OPTIMIZER_FILE, META_FILE } from '../../engine/checkpoint/format';
import { loadCheckpoint } from '../../engine/train/checkpointing';
import { decodeSafetensors } from '../../engine/checkpoint/safetensors';
import { sha256 } from '../../engine/checkpoint/folder';
import { Random } from '../../engine/core/random';
import { trainFromRequest } from '../../engine/train/session';

const CASES = 2000;
/** A case's CPU time at most (this process's, so another job on the machine does not count): a damaged file must not cost seconds of work. */
const PER_CASE_CPU_LIMIT_MS = 2000;
const MEMORY_LIMIT_BYTES = 400 * 1024 * 1024;

type Files = Record<string, Buffer>;

function headerOf(buf: Buffer): { header: Record<string, any>; data: Buffer } {
  const n = Number(buf.readBigUInt64LE(0));
  return { header: JSON.parse(buf.subarray(8, 8 + n).toString('utf8')), data: buf.subarray(8 + n) };
}

function withHeader(header: unknown, data: Buffer): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, data]);
}

const HOSTILE_NUMBERS = [0, -1, 1e9, 100_000, 2 ** 31, 2 ** 53, 1.5, Number.MAX_SAFE_INTEGER, 1e300];
const HOSTILE_VALUES: unknown[] = [...HOSTILE_NUMBERS, null, 'x', [], {}, true, [1e9, 1e9], [-1], [0, 0]];

/** One random mutation of a valid checkpoint's files; returns its description. */
function mutate(files: Files, rng: Random): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng.next() * xs.length)];
  const tensorFile = pick([MODEL_FILE, OPTIMIZER_FILE]);
  const buf = files[tensorFile];
  const kind = Math.floor(rng.next() * 9);
  switch (kind) {
    case 0: { // flip bytes anywhere
      const copy = Buffer.from(buf);
      for (let i = 0, n = 1 + Math.floor(rng.next() * 4); i < n; i++) copy[Math.floor(rng.next() * copy.length)] ^= 1 + Math.floor(rng.next() * 255);
      files[tensorFile] = copy;
      return `${tensorFile}: flipped bytes`;
    }
    case 1: { // the header length field
      const copy = Buffer.from(buf);
      const n = Number(copy.readBigUInt64LE(0));
      const value = pick([0n, 1n, BigInt(n - 1), BigInt(n + 1), BigInt(n + 8), BigInt(copy.length), 2n ** 32n, 2n ** 63n, 2n ** 64n - 1n]);
      copy.writeBigUInt64LE(value, 0);
      files[tensorFile] = copy;
      return `${tensorFile}: header length ${value}`;
    }
    case 2: { // one field of one tensor's header entry
      const { header, data } = headerOf(buf);
      const names = Object.keys(header).filter((k) => k !== '__metadata__');
      const name = pick(names);
      const field = pick(['dtype', 'shape', 'data_offsets']);
      const value = field === 'dtype' ? pick(['F16', 'F64', 'I64', 'BF16', 'x', 7, null]) : pick(HOSTILE_VALUES);
      header[name][field] = value;
      files[tensorFile] = withHeader(header, data);
      return `${tensorFile}: ${name}.${field} = ${JSON.stringify(value)}`;
    }
    case 3: { // tensors renamed, removed, duplicated, or offsets swapped
      const { header, data } = headerOf(buf);
      const names = Object.keys(header).filter((k) => k !== '__metadata__');
      const a = pick(names);
      const b = pick(names);
      const op = pick(['rename', 'delete', 'swap-offsets', 'add', 'metadata']);
      if (op === 'rename') { header[`${a}_x`] = header[a]; delete header[a]; }
      if (op === 'delete') delete header[a];
      if (op === 'swap-offsets') [header[a].data_offsets, header[b].data_offsets] = [header[b].data_offsets, header[a].data_offsets];
      if (op === 'add') header['rnn.weight_ih_l7'] = { ...header[a] };
      if (op === 'metadata') header.__metadata__ = pick([[], 5, { a: 1 }, null, 'x']);
      files[tensorFile] = withHeader(header, data);
      return `${tensorFile}: ${op} ${a}${op === 'swap-offsets' ? ` / ${b}` : ''}`;
    }
    case 4: { // truncated or extended
      const cut = Math.floor(rng.next() * buf.length);
      files[tensorFile] = rng.next() < 0.5 ? buf.subarray(0, cut) : Buffer.concat([buf, Buffer.alloc(1 + Math.floor(rng.next() * 64), 7)]);
      return `${tensorFile}: length changed`;
    }
    case 5: { // the header's JSON itself damaged
      const n = Number(buf.readBigUInt64LE(0));
      const copy = Buffer.from(buf);
      copy[8 + Math.floor(rng.next() * n)] = pick([0x7b, 0x7d, 0x22, 0x00, 0xff, 0x2c]);
      files[tensorFile] = copy;
      return `${tensorFile}: header byte changed`;
    }
    case 6: { // a hostile value at a random place of seqlab.json
      const meta = JSON.parse(files[META_FILE].toString('utf8'));
      const paths: string[][] = [];
      const walk = (v: unknown, p: string[]) => {
        if (p.length) paths.push(p);
        if (v && typeof v === 'object' && p.length < 4) for (const [k, child] of Object.entries(v)) if (!/^\d+$/.test(k) || Number(k) < 3) walk(child, [...p, k]);
      };
      walk(meta, []);
      const at = pick(paths);
      let node = meta;
      for (const k of at.slice(0, -1)) node = node[k];
      const value = rng.next() < 0.15 ? undefined : pick(HOSTILE_VALUES);
      if (value === undefined) delete node[at.at(-1)!]; else node[at.at(-1)!] = value;
      files[META_FILE] = Buffer.from(JSON.stringify(meta));
      return `${META_FILE}: ${at.join('.')} = ${JSON.stringify(value)}`;
    }
    case 7: { // the model seqlab.json describes, made hostile
      const meta = JSON.parse(files[META_FILE].toString('utf8'));
      const key = pick(['numLayers', 'hiddenSize', 'embeddingSize', 'vocabSize', 'cell']);
      meta.model[key] = key === 'cell' ? pick(['gru', 'rnn-tanh', 'transformer']) : pick([100_000, 4096, 8, 2, 1e9]);
      files[META_FILE] = Buffer.from(JSON.stringify(meta));
      return `${META_FILE}: model.${key} = ${meta.model[key]}`;
    }
    default: { // seqlab.json cut short or replaced
      const text = files[META_FILE];
      files[META_FILE] = rng.next() < 0.5 ? text.subarray(0, Math.floor(rng.next() * text.length)) : Buffer.from(pick(['[]', '5', 'null', '"x"', '{}']));
      return `${META_FILE}: replaced or truncated`;
    }
  }
}

/** Puts the tensor files' hashes into seqlab.json when it is still an object with "files". */
function rehash(files: Files): void {
  try {
    const meta = JSON.parse(files[META_FILE].toString('utf8'));
    if (!meta || typeof meta.files !== 'object' || meta.files === null) return;
    meta.files[MODEL_FILE] = sha256(files[MODEL_FILE]);
    meta.files[OPTIMIZER_FILE] = sha256(files[OPTIMIZER_FILE]);
    files[META_FILE] = Buffer.from(JSON.stringify(meta));
  } catch {
    // a damaged seqlab.json stays damaged
  }
}

describe('checkpoint loader under fuzzing', () => {
  let original: Files;
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-fuzz-'));

  before(async () => {
    await initBackend('cpu');
    const dir = path.join(base, 'original');
    const run = trainFromRequest({ source: { kind: 'text', text: DEMO_CORPUS }, config: { hidden: 8, embed: 4, seqLen: 8, batch: 4, steps: 3, evalInterval: 3, sampleInterval: 0, layers: 2 }, outDir: dir, keep: 'last' });
    while (!(await run.next()).done) { /* train */ }
    original = Object.fromEntries([MODEL_FILE, OPTIMIZER_FILE, META_FILE].map((f) => [f, fs.readFileSync(path.join(dir, f))]));
  });

  it(`refuses with a message, or loads correctly, each of ${CASES} mutated checkpoints`, () => {
    const rng = new Random(20261127);
    const dir = path.join(base, 'case');
    fs.mkdirSync(dir);
    const rssBefore = process.memoryUsage().rss;
    let loaded = 0;
    let refused = 0;
    let slowest = 0;
    let peakRss = rssBefore;
    const reasons = new Map<string, number>();
    for (let i = 0; i < CASES; i++) {
      const files: Files = { ...original };
      const what = [mutate(files, rng)];
      if (rng.next() < 0.3) {
        try {
          what.push(mutate(files, rng));
        } catch {
          // the first mutation left nothing the second can parse: one mutation it is
        }
      }
      if (rng.next() < 0.8) rehash(files);
      for (const [name, bytes] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), bytes);
      const started = process.cpuUsage();
      try {
        const { model, meta } = loadCheckpoint(dir);
        // Loaded correctly: every tensor of the model holds exactly the floats the file holds under its name.
        const inFile = decodeSafetensors(files[MODEL_FILE], 'the case').tensors;
        const state = model.stateDict();
        assert.deepEqual(Object.keys(state).sort(), Object.keys(inFile).sort(), `case ${i} (${what.join('; ')}): loaded other tensors than the file names`);
        for (const [name, t] of Object.entries(state)) {
          const want = inFile[name];
          assert.deepEqual(t.shape, want.shape, `case ${i} (${what.join('; ')}): ${name}'s shape`);
          assert.ok(Buffer.from((t.dataSync() as Float32Array).buffer).equals(Buffer.from(want.data.buffer, want.data.byteOffset, want.data.byteLength)), `case ${i} (${what.join('; ')}): ${name} loaded other values than its file holds`);
        }
        model.dispose();
        assert.ok(meta.model.numLayers <= 8);
        loaded++;
      } catch (err) {
        const e = err as Error;
        if (e.name === 'AssertionError') throw e;
        assert.ok(['CheckpointError', 'SafetensorsError'].includes(e.name), `case ${i} (${what.join('; ')}): ${e.name}: ${e.message}\n${e.stack}`);
        assert.doesNotMatch(e.message, /undefined|NaN|\[object Object\]/, `case ${i} (${what.join('; ')}): unclear message: ${e.message}`);
        refused++;
        const reason = e.message.replace(/\/\S+/g, '').replace(/\d+/g, 'N').slice(0, 60);
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      }
      const used = process.cpuUsage(started);
      const ms = (used.user + used.system) / 1000;
      slowest = Math.max(slowest, ms);
      assert.ok(ms < PER_CASE_CPU_LIMIT_MS, `case ${i} (${what.join('; ')}) took ${ms.toFixed(0)} ms of CPU`);
      if (i % 100 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    console.log(`# fuzzed checkpoints: ${CASES} cases, ${loaded} loaded, ${refused} refused with a message, ${reasons.size} distinct messages; slowest ${slowest.toFixed(0)} ms of CPU; memory grew ${((peakRss - rssBefore) / 2 ** 20).toFixed(0)} MiB`);
    if (process.env.SEQLAB_FUZZ_VERBOSE) for (const [r, n] of [...reasons].sort((a, b) => b[1] - a[1])) console.log(`#   ${n}\t${r}`);
    assert.ok(peakRss - rssBefore < MEMORY_LIMIT_BYTES, `memory grew by ${peakRss - rssBefore} bytes`);
    assert.ok(refused > CASES / 2 && loaded > 0, 'the mutations should mostly damage, sometimes not');
  });
});
