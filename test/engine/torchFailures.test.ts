/**
 * Every way the PyTorch engine can fail, driven by a stand-in engine (support/fakeTorchEngine.mjs)
 * through the real command line and the real worker thread: each run ends with a message that
 * says what happened, a non-zero exit on the command line, the checkpoint named when one was
 * written, no lock and no scratch folder left behind; a Stop settles a step that hangs. No
 * PyTorch needed (test/interop/check_torch_engine.py runs the real one).
 *
 * The hang cases need a timeout to end at all; they are given generous ones (the stand-in
 * answers every other request at once), and nothing here bounds how long a run may take.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EngineClient, EngineError } from '../../engine';
import { DEMO_CORPUS } from '../../engine/text/demoCorpus';
import { removeStaleWorkFolders } from '../../engine/torch/isolation';
import { LineSplitter, readLines } from '../../engine/io/lines';
import { Readable } from 'node:stream';

const posix = process.platform !== 'win32';
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-torchfail-'));
// Scratch folders go here, so the test sees what is left behind (the worker thread shares this environment).
const tmp = path.join(root, 'tmp');
fs.mkdirSync(tmp);
process.env.TMPDIR = tmp;
const cli = path.join(__dirname, '..', '..', 'dist', 'cli.js');
const engineScript = path.join(__dirname, 'support', 'fakeTorchEngine.mjs');
const text = path.join(root, 'text.txt');
fs.writeFileSync(text, DEMO_CORPUS.slice(0, 6000));
const cwdLog = path.join(root, 'cwd.log');

/** A "python" that runs the stand-in engine in `mode`, misbehaving at step `at`. */
function fakePython(mode: string, at = 3): string {
  const file = path.join(root, `python-${mode}-${at}`);
  fs.writeFileSync(file, `#!/bin/sh\nexec '${process.execPath}' '${engineScript}' '${mode}' '${at}' "$@"\n`);
  fs.chmodSync(file, 0o755);
  return file;
}

const small = ['--hidden', '16', '--embed', '8', '--seq-len', '16', '--batch', '4', '--eval-interval', '2', '--sample-interval', '0', '--minutes', '0'];

interface CliRun { code: number | null; stderr: string; out: string }

/** `seqlab train` on the stand-in; `interruptAfter`: send one Ctrl+C (SIGINT) once stderr shows it. */
function train(mode: string, { at = 3, steps = 6, extra = [] as string[], interruptAfter }: { at?: number; steps?: number; extra?: string[]; interruptAfter?: RegExp } = {}): Promise<CliRun> {
  const out = path.join(root, `model-${mode}-${at}`);
  const child = spawn(process.execPath, [cli, 'train', text, '--out', out, '--engine', 'pytorch', '--python', fakePython(mode, at), '--steps', String(steps), ...small, ...extra], {
    cwd: root, env: { ...process.env, TMPDIR: tmp, FAKE_ENGINE_CWD_LOG: cwdLog }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let interrupted = false;
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (interruptAfter && !interrupted && interruptAfter.test(stderr)) {
      interrupted = true;
      child.kill('SIGINT');
    }
  });
  child.stdout.resume();
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr, out })));
}

/** Nothing of the run is left where it should not be: no lock beside or in its folder, no scratch folder. */
function assertClean(out: string): void {
  const leftovers = fs.readdirSync(tmp).filter((n) => n.startsWith('seqlab-'));
  assert.deepEqual(leftovers, [], 'scratch folders left in the temp folder');
  const locks = [...fs.readdirSync(root), ...(fs.existsSync(out) ? fs.readdirSync(out) : [])].filter((n) => n.endsWith('.lock'));
  assert.deepEqual(locks, [], 'locks left behind');
}

after(() => fs.rmSync(root, { recursive: true, force: true }));

