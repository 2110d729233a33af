/** The seconds left an experiment shows: the plan's estimate corrected by the pace so far, never a countdown that ran out. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { secondsLeft } from '../../engine/experiments/estimate';

describe('seconds left', () => {
  it('starts from the plan and follows the pace as work is measured', () => {
    assert.equal(secondsLeft(0, 0, 20), 20);
    assert.equal(secondsLeft(0, 5, 20), 15, 'nothing measured yet: the plan counts down');
    // A machine 4x slower than the plan: at 1% after 0.8 s (the plan expected 0.2 s), the pace already weighs a third.
    const early = secondsLeft(0.01, 0.8, 20)!;
    assert.ok(early > 20 && early < 80, `early ${early}`);
    // At 10% after 8 s (pace: 80 s in all), the answer is close to the pace's 72 s left.
    const later = secondsLeft(0.1, 8, 20)!;
    assert.ok(later > 55 && later <= 72, `later ${later}`);
    // A machine as fast as the plan: the two agree and so does the blend.
    assert.ok(Math.abs(secondsLeft(0.25, 5, 20)! - 15) < 1e-9);
  });

  it('never counts down to zero while work remains, and says nothing it does not know', () => {
    assert.equal(secondsLeft(0, 25, 20), null, 'the plan ran out with nothing measured: unknown, not 0:00');
    // Behind the plan with a little measured (2% in 30 s: the pace says 1,470 s left): half the pace's say, not the plan's 0.
    assert.ok(Math.abs(secondsLeft(0.02, 30, 20)! - (0.5 * 1500 + 0.5 * 20 - 30)) < 1e-9);
    assert.equal(secondsLeft(1, 30, 20), 0);
    // No plan (an experiment never measured): nothing until 2% is done, then the pace.
    assert.equal(secondsLeft(0.01, 5, null), null);
    assert.equal(secondsLeft(0.5, 10, null), 10);
  });

  it('changes smoothly: a steady machine 3x slower than the plan sees its total rise in small steps, never a 4-10x jump', () => {
    // Reports every 0.1% of the work: the total rises by at most a tenth of the plan between two.
    const plan = 30;
    let previousTotal = plan;
    for (let f = 0.001; f < 1; f += 0.001) {
      const elapsed = f * plan * 3;
      const total = elapsed + secondsLeft(f, elapsed, plan)!;
      assert.ok(total >= previousTotal - 1e-6 && total - previousTotal < 0.1 * plan, `at ${f.toFixed(3)}: ${previousTotal.toFixed(2)} -> ${total.toFixed(2)}`);
      previousTotal = total;
    }
    assert.ok(Math.abs(previousTotal - plan * 3) < 1, `it ends at the true total: ${previousTotal}`);
  });
});
