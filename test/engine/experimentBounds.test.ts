/**
 * Bounds on the work an experiment's settings ask for (engine/experiments/bounds.ts): every
 * list setting has a length limit, checked on both sides, in the schema and in the form; the
 * plan (runs, time, memory) comes before the first run; a plan above the memory bound is
 * refused with the settings to lower, before any run starts, in the engine, on the command
 * line and through the worker.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { z } from 'zod';
import { EXPERIMENTS, memoryPlan, runExperiment } from '../../engine/experiments';
import { checkMemory, ExperimentTooLarge, fittingThreads, memoryBound, peakBytes, PROCESS_BASE_BYTES, runBytes, THREAD_BASE_BYTES, WASM_HEAP_BYTES, type RunShape } from '../../engine/experiments/bounds';
import { settingsForm } from '../../engine/experiments/settingsForm';
import { fieldProblem } from '../../engine/experiments/settingFields';
import { chapterRun, chapterRuns } from '../../engine/chapter/judge';
import { translator } from '../../engine/core/lang';
import { initBackend } from '../../engine/core/backend';
import { EngineClient, EngineError } from '../../engine';
import type { ExperimentPlan } from '../../engine/experiments/types';

const en = translator('en');
const CLI = path.join(__dirname, '..', '..', 'dist', 'cli.js');

interface JsonArray { type: 'array'; minItems?: number; maxItems?: number; items: { enum?: string[]; type?: string; minimum?: number; maximum?: number } }

/** Every list setting of every experiment (top level and nested), from its schema as the form reads it. */
function listSettings(): Array<{ experiment: (typeof EXPERIMENTS)[number]; key: string; spec: JsonArray }> {
  const found: Array<{ experiment: (typeof EXPERIMENTS)[number]; key: string; spec: JsonArray }> = [];
  for (const e of EXPERIMENTS) {
    const walk = (props: Record<string, { type?: string; properties?: Record<string, never> }>, prefix: string) => {
      for (const [name, p] of Object.entries(props)) {
        if (p.type === 'array') found.push({ experiment: e, key: prefix + name, spec: p as unknown as JsonArray });
        if (p.type === 'object' && p.properties) walk(p.properties, `${prefix}${name}.`);
      }
    };
    walk((z.toJSONSchema(e.schema, { io: 'input', unrepresentable: 'any' }) as unknown as { properties: Record<string, never> }).properties, '');
  }
  return found;
}

/** `n` distinct valid entries for a list setting (as many of its choices; whole numbers from its minimum). */
function distinctEntries(spec: JsonArray, n: number): unknown[] {
  if (spec.items.enum) return spec.items.enum.slice(0, n);
  const from = spec.items.minimum ?? 0;
  return Array.from({ length: n }, (_, i) => from + i);
}

/** `config` with `value` at dotted `key`. */
function withValue(key: string, value: unknown): Record<string, unknown> {
  const [head, ...rest] = key.split('.');
  return rest.length ? { [head]: withValue(rest.join('.'), value) } : { [head]: value };
}