describe('the PyTorch engine failing, through the command line', { skip: !posix && 'the stand-in interpreter is a shell script' }, () => {

  it('a well-behaved engine trains to the end, from a private working folder with the safe-path rule', async () => {
    fs.rmSync(cwdLog, { force: true });
    const run = await train('ok');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /trained 6 steps/);
    // The probe first, then the engine: each in a private folder of its own, both with the safe-path rule.
    const runs = fs.readFileSync(cwdLog, 'utf8').trim().split('\n').map((line) => line.split('\t'));
    assert.deepEqual(runs.map(([cwd]) => path.basename(cwd).replace(/-\d+-\w+$/, '')), ['seqlab-py', 'seqlab-torch']);
    for (const [cwd, safePath] of runs) {
      assert.equal(path.dirname(cwd), fs.realpathSync(tmp), `ran in ${cwd}`);
      assert.equal(safePath, '1');
    }
    assertClean(run.out);
  });

  const failures: Array<{ mode: string; expect: RegExp; checkpoint: boolean; extra?: string[] }> = [
    { mode: 'fatal-on-step', expect: /ran out of memory/, checkpoint: true },
    { mode: 'error-on-step', expect: /windows of 12 bytes are not 8 x 17 int32/, checkpoint: true },
    { mode: 'crash-on-step', expect: /PyTorch engine .* stopped \(exit code 137\)/, checkpoint: true },
    { mode: 'garbage-on-step', expect: /not its protocol.*Segmentation fault/, checkpoint: true },
    { mode: 'huge-line-on-step', expect: /wrote a line longer than 1 MB/, checkpoint: true },
    { mode: 'wrong-id-on-step', expect: /answered stepped \(request 0\) where stepped \(request \d+\) for step 3 was expected/, checkpoint: true },
    { mode: 'wrong-type-on-step', expect: /answered evaluated \(request \d+\) where stepped \(request \d+\) for step 3/, checkpoint: true },
    { mode: 'hang-on-step', expect: /did not answer for step 3 within 20 s, so it was ended/, checkpoint: true, extra: ['--torch-timeout', '20'] },
    { mode: 'no-hello', expect: /did not answer at start \(its hello\) within 20 s/, checkpoint: false, extra: ['--torch-timeout', '20'] },
    { mode: 'hello-then-exit', expect: /stopped \(exit code 1\)/, checkpoint: false },
    { mode: 'error-at-start', expect: /built without CUDA/, checkpoint: false },
  ];
  for (const { mode, expect, checkpoint, extra } of failures) {
    it(`${mode}: a message, exit 1, ${checkpoint ? 'the checkpoint named' : 'nothing trained'}, nothing left behind`, async () => {
      const run = await train(mode, { extra });
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, expect);
      if (checkpoint) {
        // Step 2's evaluation wrote the best checkpoint before step 3 failed.
        assert.match(run.stderr, /training stopped\. The checkpoint in .* is kept: resume from it to go on/);
        assert.ok(fs.existsSync(path.join(run.out, 'model.safetensors')));
      }
      assert.doesNotMatch(run.stderr, /RangeError|at .*\.js:\d+/, 'no stack trace');
      assertClean(run.out);
    });
  }

  it('an engine that floods stderr with an 8 MB line is cut, not fatal', async () => {
    const run = await train('stderr-flood');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /cut here/);
    assertClean(run.out);
  });

  it('Ctrl+C while the engine hangs settles the step after the grace, names the checkpoint and exits non-zero', async () => {
    const run = await train('hang-on-step', { steps: 50, interruptAfter: /step 2 /, extra: ['--torch-timeout', '600'] });
    assert.notEqual(run.code, 0, run.stderr);
    assert.match(run.stderr, /stopping/);
    assert.match(run.stderr, /did not answer for step 3 within 10 s after Stop/);
    assert.match(run.stderr, /The checkpoint in .* is kept/);
    assertClean(run.out);
  });

  it('Ctrl+C while the engine is still starting ends the run at once: nothing trained, exit 130', async () => {
    const run = await train('no-hello', { interruptAfter: /PyTorch was chosen/, extra: ['--torch-timeout', '600'] });
    assert.equal(run.code, 130, run.stderr);
    assert.match(run.stderr, /stopped on request before the first step; nothing was trained or saved/);
    assert.equal(fs.existsSync(run.out), false, 'nothing written');
    assertClean(run.out);
  });

  it('--processes and --torch-timeout are bounded on the command line as in the worker', async () => {
    for (const [flags, message] of [[['--processes', '1000'], /--processes must be a whole number from 1 to 64/], [['--torch-timeout', '0'], /--torch-timeout must be more than 0/]] as const) {
      const run = await train('ok', { extra: [...flags] });
      assert.equal(run.code, 1);
      assert.match(run.stderr, message);
    }
  });

  it('scratch folders of dead SeqLab processes are removed at start, and nothing else', () => {
    const dead = path.join(tmp, 'seqlab-torch-999999999-abcdef');
    const live = path.join(tmp, `seqlab-torch-${process.pid}-ghijkl`);
    // Our pid, but older than this process: an earlier process's (a container restarted with the same pid).
    const earlier = path.join(tmp, `seqlab-py-${process.pid}-mnopqr`);
    const other = path.join(tmp, 'seqlab-torch-notapid');
    for (const dir of [dead, live, earlier, other]) fs.mkdirSync(dir);
    const before = new Date(Date.now() - process.uptime() * 1000 - 3_600_000);
    fs.utimesSync(earlier, before, before);
    assert.deepEqual(removeStaleWorkFolders(tmp).sort(), [dead, earlier].sort());
    assert.ok(fs.existsSync(live) && fs.existsSync(other));
    for (const dir of [live, other]) fs.rmSync(dir, { recursive: true });
  });
});

