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
import type { Figure } from '../../engine/experiments/types';
import { sig3 } from '../../engine/experiments/common';
import { significantDigits } from '../../webview/format';

const ctx = { progress: () => undefined };
const run = async <R>(name: string, config: object) => {
  const output = (await runExperiment(name, config, ctx)).output as { result: R; figures: Figure[]; table: unknown[][]; headline: string };
  checkPresentation(name, output);
  return output;
};

/** Every figure says what to look at; headline numbers have at most 3 significant digits. */
function checkPresentation(name: string, o: { figures: Figure[]; headline: string }): void {
  for (const f of o.figures) assert.ok(f.caption && f.caption.length > 20, `${name}/${f.id}: a caption`);
  const numbers = o.headline.match(/-?\d[\d,]*(\.\d+)?(e-?\d+)?/g) ?? [];
  for (const n of numbers) {
    if (/^\d{1,7}$/.test(n.replace(/,/g, ''))) continue; // counts, steps, distances
    assert.ok(significantDigits(n) <= 3, `${name}: "${n}" in the headline has more than 3 significant digits: ${o.headline}`);
  }
}
const fig = (o: { figures: Figure[] }, id: string) => o.figures.find((f) => f.id === id)!;

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
    // Scales chosen for the claim: gradient norms on a log axis, both panels on one range; the sigmoid's underflow marked.
    for (const f of o.figures) assert.ok(f.logY && f.shareY === 'gradient', f.id);
    if (o.result.gradNorm['rnn-sigmoid'].includes(0)) assert.ok(fig(o, 'init').marks!.some((m) => /rnn-sigmoid → 0 \(underflow\) from d = \d+/.test(m.label)));
    assert.match(o.headline, /^Gradient norm 30 steps back, at initialisation: rnn-sigmoid (0 \(underflow\)|[\d.e-]+), rnn-tanh/);
  });

  it('exploding-gradients: the unclipped ReLU RNN diverges and is reported; clipped runs train', async () => {
    const o = await run<ExplodingResult>('exploding-gradients', { clipNorms: [0, 1], steps: 20 }); // hidden 128, length 100: smaller nets did not diverge
    const byName = Object.fromEntries(o.result.runs.map((r) => [r.name, r]));
    assert.equal(byName['relu x1.5, no clip'].reason, 'diverged');
    assert.ok(byName['relu x1.5, no clip'].divergedAtStep! <= 20);
    assert.equal(byName['relu x1.5, clip 1'].reason, 'completed');
    assert.ok(Number.isFinite(byName['relu x1.5, clip 1'].finalTrainLoss!));
    assert.ok(byName['tanh x3, no clip'].maxGradNorm > 1000, 'large recurrent weights make tanh gradients explode too');
    // Log scales, so that a spike does not hide the run that matters; its divergence marked where the loss stops.
    assert.ok(fig(o, 'loss').logY && fig(o, 'grad').logY);
    assert.ok(fig(o, 'loss').marks!.some((m) => m.label === `relu x1.5, no clip: diverged (NaN) at step ${byName['relu x1.5, no clip'].divergedAtStep}`));
    assert.match(o.headline, /relu x1\.5, no clip: diverged \(NaN\) at step \d+/);
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
    // A drawing of the loop, and PyTorch's syntax in the table.
    assert.deepEqual(fig(o, 'loop').diagram, { kind: 'lstm-stack', layers: 2, steps: 3 });
    const rows = o.table.map((r) => r.join(' | '));
    assert.ok(rows.some((r) => r.includes('nn.LSTM(3, 5, num_layers=3, bidirectional=True, batch_first=True)')), rows.join('\n'));
    assert.ok(rows.some((r) => r.startsWith('output | (2, 6, 10) | (N, L, D * H_out)')), rows.join('\n'));
    assert.ok(rows.some((r) => r.startsWith('h_n | (6, 2, 5) | (D * num_layers, N, H_out)')));
  });

  it('bidirectional-leak: two stacked bidirectional layers see x_t; the others do not', async () => {
    const o = await run<LeakResult>('bidirectional-leak', { hidden: 32, embed: 16, seqLen: 16, batch: 8, steps: 40, influenceLength: 10, generateLength: 10 });
    assert.equal(o.result.diagonalInfluence.uni, 0);
    assert.equal(o.result.diagonalInfluence.bi1, 0);
    assert.equal(o.result.diagonalInfluence['bi2-separate'], 0);
    assert.ok(o.result.diagonalInfluence.bi2 > 0.5, `bi2 ${o.result.diagonalInfluence.bi2}`);
    assert.ok(o.result.finalTrainLoss.bi2 < o.result.finalTrainLoss.uni);
    // Influence panels share one y range; the x_t line is drawn last, with dots, so uni's zero line stays visible.
    const panels = o.figures.filter((f) => f.id.startsWith('influence-'));
    assert.equal(panels.length, 4);
    for (const f of panels) {
      assert.equal(f.shareY, 'influence');
      assert.ok(f.series.at(-1)!.name.startsWith('x_t on its own prediction') && f.series.at(-1)!.points);
      assert.ok(f.series.find((sr) => sr.name.startsWith('x_{t+1}'))!.dash);
    }
    assert.match(fig(o, 'loss').caption, /bi1 .* read both neighbours .* gap-filling/);
  });

  it('headline numbers: 3 significant digits, 0 and non-finite spelled out', () => {
    assert.equal(sig3(0.5552515983581543), '0.555');
    assert.equal(sig3(1234.5678), '1230');
    assert.equal(sig3(2.5e-9), '2.50e-9');
    assert.equal(sig3(123456789), '1.23e8');
    assert.equal(sig3(0), '0');
    assert.equal(sig3(NaN), '–');
    assert.equal(sig3(Infinity), '∞');
  });
});