describe('list settings have a length limit', () => {
  const lists = listSettings();

  it('every list of every experiment has one (and the lists the audit ran unbounded are among them)', () => {
    const names = lists.map((l) => `${l.experiment.name}.${l.key}`);
    for (const audited of ['long-range-memory.lengths', 'long-range-memory.cells', 'exploding-gradients.clipNorms', 'vanishing-gradients.cells', 'normalization.cells']) assert.ok(names.includes(audited), audited);
    for (const l of lists) {
      assert.ok(Number.isInteger(l.spec.maxItems), `${l.experiment.name}.${l.key} has no length limit`);
      assert.equal(l.spec.minItems, 1, `${l.experiment.name}.${l.key}: an empty list runs nothing`);
      // A list of choices holds each at most once: its limit is the number of choices.
      if (l.spec.items.enum) assert.equal(l.spec.maxItems, l.spec.items.enum.length, `${l.experiment.name}.${l.key}`);
      else assert.ok(l.spec.maxItems! <= 8, `${l.experiment.name}.${l.key}: a handful, not ${l.spec.maxItems}`);
    }
  });

  it('each schema accepts a list at its limit and refuses one entry more', () => {
    for (const { experiment: e, key, spec } of lists) {
      const max = spec.maxItems!;
      const at = distinctEntries(spec, max);
      assert.equal(at.length, max);
      const accepted = e.schema.safeParse(withValue(key, at));
      assert.ok(accepted.success, `${e.name}.${key} at its limit ${max}: ${accepted.error?.message}`);
      // One more: a new number, or (a list of all the choices) one of them again.
      const over = [...at, spec.items.enum ? at[0] : distinctEntries(spec, max + 1)[max]];
      const refused = e.schema.safeParse(withValue(key, over));
      assert.ok(!refused.success, `${e.name}.${key}: ${max + 1} entries were accepted`);
      assert.ok(refused.error.issues.some((i) => i.code === 'too_big' && i.path.join('.') === key), `${e.name}.${key}: refused for its length (${refused.error.message})`);
    }
    // The audit's 100,000 entries by --config: one complaint about the length, not one per repeat.
    const lengths = EXPERIMENTS.find((x) => x.name === 'long-range-memory')!.schema.safeParse({ lengths: Array(100_000).fill(100) });
    assert.deepEqual(!lengths.success && lengths.error.issues.map((i) => [i.path.join('.'), i.code]), [['lengths', 'too_big']]);
  });

  it('refuses an entry twice, naming it (a repeat would run the same seeded runs again under the same name)', () => {
    for (const { experiment: e, key, spec } of lists) {
      const [a] = distinctEntries(spec, 1);
      const refused = e.schema.safeParse(withValue(key, [a, a]));
      assert.ok(!refused.success, `${e.name}.${key}: [${a}, ${a}] was accepted`);
      assert.match(refused.error.issues.map((i) => i.message).join('; '), new RegExp(`${JSON.stringify(a)} is listed twice`));
    }
  });

  it('the form has the same limit, and says so on both sides of it, in both languages', () => {
    for (const { experiment: e, key, spec } of lists) {
      const field = settingsForm(e.schema, 'en', e.hints).find((f) => f.key === key)!;
      assert.ok(field.kind === 'choices' || field.kind === 'numbers', `${e.name}.${key} is a list field`);
      assert.equal(field.maxItems, spec.maxItems, `${e.name}.${key}: the form's limit is the schema's`);
      const at = distinctEntries(spec, spec.maxItems!);
      assert.equal(fieldProblem(field, at, en), null, `${e.name}.${key} at its limit`);
      const over = [...at, spec.items.enum ? at[0] : distinctEntries(spec, spec.maxItems! + 1).at(-1)];
      assert.equal(fieldProblem(field, over, en), `at most ${spec.maxItems}, each once`);
      assert.equal(fieldProblem(field, over, translator('zh-cn')), `至多 ${spec.maxItems} 个，每个只列一次`);
      assert.equal(fieldProblem(field, [at[0], at[0]], en), `${String(at[0])} is listed twice`);
      // The audit's 100,000 entries: refused for their number, before each is looked at.
      assert.equal(fieldProblem(field, Array(100_000).fill(at[0]), en), `at most ${spec.maxItems}, each once`);
    }
  });

  it('the command line\'s --settings says each list\'s limit, from the same form', async () => {
    const { buildProgram } = await import('../../engine/cli/main');
    const printed = async (...args: string[]) => {
      const lines: string[] = [];
      const log = console.log;
      console.log = (line: string) => lines.push(line);
      try {
        await buildProgram().parseAsync(['node', 'seqlab', 'experiment', ...args]);
      } finally {
        console.log = log;
      }
      return lines;
    };
    const en = await printed('long-range-memory', '--settings', '--lang', 'en');
    assert.ok(en.includes('lengths: list of 1-4 whole numbers ≥ 4, ≤ 1000, each once; default 100\n    Sequence lengths of the adding problem, one panel each (each length is as long as all the others together).'), en.join('\n'));
    assert.ok(en.some((l) => l.startsWith('cells: list of 1-6 of rnn-tanh, irnn, ln-rnn, bn-rnn, lstm, gru, each once;')), en.join('\n'));
    const zh = await printed('exploding-gradients', '--settings', '--lang', 'zh-cn');
    assert.ok(zh.some((l) => l.startsWith('clipNorms: 1-6 个数 ≥ 0，每个只列一次；默认 0, 1, 5')), zh.join('\n'));
  });

  it('the engine worker refuses a request asking for figures in more languages than there are', async () => {
    const { parseRequest } = await import('../../engine/worker/protocol');
    assert.ok(parseRequest({ type: 'experiment', id: 1, name: 'gradient-flow', figuresIn: ['en', 'zh-cn'] }).ok);
    assert.ok(!parseRequest({ type: 'experiment', id: 1, name: 'gradient-flow', figuresIn: Array(100_000).fill('en') }).ok);
  });
});

