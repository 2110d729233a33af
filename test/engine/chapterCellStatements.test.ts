/**
 * The one-cell measurements the chapter's statements rest on (engine/experiments/cellStatements.ts):
 * its GRU step is the gradient-flow playground's (checked against PyTorch), and each measurement
 * says what the mathematics says where it is exact. claimRules.test.ts checks the verdicts they lead to.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bidirectionalCoupling, CELL_HIDDEN, gruGates, gruStep, randomInitialState, reluDerivatives, RELU_HIDDEN, RELU_STEPS, SAME_OUTPUT, STATE_STEPS, cellMeasurements } from '../../engine/experiments/cellStatements';
import { flowForward, flowWeights, FLOW_INPUT_SIZE, type FlowSettings } from '../../engine/experiments/gradientFlowMath';

describe('one-cell measurements for the chapter', () => {
  it('the GRU step is PyTorch\'s, as the playground steps it (20 steps, every unit)', () => {
    const s: FlowSettings = { cell: 'gru', hidden: CELL_HIDDEN, seqLen: 20, init: 'uniform', gain: 1, forgetBias: 0, inputScale: 1, normalization: 'none', seed: 4 };
    const w = flowWeights(s);
    const pass = flowForward(s, w);
    let h: Float64Array = new Float64Array(CELL_HIDDEN);
    for (let t = 0; t < s.seqLen; t++) {
      const step = gruStep(w, CELL_HIDDEN, w.inputs.subarray(t * FLOW_INPUT_SIZE, (t + 1) * FLOW_INPUT_SIZE), h);
      h = step.h;
      for (let j = 0; j < CELL_HIDDEN; j++) {
        assert.ok(Math.abs(h[j] - pass.steps[t].h[j]) < 1e-14, `step ${t}, unit ${j}`);
        assert.ok(Math.abs(step.z[j] - pass.steps[t].gates[CELL_HIDDEN + j]) < 1e-14, `z at step ${t}, unit ${j}`);
      }
    }
  });
  it('GRU gates forced: z = 1 keeps h_(t-1) exactly whatever r and the input; r = 0 makes n the input\'s alone, not h_t', () => {
    const g = gruGates();
    assert.equal(g.keptWhateverR, 0);
    assert.equal(g.inputAtZ1, 0);
    assert.equal(g.candidateChangeR0, 0);
    assert.ok(g.stateChange > 0.1, 'the two old states differ');
    // h_t - h'_t = z (h - h') with r = 0: between the smallest and the largest z times the old states' difference.
    assert.ok(g.newStateChangeR0 > 0 && g.newStateChangeR0 <= g.zHigh * g.stateChange + 1e-15, `${g.newStateChangeR0}`);
    assert.ok(g.rChanges > 0, 'r changes h_t through the candidate when z < 1');
  });
  it('a random initial state: the LSTM\'s outputs differ at first and agree later (it forgets its start)', () => {
    const x = randomInitialState();
    assert.equal(x.steps, STATE_STEPS);
    assert.ok(x.firstStep > 0.1, `${x.firstStep}`);
    assert.ok(x.lastStep < SAME_OUTPUT, `${x.lastStep}`);
    assert.ok(x.agreeFromStep !== null && x.agreeFromStep > 1 && x.agreeFromStep < STATE_STEPS);
  });
  it('a bidirectional model with one loss: the forward direction\'s gradient depends on the backward weights', () => {
    const x = bidirectionalCoupling();
    assert.ok(x.forwardGradientChange > 0.01, `${x.forwardGradientChange}`);
    assert.notEqual(x.lossOne, x.lossTwo);
  });
  it('ReLU at PyTorch\'s initialisation: about half the unit-steps at derivative 0, in every seed', () => {
    const x = reluDerivatives();
    assert.equal(x.hidden, RELU_HIDDEN);
    assert.equal(x.steps, RELU_STEPS);
    assert.equal(x.seeds.length, 3);
    for (const s of x.seeds) {
      assert.ok(s.zeroShare > 0.3 && s.zeroShare < 0.7, `${s.zeroShare}`);
      assert.ok(s.deadUnits >= 0 && s.deadUnits <= RELU_HIDDEN);
    }
  });
  it('computed once, when first read', () => {
    const m = cellMeasurements();
    assert.equal(m.gruGates, m.gruGates);
    assert.equal(m.reluDerivatives, m.reluDerivatives);
  });
});
