/**
 * The engine's message catalogue (engine/core/messages.ts): every entry speaks both languages,
 * its Chinese is Chinese (Han characters, no English sentence left in it), and an error that
 * carries a message crosses the worker boundary as code + parameters, shown in the host's
 * language.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MESSAGES, errorText, message, messageOf, renderMessage, type EngineMessage, type MessageCode } from '../../engine/core/messages';
import { parseTrainConfig } from '../../engine/train/config';
import { checkText, TextTooShortError } from '../../engine/text/corpus';
import { checkMemory } from '../../engine/experiments/bounds';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CheckpointError, META_FILE, MODEL_FILE, readCheckpointFolder, refusalToRemoveMessage, resolveCheckpointDir, writeCheckpointFolder } from '../../engine/checkpoint/folder';
import { readCheckpointMeta } from '../../engine/checkpoint/format';
import { FolderLockedError, lockFolder } from '../../engine/checkpoint/lock';
import { SafetensorsError, decodeSafetensors, encodeSafetensors } from '../../engine/checkpoint/safetensors';
import { FileRefusedError, WriteRefusedError, readRegularFile, writeNewFile, writeOwnedFiles } from '../../engine/io/files';
import { parseTorchReply } from '../../engine/torch/protocol';
import { syntheticCheckpoint } from './support/syntheticCheckpoint';

const HAN = /\p{Script=Han}/u;
/**
 * An English sentence: three Latin words in a row, each of two letters or more ("the text has").
 * Names (LSTM, GRU, UTF-8, nats, --workers 2, a file name) are single words or joined by
 * punctuation, so they pass.
 */
export const LATIN_SENTENCE = /\b[A-Za-z]{2,}(?:\s+[A-Za-z]{2,}){2,}\b/;

/** A Chinese text without the commands it quotes (iconv ..., pip install torch): a command is a name, not a sentence. */
export const withoutCommands = (zh: string) => zh.replace(/iconv -f \S+ -t \S+( \S+ > \S+)?/g, '').replace(/pip install( -U)? torch/g, '');