describe('the memory estimate', () => {
  const lstm: RunShape = { cell: 'lstm', hidden: 256, layers: 1, directions: 1, input: 2, batch: 64, length: 1000, vocab: 1, embed: 0, optimizerSlots: 2 };

  it('grows with what a run holds for backpropagation through time, and the largest runs side by side add up', () => {
    const base = runBytes(lstm);
    assert.ok(runBytes({ ...lstm, batch: 128 }) > 1.9 * base - runBytes({ ...lstm, batch: 0 }));
    assert.ok(runBytes({ ...lstm, hidden: 512 }) > 1.9 * base - runBytes({ ...lstm, batch: 0, hidden: 512 }));
    assert.ok(runBytes({ ...lstm, cell: 'rnn' }) < runBytes({ ...lstm, cell: 'gru' }) && runBytes({ ...lstm, cell: 'gru' }) < base);
    // The adding problem's test batch of 512, forward only, is more than 64 sequences of training.
    assert.ok(runBytes({ ...lstm, evalBatch: 512 }) > 3 * base);
    // Two threads hold the two largest runs, not the small ones.
    assert.equal(peakBytes([5, 100, 7, 90], 2) - peakBytes([], 2), 190);
    assert.equal(peakBytes([5, 100, 7, 90], 1), PROCESS_BASE_BYTES + 100);
  });

  it('fits what was measured (max RSS of seqlab experiment): above it, within 1.3x', () => {
    // [experiment, settings, workers, measured max RSS in GiB]: `/usr/bin/time -v node dist/cli.js experiment NAME --set ...` on 2 cores, wasm.
    const measured: Array<[string, Record<string, unknown>, number, number]> = [
      ['long-range-memory', { cells: ['rnn-tanh'], steps: 2, seeds: 1, hidden: 256, batch: 64, lengths: [1000] }, 2, 3.15],
      ['long-range-memory', { cells: ['bn-rnn'], steps: 2, seeds: 1, hidden: 256, batch: 64, lengths: [500] }, 2, 3.57],
      ['long-range-memory', { cells: ['lstm'], steps: 2, seeds: 1, hidden: 128, batch: 64, lengths: [500] }, 2, 2.28],
      ['long-range-memory', { cells: ['gru'], steps: 2, seeds: 1, hidden: 128, batch: 64, lengths: [500] }, 2, 1.88],
      ['long-range-memory', { cells: ['rnn-tanh', 'gru'], steps: 2, seeds: 1, hidden: 128, batch: 64, lengths: [300] }, 2, 1.78],
      ['lstm-vs-gru', { hidden: 512, seqLen: 256, batch: 64, steps: 2, sampleLength: 0, seeds: 1 }, 2, 1.84],
      ['lstm-vs-gru', { corpus: 'chinese-news', vocabMax: 5000, hidden: 256, seqLen: 128, batch: 64, steps: 2, sampleLength: 0, seeds: 1 }, 2, 0.69],
      ['vanishing-gradients', { cells: ['lstm'], hidden: 256, seqLen: 300, batch: 32, trainSteps: 1, seeds: 1 }, 2, 1.69],
      ['vanishing-gradients', { cells: ['rnn-tanh'], hidden: 256, seqLen: 300, batch: 32, trainSteps: 1, seeds: 1 }, 2, 0.57],
      ['normalization', { cells: ['lstm'], normalizations: ['layer'], hidden: 256, seqLen: 200, steps: 2, seeds: 1 }, 2, 1.42],
      ['bidirectional-leak', { models: ['bi2-separate'], hidden: 256, seqLen: 128, batch: 64, steps: 2, seeds: 1, generateLength: 0 }, 2, 1.01],
      ['exploding-gradients', { clipNorms: [0], hidden: 1024, seqLen: 1000, steps: 2, seeds: 1 }, 2, 1.90],
      ['long-range-memory', { steps: 50 }, 2, 0.48],
    ];
    for (const [name, config, workers, gib] of measured) {
      const e = EXPERIMENTS.find((x) => x.name === name)!;
      const parsed = e.schema.parse(config);
      const plan = e.plan(parsed, en);
      const estimate = memoryPlan(e, parsed, plan, Math.min(plan.length, workers), 1e12).peakBytes / 2 ** 30;
      assert.ok(estimate >= gib && estimate <= 1.3 * gib, `${name} ${JSON.stringify(config)}: estimated ${estimate.toFixed(2)} GiB, measured ${gib}`);
    }
  });

  it('refuses runs that crashed the wasm heap when measured (memory access out of bounds, Aborted())', () => {
    const crashed: Array<[string, Record<string, unknown>]> = [
      ['long-range-memory', { cells: ['lstm'], hidden: 256, batch: 64, lengths: [1000] }],
      ['long-range-memory', { cells: ['gru'], hidden: 256, batch: 64, lengths: [1000] }],
      ['vanishing-gradients', { cells: ['lstm'], hidden: 512, seqLen: 500, batch: 64 }],
      ['bidirectional-leak', { models: ['bi2-separate'], hidden: 512, seqLen: 256, batch: 128 }],
      ['normalization', { cells: ['lstm'], normalizations: ['layer'], hidden: 512, seqLen: 500 }],
    ];
    for (const [name, config] of crashed) {
      const e = EXPERIMENTS.find((x) => x.name === name)!;
      const parsed = e.schema.parse(config);
      assert.ok(memoryPlan(e, parsed, e.plan(parsed, en), 1, 1e12).largestRunBytes > WASM_HEAP_BYTES, `${name} ${JSON.stringify(config)}`);
    }
  });

  it('the defaults and the chapter check fit a machine with 4 GiB to spare (half of 8 GiB), on two threads', () => {
    const bound = memoryBound(8 * 2 ** 30);
    for (const e of EXPERIMENTS) {
      const parsed = e.schema.parse({});
      const plan = e.plan(parsed, en);
      assert.ok(memoryPlan(e, parsed, plan, Math.min(2, plan.length), bound).peakBytes < bound / 2, e.name);
    }
    for (const id of chapterRuns()) {
      for (const quick of [false, true]) {
        const { experiment, config } = chapterRun(id, quick);
        const e = EXPERIMENTS.find((x) => x.name === experiment)!;
        const parsed = e.schema.parse(config);
        assert.ok(memoryPlan(e, parsed, e.plan(parsed, en), 2, bound).peakBytes < bound, `${id} (${quick ? 'quick' : 'full'})`);
      }
    }
  });

  it('a refusal names the settings to lower and the figures, in both languages; fewer threads only where one run fits', () => {
    const plan = { peakBytes: 9 * 2 ** 30, largestRunBytes: 3 * 2 ** 30, boundBytes: 8 * 2 ** 30, runBoundBytes: WASM_HEAP_BYTES, fittingThreads: 1 };
    const settings: Array<[string, unknown]> = [['lengths', [1000]], ['hidden', 512]];
    const refusal = (o: Parameters<typeof checkMemory>[4], p = plan) => assert.throws(() => checkMemory('long-range-memory', p, 3, settings, o), ExperimentTooLarge);
    refusal({ lang: 'en', host: 'cli' });
    try {
      checkMemory('long-range-memory', plan, 3, settings, { lang: 'en', host: 'cli' });
    } catch (err) {
      assert.match((err as Error).message, /^long-range-memory was not started: it would need about 9\.00 GiB .* 8\.00 GiB allowed .*Lower lengths \(1000\), hidden \(512\), or run one at a time with --workers 1\.$/);
      assert.deepEqual((err as ExperimentTooLarge).details.settings, ['lengths', 'hidden']);
    }
    for (const [options, pattern] of [[{ lang: 'zh-cn', host: 'cli' }, /未启动.*请调低 lengths \(1000\)、hidden \(512\)/], [{ lang: 'en', host: 'editor' }, /hidden \(512\)\.$/]] as const) {
      try {
        checkMemory('long-range-memory', plan, 3, settings, options);
        assert.fail('not refused');
      } catch (err) {
        assert.match((err as Error).message, pattern);
      }
    }
    // Two of three threads would fit: the command line says --workers 2.
    assert.throws(() => checkMemory('x', { ...plan, fittingThreads: 2 }, 3, settings, { host: 'cli' }), /or run 2 at a time with --workers 2\.$/);
    assert.throws(() => checkMemory('x', { ...plan, fittingThreads: 0 }, 3, settings, { host: 'cli' }), /hidden \(512\)\.$/);
    assert.equal(fittingThreads([3, 3, 3].map((g) => g * 2 ** 30), 3, PROCESS_BASE_BYTES + 3 * THREAD_BASE_BYTES + 6 * 2 ** 30), 2);
    assert.equal(fittingThreads([5 * 2 ** 30], 2, 4 * 2 ** 30), 0);
    // At the bound it runs; one run above the wasm heap is refused whatever the machine.
    assert.doesNotThrow(() => checkMemory('x', { ...plan, peakBytes: plan.boundBytes }, 3, settings));
    assert.throws(() => checkMemory('x', { ...plan, peakBytes: 5 * 2 ** 30, largestRunBytes: WASM_HEAP_BYTES + 1, boundBytes: 1e15 }, 1, settings), /wasm memory cannot grow past 4\.00 GiB/);
    assert.doesNotThrow(() => checkMemory('x', { ...plan, peakBytes: 5 * 2 ** 30, largestRunBytes: WASM_HEAP_BYTES + 1, boundBytes: 1e15, runBoundBytes: null }, 1, settings));
  });
});

