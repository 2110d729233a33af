/**
 * The engine's message catalogue (engine/core/messages.ts): every entry speaks both languages,
 * its Chinese is Chinese (Han characters, no English sentence left in it), and an error that
 * carries a message crosses the worker boundary as code + parameters, shown in the host's
 * language.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MESSAGES, errorText, message, messageOf, renderMessage, type EngineMessage, type MessageCode } from '../../engine/core/messages';
import { parseTrainConfig } from '../../engine/train/config';
import { checkText, TextTooShortError } from '../../engine/text/corpus';
import { checkMemory } from '../../engine/experiments/bounds';

const HAN = /\p{Script=Han}/u;
/**
 * An English sentence: three Latin words in a row, each of two letters or more ("the text has").
 * Names (LSTM, GRU, UTF-8, nats, --workers 2, a file name) are single words or joined by
 * punctuation, so they pass.
 */
export const LATIN_SENTENCE = /\b[A-Za-z]{2,}(?:\s+[A-Za-z]{2,}){2,}\b/;

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
  'sample-length': { got: '0' }, 'sample-temperature': { got: '-1' }, 'sample-top-k': { got: '1.5' }, 'sample-top-p': { got: '2' },
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
      const said = zh.replace(/iconv -f \S+ -t \S+( \S+ > \S+)?/g, '');
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