describe('the PyTorch engine failing, through the worker', { skip: !posix && 'the stand-in interpreter is a shell script' }, () => {
  const client = new EngineClient({});
  after(() => client.dispose());
  const request = (mode: string, extra: Record<string, unknown> = {}) => ({
    source: { kind: 'text' as const, text: DEMO_CORPUS.slice(0, 6000) },
    config: { hidden: 16, embed: 8, seqLen: 16, batch: 4, evalInterval: 2, sampleInterval: 0, minutes: 0, steps: 6 },
    outDir: path.join(root, `worker-${mode}`), engine: 'pytorch' as const, torch: { python: fakePython(mode), ...extra },
  });

  it('a fatal error mid-run ends the run with a typed error, and the next run is not refused as busy', async () => {
    await assert.rejects(client.request('train', request('fatal-on-step')), (e: EngineError) => {
      assert.equal(e.code, 'torch-failed');
      assert.deepEqual(e.details, { torchCode: 'out-of-memory', duringRun: true });
      assert.match(e.message, /ran out of memory.*The checkpoint in .* is kept/);
      return true;
    });
    const next = await client.request('train', request('ok'));
    assert.equal(next.reason, 'completed');
    assert.equal(next.steps, 6);
  });

  it('Stop while the engine is still starting ends the run at once as cancelled, nothing trained', async () => {
    const outDir = path.join(root, 'worker-stop-at-start');
    const job = client.start('train', { ...request('no-hello', { timeoutSeconds: 600 }), outDir });
    // The engine never says hello: whenever the Stop lands (before or during its start), nothing can have been trained.
    await new Promise((r) => setTimeout(r, 300));
    await job.cancel();
    const summary = await job.result;
    assert.equal(summary.reason, 'cancelled', summary.message);
    assert.equal(summary.steps, 0);
    assert.match(summary.message, /before the first step; nothing was trained or saved/);
    assert.equal(summary.engine.name, 'pytorch');
    assert.equal(fs.existsSync(outDir), false);
  });

  it('Stop while the engine hangs ends the run after the grace, with the checkpoint named', async () => {
    let step = 0;
    const job = client.start('train', { ...request('hang-on-step'), config: { ...request('hang-on-step').config, steps: 50, progressIntervalMs: 0 } }, (e) => {
      if (e.kind === 'progress') step = e.step;
    });
    let settled = false;
    job.result.then(() => (settled = true), () => (settled = true));
    while (step < 2 && !settled) await new Promise((r) => setTimeout(r, 20));
    await job.cancel();
    await assert.rejects(job.result, (e: EngineError) => e.code === 'torch-failed' && /within 10 s after Stop/.test(e.message) && /is kept/.test(e.message));
    const again = await client.request('train', request('ok'));
    assert.equal(again.reason, 'completed');
  });
});

