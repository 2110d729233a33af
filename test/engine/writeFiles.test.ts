/**
 * Every file SeqLab writes where the user chose follows the `--out` rules (engine/io/files.ts):
 * files of any size in chunks; `seqlab chapter --markdown FILE` replaces only its own unedited
 * report and figures, only regular files, never through a link it did not make, says what to
 * do for each errno, and leaves nothing behind when it fails.
 */
import { describe, it, after, mock } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { WRITE_CHUNK, checkOwnedFiles, formatBytes, isOwnedText, ownedText, readRegularFile, writeAll, writeNewFile, writeOwnedFiles } from '../../engine/io/files';
import { writeFileSynced } from '../../engine/checkpoint/folder';
import { writeMarkdown } from '../../engine/cli/chapter';
import type { Figure } from '../../engine/experiments/types';
import { folderCache } from '../../engine/chapter/judge';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-write-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

/** Everything under `dir` (names and contents), to show that a refused write changed nothing. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const p = path.join(e.parentPath, e.name);
    out[path.relative(dir, p)] = e.isSymbolicLink() ? `-> ${fs.readlinkSync(p)}` : e.isFile() ? fs.readFileSync(p, 'utf8') : e.isDirectory() ? 'dir' : 'special';
  }
  return out;
}

const figure = (id: string, points = 5): Figure => ({
  id, title: `figure ${id}`, caption: 'what to look at', xLabel: 'step', yLabel: 'loss',
  x: Array.from({ length: points }, (_, i) => i), series: [{ name: 'lstm', y: Array.from({ length: points }, (_, i) => 1 / (i + 1)) }],
});
const check = (quick: boolean, figures = [figure('one'), figure('two')]) => ({ claims: [], quick, figures });

describe('writing in chunks', () => {
  it('one write(2) is never 2 GiB or more: a file is written in chunks of at most WRITE_CHUNK, whole', () => {
    assert.ok(WRITE_CHUNK <= 2 ** 31 - 1, 'fs.writeSync refuses 2 GiB and more');
    const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
    // The module object itself (the one engine/ calls through), not this file's import of it.
    const spy = mock.method(require('node:fs') as typeof fs, 'writeSync');
    try {
      const file = path.join(root, 'chunked.bin');
      writeFileSynced(file, data, 64);
      assert.deepEqual(fs.readFileSync(file), data);
      const lengths = spy.mock.calls.map((c) => c.arguments[3] as unknown as number);
      assert.equal(lengths.length, Math.ceil(1000 / 64), `${lengths.length} writes`);
      assert.ok(lengths.every((n) => n <= 64));
      spy.mock.resetCalls();
      const fd = fs.openSync(path.join(root, 'text.txt'), 'w');
      writeAll(fd, 'héllo wörld', 3);
      fs.closeSync(fd);
      assert.equal(fs.readFileSync(path.join(root, 'text.txt'), 'utf8'), 'héllo wörld');
    } finally {
      spy.mock.restore();
    }
  });

  it('an exported script is written whole in chunks, never over a file, and leaves no temporary file', () => {
    const dir = fs.mkdtempSync(path.join(root, 'new-'));
    const file = path.join(dir, 'script.py');
    writeNewFile(file, 'print("x")\n'.repeat(50), 0o755, undefined, 7);
    assert.equal(fs.readFileSync(file, 'utf8'), 'print("x")\n'.repeat(50));
    assert.throws(() => writeNewFile(file, 'other'), /already exists \(a regular file\)/);
    assert.throws(() => writeNewFile(path.join(dir, 'x'.repeat(256)), 'x'), /is too long for the file system \(at most 255 bytes/);
    assert.deepEqual(fs.readdirSync(dir), ['script.py']);
  });
});

describe('descriptors and file systems without hard links', () => {
  /** The descriptors `fn` opens and closes, through the module object engine/ calls (as above). */
  function descriptors(fn: () => void): { opened: number[]; closed: number[] } {
    const node = require('node:fs') as typeof fs;
    const open = mock.method(node, 'openSync');
    const close = mock.method(node, 'closeSync');
    try {
      try {
        fn();
      } catch {
        // a refused write: its descriptors count all the same
      }
      return { opened: open.mock.calls.map((c) => c.result as number).filter((fd) => fd !== undefined), closed: close.mock.calls.map((c) => c.arguments[0] as number) };
    } finally {
      open.mock.restore();
      close.mock.restore();
    }
  }

  it('every descriptor a write or a read opens is closed, when it succeeds and when it is refused', () => {
    const dir = fs.mkdtempSync(path.join(root, 'fd-'));
    const written = descriptors(() => writeNewFile(path.join(dir, 'a.py'), 'x\n'.repeat(100), 0o644, undefined, 16));
    assert.equal(written.opened.length, 1);
    assert.deepEqual(written.closed, written.opened);
    const read = descriptors(() => assert.equal(readRegularFile(path.join(dir, 'a.py'), 'the script', 1000).length, 200));
    assert.deepEqual([read.opened.length, read.closed], [1, read.opened]);
    const tooLarge = descriptors(() => assert.throws(() => readRegularFile(path.join(dir, 'a.py'), 'the script', 199), /the script .*a\.py is 200 bytes, more than the 199 bytes SeqLab reads for it/));
    assert.deepEqual([tooLarge.opened.length, tooLarge.closed], [1, tooLarge.opened]);
  });

  it('where a hard link is refused (EPERM, ENOTSUP, ENOSYS) the file is copied in place exclusively; any other error is said, and nothing is left', () => {
    const node = require('node:fs') as typeof fs;
    for (const code of ['EPERM', 'ENOTSUP', 'ENOSYS', 'EXDEV', 'EIO']) {
      const dir = fs.mkdtempSync(path.join(root, `link-${code}-`));
      const link = mock.method(node, 'linkSync', () => {
        throw Object.assign(new Error(`${code}: link refused`), { code });
      });
      try {
        const file = path.join(dir, 's.py');
        if (['EXDEV', 'EIO'].includes(code)) {
          assert.throws(() => writeNewFile(file, 'print(1)\n'), (err: Error) => err.message.includes(code), code);
          assert.deepEqual(fs.readdirSync(dir), [], `${code}: no file, no temporary file`);
        } else {
          writeNewFile(file, 'print(1)\n');
          assert.equal(fs.readFileSync(file, 'utf8'), 'print(1)\n', code);
          assert.deepEqual(fs.readdirSync(dir), ['s.py'], `${code}: no temporary file`);
        }
        assert.equal(link.mock.callCount(), 1);
      } finally {
        link.mock.restore();
      }
    }
  });

  it('formatBytes: bytes below 1 KiB, one decimal below 10 of a unit, up to TiB, which it stays at', () => {
    assert.deepEqual([0, 1023, 1024, 1536, 10 * 1024, 1024 ** 2, 1.5 * 1024 ** 3, 1024 ** 4, 1024 ** 5].map(formatBytes),
      ['0 bytes', '1023 bytes', '1.0 KiB', '1.5 KiB', '10 KiB', '1.0 MiB', '1.5 GiB', '1.0 TiB', '1024 TiB']);
  });
});

