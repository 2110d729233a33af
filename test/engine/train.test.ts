/** The training loop, checkpoints and resuming, with real files. */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tf, initBackend } from '../../engine';
import { DEMO_CORPUS } from '../../engine/text/demoCorpus';
import { readCheckpointMeta, MODEL_FILE, META_FILE } from '../../engine/checkpoint/format';
import { loadCheckpoint } from '../../engine/train/checkpointing';
import { decodeSafetensors, encodeSafetensors } from '../../engine/checkpoint/safetensors';
import { parseTrainConfig } from '../../engine/train/config';
import { trainFromRequest, type TrainSummary } from '../../engine/train/session';
import { validationWindows, type TrainEvent } from '../../engine/train/trainer';

const small = { hidden: 24, embed: 8, seqLen: 16, batch: 8, steps: 30, evalInterval: 10, sampleInterval: 15, sampleLength: 20, progressIntervalMs: 50 };

async function drain(gen: AsyncGenerator<TrainEvent, TrainSummary>, onEvent?: (e: TrainEvent) => void): Promise<{ events: TrainEvent[]; result: TrainSummary }> {
  const events: TrainEvent[] = [];
  for (;;) {
    const next = await gen.next();
    if (next.done) return { events, result: next.value };
    events.push(next.value);
    onEvent?.(next.value);
  }
}

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-train-'));

/**
 * A run's evaluations without their wall-clock times: what the same seed must reproduce.
 * (The chart's training curve is sampled at progress events, which are paced by time.)
 */
const lossesOf = (state: TrainSummary['state']) => state.history.map(({ step, trainLoss, valLoss }) => ({ step, trainLoss, valLoss }));

