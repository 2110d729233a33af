/** Tokenisation and corpus loading, on real files in a temporary folder. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UNKNOWN_TOKEN, Vocabulary, describeCharacters } from '../../engine/text/vocabulary';
import { CorpusError, loadCorpus, splitIds } from '../../engine/text/corpus';
import { codePointCount } from '../../engine/text/codePoints';

describe('Vocabulary', () => {
  it('counts code points, not UTF-16 units: CJK, emoji and astral characters are one token each', () => {
    const text = '新闻报道😀𝒳 ok';
    const { vocabulary, reason } = Vocabulary.fromText(text);
    assert.equal(vocabulary.mode, 'char');
    assert.equal(vocabulary.size, 9);
    assert.match(reason, /character level: 9 distinct characters/);
    const { ids } = vocabulary.encode(text);
    assert.equal(ids.length, 9);
    assert.equal(vocabulary.decode(ids), text);
  });

  it('normalises to NFC, so composed and decomposed accents are the same token', () => {
    const { vocabulary } = Vocabulary.fromText('caf\u00e9');
    assert.deepEqual(Array.from(vocabulary.encode('cafe\u0301').ids), Array.from(vocabulary.encode('caf\u00e9').ids));
  });

  it('caps the vocabulary at the most frequent characters and maps the rest to the unknown token', () => {
    const { vocabulary, reason } = Vocabulary.fromText('aaaabbbcc d', { maxSize: 3 });
    assert.deepEqual(vocabulary.tokens, [UNKNOWN_TOKEN, 'a', 'b']);
    assert.match(reason, /capped at 3/);
    const enc = vocabulary.encode('abcz');
    assert.deepEqual(Array.from(enc.ids), [1, 2, 0, 0]);
    assert.deepEqual([...enc.unknown], [['c', 1], ['z', 1]]);
    assert.deepEqual(Array.from(vocabulary.encode('abcz', { onUnknown: 'skip' }).ids), [1, 2]);
  });

  it('chooses bytes when the characters are too many and too evenly spread', () => {
    let text = '';
    for (let cp = 0x4e00; cp < 0x4e00 + 9000; cp++) text += String.fromCodePoint(cp);
    const { vocabulary, reason } = Vocabulary.fromText(text);
    assert.equal(vocabulary.mode, 'byte');
    assert.equal(vocabulary.size, 256);
    assert.match(reason, /byte level: 9000 distinct characters/);
    assert.equal(vocabulary.decode(vocabulary.encode('中文😀').ids), '中文😀');
  });

  it('streams byte tokens out as whole characters', () => {
    const v = Vocabulary.bytes();
    const next = v.streamDecoder();
    const pieces = Array.from(v.encode('中😀').ids, (id) => next(id));
    assert.deepEqual(pieces, ['', '', '中', '', '', '', '😀']);
  });

  it('survives JSON and rejects a damaged one', () => {
    const { vocabulary } = Vocabulary.fromText('hello, 世界');
    assert.deepEqual(Vocabulary.fromJSON(JSON.parse(JSON.stringify(vocabulary.toJSON()))).tokens, vocabulary.tokens);
    assert.throws(() => Vocabulary.fromJSON({ mode: 'char', tokens: ['a', 'a'] }), /duplicate tokens/);
    assert.throws(() => Vocabulary.fromJSON({ mode: 'words' as 'char' }), /expected mode "char"/);
  });

  it('names unknown characters with their code points', () => {
    assert.equal(describeCharacters(new Map([['é', 2], ['😀', 1]])), '"é" (U+00E9) x2, "😀" (U+1F600)');
  });
});

describe('corpus', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-corpus-'));
  fs.writeFileSync(path.join(dir, 'a.txt'), 'first file\n'.repeat(20));
  fs.writeFileSync(path.join(dir, 'b.txt'), '第二个文件\n'.repeat(20));
  fs.writeFileSync(path.join(dir, 'bin.dat'), Buffer.from([0x41, 0, 0x42]));
  fs.writeFileSync(path.join(dir, 'latin1.txt'), Buffer.from([0x63, 0x61, 0x66, 0xe9]));

  it('reads one file, or several through a glob, and says where the text came from', async () => {
    const one = await loadCorpus({ kind: 'files', patterns: ['a.txt'], cwd: dir }, { minLength: 10 });
    assert.equal(one.origin, 'a.txt');
    const both = await loadCorpus({ kind: 'files', patterns: ['*.txt'], cwd: dir }, { minLength: 10 }).catch((e: Error) => e);
    assert.match(String(both), /latin1.txt is not valid UTF-8/);
    const two = await loadCorpus({ kind: 'files', patterns: ['[ab].txt'], cwd: dir }, { minLength: 10 });
    assert.equal(two.origin, '2 files');
    assert.deepEqual(two.files.map((f) => [path.basename(f.path), f.characters]), [['a.txt', 220], ['b.txt', 120]]);
    assert.ok(two.text.includes('第二个文件'));
  });

  it('turns bad text into errors that say what to do', async () => {
    const load = (source: Parameters<typeof loadCorpus>[0], minLength = 65) => loadCorpus(source, { minLength, maxCharacters: 1000 });
    await assert.rejects(load({ kind: 'text', text: '  \n ' }), /the text is empty/);
    await assert.rejects(load({ kind: 'text', text: 'short' }), /has 5 characters, but training needs at least 65.*lower the sequence length/);
    await assert.rejects(load({ kind: 'text', text: 'x'.repeat(2000) }), /more than the limit of 1,000/);
    await assert.rejects(load({ kind: 'files', patterns: ['bin.dat'], cwd: dir }), /looks binary \(it contains NUL bytes\)/);
    await assert.rejects(load({ kind: 'files', patterns: ['nothing-*.md'], cwd: dir }), /no file matches "nothing-\*.md"/);
    await assert.rejects(load({ kind: 'text', text: 'a\0b'.repeat(40) }), CorpusError);
  });

  it('splits contiguously, validation last', () => {
    const ids = Int32Array.from({ length: 100 }, (_, i) => i);
    const { train, validation } = splitIds(ids, 0.1, 5);
    assert.equal(train.length, 90);
    assert.deepEqual(Array.from(validation.slice(0, 2)), [90, 91]);
    assert.throws(() => splitIds(ids.subarray(0, 12), 0.1, 8), /too short to hold out 8 for validation/);
  });
});

describe('a text held once, as narrow ids', () => {
  it('codePointCount counts characters as [...text] does, without building the array', () => {
    for (const text of ['', 'abc', '新闻报道', '😀𝒳 ok', 'a\uD800b', '\uDC00\uD800', 'x\uD83D', '\uD83D\uDE00\uD83D']) {
      assert.equal(codePointCount(text), [...text].length, JSON.stringify(text));
    }
  });

  it('encodeText uses bytes at byte level, 16 bits up to 65,536 tokens, 32 beyond, with the same ids as encode', () => {
    const text = '新闻报道😀𝒳 ok, 新闻';
    const chars = Vocabulary.fromText(text).vocabulary;
    const narrow = chars.encodeText(text).ids;
    assert.ok(narrow instanceof Uint16Array);
    assert.equal(narrow.length, [...text].length, 'one id per character, astral ones included');
    assert.deepEqual(Array.from(narrow), Array.from(chars.encode(text).ids));
    assert.equal(chars.decode(narrow), text);
    const bytes = Vocabulary.bytes().encodeText(text).ids;
    assert.ok(bytes instanceof Uint8Array);
    assert.equal(Vocabulary.bytes().decode(bytes), text);
    const tokens = Array.from({ length: 70_000 }, (_, i) => String.fromCodePoint(0x20000 + i));
    const wide = Vocabulary.fromJSON({ mode: 'char', tokens });
    const ids = wide.encodeText(tokens[69_999] + tokens[3]).ids;
    assert.ok(ids instanceof Int32Array);
    assert.deepEqual(Array.from(ids), [69_999, 3]);
    const capped = Vocabulary.fromJSON({ mode: 'char', tokens: [UNKNOWN_TOKEN, 'a', 'b'], capped: true });
    assert.deepEqual(Array.from(capped.encodeText('a😀b').ids), [1, 0, 2], 'an unknown character is the unknown token');
    assert.deepEqual(Array.from(capped.encodeText('a😀b', { onUnknown: 'skip' }).ids), [1, 2], 'or skipped, and the array trimmed');
  });
});
