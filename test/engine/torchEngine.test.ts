/**
 * The PyTorch engine's parts that need no PyTorch: finding interpreters, reading what a probe
 * prints (interpreters here are small scripts that print what a Python would, or fail as one
 * can), the protocol's reply parser, and the engine choice. The engine itself, with Debian's
 * PyTorch, is checked by test/interop/check_torch_engine.py.
 */
import { describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decideEngine, NoTorchError } from '../../engine/torch/choose';
import { encodeWindows, parseTorchReply, torchRequestLine } from '../../engine/torch/protocol';
import { describeTorch, isOldTorch, pathPythons, probePython, pythonFromPath, torchVersion } from '../../engine/torch/python';
import { removeStaleWorkFolders } from '../../engine/torch/isolation';

const posix = process.platform !== 'win32';

/** An executable script standing in for an interpreter: it prints `stdout`, writes `stderr` and exits with `code`. */
function fakePython(dir: string, name: string, stdout: string, code = 0, stderr = ''): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `#!/bin/sh\nprintf '%s\\n' '${stdout.replace(/'/g, "'\\''")}'\nprintf '%s\\n' '${stderr}' >&2\nexit ${code}\n`);
  fs.chmodSync(file, 0o755);
  return file;
}

const probeLine = (fields: Record<string, unknown>) => JSON.stringify({ executable: '/opt/py/bin/python3', python: '3.12.1', ...fields });