describe('training', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('config errors name the key', () => {
    assert.throws(() => parseTrainConfig({ hidden: 12.5, lr: 0, colour: 'red' }), (err: Error) => {
      assert.match(err.message, /hidden: .*got 12.5/);
      assert.match(err.message, /lr: .*got 0/);
      assert.match(err.message, /unknown key "colour"/);
      return true;
    });
    assert.equal(parseTrainConfig({}).cell, 'lstm');
  });

  it('trains, reports progress, samples and a falling loss; the same seed gives the same curve', async () => {
    const runs = [];
    for (let i = 0; i < 2; i++) {
      runs.push(await drain(trainFromRequest({ source: { kind: 'text', text: DEMO_CORPUS }, config: small })));
    }
    const [a, b] = runs;
    const progress = a.events.filter((e) => e.kind === 'progress');
    assert.ok(progress.length >= 3);
    assert.ok(a.events.some((e) => e.kind === 'sample' && e.text.length > 0));
    assert.equal(a.result.reason, 'completed');
    assert.equal(a.result.steps, 30);
    assert.ok(a.result.valLoss! < a.result.initialValLoss!, `${a.result.valLoss} < ${a.result.initialValLoss}`);
    // Same seed, same curve: steps and losses (the seconds beside them are wall time).
    assert.deepEqual(lossesOf(a.result.state), lossesOf(b.result.state));
    // The chart's training curve is kept for redrawing: increasing steps, finite mean losses, and the evaluations' times.
    const curve = a.result.state.trainCurve!;
    assert.ok(curve.length > 0 && curve.every(([step, secs, loss], i) => Number.isFinite(loss) && secs >= 0 && (i === 0 || step > curve[i - 1][0])));
    const seconds = a.result.state.history.map((h) => h.seconds ?? NaN);
    assert.ok(seconds.every((s, i) => Number.isFinite(s) && s >= 0 && (i === 0 || s >= seconds[i - 1])), `evaluation times ${seconds}`);
    const last = progress[progress.length - 1];
    assert.ok(last.kind === 'progress' && last.charsPerSecond > 0 && Math.abs(last.bitsPerChar - last.valLoss! / Math.LN2) < 1e-9);
  });

  it('stops within one step when cancelled', async () => {
    const controller = new AbortController();
    let stepsSeen = 0;
    const { result } = await drain(trainFromRequest({ source: { kind: 'text', text: DEMO_CORPUS }, config: { ...small, steps: 1000, progressIntervalMs: 50 } }, controller.signal), (e) => {
      if (e.kind === 'progress' && e.step >= 5 && !controller.signal.aborted) {
        stepsSeen = e.step;
        controller.abort();
      }
    });
    assert.equal(result.reason, 'cancelled');
    assert.ok(result.steps <= stepsSeen + 1, `${result.steps} vs ${stepsSeen}`);
  });

  for (const workers of [1, 2]) {
    it(`stops on a non-finite loss with advice, keeping the best checkpoint (${workers} worker${workers > 1 ? 's' : ''})`, async () => {
      const dir = path.join(tmp(), 'model');
      const { result } = await drain(trainFromRequest({
        source: { kind: 'text', text: DEMO_CORPUS }, outDir: dir, workers,
        config: { ...small, cell: 'rnn-relu', optimizer: 'sgd', lr: 10, momentum: 0.99, clipNorm: 0, steps: 200, evalInterval: 1, sampleInterval: 0, patience: 0 },
      }));
      assert.equal(result.reason, 'diverged');
      assert.equal(result.workers, workers);
      assert.match(result.message, /Lower the learning rate \(now 10\) or clip gradients/);
      const meta = readCheckpointMeta(dir);
      assert.ok(Number.isFinite(meta.training.state.bestValLoss!));
      loadCheckpoint(dir).model.dispose();
    });
  }

  it('stops by its time budget, or sooner when the validation loss stops improving, keeping the best', async () => {
    const defaults = parseTrainConfig({});
    assert.deepEqual([defaults.minutes, defaults.patience, defaults.steps, defaults.evalInterval], [2, 8, 100_000, 25], 'a default run is ended by the budget or patience');
    // A tiny text is memorised within a few hundred steps: validation loss turns up, patience stops the run.
    const tiny = 'the cell state carries memory along the conveyor belt. '.repeat(6);
    const dir = path.join(tmp(), 'plateau');
    const events: TrainEvent[] = [];
    const { result } = await drain(trainFromRequest({ source: { kind: 'text', text: tiny }, outDir: dir, config: { ...small, steps: 5000, evalInterval: 10, patience: 4, lr: 0.02, sampleInterval: 0 } }), (e) => events.push(e));
    assert.equal(result.reason, 'plateau', result.message);
    assert.match(result.message, /the validation loss has not improved for 4 evaluations \(40 steps\); the best, [\d.]+ nats\/char, was at step \d+/);
    assert.equal(result.steps, result.bestStep! + 40);
    assert.equal(readCheckpointMeta(dir).training.state.bestStep, result.bestStep);
    // A memorised text is the textbook overfit: the validation loss turns up while the training loss keeps falling.
    assert.ok(result.overfitting, 'the run is seen to overfit');
    assert.ok(result.overfitting.fromStep >= result.bestStep! && result.overfitting.seenAt <= result.steps, JSON.stringify(result.overfitting));
    // The references: ln V, and the unigram cross-entropy, which the model beat.
    assert.equal(result.baselines.uniform, Math.log(result.vocabSize));
    assert.ok(result.bestValLoss! < result.baselines.unigram && result.baselines.unigram < result.baselines.uniform, JSON.stringify(result.baselines));
    assert.deepEqual(readCheckpointMeta(dir).training.baselines, result.baselines, 'the checkpoint keeps them for the chart');
    assert.ok(events.every((e) => e.kind !== 'progress' || e.baselines === result.baselines));
    // The best checkpoint resumes from its own step, and keeps the whole run's curves for charts (to the end, 40 steps on).
    const kept = readCheckpointMeta(dir).training;
    assert.equal(kept.state.step, result.bestStep);
    assert.equal(kept.run?.step, result.steps);
    assert.equal(kept.run?.history.at(-1)?.step, result.steps);
    assert.deepEqual(kept.run?.history.slice(0, kept.state.history.length), kept.state.history);
    assert.ok((kept.run?.trainCurve?.at(-1)?.[0] ?? 0) > (kept.state.trainCurve?.at(-1)?.[0] ?? Infinity));
    // The budget: the ETA says what is left of it from the first event on.
    const timed = await drain(trainFromRequest({ source: { kind: 'text', text: DEMO_CORPUS }, config: { ...small, steps: 100_000, minutes: 0.03, patience: 0, sampleInterval: 0 } }));
    assert.equal(timed.result.reason, 'time-budget');
    const first = timed.events.find((e) => e.kind === 'progress') as Extract<TrainEvent, { kind: 'progress' }>;
    assert.ok(Math.abs(first.budgetSeconds! - 1.8) < 1e-9);
    assert.ok(first.etaSeconds !== null && first.etaSeconds <= 1.8 && first.etaSeconds > 0.5, `ETA ${first.etaSeconds}`);
  });

  it('keeps the latest weights beside the best: every checkpointEvery steps, at Stop; removed after a normal end', async () => {
    const root = tmp();
    const outDir = path.join(root, 'run');
    const lastDir = path.join(root, 'run-last');
    // Stopped at step 25: the best (from the evaluation at step 20) stays, the weights as they are go beside it.
    const controller = new AbortController();
    const stopped = await drain(trainFromRequest({ source: { kind: 'text', text: DEMO_CORPUS }, outDir, lastDir, config: { ...small, steps: 1000, evalInterval: 20, checkpointEvery: 10, sampleInterval: 0, progressIntervalMs: 0 } }, controller.signal), (e) => {
      if (e.kind === 'progress' && e.step >= 25) controller.abort();
    });
    assert.equal(stopped.result.reason, 'cancelled');
    assert.equal(stopped.result.checkpoint, outDir);
    assert.equal(stopped.result.lastCheckpoint, lastDir);
    assert.equal(stopped.result.steps, 25, 'stopped before the step after the request');
    assert.equal(readCheckpointMeta(outDir).training.state.step, 20);
    assert.equal(readCheckpointMeta(lastDir).training.state.step, stopped.result.steps);
    assert.ok(stopped.events.some((e) => e.kind === 'checkpoint' && e.which === 'periodic' && e.step === 10));
    // Resumed from the latest weights (as after a reload): it continues at their step, and a normal end removes them.
    const resumed = await drain(trainFromRequest({ source: { kind: 'text', text: DEMO_CORPUS }, outDir, lastDir, resumeFrom: lastDir, config: { steps: stopped.result.steps + 15 } }));
    assert.equal(resumed.result.reason, 'completed');
    assert.equal(resumed.result.steps, stopped.result.steps + 15);
    assert.equal(resumed.result.lastCheckpoint, null);
    assert.equal(resumed.result.checkpoint, outDir, 'the best kept before the interruption stays the run\'s checkpoint');
    assert.ok(resumed.result.bestValLoss! <= stopped.result.bestValLoss!);
    assert.ok(!fs.existsSync(lastDir), 'the latest weights were only a guard against a crash');
    assert.deepEqual(fs.readdirSync(root), ['run']);
    // Stopped before any evaluation, with nowhere else to go (the command line): the weights are kept in outDir.
    const early = new AbortController();
    const cli = await drain(trainFromRequest({ source: { kind: 'text', text: DEMO_CORPUS }, outDir: path.join(root, 'cli'), config: { ...small, steps: 1000, evalInterval: 500, sampleInterval: 0 } }, early.signal), (e) => {
      if (e.kind === 'progress' && e.step >= 3) early.abort();
    });
    assert.equal(cli.result.checkpoint, path.join(root, 'cli'));
    loadCheckpoint(path.join(root, 'cli')).model.dispose();
  });

  it('the validation curve starts at step 0: the first progress event is the untrained model\'s evaluation', async () => {
    const { events, result } = await drain(trainFromRequest({ source: { kind: 'text', text: DEMO_CORPUS }, config: { ...small, steps: 12, evalInterval: 10, sampleInterval: 0 } }));
    const first = events.find((e) => e.kind === 'progress');
    assert.ok(first && first.kind === 'progress');
    assert.equal(first.step, 0);
    assert.equal(first.evaluated, true);
    assert.equal(first.valLoss, result.initialValLoss);
    // One step-0 point, not one per progress tick before the first step.
    assert.equal(events.filter((e) => e.kind === 'progress' && e.step === 0).length, 1);
  });

  it('saves the latest weights by time as well as by steps: a slow run is never far from a checkpoint', async () => {
    const root = tmp();
    const outDir = path.join(root, 'run');
    const lastDir = path.join(root, 'run-last');
    // By time alone (no step rule): the first periodic save comes once a second has passed, at whatever step that is.
    const controller = new AbortController();
    let savedAt: { step: number; seconds: number } | undefined;
    let seconds = 0;
    const timed = await drain(trainFromRequest({ source: { kind: 'text', text: DEMO_CORPUS }, outDir, lastDir, config: { ...small, steps: 1_000_000, evalInterval: 1_000_000, checkpointEvery: 0, checkpointSeconds: 1, sampleInterval: 0, progressIntervalMs: 0 } }, controller.signal), (e) => {
      if (e.kind === 'progress') seconds = e.elapsedSeconds;
      // Bounded in steps: a second is a few hundred steps of this model; a broken time rule fails here instead of running on.
      if (e.kind === 'progress' && e.step >= 20_000) controller.abort();
      if (e.kind === 'checkpoint' && e.which === 'periodic' && !savedAt) {
        savedAt = { step: e.step, seconds };
        controller.abort();
      }
    });
    assert.ok(savedAt, 'a periodic save came by time');
    assert.ok(savedAt.seconds >= 1, `not before its second: saved at ${savedAt.seconds} s`);
    assert.equal(timed.result.reason, 'cancelled');
    assert.ok(timed.result.steps >= savedAt.step);
    // Neither rule: no periodic save at all, only the one at Stop.
    const none = new AbortController();
    const untimed = await drain(trainFromRequest({ source: { kind: 'text', text: DEMO_CORPUS }, outDir: path.join(root, 'b'), lastDir: path.join(root, 'b-last'), config: { ...small, steps: 1_000_000, evalInterval: 1_000_000, checkpointEvery: 0, checkpointSeconds: 0, sampleInterval: 0, progressIntervalMs: 0 } }, none.signal), (e) => {
      if (e.kind === 'progress' && e.step >= 40) none.abort();
    });
    assert.deepEqual(untimed.events.filter((e) => e.kind === 'checkpoint').map((e) => e.kind === 'checkpoint' && e.which), ['last']);
    assert.equal(readCheckpointMeta(path.join(root, 'b-last')).training.state.step, untimed.result.steps);
  });

  it('a resumed run keeps beating the best its outDir holds, whether the latest weights knew of it or not', async () => {
    const sha = (f: string) => createHash('sha256').update(fs.readFileSync(f)).digest('hex');
    for (const kept of [0.001, 99]) {
      const root = tmp();
      const outDir = path.join(root, 'run');
      const lastDir = path.join(root, 'run-last');
      const controller = new AbortController();
      const stopped = await drain(trainFromRequest({ source: { kind: 'text', text: DEMO_CORPUS }, outDir, lastDir, config: { ...small, steps: 1000, evalInterval: 10, checkpointEvery: 10, sampleInterval: 0, progressIntervalMs: 0, patience: 0 } }, controller.signal), (e) => {
        if (e.kind === 'progress' && e.step >= 15) controller.abort();
      });
      const ownBest = stopped.result.bestValLoss!;
      // The best in outDir says `kept` (as if evaluated after the latest weights were written, before a crash).
      const metaFile = path.join(outDir, META_FILE);
      const meta = JSON.parse(fs.readFileSync(metaFile, 'utf8'));
      meta.training.state.bestValLoss = kept;
      fs.writeFileSync(metaFile, JSON.stringify(meta));
      const weights = sha(path.join(outDir, MODEL_FILE));
      // With kept = 99 the resumed run steps too far (lr 0.5), so that every evaluation is worse than its own best.
      const resumed = await drain(trainFromRequest({ source: { kind: 'text', text: DEMO_CORPUS }, outDir, lastDir, resumeFrom: lastDir, config: { steps: stopped.result.steps + 20, ...(kept > ownBest ? { lr: 0.5 } : {}) } }));
      if (kept < ownBest) {
        // Better than anything this run reaches: it stays the run's best, its files untouched.
        assert.equal(resumed.result.bestValLoss, kept);
        assert.equal(resumed.result.checkpoint, outDir);
        assert.equal(sha(path.join(outDir, MODEL_FILE)), weights, 'the better checkpoint was not overwritten');
      } else {
        // Worse than what the run itself knew: the run's own best stands; evaluations worse than it save nothing.
        const later = resumed.result.state.history.filter((h) => h.step > stopped.result.steps).map((h) => h.valLoss);
        assert.ok(later.length >= 2 && later.every((v) => v > ownBest), `the resumed evaluations ${later} are all worse than ${ownBest}`);
        assert.equal(resumed.result.bestValLoss, ownBest);
        assert.equal(sha(path.join(outDir, MODEL_FILE)), weights, 'no worse weights were saved over the best');
      }
    }
  });

  it('writes a checkpoint that loads, and resumes exactly where an uninterrupted run would be', async () => {
    const root = tmp();
    const cfg = { ...small, steps: 20, evalInterval: 10, sampleInterval: 0 };
    const full = await drain(trainFromRequest({ source: { kind: 'text', text: DEMO_CORPUS }, config: cfg, outDir: path.join(root, 'full'), keep: 'last' }));
    await drain(trainFromRequest({ source: { kind: 'text', text: DEMO_CORPUS }, config: { ...cfg, steps: 10 }, outDir: path.join(root, 'half'), keep: 'last' }));
    const resumed = await drain(trainFromRequest({ source: { kind: 'text', text: DEMO_CORPUS }, config: { steps: 20 }, resumeFrom: path.join(root, 'half'), outDir: path.join(root, 'resumed'), keep: 'last' }));
    assert.equal(resumed.result.steps, 20);
    assert.equal(resumed.result.trainLoss, full.result.trainLoss);
    assert.deepEqual(lossesOf(resumed.result.state), lossesOf(full.result.state));
    const a = loadCheckpoint(path.join(root, 'full'));
    const b = loadCheckpoint(path.join(root, 'resumed'));
    for (const [name, t] of Object.entries(a.model.stateDict())) {
      assert.deepEqual(Array.from(b.model.stateDict()[name].dataSync()), Array.from(t.dataSync()), name);
    }
    assert.deepEqual(fs.readdirSync(root).sort(), ['full', 'half', 'resumed'], 'no temporary folders left');
    a.model.dispose();
    b.model.dispose();
    await assert.rejects(drain(trainFromRequest({ source: { kind: 'text', text: DEMO_CORPUS }, config: { hidden: 32 }, resumeFrom: path.join(root, 'half') })), /different model shape \(hidden: 24 -> 32\)/);
  });

  it('a resumed run goes on with the time it had used: the budget continues, it does not start again', async () => {
    const root = tmp();
    const cfg = { ...small, steps: 10, evalInterval: 10, sampleInterval: 0, minutes: 0 };
    await drain(trainFromRequest({ source: { kind: 'text', text: DEMO_CORPUS }, config: cfg, outDir: path.join(root, 'half'), keep: 'last' }));
    const used = readCheckpointMeta(path.join(root, 'half')).training.state.elapsedSeconds;
    assert.ok(used > 0, `the checkpoint records the seconds used (${used})`);
    // A budget of half the time already used: the resumed run is over budget before its first step.
    const over = await drain(trainFromRequest({ source: { kind: 'text', text: DEMO_CORPUS }, config: { steps: 20, minutes: used / 2 / 60 }, resumeFrom: path.join(root, 'half'), outDir: path.join(root, 'over'), keep: 'last' }));
    assert.equal(over.result.reason, 'time-budget');
    assert.equal(over.result.steps, 10, 'no step after the budget was used up');
    assert.ok(over.result.state.elapsedSeconds >= used, `elapsed ${over.result.state.elapsedSeconds} s goes on from ${used} s`);
    // The other side: a budget well beyond the time used lets it go on to its steps.
    const within = await drain(trainFromRequest({ source: { kind: 'text', text: DEMO_CORPUS }, config: { steps: 20, minutes: 60 }, resumeFrom: path.join(root, 'half'), outDir: path.join(root, 'within'), keep: 'last' }));
    assert.equal(within.result.reason, 'completed');
    assert.equal(within.result.steps, 20);
    assert.ok(within.result.state.elapsedSeconds >= used);
  });

  it('refuses damaged checkpoints with an error that names the problem', async () => {
    const dir = path.join(tmp(), 'm');
    await drain(trainFromRequest({ source: { kind: 'text', text: DEMO_CORPUS }, config: { ...small, steps: 10, sampleInterval: 0 }, outDir: dir }));
    const copy = (name: string) => {
      const d = path.join(path.dirname(dir), name);
      fs.cpSync(dir, d, { recursive: true });
      return d;
    };
    const truncated = copy('truncated');
    const weights = fs.readFileSync(path.join(truncated, MODEL_FILE));
    fs.writeFileSync(path.join(truncated, MODEL_FILE), weights.subarray(0, weights.length - 100));
    assert.throws(() => loadCheckpoint(truncated), /model.safetensors in .*truncated is truncated: tensor ".*" ends at byte \d+ of the data, which has \d+/);
    const flipped = copy('flipped');
    const bytes = fs.readFileSync(path.join(flipped, MODEL_FILE));
    bytes[bytes.length - 3] ^= 0xff;
    fs.writeFileSync(path.join(flipped, MODEL_FILE), bytes);
    assert.throws(() => loadCheckpoint(flipped), /model.safetensors .* does not match seqlab.json \(its SHA-256 differs\)/);
    const edited = copy('edited');
    const meta = JSON.parse(fs.readFileSync(path.join(edited, META_FILE), 'utf8'));
    meta.model.hiddenSize = 99;
    fs.writeFileSync(path.join(edited, META_FILE), JSON.stringify(meta));
    assert.throws(() => loadCheckpoint(edited), /does not fit the model in seqlab.json: head.weight has shape \[\d+,24\] in the file, the model needs \[\d+,99\]/);
    const garbage = copy('garbage');
    fs.writeFileSync(path.join(garbage, META_FILE), '{"format": "seqlab-checkpoint", "version": 1');
    assert.throws(() => loadCheckpoint(garbage), /seqlab.json in .* is not valid JSON/);
    assert.throws(() => loadCheckpoint(path.join(path.dirname(dir), 'nowhere')), /no checkpoint at .*nowhere/);
  });

  it('safetensors: round trip, and damage is named', () => {
    const buf = encodeSafetensors({ b: { shape: [2], data: Float32Array.from([1, 2]) }, a: { shape: [1, 1], data: Float32Array.from([3]) } }, { k: 'v' });
    assert.equal(Number(buf.readBigUInt64LE(0)) % 8, 0);
    const { tensors, metadata } = decodeSafetensors(buf);
    assert.deepEqual(metadata, { k: 'v' });
    assert.deepEqual(Array.from(tensors.b.data), [1, 2]);
    assert.throws(() => decodeSafetensors(buf.subarray(0, buf.length - 4)), /is truncated: tensor "b" ends at byte 12/);
    assert.throws(() => decodeSafetensors(Buffer.alloc(4)), /truncated: 4 bytes/);
  });

  it('leaks no tensors over a whole run', async () => {
    const before = tf.memory().numTensors;
    await drain(trainFromRequest({ source: { kind: 'text', text: DEMO_CORPUS }, config: { ...small, steps: 12 } }));
    assert.equal(tf.memory().numTensors, before);
  });
});