/** Parameters for every entry, with Latin names in them where a student's would be. */
const SAMPLE_PARAMS: { [C in MessageCode]: Parameters<(typeof MESSAGES)[C]['en']>[0] } = {
  'text-empty': {}, 'text-binary': {},
  'text-too-long': { length: 60_000_000, limit: 50_000_000 },
  'text-too-short': { length: 35, needed: 130 },
  'text-too-short-split': { length: 140, held: 65, window: 65 },
  'text-too-short-window': { length: 90, seqLen: 64, needed: 130 },
  'file-too-large': { file: 'poems.txt', limit: 50_000_000, bytes: '143 MB' },
  'file-has-too-many': { file: 'poems.txt', length: 60_000_000, limit: 50_000_000 },
  'files-too-many': { limit: 50_000_000 },
  'file-utf16': { file: 'poems.txt', command: 'iconv -f UTF-16 -t UTF-8 poems.txt > poems-utf8.txt' },
  'file-missing': { file: 'poems.txt' }, 'file-unreadable': { file: '/dev/zero', said: 'the training file /dev/zero is a character device, not a regular file; SeqLab reads regular files only' },
  'file-binary': { file: 'a.bin' }, 'file-not-utf8': { file: 'gbk.txt' },
  'file-is-folder': { path: '/home/s/poems', glob: 'poems/**/*.md' },
  'file-no-match': { pattern: '*.md', cwd: '/home/s' },
  'bad-settings': { problems: [message('setting-too-big', { key: 'layers', label: { en: 'layers', zh: '层数' }, max: 8, inclusive: true, got: '100' })] },
  'setting-unknown': { keys: ['colour'] },
  'setting-too-big': { key: 'layers', label: { en: 'layers', zh: '层数' }, max: 8, inclusive: true, got: '100' },
  'setting-too-small': { key: 'lr', label: { en: 'learning rate', zh: '学习率' }, min: 0, inclusive: false, got: '0' },
  'setting-not-integer': { key: 'hidden', got: '12.5' },
  'setting-not-number': { key: 'hidden', got: '"a"' },
  'setting-not-one-of': { key: 'cell', values: ['lstm', 'gru', 'rnn'], got: '"x"' },
  'setting-invalid': { key: 'cell', got: 'null' },
  'cell-type': { got: 'x', allowed: ['lstm', 'gru', 'rnn'] },
  'optimizer-name': { got: 'x', allowed: ['adam', 'sgd'] },
  'vocab-max-size': { got: '1' },
  'sample-length': { got: '0', range: '[1, 10000]' }, 'sample-temperature': { got: '-1', range: '[0, 5]' }, 'sample-top-k': { got: '1.5', range: '[0, 100000]' }, 'sample-top-p': { got: '2', range: '(0, 1]' },
  'no-model': {}, 'busy-training': { request: 3 }, 'busy-backend': {},
  'probe-too-few': {}, 'drove-unknown-char': {}, 'drove-nothing-before': {}, 'connectivity-window': { got: '0' },
  'export-normalization': { model: 'lstm-1x128', normalization: 'layer' },
  'wasm-memory': { reason: 'Aborted(OOM)', hidden: 1024, layers: 4, batch: 256, seqLen: 512 },
  'resume-shape-changed': { dir: '/home/s/lstm-1x128-poems-last', changes: 'hidden: 128 -> 256' },
  'export-no-folder': {}, 'export-into-cwd': { target: '/home/s', example: '/home/s/model-pytorch' },
  'export-exists': { target: '/home/s/out', notEmpty: true },
  'export-cannot-write': { target: '/home/s/out', code: 'EACCES', why: { en: 'choose a folder on a disk you can write to, with space', zh: '请选择一个可写入且有空间的磁盘上的文件夹' } },
  'too-large-run': { title: { en: 'Long-range memory', zh: '长程记忆' }, largest: 5 * 2 ** 30, bound: 4 * 2 ** 30, settings: { en: 'hidden (512)', zh: 'hidden (512)' } },
  'too-large': { title: { en: 'Long-range memory', zh: '长程记忆' }, peak: 9 * 2 ** 30, bound: 8 * 2 ** 30, threads: 3, largest: 3 * 2 ** 30, settings: { en: 'hidden (512)', zh: 'hidden (512)' }, fewer: 1 },
  'experiment-unknown': { name: 'x', names: ['vanishing-gradients'] },
  'end-completed': { steps: 300 }, 'end-time-budget': { steps: 80, minutes: 2 }, 'end-time-budget-pass': { percent: '40', minutes: 5 },
  'end-plateau': { steps: 400, patience: 4, evalSteps: 100 }, 'end-cancelled': { steps: 12 }, 'end-cancelled-before': {},
  'end-diverged': { step: 31, lr: 0.5, clip: 0 },
  // reading and writing files
  'read-missing': { what: { en: 'the training file', zh: '训练文件' }, file: '/home/s/poems.txt' },
  'read-failed': { what: 'seqlab.json', file: '/home/s/m/seqlab.json', code: 'EACCES' },
  'read-not-regular': { what: { en: 'the training file', zh: '训练文件' }, file: '/dev/zero', kind: { en: 'a character device', zh: '字符设备' } },
  'read-too-large': { what: { en: 'model.safetensors in /home/s/m', zh: '/home/s/m 中的 model.safetensors' }, file: '/home/s/m/model.safetensors', size: '5.0 GiB', limit: '4.0 GiB' },
  'write-is-folder': { file: '/home/s/out', example: '/home/s/out/chapter.md' },
  'write-taken': { file: '/home/s/chapter.md' },
  'write-name-too-long': { file: 'x'.repeat(300), max: 255 },
  'write-disk-full': { name: 'chapter.md' }, 'write-quota': {},
  'write-read-only': { dir: '/mnt/ro' }, 'write-permission': { dir: '/root' }, 'write-no-folder': { dir: '/home/s/missing' },
  'write-path-not-folder': { dir: '/home/s/file.txt/x' }, 'write-link-loop': { file: '/home/s/loop' },
  'write-failed': { reason: [message('write-disk-full', { name: 'chapter.md' })], code: 'ENOSPC' },
  'write-parent-not-folder': { dir: '/home/s/a.txt', kind: { en: 'a regular file', zh: '普通文件' } },
  'write-exists': { file: 'lstm.py', kind: { en: 'a regular file', zh: '普通文件' } },
  'write-created-meanwhile': { file: 'lstm.py' },
  'write-refused': { why: [message('write-why-not-ours', { file: 'chapter.md' })] },
  'write-why-link': { file: 'chapter.md' }, 'write-why-kind': { file: 'chapter.md', kind: { en: 'a FIFO (named pipe)', zh: 'FIFO（命名管道）' } },
  'write-why-not-ours': { file: 'chapter.md' }, 'write-why-figures-folder': { folder: 'chapter-figures', kind: { en: 'a regular file', zh: '普通文件' } },
  // checkpoints
  'ckpt-no-folder': { folder: '/home/s/m' }, 'ckpt-not-folder': { folder: '/home/s/m' }, 'ckpt-no-meta': { folder: '/home/s/m', file: 'seqlab.json' },
  'ckpt-format-tag': { folder: '/home/s/m', file: 'seqlab.json', format: 'seqlab-checkpoint', found: '"other"' },
  'ckpt-cannot-read': { folder: '/home/s/m', file: 'seqlab.json', said: 'EIO: i/o error, read' },
  'ckpt-meta-nesting': { folder: '/home/s/m', file: 'seqlab.json', depth: 100_000, max: 64 },
  'ckpt-meta-not-json': { folder: '/home/s/m', file: 'seqlab.json', said: 'Unexpected end of JSON input' },
  'ckpt-meta-damaged': { folder: '/home/s/m', file: 'seqlab.json', said: 'model.hiddenSize: expected number, but it is missing', fields: ['model.hiddenSize'] },
  'ckpt-meta-no-hashes': { folder: '/home/s/m', file: 'seqlab.json' },
  'ckpt-newer': { folder: '/home/s/m', version: 9, reads: 3 },
  'ckpt-file-missing': { folder: '/home/s/m', file: 'model.safetensors' },
  'ckpt-hash-mismatch': { folder: '/home/s/m', file: 'model.safetensors', meta: 'seqlab.json' },
  'ckpt-vocab-mismatch': { folder: '/home/s/m', file: 'seqlab.json', size: 64, expected: 65 },
  'ckpt-misfit': { folder: '/home/s/m', file: 'model.safetensors', meta: 'seqlab.json', how: [message('misfit-shape', { name: 'head.weight', got: '65,128', needed: '64,128' })] },
  'misfit-no-tensor': { name: 'head.bias' }, 'misfit-shape': { name: 'head.weight', got: '65,128', needed: '64,128' }, 'misfit-layers': { layers: 2 },
  'misfit-size': { held: 9_000_000, needed: 130_000 }, 'misfit-optimizer-size': { held: 9_000_000, model: 130_000 },
  'misfit-load': { said: 'head.weight: expected shape [64,128], got [65,128]' },
  'ckpt-cannot-write': { folder: '/home/s/m', code: 'EIO' },
  'ckpt-will-not-write': { folder: '/home/s/notes', why: [message('ckpt-why-foreign', { shown: ['a.txt', 'b.md'], more: 0, removing: false })], suggestion: '/home/s/notes/seqlab-model' },
  'ckpt-why-cwd': {}, 'ckpt-why-name-too-long': { bytes: 240, max: 227, fsMax: 255 }, 'ckpt-why-path-too-long': {},
  'ckpt-why-kind': { kind: { en: 'a regular file', zh: '普通文件' } },
  'ckpt-why-foreign': { shown: ['a.txt', 'b.md', 'c.py'], more: 2, removing: true },
  'ckpt-why-unrecognised': { file: 'seqlab.json', removing: false },
  'ckpt-save-failed': { folder: '/home/s/m', code: 'ENOSPC' },
  'remove-absent': { folder: '/home/s/m' }, 'remove-empty': { folder: '/home/s/m' },
  'remove-refused': { folder: '/home/s/notes', why: [message('ckpt-why-unrecognised', { file: 'seqlab.json', removing: true })] },
  // locks
  'lock-name-too-long': { folder: '/home/s/m', why: [message('ckpt-why-name-too-long', { bytes: 240, max: 227, fsMax: 255 })] },
  'lock-damaged': { folder: '/home/s/m', pid: '-1', file: '/home/s/m.lock' },
  'lock-held': { folder: '/home/s/m', holder: [message('holder-process', { pid: 4242, host: 'lab-7', purpose: 'training', since: '2026-12-08T00:00:00.000Z' })], file: '/home/s/m.lock' },
  'holder-unknown': {}, 'holder-damaged': { pid: '0' },
  'holder-process': { pid: 4242, host: null, purpose: 'export', since: '' },
  'lock-contended': { folder: '/home/s/m' },
  'lock-cannot-write': { folder: '/home/s/m', code: 'EROFS' }, 'lock-name-too-long-fs': { folder: '/home/s/m', code: 'ENAMETOOLONG' },
  'lock-path-not-folder': { folder: '/home/s/a.txt/m', code: 'ENOTDIR' },
  // tensor files
  'st-header-not-object': { what: 'model.safetensors' }, 'st-header-metadata': { what: 'model.safetensors' }, 'st-header-not-json': { what: 'model.safetensors' },
  'st-dtype': { what: 'model.safetensors', name: 'head.bias', dtype: '"F16"' }, 'st-shape': { what: 'model.safetensors', name: 'head.bias' },
  'st-offsets': { what: 'model.safetensors', name: 'head.bias' },
  'st-size': { what: 'model.safetensors', name: 'head.bias', shape: '65', needs: 260, gives: 256 },
  'st-tensor-truncated': { what: { en: 'model.safetensors in /home/s/m', zh: '/home/s/m 中的 model.safetensors' }, name: 'head.bias', end: 4096, length: 100 },
  'st-overlap': { what: 'model.safetensors', name: 'head.bias' }, 'st-hole': { what: 'model.safetensors', from: 0, to: 8 },
  'st-trailing': { what: 'model.safetensors', bytes: 12 }, 'st-header-length': { what: 'model.safetensors', claims: 1e9, has: 100 },
  'st-too-short': { what: 'model.safetensors', bytes: 3 }, 'st-changed': { what: 'model.safetensors', got: 10, size: 20 },
  // the PyTorch engine
  'no-torch-named': { said: '/usr/bin/python3 was not found', say: [message('probe-not-found', { python: '/usr/bin/python3' })], source: 'seqlab.python' },
  'no-torch': { tried: ['python3 was not found'], found: ['python3', 'python'] },
  'probe-not-found': { python: 'python3' },
  'probe-no-torch': { version: '3.11.2', executable: '/usr/bin/python3', error: "ModuleNotFoundError: No module named 'torch'" },
  'probe-old-torch': { torch: '1.8.0', executable: '/usr/bin/python3', min: '1.10' },
  'torch-no-python': {}, 'torch-python-not-found': { python: 'python3' },
  'torch-cannot-start': { python: 'python3', said: 'spawn EACCES' },
  'torch-normalization': { normalization: 'layer' },
  'torch-stopped': { python: 'python3', started: true, exit: 'signal SIGKILL', tail: '' },
  'torch-cancelled-before': {},
  'torch-timeout': { python: 'python3', what: { en: 'step 12', zh: '第 12 步' }, seconds: 60, afterStop: true, untimed: true },
  'torch-line-too-long': { python: 'python3', mb: 64, start: '{"type": "stepped", ...' },
  'torch-not-protocol': { said: 'not a reply of the protocol (type: Invalid input)' },
  'torch-helper-ended': { rank: 1, processes: 2, code: -9 },
  'torch-ended': {},
  'torch-no-import': { python: '/usr/bin/python3', said: "No module named 'torch'" },
  'torch-old': { torch: '1.8.0' }, 'torch-no-cuda': { hint: 'this PyTorch is built without CUDA (a CPU-only build)' }, 'torch-no-mps': {},
  'torch-precision': { precision: 'fp16', device: 'cpu', suggest: 'fp32 or bf16' },
  'torch-mps-processes': {}, 'torch-gpus': { world: 4, found: 1 }, 'torch-cores': { world: 4, cores: 2 },
  'torch-rendezvous': { world: 2, seconds: 120, said: 'RuntimeError: timed out' },
  'torch-could-not-start': { said: 'OSError: [Errno 12] Cannot allocate memory' },
  'torch-failed': { said: 'the cuda device ran out of memory (CUDA out of memory): lower the batch size or the hidden size, or use device cpu', oom: true, device: 'cuda' },
  'run-failed': { said: 'the PyTorch engine (python3) stopped (signal SIGKILL)', cause: [message('torch-stopped', { python: 'python3', started: true, exit: 'signal SIGKILL', tail: '' })], kept: '/home/s/m-last' },
  'replica-failed': { index: 2, count: 4, said: 'RangeError: Array buffer allocation failed' },
  'replica-crashed': { index: 2, count: 4, said: 'RangeError: Array buffer allocation failed' },
  'replica-stopped': { index: 2, count: 4, code: 1 }, 'replica-shut-down': { index: 2, count: 4 },
};