describe('finding PyTorch', { skip: !posix && 'the stand-in interpreters are shell scripts' }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-python-'));

  it('reads torch versions, local builds included', () => {
    assert.deepEqual(torchVersion('1.13.0a0+git7c98e70'), [1, 13]);
    assert.deepEqual(torchVersion('2.4.0+cu121'), [2, 4]);
    assert.equal(isOldTorch('1.9.1'), true);
    assert.equal(isOldTorch('1.10.0'), false);
    assert.equal(isOldTorch('2.0.0'), false);
    // A version with no major.minor at its start reads as 0.0: older than any, so refused.
    assert.deepEqual(torchVersion('nightly'), [0, 0]);
    assert.equal(isOldTorch('nightly'), true);
  });

  it('a command on PATH that is there but cannot be run (no execute bit) is said so, not taken for a crashed Python', async () => {
    const bin = fs.mkdtempSync(path.join(dir, 'bin-'));
    fs.writeFileSync(path.join(bin, 'seqlab-noexec-python'), '#!/bin/sh\nexit 0\n', { mode: 0o644 });
    const saved = process.env.PATH;
    process.env.PATH = `${bin}${path.delimiter}${saved ?? ''}`;
    try {
      const probe = await probePython(pythonFromPath('seqlab-noexec-python', 'test'));
      assert.ok(!probe.ok && probe.reason === 'crashed');
      assert.match(probe.message, /^seqlab-noexec-python cannot be run \(permission denied\): choose a Python interpreter$/);
    } finally {
      process.env.PATH = saved;
    }
  });

  it('no private working folder (the temp folder is a file): the interpreter is not run, and that is said', async () => {
    const gpu = fakePython(dir, 'would-answer', probeLine({ torch: '2.4.0', cuda: null, devices: [] }));
    const notAFolder = path.join(dir, 'tmp-is-a-file');
    fs.writeFileSync(notAFolder, '');
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = notAFolder;
    try {
      const probe = await probePython(pythonFromPath(gpu, 'test'));
      assert.ok(!probe.ok && probe.reason === 'crashed', 'not run from the current folder instead');
      assert.match(probe.message, /was not run: no private working folder could be made in the temp folder/);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });

  it('a scratch folder whose process is another user\'s (kill says EPERM) is alive: kept; once gone (ESRCH), removed', () => {
    const tmp = fs.mkdtempSync(path.join(dir, 'scratch-'));
    const folder = path.join(tmp, 'seqlab-torch-999999998-abcdef');
    fs.mkdirSync(folder);
    const kill = mock.method(process, 'kill', () => {
      throw Object.assign(new Error('kill EPERM'), { code: 'EPERM' });
    });
    try {
      assert.deepEqual(removeStaleWorkFolders(tmp), []);
    } finally {
      kill.mock.restore();
    }
    assert.ok(fs.existsSync(folder));
    assert.deepEqual(removeStaleWorkFolders(tmp), [folder], 'pid 999999998 is no process');
  });

  it('says what an interpreter has: torch and its devices, or why not', async () => {
    const gpu = await probePython(pythonFromPath(fakePython(dir, 'gpu', probeLine({ torch: '2.4.0+cu121', cuda: '12.1', devices: [{ kind: 'cpu', name: 'x86_64' }, { kind: 'cuda', name: 'NVIDIA RTX 4060' }] })), 'test'));
    assert.ok(gpu.ok);
    assert.equal(describeTorch(gpu), 'PyTorch 2.4.0+cu121 on CUDA, NVIDIA RTX 4060 · Python 3.12.1 at /opt/py/bin/python3');

    const none = await probePython(pythonFromPath(fakePython(dir, 'none', probeLine({ error: "ModuleNotFoundError: No module named 'torch'" })), 'test'));
    assert.ok(!none.ok && none.reason === 'no-torch');
    assert.match(none.message, /has no PyTorch \(ModuleNotFoundError.*pip install torch/);

    const old = await probePython(pythonFromPath(fakePython(dir, 'old', probeLine({ torch: '1.8.1', cuda: null, devices: [] })), 'test'));
    assert.ok(!old.ok && old.reason === 'old-torch');
    assert.match(old.message, /PyTorch 1\.8\.1 .* older than 1\.10: upgrade it \(pip install -U torch\)/);

    const crashed = await probePython(pythonFromPath(fakePython(dir, 'crash', 'Fatal Python error: init_fs_encoding', 1, 'ModuleNotFoundError: encodings'), 'test'));
    assert.ok(!crashed.ok && crashed.reason === 'crashed');
    assert.match(crashed.message, /did not answer as Python does \(exit 1; it printed: .*encodings\): is it a Python interpreter\?/);

    // Not an interpreter at all: a folder, a file that cannot be run, a program that is not Python.
    const folder = await probePython(pythonFromPath(dir, 'test'));
    assert.ok(!folder.ok && /is a folder, not a program: choose the interpreter inside it/.test(folder.message), folder.ok ? '' : folder.message);
    const plain = path.join(dir, 'notes.txt');
    fs.writeFileSync(plain, 'hello');
    const notExecutable = await probePython(pythonFromPath(plain, 'test'));
    assert.ok(!notExecutable.ok && /cannot be run \(it is not executable/.test(notExecutable.message), notExecutable.ok ? '' : notExecutable.message);
    const silent = await probePython(pythonFromPath(fakePython(dir, 'true-like', '', 0), 'test'));
    assert.ok(!silent.ok && /did not answer as Python does \(exit 0; it printed nothing\)/.test(silent.message), silent.ok ? '' : silent.message);

    const missing = await probePython(pythonFromPath(path.join(dir, 'no-such-python'), 'test'));
    assert.ok(!missing.ok && missing.reason === 'no-python');
  });

  it('a probe that hangs is given up after its timeout', async () => {
    const file = path.join(dir, 'hang');
    fs.writeFileSync(file, '#!/bin/sh\nsleep 30\n');
    fs.chmodSync(file, 0o755);
    // Had the timeout not worked, the script would end after 30 s saying nothing: another message.
    const probe = await probePython(pythonFromPath(file, 'test'), 300);
    assert.ok(!probe.ok && probe.reason === 'crashed');
    assert.match(probe.message, /did not answer within 0\.3 s$/);
  });

  it('runs the probe from a private empty folder: a platform.py where SeqLab runs is not imported', async (t) => {
    const python = pathPythons().find((p) => p.command.endsWith('python3'));
    if (!python) return t.skip('no python3 on PATH');
    const repo = fs.mkdtempSync(path.join(dir, 'repo-'));
    const marker = path.join(dir, 'platform-ran');
    fs.writeFileSync(path.join(repo, 'platform.py'), `open(${JSON.stringify(marker)}, "w").write("ran")\n`);
    // The trap is real: Python run with -c in that folder imports it.
    spawnSync(python.command, ['-c', 'import platform'], { cwd: repo });
    assert.ok(fs.existsSync(marker), 'python -c in the folder imports its platform.py');
    fs.rmSync(marker);
    const here = process.cwd();
    process.chdir(repo);
    try {
      const probe = await probePython(python);
      assert.ok(probe.ok || probe.reason === 'no-torch', probe.ok ? '' : probe.message);
    } finally {
      process.chdir(here);
    }
    assert.equal(fs.existsSync(marker), false, 'the probe imported the current folder\'s platform.py');
    assert.deepEqual(fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith(`seqlab-py-${process.pid}-`)), [], 'the probe\'s private folder is removed');
  });

  it('skips empty and relative folders of PATH: they name the current folder, which may be a repository', () => {
    const a = fs.mkdtempSync(path.join(dir, 'abs-'));
    const p3 = fakePython(a, 'python3', '{}');
    const rel = path.relative(process.cwd(), a);
    assert.deepEqual(pathPythons({ PATH: ['', '.', rel, a].join(path.delimiter) }).map((p) => p.command), [p3]);
  });

  it('lists python3 then python from every folder of PATH, each file once', () => {
    const a = fs.mkdtempSync(path.join(dir, 'a-'));
    const b = fs.mkdtempSync(path.join(dir, 'b-'));
    const p3 = fakePython(a, 'python3', '{}');
    fs.symlinkSync(p3, path.join(a, 'python')); // python -> python3: the same interpreter
    const b3 = fakePython(b, 'python3', '{}');
    const found = pathPythons({ PATH: [a, b, a].join(path.delimiter) }).map((p) => p.command);
    assert.deepEqual(found, [p3, b3]);
  });

  it('auto takes PyTorch when one is found, else the built-in engine; pytorch without one names every interpreter tried', async () => {
    const none = pythonFromPath(fakePython(dir, 'none2', probeLine({ error: 'ModuleNotFoundError' })), 'test');
    assert.equal((await decideEngine('auto', [none])).engine, 'builtin');
    assert.equal((await decideEngine('builtin', [none])).engine, 'builtin');
    // The one interpreter the user named: its own reason leads, not a search's advice.
    await assert.rejects(decideEngine('pytorch', [none]), (err: Error) => err instanceof NoTorchError && /^Python 3\.12\.1 at .* has no PyTorch .*\(test\)$/.test(err.message));
    // A search over PATH: what it tried, and how to name the one that has it.
    const fromPath = { ...none, source: 'PATH' };
    await assert.rejects(decideEngine('pytorch', [fromPath, { ...fromPath, command: fromPath.command + '-again' }]), (err: Error) => err instanceof NoTorchError && /^no Python with PyTorch >= 1\.10 was found \(.*has no PyTorch/.test(err.message) && /seqlab\.python/.test(err.message));
    const cpu = pythonFromPath(fakePython(dir, 'cpu', probeLine({ torch: '2.1.0', cuda: null, devices: [{ kind: 'cpu', name: 'x86_64' }] })), 'test');
    const decided = await decideEngine('auto', [none, cpu]);
    assert.equal(decided.engine, 'pytorch', decided.reason);
    assert.equal(decided.torch?.python.command, cpu.command);
  });
});

describe('the PyTorch engine protocol (TypeScript half)', () => {
  it('parses replies and refuses lines that are not the protocol', () => {
    const ok = parseTorchReply('{"type":"stepped","id":3,"loss":2.5,"gradNorm":null}');
    assert.ok(ok.ok && ok.reply.type === 'stepped' && ok.reply.gradNorm === null);
    for (const line of ['Warning: something printed', '{"type":"stepped","id":"3","loss":1,"gradNorm":1}', '{"type":"teleport"}', '{"type":"hello"}']) {
      const bad = parseTorchReply(line);
      assert.ok(!bad.ok, line);
    }
  });

  it('carries token windows as base64 of little-endian int32, one request per line', () => {
    const windows = Int32Array.from([0, 1, 65535, 70000]);
    const b64 = encodeWindows(windows.subarray(1, 3));
    assert.deepEqual([...new Int32Array(new Uint8Array(Buffer.from(b64, 'base64')).buffer)], [1, 65535]);
    const line = torchRequestLine({ type: 'step', id: 1, lr: 0.003, rows: 1, width: 2, windows: b64 });
    assert.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'));
  });
});