describe('validation windows', () => {
  /** Each window's first token, read back from `data` (ids 0, 1, 2, ... so a token is its position), and that each window is contiguous. */
  const startsOf = (length: number, seqLen: number, count: number) => {
    const { data, rows } = validationWindows(Int32Array.from({ length }, (_, i) => i), seqLen, count);
    const width = seqLen + 1;
    assert.equal(data.length, rows * width);
    for (let r = 0; r < rows; r++) for (let k = 1; k < width; k++) assert.equal(data[r * width + k], data[r * width] + k, `window ${r} is contiguous`);
    return Array.from({ length: rows }, (_, r) => data[r * width]);
  };

  it('at the defaults (64 windows of 64 characters) over a 20,000-character validation text: spread evenly from its start, inside it', () => {
    // stride floor((20,000 - 65) / 63) = 316: windows start at 0, 316, ..., 19,908.
    assert.deepEqual(startsOf(20_000, 64, 64), Array.from({ length: 64 }, (_, r) => r * 316));
  });

  it('as many windows as the text holds: 3 of 65 in 195 tokens, to its end; 2 in 129, 1 in 128 (a validation text holds at least one: prepareData)', () => {
    assert.deepEqual(startsOf(195, 64, 64), [0, 65, 130]);
    assert.deepEqual(startsOf(100, 64, 64), [0]);
    // Windows of 64 inputs share their edge token (one's last target is the next one's first input): 129 tokens hold two, 128 one.
    assert.deepEqual(startsOf(129, 64, 64), [0, 64]);
    assert.deepEqual(startsOf(128, 64, 64), [0]);
    // Fewer asked than the text holds: spread over it, the last ending at the end.
    assert.deepEqual(startsOf(1000, 9, 4), [0, 330, 660, 990]);
  });
});
