/** Data-parallel training on real worker threads equals training in one process. */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend, CharLM, DataParallelTrainer } from '../../engine';

describe('DataParallelTrainer', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('two replicas take the same steps as one process (loss, norm and weights)', async () => {
    const config = { vocabSize: 11, embeddingSize: 5, hiddenSize: 7, cell: 'lstm' as const, seed: 4 };
    const single = new CharLM(config);
    single.setOptimizer({ learningRate: 1e-2, clipNorm: 0.5 });
    const dp = await DataParallelTrainer.create(single, { learningRate: 1e-2, clipNorm: 0.5 }, { workers: 2, backend: 'wasm' });
    try {
      assert.equal(dp.workers, 2);
      for (let step = 0; step < 3; step++) {
        const data = tf.randomUniformInt([5, 9], 0, 11, 10 + step); // 5 rows: shares of 2 and 3
        const rows = data.dataSync() as Int32Array;
        const a = single.trainStep(data as tf.Tensor2D);
        const b = await dp.trainStep(rows.slice(), 5, 9);
        data.dispose();
        assert.ok(Math.abs(a.loss - b.loss) < 1e-5, `step ${step} loss ${a.loss} vs ${b.loss}`);
        assert.ok(Math.abs(a.gradNorm - b.gradNorm) < 1e-5, `step ${step} norm ${a.gradNorm} vs ${b.gradNorm}`);
      }
    } finally {
      await dp.dispose();
      single.dispose();
    }
  });

  it('reports a replica that fails instead of hanging', async () => {
    const model = new CharLM({ vocabSize: 4, embeddingSize: 2, hiddenSize: 3, seed: 1 });
    const dp = await DataParallelTrainer.create(model, {}, { workers: 2 });
    try {
      // Fewer numbers than rows x width: each replica's tensor cannot be formed, and says so.
      await assert.rejects(dp.trainStep(Int32Array.from([0, 1, 2, 3, 0, 1]), 2, 4), /^Error: replica: .*shape/);
      // The replicas are still there and answer the next, well-formed step.
      const ok = await dp.trainStep(Int32Array.from([0, 1, 2, 3, 0, 1, 2, 3]), 2, 4);
      assert.ok(Number.isFinite(ok.loss));
    } finally {
      await dp.dispose();
      model.dispose();
    }
  });
});