describe('writeOwnedFiles checks every name before it writes anything', () => {
  it('a file outside the figures folder is checked for its own folder, not only the figures folder for its', () => {
    const dir = fs.mkdtempSync(path.join(root, 'owned-'));
    const elsewhere = path.join(dir, 'no-such-folder', 'report.md');
    assert.throws(() => checkOwnedFiles([elsewhere, path.join(dir, 'figures', 'one.svg')], { folder: path.join(dir, 'figures') }), /the folder .*no-such-folder does not exist/);
    assert.throws(() => writeOwnedFiles([{ file: elsewhere, data: ownedText('x', 'test') }, { file: path.join(dir, 'figures', 'one.svg'), data: ownedText('<svg/>', 'test') }], { folder: path.join(dir, 'figures') }), /no-such-folder does not exist/);
    assert.deepEqual(fs.readdirSync(dir), [], 'no figures folder made');
  });

  it('a name it may not use is refused before any file is opened for writing or any folder made', () => {
    const dir = fs.mkdtempSync(path.join(root, 'owned-'));
    fs.writeFileSync(path.join(dir, 'notes.md'), 'my own notes\n');
    const node = require('node:fs') as typeof fs;
    const open = mock.method(node, 'openSync');
    const mkdir = mock.method(node, 'mkdirSync');
    try {
      const files = [{ file: path.join(dir, 'figs', 'one.svg'), data: ownedText('<svg/>', 'test') }, { file: path.join(dir, 'notes.md'), data: ownedText('# r', 'test') }];
      assert.throws(() => writeOwnedFiles(files, { folder: path.join(dir, 'figs') }), /will not write: .*notes\.md exists and SeqLab did not write it/);
      const long = [{ file: path.join(dir, `${'x'.repeat(256)}.md`), data: ownedText('# r', 'test') }];
      assert.throws(() => writeOwnedFiles(long), /is too long for the file system/);
      assert.deepEqual(open.mock.calls.map((c) => c.arguments[1]).filter((flags) => (typeof flags === 'number' ? (flags & 3) !== 0 : flags !== undefined && flags !== 'r')), [], 'nothing opened for writing (reads open O_RDONLY)');
      assert.equal(mkdir.mock.callCount(), 0, 'no folder made');
    } finally {
      open.mock.restore();
      mkdir.mock.restore();
    }
    assert.deepEqual(fs.readdirSync(dir), ['notes.md']);
  });
});

