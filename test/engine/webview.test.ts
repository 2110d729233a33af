/** The webviews' DOM-free logic: number formatting, log ticks, the inspector's quantities, scales and unit orderings. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatCell, powerOfTen, significantDigits } from '../../webview/format';
import { inUnit, smooth, thin, unitLabel } from '../../webview/chartModel';
import { columnLabel, formatValue, niceCeil, quantitiesFor, rangeOf, saturation, scaled, unitOrder, type Grid } from '../../webview/inspectorModel';

describe('experiments panel formatting', () => {
  it('shows table numbers with 3 significant digits, counts whole', () => {
    assert.equal(formatCell(0.5552515983581543), '0.555');
    assert.equal(formatCell(79350), '79,400');
    assert.equal(formatCell(120), '120');
    assert.equal(formatCell(1234.5), '1,230');
    assert.equal(formatCell(1.234e-7), '1.23e-7');
    assert.equal(formatCell(0.000123456), '1.23e-4');
    assert.equal(formatCell(0.00123456), '0.00123');
    assert.equal(formatCell(349.61234), '350');
    assert.equal(formatCell(2.5e12), '2.50e12');
    assert.equal(formatCell(0), '0');
    assert.equal(formatCell(NaN), '–');
    assert.equal(formatCell('lstm'), 'lstm');
    for (const v of [0.5552515983581543, 1.234e-7, 0.00123456, 349.61234, 7.77777e-13, 79350, 123700]) assert.ok(significantDigits(formatCell(v)) <= 3, formatCell(v));
  });

  it('labels log axes with powers of ten', () => {
    assert.deepEqual([-12, -3, -2, 0, 1, 3, 5].map(powerOfTen), ['1e-12', '1e-3', '0.01', '1', '10', '1000', '1e5']);
    assert.equal(powerOfTen(0.5), '');
  });
});

describe('gate inspector model', () => {
  it('spells out each cell\'s quantities with PyTorch\'s equations', () => {
    assert.deepEqual(quantitiesFor('lstm').map((q) => q.key), ['i', 'f', 'g', 'o', 'c', 'h', 'surprisal']);
    assert.deepEqual(quantitiesFor('gru').map((q) => q.key), ['r', 'z', 'n', 'h', 'surprisal']);
    assert.deepEqual(quantitiesFor('rnn-tanh').map((q) => q.key), ['h', 'surprisal']);
    const z = quantitiesFor('gru').find((q) => q.key === 'z')!;
    assert.match(z.equation, /h_t = \(1 − z_t\) ⊙ n_t \+ z_t ⊙ h_\{t−1\}/); // PyTorch's convention, stated
    assert.equal(quantitiesFor('lstm').find((q) => q.key === 'f')!.scale, 'sequential');
    assert.equal(quantitiesFor('lstm').find((q) => q.key === 'c')!.scale, 'diverging');
    assert.match(quantitiesFor('rnn-relu')[0].equation, /ReLU/);
  });

  it('colour ranges: gates 0..1, h -1..1, c symmetric from the data, rounded up', () => {
    const grid: Grid = { rows: 2, cols: 2, data: [0.2, -3.14, 2.5, NaN] };
    const lstm = quantitiesFor('lstm');
    assert.deepEqual(rangeOf(lstm.find((q) => q.key === 'i')!, grid), [0, 1]);
    assert.deepEqual(rangeOf(lstm.find((q) => q.key === 'h')!, grid), [-1, 1]);
    assert.deepEqual(rangeOf(lstm.find((q) => q.key === 'c')!, grid), [-3.2, 3.2]);
    assert.equal(niceCeil(3.14), 3.2);
    assert.equal(niceCeil(0.0123), 0.013);
    assert.equal(niceCeil(100), 100);
    assert.equal(scaled(lstm.find((q) => q.key === 'c')!, [-3.2, 3.2], -1.6), -0.5);
    assert.ok(Number.isNaN(scaled(lstm[0], [0, 1], NaN)));
  });

  it('orders units by saturation, variance, and by a selected span (LSTMVis)', () => {
    // 4 positions x 3 units: unit 0 always open, unit 1 on only at positions 1-2, unit 2 middling.
    const grid: Grid = { rows: 4, cols: 3, data: [0.95, 0.05, 0.5, 0.95, 0.9, 0.4, 0.95, 0.95, 0.6, 0.95, 0.02, 0.5] };
    assert.deepEqual(Array.from(saturation(grid)), [1, 0.75, 0]);
    assert.deepEqual(unitOrder(grid, 'saturation'), [0, 1, 2]);
    assert.deepEqual(unitOrder(grid, 'variance'), [1, 2, 0]);
    assert.deepEqual(unitOrder(grid, 'selection', [1, 2]), [1, 0, 2]); // units 0 and 2 are the same inside and outside: a tie, index order
    assert.deepEqual(unitOrder(grid, 'selection', [2, 1]), [1, 0, 2], 'a span dragged right to left');
    assert.deepEqual(unitOrder(grid, 'index'), [0, 1, 2]);
  });

  it('formats readouts and makes whitespace visible', () => {
    assert.equal(formatValue(0.93541), '0.935');
    assert.equal(formatValue(-1.23e-5), '-1.23e-5');
    assert.equal(columnLabel('\n'), '↵');
    assert.equal(columnLabel(' '), '␣');
    assert.equal(columnLabel('前'), '前');
  });
});

describe('training chart model', () => {
  it('smooths like TensorBoard: a debiased exponential moving average', () => {
    assert.deepEqual(smooth([1, 2, 3], 0), [1, 2, 3]);
    const s = smooth([4, 4, 4, 4], 0.9);
    for (const v of s) assert.ok(Math.abs(v - 4) < 1e-12, 'a constant stays constant (debiased, not pulled to 0)');
    const [a, b] = smooth([2, 4], 0.5);
    assert.equal(a, 2);
    assert.ok(Math.abs(b - (0.5 * (0.5 * 2) + 0.5 * 4) / (1 - 0.25)) < 1e-12);
    assert.ok(Number.isNaN(smooth([1, NaN, 3], 0.5)[1]));
  });

  it('converts nats to bits, and names the unit', () => {
    assert.equal(inUnit(Math.LN2, 'bits'), 1);
    assert.equal(inUnit(2.5, 'nats'), 2.5);
    assert.equal(unitLabel('bits'), 'bits/char');
  });

  it('thins a long curve to its cap, merging the oldest points first', () => {
    const points = Array.from({ length: 10 }, (_, i) => ({ step: i + 1, seconds: i, loss: i }));
    const t = thin(points, 7);
    assert.equal(t.length, 7);
    assert.deepEqual(t.slice(0, 3).map((p) => [p.step, p.loss]), [[2, 0.5], [4, 2.5], [6, 4.5]]);
    assert.deepEqual(t.slice(3).map((p) => p.step), [7, 8, 9, 10]);
    assert.equal(thin(points, 20), points);
  });
});
