/** Data-parallel training on real worker threads: the same steps as one thread, in real runs. */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tf, initBackend, CharLM, DataParallelStepper, LocalStepper, ReplicaError, createOptimizer, workersFor } from '../../engine';
import { loadCheckpoint, saveCheckpoint } from '../../engine/train/checkpointing';
import { DEMO_CORPUS } from '../../engine/text/demoCorpus';
import { parseTrainConfig } from '../../engine/train/config';
import { trainFromRequest, type TrainSummary } from '../../engine/train/session';
import { prepareData } from '../../engine/train/data';
import { modelFor, trainModel, type TrainEvent } from '../../engine/train/trainer';

const small = { hidden: 24, embed: 8, seqLen: 16, batch: 8, steps: 20, evalInterval: 10, sampleInterval: 0, progressIntervalMs: 0 };
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-parallel-'));

async function drain<R>(gen: AsyncGenerator<TrainEvent, R>, onEvent?: (e: TrainEvent) => void): Promise<R> {
  for (;;) {
    const next = await gen.next();
    if (next.done) return next.value;
    onEvent?.(next.value);
  }
}

const weightsOf = (model: CharLM) => Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, Array.from(t.dataSync())]));
const lossesOf = (s: TrainSummary) => s.state.history.map(({ step, trainLoss, valLoss }) => ({ step, trainLoss, valLoss }));

