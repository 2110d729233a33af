/**
 * The training loop: an async generator of events (progress a few times a second,
 * samples now and then, checkpoints), returning a result that says why it stopped.
 * It yields to the event loop between steps, so a cancel (AbortSignal) takes effect
 * within one step. The worker, the command line and the tests all drive this one loop.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { CharLM } from '../model/charlm';
import type { TrainingState } from '../checkpoint/format';
import { MAX_CURVE_POINTS, overfittingFrom, thinCurve, type LossBaselines } from '../core/curve';
import { Random } from '../core/random';
import { sampleText } from '../model/sample';
import type { TokenIds } from '../text/vocabulary';
import type { TrainConfig } from './config';
import type { TrainData } from './data';
import { learningRateAt } from './optim';
import type { Stepper } from './stepper';

export function modelFor(config: TrainConfig, vocabSize: number): CharLM {
  return new CharLM({
    vocabSize, embeddingSize: config.embed, hiddenSize: config.hidden, numLayers: config.layers, cell: config.cell,
    dropout: config.dropout, normalization: config.normalization, forgetBias: config.forgetBias, seed: config.seed,
  });
}

export interface ProgressEvent {
  kind: 'progress';
  step: number;
  /** True when a validation pass ran at this step (valLoss is fresh). */
  evaluated: boolean;
  totalSteps: number;
  trainLoss: number;
  valLoss: number | null;
  bestValLoss: number | null;
  /** Validation loss in bits per character (nats / ln 2), or the training loss's before the first evaluation. */
  bitsPerChar: number;
  charsPerSecond: number;
  gradNorm: number;
  learningRate: number;
  elapsedSeconds: number;
  /** The mean training loss over the steps since the previous progress event (the chart's point). */
  trainLossMean: number;
  /** Seconds left at most: the time budget's rest, or the remaining steps at the speed so far, whichever is less (patience may end it sooner). */
  etaSeconds: number | null;
  /** The time budget in seconds, null when there is none. */
  budgetSeconds: number | null;
  /** Threads computing the gradients (data-parallel replicas; 1 = the training thread), or the PyTorch engine's processes. */
  workers: number;
  /**
   * Characters trained on so far over the training text's length: 0.012 is 1.2% of one pass
   * over it (an epoch), 3 is three passes. A 24M-character text is far from one pass in minutes.
   */
  passes: number;
  /** Seconds one pass over the training text takes at the speed so far; null before the first step. */
  passSeconds: number | null;
  /** The losses this run's text sets as references (the chart's lines; constant for a run). */
  baselines: LossBaselines;
}
export interface SampleEvent { kind: 'sample'; step: number; text: string }
export interface CheckpointEvent { kind: 'checkpoint'; step: number; which: 'best' | 'last' | 'periodic'; valLoss: number | null }
export type TrainEvent = ProgressEvent | SampleEvent | CheckpointEvent;

export type StopReason = 'completed' | 'time-budget' | 'plateau' | 'cancelled' | 'diverged';

export interface TrainResult {
  reason: StopReason;
  /** For the user, e.g. the advice after a diverged run. */
  message: string;
  steps: number;
  trainLoss: number | null;
  valLoss: number | null;
  bestValLoss: number | null;
  bestStep: number | null;
  /** The validation loss before training; null when the run was stopped before it was measured. */
  initialValLoss: number | null;
  charsPerSecond: number;
  /** Passes over the training text (see ProgressEvent.passes) and the seconds one takes at this run's speed. */
  passes: number;
  passSeconds: number | null;
  baselines: LossBaselines;
  /** Where the validation loss began to rise while the training loss fell (see overfittingFrom), or null. */
  overfitting: { fromStep: number; seenAt: number } | null;
  state: TrainingState;
}

export interface TrainingHooks {
  /**
   * Writes a checkpoint of the model as it is now; awaited before training goes on. 'best'
   * after a new best validation loss, 'periodic' every `checkpointEvery` steps or `checkpointSeconds`
   * seconds (whichever comes first), 'last' at the
   * end with the reason it ended (not after a divergence).
   */
  saveCheckpoint?: (which: 'best' | 'last' | 'periodic', state: TrainingState, reason?: StopReason) => Promise<void> | void;
  /** Training state to resume from (the model and optimiser already restored). */
  resume?: TrainingState;
}

/** Fixed windows spread evenly over `ids` (at most `count`), (windows, seqLen+1) row-major: the validation windows, the same at every evaluation. */
export function validationWindows(ids: TokenIds, seqLen: number, count: number): { data: Int32Array; rows: number } {
  const width = seqLen + 1;
  const available = Math.floor((ids.length - 1) / seqLen);
  const n = Math.max(1, Math.min(count, available));
  const stride = Math.max(seqLen, Math.floor((ids.length - width) / Math.max(1, n - 1)));
  const data = new Int32Array(n * width);
  for (let r = 0; r < n; r++) {
    const start = Math.min(r * stride, ids.length - width);
    data.set(ids.subarray(start, start + width), r * width);
  }
  return { data, rows: n };
}