describe('the plan before the first run, and the refusal', () => {
  it('says the plan (runs, time, memory) before any run reports', async () => {
    await initBackend('wasm');
    const events: string[] = [];
    let plan: ExperimentPlan | undefined;
    await runExperiment('gradient-flow', { seeds: 2, seqLen: 20, hidden: 8 }, { workers: 1, plan: (p) => { plan = p; events.push('plan'); }, progress: () => events.push('progress') });
    assert.equal(events[0], 'plan');
    assert.ok(events.includes('progress'));
    assert.equal(plan!.runs, 2);
    assert.ok(plan!.memoryBytes > PROCESS_BASE_BYTES && plan!.memoryBytes < plan!.memoryBoundBytes);
  });

  it('refuses a config above the bound after the plan, with no run started (the runs asked for are one step each)', async () => {
    await initBackend('wasm');
    const events: string[] = [];
    // Small runs (a few steps), a bound below them: were the check missing, they would run and report.
    const config = { cells: ['rnn-tanh', 'gru'], lengths: [10], hidden: 8, batch: 4, steps: 1, seeds: 1 };
    await assert.rejects(runExperiment('long-range-memory', config, { workers: 1, memoryBound: 1, plan: () => events.push('plan'), progress: () => events.push('progress') }), (err: Error) => {
      assert.ok(err instanceof ExperimentTooLarge);
      // In the editor the refusal names the experiment by its title (the command line by its name).
      assert.match(err.message, /^"The adding problem: .*" was not started: .*Lower lengths \(10\), hidden \(8\), batch \(4\)\.$/);
      return true;
    });
    assert.deepEqual(events, ['plan']);
  });

  it('the command line prints the plan before the runs, and refuses above the bound with exit 1 and no run', { skip: !require('node:fs').existsSync(CLI) && 'dist/cli.js is not built' }, () => {
    const ok = spawnSync(process.execPath, [CLI, 'experiment', 'gradient-flow', '--set', 'seqLen=20', '--set', 'hidden=8', '--workers', '1', '--lang', 'en'], { encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    const lines = ok.stderr.split('\n');
    const planAt = lines.findIndex((l) => /^plan: 1 run on 1 thread, about \d+ s, about [\d.]+ GiB of memory at the peak \(at most [\d.]+ GiB here\)$/.test(l));
    assert.ok(planAt >= 0, ok.stderr);
    assert.ok(planAt < lines.findIndex((l) => /\d+ run.? on \d+ worker thread/.test(l)), 'the plan comes before the summary');
    // Every schema maximum of the adding problem, one step: refused before the first step.
    const big = spawnSync(process.execPath, [CLI, 'experiment', 'long-range-memory', '--set', 'lengths=[1000]', '--set', 'hidden=512', '--set', 'batch=512', '--set', 'steps=1', '--set', 'seeds=1', '--set', 'cells=["rnn-tanh"]', '--lang', 'en'], { encoding: 'utf8' });
    assert.equal(big.status, 1, big.stderr);
    assert.match(big.stderr, /plan: 1 run on 1 thread, .* GiB of memory at the peak/);
    assert.match(big.stderr, /seqlab: long-range-memory was not started: .*Lower lengths \(1000\), hidden \(512\), batch \(512\)\./);
    assert.doesNotMatch(big.stderr + big.stdout, /runs done|test MSE/);
    const zh = spawnSync(process.execPath, [CLI, 'experiment', 'long-range-memory', '--set', 'lengths=[1000]', '--set', 'hidden=512', '--set', 'batch=512', '--set', 'steps=1', '--lang', 'zh-cn'], { encoding: 'utf8' });
    assert.equal(zh.status, 1);
    assert.match(zh.stderr, /计划：\d+ 次运行/);
    assert.match(zh.stderr, /long-range-memory 未启动/);
  });

  it('through the worker the refusal is the error code too-large, with its figures', { skip: !require('node:fs').existsSync(path.join(__dirname, '..', '..', 'dist', 'worker.js')) && 'dist/worker.js is not built' }, async () => {
    const client = new EngineClient({ onCrash: () => {}, onLog: () => {} });
    try {
      const events: string[] = [];
      const reply = client.request('experiment', { name: 'long-range-memory', config: { lengths: [1000], hidden: 512, batch: 512, steps: 1 }, lang: 'en' }, (e) => events.push(e.kind));
      await assert.rejects(reply, (err: Error) => {
        assert.ok(err instanceof EngineError, String(err));
        assert.equal(err.code, 'too-large');
        const details = err.detailsOf('too-large')!;
        assert.ok(details.peakBytes > details.boundBytes);
        assert.deepEqual(details.settings, ['lengths', 'hidden', 'batch']);
        return true;
      });
      assert.deepEqual(events, ['experimentPlan'], 'the plan, and no run reported');
      // The worker is free again: the next experiment runs.
      const next = await client.request('experiment', { name: 'gradient-flow', config: { seqLen: 20, hidden: 8 }, lang: 'en' });
      assert.equal(next.name, 'gradient-flow');
    } finally {
      await client.dispose();
    }
  });
});
