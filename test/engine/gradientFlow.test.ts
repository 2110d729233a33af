/**
 * The gradient-flow playground's arithmetic: its backward step is the transpose of its
 * forward-mode step (the adjoint identity, for every cell, with and without layer norm), a
 * loss of known gradient comes back as the chain rule says, and the experiment says what the
 * chapter teaches. PyTorch's autograd checks the same numbers in test/interop/check_gradient_flow.py.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Random } from '../../engine/core/random';
import { FLOW_CELLS, flowBackward, flowForward, stepBackward, stepForward, stepJacobianNorm, type FlowSettings } from '../../engine/experiments/gradientFlowMath';
import { runExperiment } from '../../engine/experiments';
import type { GradientFlowResult } from '../../engine/experiments/gradientFlow';

const settings = (over: Partial<FlowSettings>): FlowSettings => ({ cell: 'rnn-tanh', hidden: 12, seqLen: 15, init: 'uniform', gain: 1, forgetBias: 0, inputScale: 1, normalization: 'none', seed: 3, ...over });
const random = (n: number, rng: Random) => Float64Array.from({ length: n }, () => 2 * rng.next() - 1);
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, v, i) => s + v * b[i], 0);

describe('gradient-flow arithmetic', () => {
  for (const cell of FLOW_CELLS) {
    for (const normalization of ['none', 'layer'] as const) {
      it(`${cell}, ${normalization}: <J v, u> = <v, J^T u> at every step`, () => {
        const s = settings({ cell, normalization, forgetBias: 1 });
        const pass = flowForward(s);
        const rng = new Random(9);
        const H = s.hidden;
        for (let t = 0; t < s.seqLen; t += 4) {
          const vh = random(H, rng);
          const vc = cell === 'lstm' ? random(H, rng) : undefined;
          const uh = random(H, rng);
          const uc = cell === 'lstm' ? random(H, rng) : undefined;
          const { dh, dc } = stepForward(pass, t, vh, vc);
          const back = stepBackward(pass, t, uh, uc);
          const left = dot(dh, uh) + (dc && uc ? dot(dc, uc) : 0);
          const right = dot(vh, back.gh) + (vc && back.gc ? dot(vc, back.gc) : 0);
          assert.ok(Math.abs(left - right) <= 1e-12 * Math.max(1, Math.abs(left)), `t=${t}: ${left} vs ${right}`);
        }
      });
    }
  }

  it('the step Jacobian of an identity W_hh under ReLU with positive units is the identity: singular value 1', () => {
    const pass = flowForward(settings({ cell: 'rnn-relu', init: 'identity', inputScale: 0, hidden: 16 }));
    // Zero inputs: the pre-activation is the bias plus h, so every unit with a positive bias stays on.
    const sigma = stepJacobianNorm(pass, 5);
    assert.ok(Math.abs(sigma - 1) < 1e-12 || sigma === 0, String(sigma));
  });

  it('dL/dh_T is the loss\'s projection: norm 1 at distance 0', () => {
    const r = flowBackward(flowForward(settings({ cell: 'gru' })));
    assert.ok(Math.abs(r.gradNorm[0] - 1) < 1e-12);
    assert.equal(r.gradNorm.length, 15);
  });

  it('the LSTM\'s cell state alone: all of dL/dc_T at the last step, then shrunk at each step by forget gates, kept when they are open', () => {
    const s = settings({ cell: 'lstm', hidden: 16, seqLen: 30 });
    const pass = flowForward(s);
    const r = flowBackward(pass, 0);
    assert.equal(r.cellGradNorm!.length, 30);
    assert.ok(Math.abs(r.beltGradNorm![0] - r.cellGradNorm![0]) < 1e-15, 'at the last step the belt is the whole gradient at c_T');
    // Going one step further back multiplies each unit by that step's forget gate: the norm's ratio lies within the gates' range.
    for (let d = 0; d + 1 < s.seqLen; d++) {
      const f = Array.from(pass.steps[s.seqLen - 1 - d].gates.subarray(s.hidden, 2 * s.hidden));
      const ratio = r.beltGradNorm![d + 1] / r.beltGradNorm![d];
      assert.ok(ratio >= Math.min(...f) - 1e-12 && ratio <= Math.max(...f) + 1e-12, `d = ${d}: ${ratio} outside [${Math.min(...f)}, ${Math.max(...f)}]`);
    }
    // A forget gate held open (bias 30: f = 1 to 1e-13) carries dL/dc_T back unchanged.
    const open = flowBackward(flowForward(settings({ cell: 'lstm', hidden: 16, seqLen: 30, forgetBias: 30 })), 0);
    assert.ok(Math.abs(open.beltGradNorm![29] / open.beltGradNorm![0] - 1) < 1e-9);
    assert.equal(flowBackward(flowForward(settings({ cell: 'gru' })), 0).cellGradNorm, undefined, 'only the LSTM has a cell state');
  });
});

describe('gradient-flow experiment', () => {
  const run = async (config: Record<string, unknown>) => (await runExperiment('gradient-flow', config, { workers: 1, progress: () => undefined })).output as { result: GradientFlowResult; headline: string; figures: Array<{ id: string; caption: string; series: Array<{ name: string; y: Array<number | null> }> }> };

  it('sigmoid shrinks faster than tanh, and says by how much; its derivative never exceeds 0.25', async () => {
    const sigmoid = await run({ cell: 'rnn-sigmoid' });
    const tanh = await run({ cell: 'rnn-tanh' });
    assert.ok(sigmoid.result.decayPerStep < tanh.result.decayPerStep, `${sigmoid.result.decayPerStep} vs ${tanh.result.decayPerStep}`);
    assert.match(sigmoid.result.sentence, /^The gradient shrinks by x0\.\d+ per step: below 1e-12 after \d+ steps\.$/);
    assert.ok(sigmoid.result.belowAt! < tanh.result.belowAt!);
    const derivative = sigmoid.figures.find((f) => f.id === 'activation')!.series[0];
    assert.ok(Math.max(...derivative.y.map(Number)) <= 0.25);
    assert.ok(sigmoid.result.seconds > 0 && sigmoid.result.seconds < 10, 'reports its compute time');
    assert.equal(sigmoid.result.histogram.length, 48);
    assert.ok(Math.abs(sigmoid.result.histogram.reduce((a, b) => a + b, 0) - 1) < 1e-9, 'the histogram is a distribution');
  });

  it('a larger W_hh under ReLU explodes, and clipping says it bounds the step, not the flow', async () => {
    const r = await run({ cell: 'rnn-relu', init: 'identity', gain: 1.3, clip: 1, seqLen: 60 });
    assert.ok(r.result.decayPerStep > 1.01, String(r.result.decayPerStep));
    assert.match(r.result.sentence, /^The gradient grows by x1\.\d+ per step: [\d.e]+ after 59 steps\. Clipping at 1 scales the update by x[\d.e-]+ /);
    assert.ok(r.result.clipFactor! < 1);
    // The forget-gate bias keeps the LSTM's conveyor belt open: a slower decay.
    const plain = await run({ cell: 'lstm' });
    const open = await run({ cell: 'lstm', forgetBias: 2 });
    assert.ok(open.result.decayPerStep > plain.result.decayPerStep, `${open.result.decayPerStep} vs ${plain.result.decayPerStep}`);
  });

  it('the LSTM: each seed\'s gradient at c and at h 30 steps back, and the figure of what the cell state alone carries', async () => {
    const { result, figures } = await run({ cell: 'lstm', hidden: 16, seqLen: 40, seeds: 2 });
    assert.equal(result.conveyor!.distance, 30);
    assert.equal(result.conveyor!.seeds.length, 2);
    for (const x of result.conveyor!.seeds) assert.ok(x.dc > 0 && x.dh > 0 && x.belt > 0 && x.belt <= 10 * x.dc, JSON.stringify(x));
    const belt = figures.find((f) => f.id === 'belt')!;
    assert.deepEqual(belt.series.map((sr) => sr.name), ['||dL/dh_t||', '||dL/dc_t||', 'cell state alone (dL/dc_T x f ... f)']);
    assert.equal((await run({ cell: 'gru', hidden: 16, seqLen: 40 })).figures.some((f) => f.id === 'belt'), false);
  });

  it('says the same in Chinese', async () => {
    const zh = (await runExperiment('gradient-flow', { cell: 'rnn-sigmoid' }, { workers: 1, lang: 'zh-cn', progress: () => undefined })).output as { headline: string };
    assert.match(zh.headline, /梯度每步缩小为/);
  });
});

describe('gradient-flow playground (live mode) and across seeds', () => {
  it('previews one setting at once with the per-unit heatmap, a unit per row', async () => {
    const { previewFlow } = await import('../../engine/experiments/gradientFlow');
    const out = previewFlow({ cell: 'gru', hidden: 20, seqLen: 30 }, 'en');
    assert.deepEqual(out.figures.map((f) => f.id), ['gradient', 'per-unit', 'jacobian', 'activation']);
    const hm = out.figures[1].heatmap!;
    assert.deepEqual(out.figures[1].x, Array.from({ length: 30 }, (_, t) => t));
    assert.deepEqual(hm.y, Array.from({ length: 20 }, (_, j) => j));
    assert.equal(hm.values.length, 20 * 30);
    // Row j, column t is |dL/dh_t| of unit j: the norm over a column is the curve's value at that step.
    const r = out.result;
    for (const t of [0, 15, 29]) {
      const norm = Math.sqrt(hm.y.reduce((a, _, j) => a + hm.values[j * 30 + t] ** 2, 0));
      const expected = r.gradNorm[29 - t];
      assert.ok(Math.abs(norm - expected) <= 1e-9 * Math.max(1e-300, expected), `step ${t}: ${norm} vs ${expected}`);
    }
    assert.throws(() => previewFlow({ hidden: 4 }, 'en'), /hidden: .*8/);
    assert.throws(() => previewFlow({ cell: 'transformer' }, 'en'), /cell/);
  });

  it('runs across seeds: a band around the geometric mean, each seed\'s decay in the result and the table', async () => {
    const out = (await runExperiment('gradient-flow', { cell: 'rnn-tanh', hidden: 16, seqLen: 40, seeds: 3 }, { workers: 1, progress: () => undefined })).output as { result: GradientFlowResult; headline: string; table: Array<Array<string | number>>; figures: Array<{ id: string; series: Array<{ y: Array<number | null>; band?: { lower: Array<number | null>; upper: Array<number | null> } }> }> };
    assert.equal(out.result.seedDecays!.length, 3);
    assert.ok(new Set(out.result.seedDecays).size > 1, 'seeds differ');
    const gradient = out.figures.find((f) => f.id === 'gradient')!.series[0];
    gradient.y.forEach((v, d) => {
      if (v === null) return;
      assert.ok(gradient.band!.lower[d]! <= v * (1 + 1e-4) && v <= gradient.band!.upper[d]! * (1 + 1e-4), `distance ${d}`);
    });
    assert.match(out.headline, /Across 3 seeds .* the decay per step is [\d.]+ \([\d.]+–[\d.]+\)/);
    assert.ok(out.table.some((row) => /decay per step over 3 seeds/.test(String(row[0]))));
  });
});
