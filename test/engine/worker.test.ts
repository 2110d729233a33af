/** The real engine worker thread (dist/worker.js) driven through EngineClient. */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EngineClient, EngineError, type WorkerEvent } from '../../engine';
import { DEMO_CORPUS } from '../../engine/text/demoCorpus';

const small = { hidden: 24, embed: 8, seqLen: 16, batch: 8, evalInterval: 10, sampleInterval: 0, progressIntervalMs: 50 };
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-worker-'));

describe('engine worker', () => {
  const crashes: Error[] = [];
  const logs: string[] = [];
  const backends: string[] = [];
  const client = new EngineClient({ onCrash: (e) => crashes.push(e), onLog: (_l, m) => logs.push(m), onBackend: (b) => backends.push(`${b.engine}/${b.name}`) });
  after(() => client.dispose());

  it('answers before a model exists with an error that says what to do', async () => {
    await assert.rejects(client.request('sample', { prompt: 'x' }), (e: EngineError) => e.code === 'no-model' && /train one or load a checkpoint/.test(e.message));
  });

  it('trains through the worker with progress events, and makes the checkpoint active', async () => {
    const events: WorkerEvent[] = [];
    const summary = await client.request('train', { source: { kind: 'text', text: DEMO_CORPUS, name: 'demo' }, config: { ...small, steps: 20 }, outDir: path.join(root, 'm1') }, (e) => events.push(e));
    assert.equal(summary.reason, 'completed');
    assert.equal(summary.steps, 20);
    assert.ok(events.some((e) => e.kind === 'progress'));
    assert.ok(events.some((e) => e.kind === 'checkpoint'));
    assert.ok(fs.existsSync(path.join(root, 'm1', 'model.safetensors')));
    assert.deepEqual(backends, ['tensorflow.js/wasm'], 'the engine and its backend arrive once, as a typed message');
  });

  it('refuses a text too short for the sequence length with a code and the lengths, not only words', async () => {
    await assert.rejects(client.request('train', { source: { kind: 'text', text: 'abcdefghij'.repeat(3) }, config: { ...small, seqLen: 64 } }), (e: EngineError) => {
      assert.equal(e.code, 'text-too-short');
      assert.deepEqual(e.detailsOf('text-too-short'), { length: 30, needed: 130 });
      assert.equal(e.detailsOf('busy' as never), undefined);
      return true;
    });
  });

  it('carries a catalogued failure as code and parameters; a client in Chinese shows it in Chinese (a student saw 无法训练：the text has 35 characters)', async () => {
    const zh = new EngineClient({ lang: 'zh-cn' });
    try {
      await assert.rejects(zh.request('train', { source: { kind: 'text', text: 'abcdefghij'.repeat(3) }, config: { ...small, seqLen: 64 } }), (e: EngineError) => {
        assert.equal(e.code, 'text-too-short');
        assert.deepEqual(e.engineMessage, { code: 'text-too-short', params: { length: 30, needed: 130 } });
        assert.match(e.message, /^文本只有 30 个字符，而训练至少需要 130 个/);
        return true;
      });
      // A bad setting: each problem by its Chinese label.
      await assert.rejects(zh.request('train', { source: { kind: 'text', text: DEMO_CORPUS }, config: { ...small, layers: 100 } }), (e: EngineError) => {
        assert.equal(e.engineMessage?.code, 'bad-settings');
        assert.match(e.message, /^训练设置有误：层数（layers）：太大，应不超过 8，实际为 100/);
        return true;
      });
    } finally {
      zh.dispose();
    }
  });

  it('streams a sample token by token, and probes', async () => {
    const tokens: string[] = [];
    const s = await client.request('sample', { prompt: 'The cell', options: { length: 40, seed: 1 } }, (e) => {
      if (e.kind === 'token') tokens.push(e.text);
    });
    assert.equal(tokens.join(''), s.text);
    assert.equal(s.tokens, 40);
    const p = await client.request('probe', { text: 'The forget gate' });
    assert.equal(p.tokens.length, 14);
    assert.ok(p.layers[0].gates.f.data instanceof Float32Array);
    assert.equal(p.layers[0].gates.f.data.length, 14 * 24);
  });

  it('cancels a training run within a step, and refuses a second run meanwhile', async () => {
    let seen = 0;
    // A progress event every step, so `seen` trails the worker by the events in flight only.
    const job = client.start('train', { source: { kind: 'text', text: DEMO_CORPUS }, config: { ...small, steps: 5000, progressIntervalMs: 0 } }, (e) => {
      if (e.kind === 'progress') seen = e.step;
    });
    for (let waited = 0; seen < 3 && waited < 10_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    await assert.rejects(client.request('train', { source: { kind: 'text', text: DEMO_CORPUS }, config: small }), (e: EngineError) => e.code === 'busy');
    const seenAtStop = seen;
    await job.cancel();
    const summary = await job.result;
    assert.equal(summary.reason, 'cancelled');
    assert.ok(summary.steps <= seenAtStop + 3, `stopped at step ${summary.steps}; step ${seenAtStop} was reported when Stop was sent`);
  });

  it('answers malformed messages with errors and keeps working', async () => {
    const before = logs.length;
    client.postRaw('garbage');
    client.postRaw({ type: 'sample', id: 999 });
    client.postRaw({ type: 'explode', id: 1000 });
    await client.request('listBackends', {});
    const errors = logs.slice(before).join('\n');
    assert.match(errors, /malformed request: .*prompt/);
    assert.match(errors, /malformed request: type/);
    const bad = await client.request('train', { source: { kind: 'text', text: 'too short' }, config: small }).catch((e: Error) => e);
    assert.match(String(bad), /training needs at least 34/);
    const backends = await client.request('listBackends', {});
    assert.ok(backends.available.includes('wasm'));
  });

  it('reports a crashed worker, restarts on the next request and reloads the active model', async () => {
    const pending = client.request('sample', { prompt: 'The', options: { length: 100000 } });
    await new Promise((r) => setTimeout(r, 50));
    await client.thread!.terminate();
    await assert.rejects(pending, (e: EngineError) => e.code === 'crashed' && /restarts on the next request/.test(e.message));
    assert.equal(crashes.length, 1);
    const s = await client.request('sample', { prompt: 'The', options: { length: 5 } });
    assert.equal(s.tokens, 5);
    assert.equal(client.starts, 2);
  });
});