describe('the message catalogue', () => {
  it('every entry has both languages; the Chinese has Han characters and no English sentence, the English no Han', () => {
    const codes = Object.keys(MESSAGES) as MessageCode[];
    assert.ok(codes.length >= 40, `only ${codes.length} entries: the catalogue lost its messages`);
    for (const code of codes) {
      const m = { code, params: SAMPLE_PARAMS[code] } as EngineMessage;
      const en = renderMessage(m, 'en');
      const zh = renderMessage(m, 'zh-cn');
      assert.ok(en.trim().length > 0 && zh.trim().length > 0, `${code}: empty`);
      assert.notEqual(en, zh, `${code}: the same text in both languages`);
      assert.doesNotMatch(en, HAN, `${code}: Han characters in the English "${en}"`);
      assert.match(zh, HAN, `${code}: no Han character in the Chinese "${zh}"`);
      // Names the student gave stay as they are; what SeqLab itself says is Chinese.
      const said = withoutCommands(zh);
      assert.doesNotMatch(said, LATIN_SENTENCE, `${code}: an English sentence in the Chinese "${zh}"`);
      assert.doesNotMatch(zh, /undefined|\[object Object\]|NaN/, `${code}: a parameter went missing in "${zh}"`);
      assert.doesNotMatch(en, /undefined|\[object Object\]|NaN/, `${code}: a parameter went missing in "${en}"`);
    }
  });

  it('errors the training form and a selection trigger carry their code and parameters, rendered in either language', () => {
    assert.throws(() => checkText('too short', 130), (err: Error) => {
      assert.ok(err instanceof TextTooShortError);
      assert.deepEqual(messageOf(err), { code: 'text-too-short', params: { length: 9, needed: 130 } });
      assert.match(err.message, /^the text has 9 characters, but training needs at least 130/);
      assert.match(errorText(err, 'zh-cn'), /^文本只有 9 个字符，而训练至少需要 130 个/);
      return true;
    });
    assert.throws(() => checkText('   ', 10), (err: Error) => messageOf(err)?.code === 'text-empty' && errorText(err, 'zh-cn').startsWith('文本是空的'));
    assert.throws(() => parseTrainConfig({ layers: 100, lr: 0, hidden: 12.5, colour: 'red' }), (err: Error) => {
      const m = messageOf(err);
      assert.equal(m?.code, 'bad-settings');
      assert.match(err.message, /layers: Too big: expected number to be <=8, got 100/);
      const zh = errorText(err, 'zh-cn');
      assert.match(zh, /^训练设置有误：/);
      assert.match(zh, /层数（layers）：太大，应不超过 8，实际为 100/);
      assert.match(zh, /（lr）：太小，应大于 0，实际为 0/);
      assert.match(zh, /（hidden）：应为整数，实际为 12\.5/);
      assert.match(zh, /未知的设置 “colour”/);
      assert.doesNotMatch(zh, LATIN_SENTENCE);
      return true;
    });
    // An error outside the catalogue keeps its own text.
    assert.equal(errorText(new Error('plain'), 'zh-cn'), 'plain');
  });

  it('an experiment refusal is code too-large, with the experiment\'s title, in both languages', () => {
    const plan = { peakBytes: 9 * 2 ** 30, largestRunBytes: 3 * 2 ** 30, boundBytes: 8 * 2 ** 30, runBoundBytes: null, fittingThreads: 1 };
    assert.throws(() => checkMemory({ en: 'Long-range memory', zh: '长程记忆' }, plan, 3, [['hidden', 512]], { lang: 'en', host: 'editor' }), (err: Error) => {
      assert.equal(messageOf(err)?.code, 'too-large');
      assert.match(err.message, /^"Long-range memory" was not started/);
      assert.match(errorText(err, 'zh-cn'), /^“长程记忆”未启动/);
      return true;
    });
  });
});