/**
 * Trains `model` with `stepper` (which holds the optimiser; see stepper.ts). The model holds
 * the trained weights at every checkpoint and sample, and when the loop returns.
 */
export async function* trainModel(
  model: CharLM, stepper: Stepper, data: TrainData, config: TrainConfig, hooks: TrainingHooks = {}, signal?: AbortSignal,
): AsyncGenerator<TrainEvent, TrainResult> {
  const width = config.seqLen + 1;
  const rng = new Random(config.seed);
  const state: TrainingState = hooks.resume ? { ...hooks.resume, history: [...hooks.resume.history] } : {
    step: 0, optimizerStep: 0, trainLoss: null, valLoss: null, bestValLoss: null, bestStep: null, initialValLoss: null,
    rngState: rng.snapshot(), elapsedSeconds: 0, history: [],
  };
  rng.restore(state.rngState);
  const valWindows = validationWindows(data.validation, config.seqLen, config.evalWindows);
  const evaluate = () => stepper.evaluate(valWindows.data, valWindows.rows, width, config.batch);
  const batchData = new Int32Array(config.batch * width);
  const maxStart = data.train.length - width;
  const schedule = {
    learningRate: config.lr, schedule: config.schedule, warmupSteps: config.warmupSteps, totalSteps: config.steps,
    minRatio: config.lrMinRatio, stepSize: config.lrStepSize, gamma: config.lrGamma,
  };
  const budgetSeconds = config.minutes > 0 ? config.minutes * 60 : Infinity;
  const startedAt = performance.now();
  const elapsedBefore = state.elapsedSeconds;
  const stepAtStart = state.step;
  let lastProgress = -Infinity;
  let gradNorm = 0;
  let lr = config.lr;
  let reason: StopReason = 'completed';
  let evalsWithoutBest = 0; // evaluations since the best validation loss
  let lossSum = 0; // training losses since the last progress event
  let lossCount = 0;
  let curve: Array<[number, number, number]> = [...(state.trainCurve ?? [])];
  let message = '';
  // The latest weights are saved by steps or by time, whichever comes first: by steps alone, a slow run
  // (a busy machine) could go minutes without a checkpoint, and a reload would lose all of it.
  let lastPeriodicSave = performance.now();
  const periodicSaveDue = () =>
    (config.checkpointEvery > 0 && state.step % config.checkpointEvery === 0) ||
    (config.checkpointSeconds > 0 && performance.now() - lastPeriodicSave >= config.checkpointSeconds * 1000);
  const seconds = () => elapsedBefore + (performance.now() - startedAt) / 1000;
  const charsPerSecond = () => ((state.step - stepAtStart) * config.batch * config.seqLen) / Math.max(1e-9, seconds() - elapsedBefore);
  const passes = () => (state.step * config.batch * config.seqLen) / data.train.length;
  const passSeconds = () => (state.step > stepAtStart ? data.train.length / charsPerSecond() : null);
  const snapshot = (): TrainingState => ({ ...state, optimizerStep: stepper.optimizer.stepCount, rngState: rng.snapshot(), elapsedSeconds: seconds(), history: [...state.history], trainCurve: [...curve] });
  const progress = (evaluated = false): ProgressEvent => {
    const cps = charsPerSecond();
    const remainingSteps = config.steps - state.step;
    const stepSeconds = state.step > stepAtStart ? (seconds() - elapsedBefore) / (state.step - stepAtStart) : null;
    const budgetLeft = Math.max(0, budgetSeconds - seconds());
    const eta = stepSeconds === null ? (Number.isFinite(budgetLeft) ? budgetLeft : null) : Math.min(remainingSteps * stepSeconds, budgetLeft);
    const trainLoss = state.trainLoss ?? NaN;
    const trainLossMean = lossCount ? lossSum / lossCount : trainLoss;
    if (lossCount) {
      // The training curve kept in the checkpoint: the same points the chart draws (thinned for long runs).
      curve.push([state.step, Number(seconds().toFixed(2)), trainLossMean]);
      curve = thinCurve(curve, MAX_CURVE_POINTS, (a, b) => [b[0], b[1], (a[2] + b[2]) / 2]);
    }
    lossSum = 0;
    lossCount = 0;
    return {
      kind: 'progress', step: state.step, evaluated, totalSteps: config.steps, trainLoss, trainLossMean, valLoss: state.valLoss, bestValLoss: state.bestValLoss,
      bitsPerChar: (state.valLoss ?? trainLoss) / Math.LN2, charsPerSecond: cps, gradNorm, learningRate: lr,
      elapsedSeconds: seconds(), etaSeconds: eta, budgetSeconds: Number.isFinite(budgetSeconds) ? budgetSeconds : null, workers: stepper.workers,
      passes: passes(), passSeconds: passSeconds(), baselines: data.baselines,
    };
  };

  // A Stop that came before the run started ends it here, before any work.
  if (state.initialValLoss === null && !signal?.aborted) {
    state.initialValLoss = await evaluate();
    state.valLoss = state.initialValLoss;
    // The validation curve starts where the model does, at step 0 (the chart's first point was step 25).
    yield progress(true);
  }
  while (state.step < config.steps) {
    await nextTurn(); // lets a cancel message in
    if (signal?.aborted) {
      reason = 'cancelled';
      message = `stopped at step ${state.step} on request`;
      break;
    }
    if (seconds() >= budgetSeconds) {
      reason = 'time-budget';
      message = `stopped at step ${state.step}: the time budget of ${config.minutes} minute${config.minutes === 1 ? '' : 's'} is used up`;
      break;
    }
    for (let r = 0; r < config.batch; r++) {
      const start = rng.int(maxStart + 1);
      batchData.set(data.train.subarray(start, start + width), r * width);
    }
    lr = learningRateAt(state.step + 1, schedule);
    const result = await stepper.step(batchData, config.batch, width, lr);
    gradNorm = result.gradNorm;
    if (!Number.isFinite(result.loss) || !Number.isFinite(result.gradNorm)) {
      reason = 'diverged';
      message = `the loss became ${result.loss} at step ${state.step + 1} (gradient norm ${result.gradNorm}): training diverged. ` +
        `Lower the learning rate (now ${lr}) or clip gradients (clipNorm ${config.clipNorm || 'off'}; try 1).` +
        (state.bestStep !== null ? ` The best checkpoint, from step ${state.bestStep}, is kept.` : '');
      break;
    }
    state.step++;
    state.trainLoss = result.loss;
    lossSum += result.loss;
    lossCount++;
    const evalNow = state.step % config.evalInterval === 0 || state.step === config.steps;
    if (evalNow) {
      state.valLoss = await evaluate();
      state.history.push({ step: state.step, trainLoss: result.loss, valLoss: state.valLoss, seconds: Number(seconds().toFixed(2)) });
      if (state.bestValLoss === null || state.valLoss < state.bestValLoss) {
        state.bestValLoss = state.valLoss;
        state.bestStep = state.step;
        evalsWithoutBest = 0;
        if (hooks.saveCheckpoint) {
          await stepper.sync();
          await hooks.saveCheckpoint('best', snapshot());
          yield { kind: 'checkpoint', step: state.step, which: 'best', valLoss: state.valLoss };
        }
      }
    }
    const now = performance.now();
    if (evalNow || now - lastProgress >= config.progressIntervalMs) {
      lastProgress = now;
      yield progress(evalNow);
    }
    if (hooks.saveCheckpoint && periodicSaveDue()) {
      await stepper.sync();
      await hooks.saveCheckpoint('periodic', snapshot());
      lastPeriodicSave = performance.now();
      yield { kind: 'checkpoint', step: state.step, which: 'periodic', valLoss: state.valLoss };
    }
    if (evalNow && state.bestStep !== state.step && config.patience > 0 && ++evalsWithoutBest >= config.patience) {
      // The validation loss has stopped improving: more steps would only fit the training text closer.
      reason = 'plateau';
      message = `stopped at step ${state.step}: the validation loss has not improved for ${config.patience} evaluations (${config.patience * config.evalInterval} steps); the best, ${state.bestValLoss!.toFixed(3)} nats/char, was at step ${state.bestStep}`;
      break;
    }
    if (config.sampleInterval > 0 && state.step % config.sampleInterval === 0) {
      const prompt = data.vocabulary.decode([data.train[rng.int(data.train.length)]]); // one random character of the text
      await stepper.sync();
      const text = await sampleText(model, data.vocabulary, prompt, { length: config.sampleLength, temperature: 0.8, seed: rng.seed() });
      yield { kind: 'sample', step: state.step, text: prompt + text };
    }
  }
  const stepped = state.step > stepAtStart;
  if (reason === 'cancelled' && !stepped) {
    // Stopped before the first step: nothing was trained, so nothing is written (a resumed
    // run's checkpoints stay as they were).
    message = `stopped on request before the first step${stepAtStart ? ` (resumed at step ${stepAtStart})` : ''}; nothing was trained or saved`;
  }
  yield progress(false);
  await stepper.sync();
  if (hooks.saveCheckpoint && reason !== 'diverged' && (stepped || reason !== 'cancelled')) {
    await hooks.saveCheckpoint('last', snapshot(), reason);
    yield { kind: 'checkpoint', step: state.step, which: 'last', valLoss: state.valLoss };
  }
  if (!message) message = `trained ${state.step} steps`;
  return {
    reason, message, steps: state.step, trainLoss: state.trainLoss, valLoss: state.valLoss, bestValLoss: state.bestValLoss,
    bestStep: state.bestStep, initialValLoss: state.initialValLoss, charsPerSecond: charsPerSecond(), passes: passes(), passSeconds: passSeconds(),
    baselines: data.baselines,
    overfitting: overfittingFrom(state.history.map((h) => ({ step: h.step, loss: h.valLoss })), curve.map(([step, , loss]) => ({ step, loss }))),
    state: snapshot(),
  };
}
