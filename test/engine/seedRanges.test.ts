/**
 * How a figure over seeds is written in tables and headlines: "mean (lowest–highest)", the
 * geometric mean for gradient norms, one value when the seeds agree, a dash when none ran.
 * Every experiment's table and the chapter's numbers go through these.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { geometricMean, geometricMeanRange, lastStepsLoss, meanOf, meanPart, meanRange, spanText } from '../../engine/experiments/seeds';

describe('a figure over seeds', () => {
  it('is the mean with its range, lowest first, whatever order the seeds ran in', () => {
    assert.equal(meanRange([0.15, 0.101, 0.118]), '0.123 (0.101–0.15)');
    assert.equal(meanRange([0.101, 0.15, 0.118]), '0.123 (0.101–0.15)');
    assert.equal(meanPart(meanRange([0.15, 0.101, 0.118])), '0.123');
  });

  it('is one value when the seeds agree, and a dash when no seed gave a finite one', () => {
    assert.equal(meanRange([2.5, 2.5]), '2.5');
    assert.equal(meanRange([NaN, Infinity]), '–');
    assert.equal(meanRange([NaN, 1, 3]), '2 (1–3)', 'a diverged seed is left out of the mean and the range');
    assert.equal(meanRange([2.561, 2.5612]), '2.56', 'seeds that agree to the digits shown are one value, not "2.56 (2.56–2.56)"');
  });

  it('writes a range as one value when its ends read the same (one seed: "at step 80", never "80–80")', () => {
    assert.equal(spanText([80]), '80');
    assert.equal(spanText([80, 80, 80]), '80');
    assert.equal(spanText([2.561, 2.559]), '2.56');
    assert.equal(spanText([100, 80, 120]), '80–120', 'lowest first');
    assert.equal(spanText([0.5, 0.25], (v) => `${v * 100}%`), '25%–50%', 'in the caller\'s own format');
    assert.equal(spanText([]), '');
  });

  it('uses the geometric mean for numbers that span decades, lowest first, and says 0 for gradients that vanished', () => {
    assert.ok(Math.abs(geometricMean([1e-9, 1e-7]) - 1e-8) < 1e-20);
    assert.equal(geometricMeanRange([1e-7, 1e-9]), '1.00e-8 (1.00e-9–1.00e-7)');
    assert.equal(geometricMeanRange([0, 0]), '0');
    assert.equal(geometricMeanRange([NaN]), '–');
  });

  it('averages the last 10 steps of a training curve (all of them when fewer)', () => {
    assert.equal(lastStepsLoss([100, ...Array.from({ length: 10 }, (_, i) => i)]), 4.5);
    assert.equal(lastStepsLoss([1, 2, 3]), 2);
    assert.ok(Number.isNaN(meanOf([])));
  });
});