/** How the engine's output is read (engine/io/lines): whole lines, each at most maxBytes, the bound at its limit on both sides. */
describe('the engine\'s output as lines, each at most maxBytes', () => {
  /** A splitter with maxBytes 4, fed `chunks` then ended: what it passed on, in order. */
  const split = (chunks: Array<string | Buffer>, maxBytes = 4) => {
    const got: string[] = [];
    const s = new LineSplitter({ maxBytes, onLine: (l) => got.push(`line ${l}`), onTooLong: (l) => got.push(`too long ${l}`) });
    for (const c of chunks) s.push(typeof c === 'string' ? Buffer.from(c) : c);
    s.end();
    return got;
  };

  it('a line of exactly maxBytes passes, the first and every later one; one byte more is cut once to maxBytes', () => {
    assert.deepEqual(split(['abcd\n']), ['line abcd']);
    assert.deepEqual(split(['abcd\nefgh\nijkl\n']), ['line abcd', 'line efgh', 'line ijkl']);
    assert.deepEqual(split(['abcde\n']), ['too long abcd']);
    assert.deepEqual(split(['ab\nabcde\nxy\n']), ['line ab', 'too long abcd', 'line xy']);
    // A long line over several chunks is reported once, and dropped up to its newline, whatever the chunks.
    assert.deepEqual(split(['abc', 'defg', 'hij', 'k\nxy\n']), ['too long abcd', 'line xy']);
    assert.deepEqual(split(['ab', 'cd', '\n']), ['line abcd']);
    assert.deepEqual(split(['ab', 'cde', '\n']), ['too long abcd']);
    assert.deepEqual(split(['abcd', 'e\n']), ['too long abcd'], 'a chunk that fills the line exactly, then one byte more: still cut to maxBytes');
  });

  it('a newline at a chunk\'s start, an empty line, "\\r\\n", and a last line without a newline, however short', () => {
    assert.deepEqual(split(['ab', '\ncd\n']), ['line ab', 'line cd']);
    assert.deepEqual(split(['\n\nab\r\n']), ['line ', 'line ', 'line ab']);
    assert.deepEqual(split(['ab\nz']), ['line ab', 'line z'], 'a last line of one byte is a line');
    assert.deepEqual(split(['ab\n']), ['line ab'], 'nothing after the last newline: no empty line');
    assert.deepEqual(split(['abcdef']), ['too long abcd'], 'a last line cut is not passed on again at the end');
  });

  it('a character split between chunks comes out whole; the bound counts bytes', () => {
    const e = Buffer.from('é\n'); // 2 bytes and a newline
    assert.deepEqual(split([e.subarray(0, 1), e.subarray(1)]), ['line é']);
    assert.deepEqual(split(['éé\n']), ['line éé'], '4 bytes: at the limit');
    assert.deepEqual(split(['ééa\n']), ['too long éé'], '5 bytes');
  });

  it('readLines takes a stream of bytes or of text alike, and says when it ended, after the last line', async () => {
    for (const chunks of [[Buffer.from('ab\nc'), Buffer.from('d\ne')], ['ab\nc', 'd\ne']]) {
      const got: string[] = [];
      await new Promise<void>((resolve) => readLines(Readable.from(chunks), { maxBytes: 4, onLine: (l) => got.push(l), onTooLong: (l) => got.push(`too long ${l}`), onEnd: () => { got.push('end'); resolve(); } }));
      assert.deepEqual(got, ['ab', 'cd', 'e', 'end'], `${typeof chunks[0]} chunks`);
    }
  });
});
