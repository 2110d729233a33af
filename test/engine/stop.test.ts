/**
 * Stop always stops: a Stop sent while a fresh worker is still starting its backend (the
 * first second) ends the run before its first step, with nothing written; a job the worker
 * cannot stop by asking is ended by restarting the worker. Real worker threads, real runs.
 * How soon is counted in steps and runs, not in milliseconds: on a busy 2-core machine a
 * second of wall-clock time says nothing (these bounds once failed 3 runs in 7 there).
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EngineClient, EngineError } from '../../engine';
import { lockFileOf } from '../../engine/checkpoint/lock';
import { DEMO_CORPUS } from '../../engine/text/demoCorpus';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-stop-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const config = { hidden: 32, embed: 8, seqLen: 16, batch: 8, evalInterval: 10, sampleInterval: 0, progressIntervalMs: 50, steps: 100_000, minutes: 5 };

describe('Stop right after Start, on a fresh worker', () => {
  for (const delay of [0, 50, 200, 800]) {
    it(`Stop ${delay} ms after Start ends the run without another step`, async () => {
      const client = new EngineClient({ execArgv: [] });
      try {
        const outDir = path.join(root, `run-${delay}`);
        const lastDir = `${outDir}-last`;
        let steps = 0;
        const job = client.start('train', { source: { kind: 'text', text: DEMO_CORPUS, name: 'demo' }, config, outDir, lastDir, workers: 'auto' }, (e) => {
          if (e.kind === 'progress') steps = e.step;
        });
        await sleep(delay);
        await job.cancel();
        const summary = await job.result;
        assert.equal(summary.reason, 'cancelled', summary.message);
        assert.ok(summary.steps <= steps + 1, `no step after the Stop (${summary.steps} steps, ${steps} reported)`);
        if (summary.steps === 0) {
          // Stopped before it began: nothing trained, nothing written, and the message says so.
          assert.match(summary.message, /before the first step; nothing was trained or saved/);
          assert.equal(summary.checkpoint, null);
          assert.equal(summary.lastCheckpoint, null);
          assert.equal(fs.existsSync(outDir), false);
          assert.equal(fs.existsSync(lastDir), false);
        } else {
          assert.ok(summary.lastCheckpoint, 'a run stopped after it stepped keeps its weights');
        }
      } finally {
        await client.dispose();
      }
    });
  }

  it('Stop right after an experiment starts ends it before its runs go on', async () => {
    for (const delay of [0, 200]) {
      const client = new EngineClient({ execArgv: [] });
      try {
        let reports = 0;
        let afterStop = 0;
        let stopped = false;
        const job = client.start('experiment', { name: 'lstm-vs-gru', config: {} }, () => {
          reports++;
          if (stopped) afterStop++;
        });
        await sleep(delay);
        stopped = true;
        await job.cancel();
        const outcome = await job.result.then(() => 'finished', (e: Error) => e.message);
        assert.match(outcome, /cancel/i, `delay ${delay}: ${outcome}`);
        // Its runs (hundreds of steps each) would report again and again: a report or two in flight is all.
        assert.ok(afterStop <= 4, `delay ${delay}: ${afterStop} of ${reports} progress reports came after Stop`);
      } finally {
        await client.dispose();
      }
    }
  });
});

describe('a worker killed mid-run', () => {
  it('leaves no live lock behind: the host releases its folders, and the run resumes from its latest weights', async () => {
    const client = new EngineClient({ onCrash: () => undefined });
    try {
      // A model made active first: after the crash, the restarted worker gets its reload and
      // the resume at the same moment (two backend initialisations racing, once a bug).
      await client.request('train', { source: { kind: 'text', text: DEMO_CORPUS }, config: { ...config, steps: 5, minutes: 0 }, outDir: path.join(root, 'active'), workers: 1 });
      const outDir = path.join(root, 'crashed');
      const lastDir = `${outDir}-last`;
      let step = 0;
      const job = client.start('train', { source: { kind: 'text', text: DEMO_CORPUS }, config: { ...config, checkpointEvery: 10, progressIntervalMs: 0 }, outDir, lastDir, workers: 1 }, (e) => {
        if (e.kind === 'progress') step = e.step;
      });
      for (const until = Date.now() + 60_000; step < 15 && Date.now() < until;) await sleep(20);
      assert.ok(fs.existsSync(lockFileOf(outDir)), 'the run holds its folder');
      await client.thread!.terminate();
      await assert.rejects(job.result, (e: EngineError) => e.code === 'crashed');
      assert.equal(fs.existsSync(lockFileOf(outDir)), false, 'the host released the dead thread\'s lock');
      assert.equal(fs.existsSync(lockFileOf(lastDir)), false);
      const resumed = await client.request('train', { source: { kind: 'text', text: DEMO_CORPUS }, config: { steps: 30, minutes: 0 }, outDir, lastDir, resumeFrom: lastDir, workers: 1 });
      assert.equal(resumed.steps, 30);
      assert.equal(resumed.reason, 'completed');
    } finally {
      await client.dispose();
    }
  });
});

describe('a job the worker cannot stop by asking', () => {
  it('is ended by restarting the worker, which is reported; the next request works', async () => {
    // Every real job is cancellable from its arrival, so this stands in for a worker with a
    // bug: it answers a cancel with {cancelled: false} and never ends the job.
    const script = path.join(root, 'stubborn-worker.js');
    fs.writeFileSync(script, `const { parentPort } = require('node:worker_threads');
parentPort.on('message', (m) => {
  if (m.type === 'cancel') parentPort.postMessage({ type: 'reply', inReplyTo: m.id, request: 'cancel', result: { cancelled: false } });
  if (m.type === 'listBackends') parentPort.postMessage({ type: 'reply', inReplyTo: m.id, request: 'listBackends', result: { current: null, reason: null, available: ['cpu'] } });
});`);
    const crashes: Error[] = [];
    const client = new EngineClient({ workerScript: script, onCrash: (e) => crashes.push(e) });
    try {
      const job = client.start('train', { source: { kind: 'text', text: DEMO_CORPUS }, config });
      await job.cancel();
      await assert.rejects(job.result, (e: EngineError) => e.code === 'crashed' && /could not be stopped by asking/.test(e.message));
      assert.equal(crashes.length, 1);
      const backends = await client.request('listBackends', {});
      assert.deepEqual(backends.available, ['cpu']);
      assert.equal(client.starts, 2);
    } finally {
      await client.dispose();
    }
  });
});