describe('data-parallel training', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('two replicas take the same steps as one thread: loss, norm, evaluation, weights and optimiser state', async () => {
    const config = { vocabSize: 11, embeddingSize: 5, hiddenSize: 7, cell: 'lstm' as const, seed: 4 };
    const clip = { clipNorm: 0.5, clipValue: 0 };
    const single = new CharLM(config);
    const twin = new CharLM(config);
    const local = new LocalStepper(single, createOptimizer(single, { name: 'adam' }), clip);
    const dp = await DataParallelStepper.create(twin, createOptimizer(twin, { name: 'adam' }), { optimizer: { name: 'adam' }, clip }, { workers: 2, backend: 'wasm' });
    try {
      assert.equal(dp.workers, 2);
      assert.ok(dp.memoryBytes.every((b) => b > 0), 'each replica reports its memory');
      for (let step = 0; step < 3; step++) {
        const rows = tf.tidy(() => tf.randomUniformInt([5, 9], 0, 11, 10 + step).dataSync() as Int32Array); // 5 rows: shares of 2 and 3
        const a = await local.step(rows, 5, 9, 1e-2);
        const b = await dp.step(rows, 5, 9, 1e-2);
        assert.ok(Math.abs(a.loss - b.loss) < 1e-5, `step ${step} loss ${a.loss} vs ${b.loss}`);
        assert.ok(Math.abs(a.gradNorm - b.gradNorm) < 1e-5, `step ${step} norm ${a.gradNorm} vs ${b.gradNorm}`);
      }
      const val = tf.tidy(() => tf.randomUniformInt([7, 9], 0, 11, 99).dataSync() as Int32Array);
      assert.ok(Math.abs((await local.evaluate(val, 7, 9, 4)) - (await dp.evaluate(val, 7, 9, 4))) < 1e-5);
      await dp.sync();
      const [wa, wb] = [weightsOf(single), weightsOf(twin)];
      for (const name of Object.keys(wa)) wa[name].forEach((v, i) => assert.ok(Math.abs(v - wb[name][i]) < 1e-5, `${name}[${i}]`));
      assert.equal(dp.optimizer.stepCount, 3);
      const [sa, sb] = [local.optimizer.stateTensors(), dp.optimizer.stateTensors()];
      for (const name of Object.keys(sa)) assert.ok(tf.tidy(() => tf.max(tf.abs(tf.sub(sa[name], sb[name]))).dataSync()[0]) < 1e-5, name);
    } finally {
      await dp.dispose();
      await local.dispose();
      single.dispose();
      twin.dispose();
    }
  });

  it('a failed request is reported, and the replicas are not trusted after it (no hang)', async () => {
    const model = new CharLM({ vocabSize: 4, embeddingSize: 2, hiddenSize: 3, seed: 1 });
    const clip = { clipNorm: 0, clipValue: 0 };
    const dp = await DataParallelStepper.create(model, createOptimizer(model, { name: 'adam' }), { optimizer: { name: 'adam' }, clip }, { workers: 2 });
    try {
      // Fewer numbers than rows x width: each replica's tensor cannot be formed, and says so.
      await assert.rejects(dp.step(Int32Array.from([0, 1, 2, 3, 0, 1]), 2, 4, 1e-3), (err: Error) => err instanceof ReplicaError && /replica \d of 2 failed: .*shape/.test(err.message));
      await assert.rejects(dp.step(Int32Array.from([0, 1, 2, 3, 0, 1, 2, 3]), 2, 4, 1e-3), /replica \d of 2 failed/);
    } finally {
      await dp.dispose();
      model.dispose();
    }
  });

  it('workers: auto is one per core, and a replica gets at least 4 rows', () => {
    assert.equal(workersFor('auto', 64), Math.min(os.availableParallelism(), 8));
    assert.equal(workersFor(4, 8), 2);
    assert.equal(workersFor(2, 3), 1);
    assert.equal(workersFor(1, 64), 1);
  });

  it('a run with 2 workers: the same seed gives the same run, and it resumes exactly', async () => {
    const root = tmp();
    const source = { kind: 'text' as const, text: DEMO_CORPUS };
    const full = await drain(trainFromRequest({ source, config: small, outDir: path.join(root, 'full'), keep: 'last', workers: 2 }));
    assert.equal(full.workers, 2);
    const again = await drain(trainFromRequest({ source, config: small, workers: 2 }));
    assert.deepEqual(lossesOf(again), lossesOf(full), 'same seed, same workers: same run');
    assert.ok(full.valLoss! < full.initialValLoss! - 0.3, `it learns: ${full.initialValLoss} -> ${full.valLoss}`);
    const one = await drain(trainFromRequest({ source, config: small, workers: 1 }));
    assert.equal(one.workers, 1);
    // One thread sums in another order: the same run up to rounding.
    lossesOf(one).forEach((e, i) => assert.ok(Math.abs(e.valLoss - lossesOf(full)[i].valLoss) < 1e-3, `step ${e.step}: ${e.valLoss} vs ${lossesOf(full)[i].valLoss}`));

    await drain(trainFromRequest({ source, config: { ...small, steps: 10 }, outDir: path.join(root, 'half'), keep: 'last', workers: 2 }));
    const resumed = await drain(trainFromRequest({ source, config: { steps: 20 }, resumeFrom: path.join(root, 'half'), outDir: path.join(root, 'resumed'), keep: 'last', workers: 2 }));
    assert.deepEqual(lossesOf(resumed), lossesOf(full));
    const a = loadCheckpoint(path.join(root, 'full'));
    const b = loadCheckpoint(path.join(root, 'resumed'));
    try {
      assert.deepEqual(weightsOf(b.model), weightsOf(a.model), 'resumed with the same workers: the same weights, bit for bit');
      assert.deepEqual(b.optimizerState, a.optimizerState, 'and the same optimiser state');
    } finally {
      a.model.dispose();
      b.model.dispose();
    }
  });

  it('stops within one step when cancelled, and saves the weights the replicas hold', async () => {
    const root = tmp();
    const controller = new AbortController();
    let seen = 0;
    const result = await drain(trainFromRequest({ source: { kind: 'text', text: DEMO_CORPUS }, config: { ...small, steps: 100_000, evalInterval: 1000 }, outDir: path.join(root, 'run'), keep: 'best', workers: 2 }, controller.signal), (e) => {
      if (e.kind === 'progress' && e.step >= 8 && !controller.signal.aborted) {
        seen = e.step;
        controller.abort();
      }
    });
    assert.equal(result.reason, 'cancelled');
    assert.ok(result.steps <= seen + 1, `${result.steps} vs ${seen}`);
    const saved = loadCheckpoint(path.join(root, 'run'));
    try {
      assert.equal(saved.meta.training.state.step, result.steps);
      assert.equal(saved.meta.training.state.optimizerStep, result.steps, 'the optimiser state came back from the replicas');
    } finally {
      saved.model.dispose();
    }
  });

  it('a replica that dies mid-run stops the run with its name, keeping the checkpoint written before', async () => {
    const root = tmp();
    const config = parseTrainConfig({ ...small, steps: 1000, evalInterval: 5 });
    const data = prepareData(DEMO_CORPUS, config);
    const model = modelFor(config, data.vocabulary.size);
    const clip = { clipNorm: config.clipNorm, clipValue: 0 };
    const steps = await DataParallelStepper.create(model, createOptimizer(model, { name: 'adam' }), { optimizer: { name: 'adam' }, clip }, { workers: 2 });
    const saved: number[] = [];
    const dir = path.join(root, 'best');
    try {
      await assert.rejects(drain(trainModel(model, steps, data, config, {
        // Real checkpoints on disk, as the session writes them.
        saveCheckpoint: (_which, state) => {
          saveCheckpoint(dir, { model, optimizer: steps.optimizer, vocabulary: data.vocabulary, config, state, backend: 'wasm' });
          saved.push(state.step);
        },
      }), (e) => {
        if (e.kind === 'progress' && e.step === 12) void steps.killReplica(1);
      }), (err: Error) => err instanceof ReplicaError && /replica 2 of 2 stopped/.test(err.message));
      assert.ok(saved.includes(5), `a checkpoint before the failure: ${saved}`);
      const kept = loadCheckpoint(dir);
      assert.equal(kept.meta.training.state.step, saved.at(-1), 'the folder holds the last checkpoint written, whole');
      assert.ok(kept.meta.training.state.step < 12);
      kept.model.dispose();
    } finally {
      await steps.dispose();
      model.dispose();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
