/**
 * Each experiment with a small, fast config, asserting the outcome it is meant to show.
 * Where an outcome did not appear with honest settings, the assertion says what does
 * appear (see the notes in each test) rather than bending the settings.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../engine';
import { runExperiment } from '../../engine/experiments';
import type { LeakResult } from '../../engine/experiments/bidirectionalLeak';
import type { ExplodingResult } from '../../engine/experiments/trainingRuns';
import type { AddingResult } from '../../engine/experiments/longRangeMemory';
import type { VanishingResult } from '../../engine/experiments/vanishingGradients';
import type { WalkthroughResult } from '../../engine/experiments/cellWalkthrough';

const ctx = { progress: () => undefined };
const run = async <R>(name: string, config: object) => (await runExperiment(name, config, ctx)).output as { result: R; figures: unknown[]; table: unknown[][]; headline: string };

describe('experiments', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('vanishing-gradients: at distance 30, sigmoid < tanh < LSTM, and an open forget gate keeps far more', async () => {
    const o = await run<VanishingResult>('vanishing-gradients', { cells: ['rnn-sigmoid', 'rnn-tanh', 'lstm', 'lstm-forget1'], hidden: 128, seqLen: 40, batch: 4, trainSteps: 0 });
    const at30 = (c: string) => o.result.gradNorm[c][30];
    assert.ok(at30('rnn-sigmoid') < at30('rnn-tanh'), `sigmoid ${at30('rnn-sigmoid')} < tanh ${at30('rnn-tanh')}`);
    assert.ok(at30('rnn-tanh') < at30('lstm'), `tanh ${at30('rnn-tanh')} < lstm ${at30('lstm')}`);
    assert.ok(at30('lstm') * 100 < at30('lstm-forget1'), `lstm ${at30('lstm')} vs forget bias 1 ${at30('lstm-forget1')}`);
    assert.ok(o.result.decayPerStep['rnn-sigmoid'] < o.result.decayPerStep['rnn-tanh']);
    assert.equal(o.figures.length, 2);
  });

  it('exploding-gradients: the unclipped ReLU RNN diverges and is reported; clipped runs train', async () => {
    const o = await run<ExplodingResult>('exploding-gradients', { clipNorms: [0, 1], steps: 20 }); // hidden 128, length 100: smaller nets did not diverge
    const byName = Object.fromEntries(o.result.runs.map((r) => [r.name, r]));
    assert.equal(byName['relu x1.5, no clip'].reason, 'diverged');
    assert.ok(byName['relu x1.5, no clip'].divergedAtStep! <= 20);
    assert.equal(byName['relu x1.5, clip 1'].reason, 'completed');
    assert.ok(Number.isFinite(byName['relu x1.5, clip 1'].finalTrainLoss!));
    assert.ok(byName['tanh x3, no clip'].maxGradNorm > 1000, 'large recurrent weights make tanh gradients explode too');
  });

  it('normalization: layer norm reaches a lower validation loss than none in the same steps; all three train', async () => {
    const o = await run<{ finalValLoss: Record<string, number>; seconds: Record<string, number> }>('normalization', { hidden: 64, seqLen: 30, steps: 60 });
    for (const n of ['none', 'layer', 'batch']) assert.ok(o.result.finalValLoss[n] < Math.log(60), `${n}: ${o.result.finalValLoss[n]}`);
    assert.ok(o.result.finalValLoss.layer < o.result.finalValLoss.none, `layer ${o.result.finalValLoss.layer} < none ${o.result.finalValLoss.none}`);
    // Recurrent batch norm did not beat no normalisation here (see the issue note): not asserted.
    // Normalised cells step through the sequence one op at a time: each step costs more.
    assert.ok(o.result.seconds.layer > o.result.seconds.none);
  });

  it('long-range-memory: the GRU gets far below the 0.167 baseline where the tanh RNN stays at it', async () => {
    const o = await run<AddingResult>('long-range-memory', { cells: ['rnn-tanh', 'gru'], lengths: [20], steps: 200 });
    assert.ok(o.result.finalMse.gru['20'] < 0.05, `gru ${o.result.finalMse.gru['20']}`);
    assert.ok(o.result.finalMse['rnn-tanh']['20'] > 0.12, `tanh ${o.result.finalMse['rnn-tanh']['20']}`);
  });

  it('lstm-vs-gru: the GRU has three quarters of the LSTM\'s recurrent parameters; both learn', async () => {
    const o = await run<{ parameters: Record<string, number>; finalValLoss: Record<string, number> }>('lstm-vs-gru', { hidden: 32, seqLen: 24, batch: 8, steps: 20 });
    assert.ok(o.result.parameters.gru < o.result.parameters.lstm);
    for (const c of ['lstm', 'gru']) assert.ok(o.result.finalValLoss[c] < Math.log(60), `${c}: ${o.result.finalValLoss[c]}`);
  });

  it('cell-walkthrough: the hand loop equals nn.LSTM to 1e-6, with PyTorch\'s shapes', async () => {
    const o = await run<WalkthroughResult>('cell-walkthrough', { explore: { seqLen: 6, batch: 2, inputSize: 3, hiddenSize: 5, numLayers: 3, bidirectional: true, batchFirst: true } });
    assert.ok(o.result.maxDifference.oneLayer < 1e-6 && o.result.maxDifference.twoLayers < 1e-6);
    assert.deepEqual(o.result.shapes, { input: [2, 6, 3], h0: [6, 2, 5], c0: [6, 2, 5], output: [2, 6, 10], hN: [6, 2, 5], cN: [6, 2, 5] });
    assert.deepEqual(o.result.steps[1], { t: 0, layer: 1, x: [3, 20], h: [3, 20], c: [3, 20] }); // layer 2 reads layer 1's h
  });

  it('bidirectional-leak: two stacked bidirectional layers see x_t; the others do not', async () => {
    const o = await run<LeakResult>('bidirectional-leak', { hidden: 32, embed: 16, seqLen: 16, batch: 8, steps: 40, influenceLength: 10, generateLength: 10 });
    assert.equal(o.result.diagonalInfluence.uni, 0);
    assert.equal(o.result.diagonalInfluence.bi1, 0);
    assert.equal(o.result.diagonalInfluence['bi2-separate'], 0);
    assert.ok(o.result.diagonalInfluence.bi2 > 0.5, `bi2 ${o.result.diagonalInfluence.bi2}`);
    assert.ok(o.result.finalTrainLoss.bi2 < o.result.finalTrainLoss.uni);
  });
});
