/** Optimisers and schedules against torch.optim (test/fixtures/optim.json). */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tf, initBackend } from '../../engine';
import { Optimizer, learningRateAt, type OptimizerName } from '../../engine/train/optim';
import { assertClose } from './helpers';

interface OptimCase { name: string; lr: number; init: number[][]; grads: number[][][]; after: number[][][] }
const fixtures = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'optim.json'), 'utf8')) as { cases: OptimCase[] };
const SETTINGS: Record<string, { name: OptimizerName; weightDecay?: number }> = {
  adam: { name: 'adam' }, 'adam-wd': { name: 'adam', weightDecay: 0.1 }, sgd: { name: 'sgd' },
  'sgd-wd': { name: 'sgd', weightDecay: 0.01 }, rmsprop: { name: 'rmsprop' }, adagrad: { name: 'adagrad' },
};

describe('optimisers match torch.optim', () => {
  before(async () => {
    await initBackend('wasm');
  });
  for (const c of fixtures.cases) {
    it(c.name, () => {
      const shapes = [[3, 4], [5]];
      const params: Array<[string, tf.Variable]> = c.init.map((d, i) => [`p${i}`, tf.variable(tf.tensor(d, shapes[i]))]);
      const opt = new Optimizer(params, SETTINGS[c.name]);
      c.grads.forEach((g, step) => {
        tf.tidy(() => opt.step(g.map((d, i) => tf.tensor(d, shapes[i])), c.lr));
        params.forEach(([name, p], i) => assertClose(`${c.name} step ${step + 1} ${name}`, p, { shape: shapes[i], data: c.after[step][i] }));
      });
      opt.dispose();
      params.forEach(([, p]) => p.dispose());
    });
  }

  it('saves and restores its state so a resumed run takes the same step', () => {
    const make = () => tf.variable(tf.tensor([1, 2, 3]));
    const [a, b] = [make(), make()];
    const oa = new Optimizer([['w', a]], { name: 'adam' });
    oa.step([tf.tensor([0.5, -1, 2])], 0.1);
    const saved = Object.fromEntries(Object.entries(oa.stateTensors()).map(([k, t]) => [k, { shape: t.shape, data: t.dataSync() as Float32Array }]));
    b.assign(a);
    const ob = new Optimizer([['w', b]], { name: 'adam' });
    ob.loadState(saved, oa.stepCount);
    oa.step([tf.tensor([1, 1, 1])], 0.1);
    ob.step([tf.tensor([1, 1, 1])], 0.1);
    assert.deepEqual(Array.from(a.dataSync()), Array.from(b.dataSync()));
    assert.throws(() => ob.loadState({}, 1), /missing tensor "exp_avg.w"/);
  });
});

describe('learning-rate schedules', () => {
  const base = { learningRate: 1, schedule: 'constant' as const, warmupSteps: 0, totalSteps: 100, minRatio: 0.1, stepSize: 10, gamma: 0.5 };
  it('warms up linearly, then follows the schedule', () => {
    assert.equal(learningRateAt(5, { ...base, warmupSteps: 10 }), 0.5);
    assert.equal(learningRateAt(50, base), 1);
    assert.equal(learningRateAt(25, { ...base, schedule: 'step' }), 0.25);
    assert.equal(learningRateAt(0, { ...base, schedule: 'cosine' }), 1);
    assert.ok(Math.abs(learningRateAt(100, { ...base, schedule: 'cosine' }) - 0.1) < 1e-12);
    assert.ok(Math.abs(learningRateAt(50, { ...base, schedule: 'cosine' }) - 0.55) < 1e-12);
  });
});
