/**
 * A measurement runs all of its steps: an experiment's training run is never cut by the
 * interactive run's time budget or patience, whatever its input says, so a table compares
 * losses at equal steps on a fast machine and a busy one alike (issue 37). Both sides of each
 * rule: the same settings through interactive training do stop early.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../engine';
import { record } from '../../engine/experiments/trainingRecorder';
import type { RunContext } from '../../engine/experiments/types';
import { translator } from '../../engine/core/lang';
import { generateCorpus } from '../../engine/text/generatedCorpus';
import { trainFromRequest } from '../../engine/train/session';

const ctx: RunContext = { tr: translator('en'), progress: () => undefined };
const text = generateCorpus(20_000);
// Adam at lr 1e-12 moves no float32 weight: the validation loss never improves after the first evaluation, so patience would stop the run.
const frozen = { hidden: 16, embed: 8, seqLen: 16, batch: 4, steps: 30, evalInterval: 1, lr: 1e-12 };

async function interactiveSteps(config: Record<string, unknown>): Promise<{ steps: number; reason: string }> {
  const run = trainFromRequest({ source: { kind: 'text', text }, config: { ...frozen, sampleInterval: 0, ...config } });
  for (;;) {
    const next = await run.next();
    if (next.done) return { steps: next.value.steps, reason: next.value.reason };
  }
}

describe('an experiment\'s run is budgeted in steps, never by the clock or patience', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('patience: interactive training stops a run that stopped improving; a measurement runs all its steps', async () => {
    const interactive = await interactiveSteps({ patience: 3 });
    assert.equal(interactive.reason, 'plateau');
    assert.ok(interactive.steps < 30, `interactive training stopped at step ${interactive.steps}`);
    const run = await record('frozen', 1, text, { ...frozen, patience: 3 }, ctx);
    assert.equal(run.result.reason, 'completed');
    assert.equal(run.steps.at(-1), 30);
  });

  it('time budget: a budget already used up stops interactive training at once; a measurement runs all its steps', async () => {
    const interactive = await interactiveSteps({ minutes: 1e-7 });
    assert.equal(interactive.reason, 'time-budget');
    assert.equal(interactive.steps, 0);
    const run = await record('budgeted', 1, text, { ...frozen, minutes: 1e-7 }, ctx);
    assert.equal(run.result.reason, 'completed');
    assert.equal(run.steps.at(-1), 30);
  });
});
