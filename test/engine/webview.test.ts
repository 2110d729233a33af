/** The webviews' DOM-free logic: number formatting, log ticks, the inspector's quantities, scales and unit orderings. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatCell, powerOfTen, significantDigits } from '../../webview/format';
import { placeLabels, type PlacedLabel } from '../../engine/experiments/markLabels';
import { inUnit, lossBaselines, mergeCurvePoints, overfittingFrom, smooth, thinCurve, unitLabel } from '../../engine/core/curve';
import { columnLabel, connectivityRow, dataRangeOf, formatValue, niceCeil, readableNumber, quantitiesFor, rangeOf, saturation, scaled, unitOrder, type Grid } from '../../webview/inspectorModel';

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
    assert.deepEqual(quantitiesFor('lstm').map((q) => q.key), ['i', 'f', 'g', 'o', 'c', 'h', 'surprisal', 'connectivity']);
    assert.deepEqual(quantitiesFor('gru').map((q) => q.key), ['r', 'z', 'n', 'h', 'surprisal', 'connectivity']);
    assert.deepEqual(quantitiesFor('rnn-tanh').map((q) => q.key), ['h', 'surprisal', 'connectivity']);
    const z = quantitiesFor('gru').find((q) => q.key === 'z')!;
    assert.match(z.equation, /h_t = \(1 − z_t\) ⊙ n_t \+ z_t ⊙ h_\{t−1\}/); // PyTorch's convention, stated
    assert.equal(quantitiesFor('lstm').find((q) => q.key === 'f')!.scale, 'sequential');
    assert.equal(quantitiesFor('lstm').find((q) => q.key === 'c')!.scale, 'diverging');
    assert.match(quantitiesFor('rnn-relu')[0].equation, /ReLU/);
  });

  it('connectivity: the row of the character pointed at, relative to the strongest, blank at and after it and beyond the window', () => {
    // 4 predictions (characters 1..4 predicted), window 2: row t, column k = influence of character t - k on character t + 1.
    const matrix: Grid = { rows: 4, cols: 2, data: [0.5, 0, 0.4, 0.2, 0.3, 0.6, 0.8, 0.1] };
    const out = new Float64Array(5);
    assert.equal(connectivityRow(matrix, 3, out), 0.6); // character 3 is predicted by row 2: character 2 (0.3), character 1 (0.6)
    assert.deepEqual(Array.from(out, (v) => (Number.isNaN(v) ? null : v)), [null, 1, 0.5, null, null]);
    assert.equal(connectivityRow(matrix, 1, out), 0.5);
    assert.deepEqual(Array.from(out, (v) => (Number.isNaN(v) ? null : v)), [1, null, null, null, null]);
    assert.equal(connectivityRow(matrix, 0, out), 0, 'nothing drove the first character');
    assert.ok(out.every(Number.isNaN));
  });

  it('colour ranges: gates 0..1, h -1..1, c symmetric from the data, rounded up', () => {
    const grid: Grid = { rows: 2, cols: 2, data: [0.2, -3.14, 2.5, NaN] };
    const lstm = quantitiesFor('lstm');
    assert.deepEqual(rangeOf(lstm.find((q) => q.key === 'i')!, grid), [0, 1]);
    assert.deepEqual(rangeOf(lstm.find((q) => q.key === 'h')!, grid), [-1, 1]);
    // Stretched: the values' own extent (a gate that sits near 1 gets contrast), symmetric for a diverging quantity.
    const nearOne: Grid = { rows: 3, cols: 1, data: [0.91, 0.97, NaN] };
    assert.deepEqual(dataRangeOf(lstm.find((q) => q.key === 'i')!, nearOne), [0.91, 0.97]);
    assert.deepEqual(dataRangeOf(lstm.find((q) => q.key === 'h')!, { rows: 2, cols: 1, data: [-0.2, 0.5] }), [-0.5, 0.5]);
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
    // One term per language everywhere: the Training view, the status bar, the chapter page.
    assert.equal(unitLabel('nats', 'zh-cn'), '纳特/字符');
    assert.equal(unitLabel('bits', 'zh-cn'), '比特/字符');
  });

  it('writes axis numbers as a student reads them, never as 2e-1', () => {
    assert.deepEqual([0.2, 0.1, 0.05, 0.0015, 1, 250].map(readableNumber), ['0.2', '0.1', '0.05', '0.0015', '1', '250']);
    assert.deepEqual([1e-5, 1.5e-5, -2e-7, 3e5].map(readableNumber), ['10⁻⁵', '1.5×10⁻⁵', '-2×10⁻⁷', '3×10⁵']);
    for (const v of [2e-1, 1e-1, 3e-9, 7e12]) assert.doesNotMatch(readableNumber(v), /e/, `${v}`);
  });

  it('thins a long curve to its cap, merging the oldest points first', () => {
    const points = Array.from({ length: 10 }, (_, i) => ({ step: i + 1, seconds: i, loss: i }));
    const t = thinCurve(points, 7, mergeCurvePoints);
    assert.equal(t.length, 7);
    assert.deepEqual(t.slice(0, 3).map((p) => [p.step, p.loss]), [[2, 0.5], [4, 2.5], [6, 4.5]]);
    assert.deepEqual(t.slice(3).map((p) => p.step), [7, 8, 9, 10]);
    assert.equal(thinCurve(points, 20, mergeCurvePoints), points);
  });
});

describe('loss baselines and overfitting', () => {
  it('uniform is ln V; unigram is the validation cross-entropy under add-one smoothed training frequencies', () => {
    // V = 3; training counts 0:3, 1:1, 2:0 (N = 4); add-one: p = 4/7, 2/7, 1/7.
    const b = lossBaselines([0, 0, 0, 1], [0, 1, 2, 0], 3);
    assert.equal(b.uniform, Math.log(3));
    const expected = -(2 * Math.log(4 / 7) + Math.log(2 / 7) + Math.log(1 / 7)) / 4;
    assert.ok(Math.abs(b.unigram - expected) < 1e-12, `${b.unigram} vs ${expected}`);
    // A text whose characters are equally common scores ln V under both (within the smoothing).
    const even = lossBaselines([0, 1, 2, 3].flatMap((t) => Array(1000).fill(t)), [3, 2, 1, 0], 4);
    assert.ok(Math.abs(even.unigram - Math.log(4)) < 1e-9);
  });

  const at = (losses: number[], every = 10) => losses.map((loss, i) => ({ step: (i + 1) * every, loss }));
  it('marks overfitting at the validation minimum before three rises while the training loss fell', () => {
    const val = at([3, 2.5, 2.2, 2.1, 2.15, 2.2, 2.3, 2.4]);
    const train = at([3, 2.4, 2.0, 1.8, 1.6, 1.5, 1.4, 1.3]);
    assert.deepEqual(overfittingFrom(val, train), { fromStep: 40, seenAt: 70 });
  });
  it('is not overfitting when the training loss rose too (a learning rate too high), or the rises are not in a row', () => {
    assert.equal(overfittingFrom(at([3, 2, 2.1, 2.2, 2.3]), at([3, 2, 2.1, 2.2, 2.3])), null);
    assert.equal(overfittingFrom(at([3, 2, 2.1, 2.05, 2.2, 2.1]), at([3, 2, 1.9, 1.8, 1.7, 1.6])), null);
    assert.equal(overfittingFrom([], []), null);
  });
});

describe('figure mark labels', () => {
  // 7 units per character, 14 per line: the canvas's proportions in CSS pixels.
  const measure = (text: string) => text.length * 7;
  const o = { lineHeight: 14, gap: 8, markerRadius: 5 };
  const area = { left: 50, top: 10, right: 450, bottom: 250 };
  const inside = (l: PlacedLabel) => l.left >= area.left && l.top >= area.top && l.left + l.width <= area.right && l.top + l.height <= area.bottom;
  const overlaps = (a: PlacedLabel, b: PlacedLabel) => a.left < b.left + b.width && b.left < a.left + a.width && a.top < b.top + b.height && b.top < a.top + a.height;
  const distance = (l: PlacedLabel) => {
    const dx = Math.max(l.left - l.anchor.x, 0, l.anchor.x - (l.left + l.width));
    const dy = Math.max(l.top - l.anchor.y, 0, l.anchor.y - (l.top + l.height));
    return Math.hypot(dx, dy);
  };

  it('puts each label inside the plot, next to its own marker, never across another label', () => {
    // long-range-memory's case: two crossings at nearly the same point, and one at the right edge.
    const marks = [
      { x: 120, y: 200, label: 'gru below 0.05 in 3 of 3 seeds (step 110–131)' },
      { x: 126, y: 200, label: 'lstm below 0.05 in 3 of 3 seeds (step 500–680)' },
      { x: 445, y: 15, label: 'rnn-sigmoid: every entry 0 in float32 from d = 52' },
    ];
    const placed = placeLabels(marks, area, measure, o);
    for (const l of placed) {
      assert.ok(inside(l), `inside the plot: ${JSON.stringify(l)}`);
      assert.ok(distance(l) <= o.gap + 3 * o.lineHeight, `near its marker: ${JSON.stringify(l)}`);
    }
    for (let i = 0; i < placed.length; i++) for (let j = i + 1; j < placed.length; j++) assert.ok(!overlaps(placed[i], placed[j]), `labels ${i} and ${j} overlap`);
    // No label covers a marker, its own included; the one at the top right edge is whole (not cut off).
    for (const l of placed) for (const m of marks) assert.ok(!overlaps(l, { left: m.x - 5, top: m.y - 5, width: 10, height: 10 } as PlacedLabel), `${l.lines.join(' ')} covers the marker at ${m.x}, ${m.y}`);
    assert.equal(placed[2].lines.join(' '), marks[2].label);
  });

  it('wraps a label wider than the plot at spaces, keeping every word', () => {
    const narrow = { left: 40, top: 0, right: 200, bottom: 200 };
    const label = 'rnn-relu: every entry 0 in float32 from d = 85';
    const [l] = placeLabels([{ x: 120, y: 100, label }], narrow, measure, o);
    assert.ok(l.lines.length > 1 && l.lines.every((line) => measure(line) <= 160 * 0.75 || !line.includes(' ')));
    assert.equal(l.lines.join(' '), label);
    assert.ok(l.left >= narrow.left && l.left + l.width <= narrow.right);
  });
});