describe('SeqLab recognises its own files by their first line', () => {
  it('an unedited file is its own; one edited anywhere, or without the line, is not', () => {
    const text = ownedText('# report\n\nsome text\n', 'seqlab chapter');
    assert.match(text, /^<!-- written by SeqLab \(seqlab chapter\); sha256 [0-9a-f]{64}; /);
    assert.ok(isOwnedText(Buffer.from(text)));
    assert.ok(!isOwnedText(Buffer.from(text.replace('some', 'sum'))), 'edited below the line');
    assert.ok(!isOwnedText(Buffer.from(text + ' ')), 'one character added at the end');
    assert.ok(!isOwnedText(Buffer.from('# report\n\nsome text\n')), 'no line');
    assert.ok(!ownedText('x', 'seqlab chapter --markdown').split('\n')[0].slice(4, -3).includes('--'), 'no "--" inside the comment (invalid in an SVG\'s XML)');
  });
});

describe('seqlab chapter --markdown FILE', () => {
  const place = () => fs.mkdtempSync(path.join(root, 'md-'));

  it('writes the report and its figures, each starting with SeqLab\'s line, and replaces them on the next check', () => {
    const dir = place();
    const file = path.join(dir, 'chapter.md');
    writeMarkdown(file, check(true), 'en');
    assert.deepEqual(Object.keys(snapshot(dir)).sort(), ['chapter-figures', 'chapter-figures/one.svg', 'chapter-figures/two.svg', 'chapter.md']);
    for (const f of ['chapter.md', 'chapter-figures/one.svg']) assert.ok(isOwnedText(fs.readFileSync(path.join(dir, f))), f);
    assert.match(fs.readFileSync(path.join(dir, 'chapter-figures', 'one.svg'), 'utf8'), /^<!--[^\n]*-->\n<svg /);
    const first = fs.readFileSync(file, 'utf8');
    writeMarkdown(file, check(false), 'en');
    assert.notEqual(fs.readFileSync(file, 'utf8'), first, 'replaced: its own, unedited');
    assert.deepEqual(Object.keys(snapshot(dir)).sort(), ['chapter-figures', 'chapter-figures/one.svg', 'chapter-figures/two.svg', 'chapter.md'], 'no temporary file left');
  });

  it('refuses to replace what SeqLab did not write, or what was edited since, and changes nothing', () => {
    const dir = place();
    const file = path.join(dir, 'notes.md');
    fs.writeFileSync(file, 'my own notes\n');
    let before = snapshot(dir);
    assert.throws(() => writeMarkdown(file, check(true), 'en'), /will not write: .*notes\.md exists and SeqLab did not write it, or it was edited since.*Nothing was written/);
    assert.deepEqual(snapshot(dir), before, 'the file stays, no figures folder made');
    // Its own report, edited by the user afterwards: the user's now.
    fs.rmSync(file);
    writeMarkdown(file, check(true), 'en');
    fs.appendFileSync(file, 'my remark\n');
    before = snapshot(dir);
    assert.throws(() => writeMarkdown(file, check(true), 'en'), /or it was edited since/);
    assert.deepEqual(snapshot(dir), before);
    // A figure of the user's where SeqLab would put one.
    fs.rmSync(file);
    fs.writeFileSync(path.join(dir, 'notes-figures', 'two.svg'), '<svg>mine</svg>');
    before = snapshot(dir);
    assert.throws(() => writeMarkdown(file, check(true), 'zh-cn'), /不写入：.*two\.svg 已存在，且不是 SeqLab 写的/);
    assert.deepEqual(snapshot(dir), before);
  });

  it('writes only regular files: a FIFO, a device, a folder or a link at FILE is refused at once', () => {
    const dir = place();
    spawnSync('mkfifo', [path.join(dir, 'fifo.md')]);
    fs.symlinkSync('/dev/null', path.join(dir, 'null.md'));
    fs.mkdirSync(path.join(dir, 'folder.md'));
    fs.writeFileSync(path.join(dir, 'target.md'), ownedText('x', 'seqlab chapter'));
    fs.symlinkSync(path.join(dir, 'target.md'), path.join(dir, 'link.md'));
    const before = snapshot(dir);
    assert.throws(() => writeMarkdown(path.join(dir, 'fifo.md'), check(true), 'en'), /fifo\.md is a FIFO \(named pipe\), and SeqLab replaces only regular files it wrote/);
    assert.throws(() => writeMarkdown(path.join(dir, 'null.md'), check(true), 'en'), /null\.md is a symbolic link, and SeqLab does not write through links it did not make/);
    assert.throws(() => writeMarkdown(path.join(dir, 'link.md'), check(true), 'en'), /link\.md is a symbolic link/, 'even a link to a report of SeqLab\'s');
    assert.throws(() => writeMarkdown(path.join(dir, 'folder.md'), check(true), 'en'), /folder\.md is a directory, and SeqLab replaces only regular files/);
    assert.deepEqual(snapshot(dir), before);
  });

  it('never writes through a FILE-figures link, nor into a FILE-figures that is a file', () => {
    const dir = place();
    const elsewhere = fs.mkdtempSync(path.join(root, 'elsewhere-'));
    fs.symlinkSync(elsewhere, path.join(dir, 'a-figures'));
    fs.writeFileSync(path.join(dir, 'b-figures'), 'a file');
    const before = snapshot(dir);
    assert.throws(() => writeMarkdown(path.join(dir, 'a.md'), check(true), 'en'), /a-figures is a symbolic link, and SeqLab does not write through links/);
    assert.throws(() => writeMarkdown(path.join(dir, 'b.md'), check(true), 'en'), /b-figures is a regular file, not a folder for the figures/);
    assert.deepEqual(snapshot(dir), before);
    assert.deepEqual(fs.readdirSync(elsewhere), []);
  });

  it('a name at the file system\'s limit works; one byte more is refused with what to do, and nothing is left', () => {
    const dir = place();
    // FILE-figures is the longest name: "<stem>-figures" for "<stem>.md".
    const stem = 'x'.repeat(255 - '-figures'.length);
    writeMarkdown(path.join(dir, `${stem}.md`), check(true), 'en');
    assert.ok(fs.existsSync(path.join(dir, `${stem}-figures`, 'one.svg')));
    const before = snapshot(dir);
    assert.throws(() => writeMarkdown(path.join(dir, `${stem}y.md`), check(true), 'en'), /the name .*y-figures is too long for the file system \(at most 255 bytes.*choose a shorter name/);
    assert.deepEqual(snapshot(dir), before);
  });

  it('a missing folder is named as missing', () => {
    const dir = place();
    assert.throws(() => writeMarkdown(path.join(dir, 'no', 'such', 'c.md'), check(true), 'en'), new RegExp(`the folder ${path.join(dir, 'no', 'such').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} does not exist: create it first`));
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  it('a full disk and a read-only file system are said so, and leave no partial figures folder or temporary file', (t) => {
    const mount = fs.mkdtempSync(path.join(root, 'mount-'));
    const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mount], { encoding: 'utf8' });
    if (r.status !== 0) {
      t.skip(`cannot mount a small tmpfs here (${(r.stderr || r.error?.message || '').trim() || `exit ${r.status}`}); needs root`);
      return;
    }
    try {
      // About 50 kB per figure: the first fits in 64 kB, the second does not.
      const big = check(true, [figure('one', 4000), figure('two', 4000), figure('three', 4000)]);
      assert.throws(() => writeMarkdown(path.join(mount, 'c.md'), big, 'en'), /the disk is full: free some space or write .* to another disk\. Nothing was written \(ENOSPC\)/);
      assert.deepEqual(fs.readdirSync(mount), [], 'no figures folder, no temporary file');
      assert.throws(() => writeMarkdown(path.join(mount, 'c.md'), big, 'zh-cn'), /磁盘已满/);
      spawnSync('mount', ['-o', 'remount,ro', mount]);
      assert.throws(() => writeMarkdown(path.join(mount, 'c.md'), check(true), 'en'), /is on a read-only file system: write to another folder\. Nothing was written \(EROFS\)/);
      assert.throws(() => writeNewFile(path.join(mount, 's.py'), 'x'), /read-only file system.*\(EROFS\)/);
    } finally {
      spawnSync('umount', [mount]);
    }
  });
});

describe('the chapter\'s cache folder (--cache-dir may be a folder of the user\'s)', () => {
  it('reads regular files only, never replaces anything else, and a result it cannot keep is no error and leaves nothing', () => {
    const dir = fs.mkdtempSync(path.join(root, 'cache-'));
    const cache = folderCache(dir);
    cache.set('a', { x: 1 });
    assert.deepEqual(cache.get('a'), { x: 1 });
    spawnSync('mkfifo', [path.join(dir, 'fifo.json')]);
    fs.symlinkSync('/dev/zero', path.join(dir, 'zero.json'));
    assert.equal(cache.get('fifo'), undefined, 'a FIFO is a miss, not a hang');
    assert.equal(cache.get('zero'), undefined, 'a device is a miss, not a read of endless zeros');
    cache.set('fifo', { x: 2 });
    assert.ok(fs.lstatSync(path.join(dir, 'fifo.json')).isFIFO(), 'left as it was');
    assert.deepEqual(fs.readdirSync(dir).filter((n) => n.endsWith('.tmp')), []);
    const file = path.join(dir, 'a.json');
    folderCache(file).set('b', { x: 3 }); // its "folder" is a file: not kept, no error
    assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), { x: 1 });
  });
});