/**
 * Real failures, made as a student would meet them (a damaged checkpoint, a truncated tensor
 * file, a file SeqLab will not read or write, a locked folder, the PyTorch engine refusing to
 * start): each error carries its catalogue message, its English `message` reads as before (the
 * logs, the other tests), and its Chinese has no English sentence in it.
 */
describe('engine failures speak both languages', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-messages-'));
  after(() => fs.rmSync(root, { recursive: true, force: true }));
  /** The error's catalogue code, its English as `english` says, its Chinese clean: returns the Chinese. */
  const check = (err: unknown, code: string, english: RegExp): string => {
    const m = messageOf(err);
    assert.ok(m, `no catalogue message on "${(err as Error).message}"`);
    assert.equal(m.code, code, `"${(err as Error).message}"`);
    assert.match((err as Error).message, english);
    assert.equal(renderMessage(m, 'en'), (err as Error).message, 'the English rendering is the error\'s own message');
    const zh = errorText(err, 'zh-cn');
    assert.match(zh, HAN, `no Chinese in "${zh}"`);
    assert.doesNotMatch(withoutCommands(zh), LATIN_SENTENCE, `an English sentence in "${zh}"`);
    return zh;
  };
  const thrown = (f: () => unknown): unknown => {
    try {
      f();
    } catch (err) {
      return err;
    }
    assert.fail('nothing was thrown');
  };

  it('a damaged checkpoint: an edited tensor file, a seqlab.json that is not JSON, a folder with no checkpoint', () => {
    const dir = path.join(root, 'model');
    writeCheckpointFolder(dir, syntheticCheckpoint(1));
    const model = path.join(dir, MODEL_FILE);
    const bytes = fs.readFileSync(model);
    bytes[bytes.length - 1] ^= 0xff;
    fs.writeFileSync(model, bytes);
    const edited = thrown(() => readCheckpointFolder(dir));
    assert.ok(edited instanceof CheckpointError);
    assert.match(check(edited, 'ckpt-hash-mismatch', /model\.safetensors in .* does not match seqlab\.json \(its SHA-256 differs\)/), /中的 model\.safetensors 与 seqlab\.json 不符/);

    fs.writeFileSync(path.join(dir, META_FILE), '{"format": "seqlab-checkpoint", ');
    check(thrown(() => readCheckpointMeta(dir)), 'ckpt-meta-not-json', /seqlab\.json in .* is not valid JSON \(.*\); the file is damaged/);
    fs.writeFileSync(path.join(dir, META_FILE), JSON.stringify({ format: 'seqlab-checkpoint', version: 1 }));
    check(thrown(() => readCheckpointMeta(dir)), 'ckpt-meta-damaged', /seqlab\.json in .* is damaged: /);

    const empty = path.join(root, 'empty');
    fs.mkdirSync(empty);
    check(thrown(() => resolveCheckpointDir(empty)), 'ckpt-no-meta', /is not a SeqLab checkpoint: seqlab\.json is missing/);
    check(thrown(() => resolveCheckpointDir(path.join(root, 'nowhere'))), 'ckpt-no-folder', /no checkpoint at .*: the folder does not exist/);

    // A save refused: the folder holds a student's notes. And the Models view's Delete refused the same way.
    const notes = path.join(root, 'notes');
    fs.mkdirSync(notes);
    fs.writeFileSync(path.join(notes, 'README.md'), 'mine');
    const refused = check(thrown(() => writeCheckpointFolder(notes, syntheticCheckpoint(1))), 'ckpt-will-not-write', /will not write a checkpoint to .*holds files that are not SeqLab's \(README\.md\)/);
    assert.match(refused, /不会把检查点写入 .*README\.md.*SeqLab 只替换/);
    const removal = refusalToRemoveMessage(notes);
    assert.ok(removal);
    assert.match(renderMessage(removal, 'en'), /will not remove .*SeqLab removes only/);
    assert.match(renderMessage(removal, 'zh-cn'), /不会删除 .*SeqLab 只删除/);
  });

  it('a truncated or foreign safetensors file', () => {
    const file = encodeSafetensors({ 'head.bias': { shape: [64], data: new Float32Array(64) } });
    const truncated = thrown(() => decodeSafetensors(file.subarray(0, file.length - 10), { en: 'model.safetensors in /home/s/m', zh: '/home/s/m 中的 model.safetensors' }));
    assert.ok(truncated instanceof SafetensorsError);
    assert.match(check(truncated, 'st-tensor-truncated', /^model\.safetensors in \/home\/s\/m is truncated: tensor "head\.bias" ends at byte 256 of the data, which has 246$/), /^\/home\/s\/m 中的 model\.safetensors 已被截断/);
    check(thrown(() => decodeSafetensors(file.subarray(0, 5))), 'st-too-short', /^safetensors file is truncated: 5 bytes, not even a header length$/);
    const f16 = Buffer.from(file);
    f16.write('F16', f16.indexOf('F32'));
    check(thrown(() => decodeSafetensors(f16)), 'st-dtype', /tensor "head\.bias" has dtype "F16"; only F32 is supported/);

    // Inside a checkpoint: the header is read from the file, and the checkpoint names it.
    const dir = path.join(root, 'short');
    writeCheckpointFolder(dir, syntheticCheckpoint(1));
    fs.truncateSync(path.join(dir, MODEL_FILE), 6);
    check(thrown(() => readCheckpointFolder(dir)), 'st-too-short', /model\.safetensors in .*short is truncated: 6 bytes/);
  });

  it('a file SeqLab will not read, and one it will not write over', () => {
    check(thrown(() => readRegularFile(root, { en: 'the training file', zh: '训练文件' }, 1000)), 'read-not-regular', /^the training file .* is a directory, not a regular file; SeqLab reads regular files only$/);
    const big = path.join(root, 'big.txt');
    fs.writeFileSync(big, 'x'.repeat(2000));
    const tooLarge = thrown(() => readRegularFile(big, { en: 'the config file', zh: '配置文件' }, 1000));
    assert.ok(tooLarge instanceof FileRefusedError && tooLarge.code === 'too-large');
    check(tooLarge, 'read-too-large', /^the config file .*big\.txt is 2\.0 KiB, more than the 1000 bytes SeqLab reads for it$/);

    const exists = thrown(() => writeNewFile(big, 'print(1)'));
    assert.ok(exists instanceof WriteRefusedError);
    check(exists, 'write-exists', /already exists \(a regular file\): choose a new file name, or remove it first/);
    check(thrown(() => writeNewFile(path.join(root, 'missing', 'x.py'), 'x')), 'write-no-folder', /the folder .*missing does not exist: create it first/);
    const theirs = check(thrown(() => writeOwnedFiles([{ file: big, data: 'report' }])), 'write-refused', /^will not write: .*big\.txt exists and SeqLab did not write it/);
    assert.match(theirs, /^不写入：.*big\.txt 已存在，且不是 SeqLab 写的/);
    // The command line's --lang zh-cn: the message itself is Chinese, the code the same.
    const zhMessage = thrown(() => writeNewFile(big, 'x', 0o644, (_en, zh) => zh));
    assert.equal(messageOf(zhMessage)?.code, 'write-exists');
    assert.match((zhMessage as Error).message, /已存在（普通文件）：请换一个文件名/);
  });

  it('a folder locked by another run', () => {
    const dir = path.join(root, 'locked');
    const lock = lockFolder(dir, 'training');
    try {
      const held = thrown(() => lockFolder(dir, 'export'));
      assert.ok(held instanceof FolderLockedError && held instanceof CheckpointError);
      const zh = check(held, 'lock-held', /is in use by another SeqLab run: process \d+ on this machine \(training, since .*\)\. Wait for it to end or stop it, or choose another folder\./);
      assert.match(zh, /正被另一次 SeqLab 运行使用：本机的进程 \d+（训练，始于 /);
    } finally {
      lock.release();
    }
  });

  it('the PyTorch engine refusing to start sends its catalogue code beside its English', (t) => {
    const python = ['python3', 'python'].find((p) => spawnSync(p, ['-c', 'pass']).status === 0);
    if (!python) {
      t.skip('no Python here');
      return;
    }
    const engine = path.join(__dirname, '..', '..', 'engine', 'torch', 'engine.py');
    // Stand-in torch modules, found before any real one: an old one, a broken one, and a CPU-only
    // 2.1 that has no GPU (asked for cuda, mps, or more processes than this machine has cores).
    const fakeTorch = (name: string, source: string) => {
      fs.mkdirSync(path.join(root, name, 'torch'), { recursive: true });
      fs.writeFileSync(path.join(root, name, 'torch', '__init__.py'), source);
      return path.join(root, name);
    };
    const old = fakeTorch('old-torch', '__version__ = "1.8.0+cpu"\n');
    const broken = fakeTorch('broken-torch', 'raise ImportError("this torch is broken")\n');
    const cpuOnly = fakeTorch('cpu-torch', [
      '__version__ = "2.1.0+cpu"',
      'class cuda:\n    is_available = staticmethod(lambda: False)\n    device_count = staticmethod(lambda: 0)',
      'class version:\n    cuda = None',
      'class backends:\n    pass',
    ].join('\n') + '\n');
    const cases: Array<[string, string[], string, RegExp]> = [
      [old, [], 'torch-old', /^PyTorch 1\.8\.0\+cpu is older than 1\.10, which SeqLab's PyTorch engine needs/],
      [broken, [], 'torch-no-import', /cannot import torch \(.*\): install PyTorch for it/],
      [cpuOnly, ['--device', 'cuda'], 'torch-no-cuda', /^device cuda was asked for, but this PyTorch is built without CUDA \(a CPU-only build\); choose device auto or cpu$/],
      [cpuOnly, ['--device', 'mps'], 'torch-no-mps', /^device mps \(Apple GPU\) was asked for/],
      [cpuOnly, ['--device', 'cpu', '--processes', String(os.cpus().length + 1)], 'torch-cores', /processes on the CPU would share \d+ cores?: each process computes on at least one core/],
    ];
    for (const [torchPath, args, code, english] of cases) {
      const run = spawnSync(python, [engine, ...args], { input: '', encoding: 'utf8', timeout: 60_000, cwd: root, env: { ...process.env, PYTHONPATH: torchPath } });
      const line: string = run.stdout.trim().split('\n')[0] ?? '';
      const parsed = parseTorchReply(line);
      assert.ok(parsed.ok && parsed.reply.type === 'error', `not an error reply: ${line} ${run.stderr}`);
      const reply = parsed.reply as Extract<typeof parsed.reply, { type: 'error' }>;
      assert.equal(reply.say?.code, code, line);
      // What the host builds from it (train/torchStepper.ts): the English is the engine's own, word for word.
      const err = Object.assign(new Error(reply.message), { engineMessage: reply.say });
      check(err, code, english);
    }
  });
});
