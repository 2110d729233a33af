/**
 * The shared part of the experiments made of ordinary character-model training runs (the
 * same loop as `seqlab train`: exploding-gradients, normalization, lstm-vs-gru): a run
 * recorded event by event, runs grouped by name over seeds, their mean curves with bands.
 */
import { parseTrainConfig, type TrainConfigInput } from '../train/config';
import { prepareData } from '../train/data';
import { LocalStepper } from '../train/stepper';
import { modelFor, trainModel, validationWindows, type TrainResult } from '../train/trainer';
import { sampleText } from '../model/sample';
import { round } from './format';
import { meanOf, seedBand } from './seeds';
import { ofSeeds, type Tr } from '../core/lang';
import { cancellationPoint, ExperimentCancelled, type Figure, type RunContext } from './types';

/** One training run, as recorded: plain JSON (it comes back from a worker thread). */
export interface Run {
  name: string;
  seed: number;
  steps: number[];
  trainLoss: number[];
  gradNorm: number[];
  seconds: number[];
  valSteps: number[];
  valLoss: number[];
  valSeconds: number[];
  result: Omit<TrainResult, 'state'>;
  parameters: number;
  /** The trained model's continuation of `RecordOptions.sample`'s prompt (that prompt excluded). */
  sample?: string;
  /** With `RecordOptions.trainingTextLoss`: the trained model's loss on the training text, measured as the validation loss is (eval mode, fixed windows). */
  trainingTextLoss?: number;
}

export interface RecordOptions {
  /** Changes the model before training (its initial weights). */
  prepare?: (m: ReturnType<typeof modelFor>) => void;
  /** After training, continue this prompt (drawn with the run's seed), as `seqlab sample` would. */
  sample?: { prompt: string; length: number; temperature: number };
  /** After training, also measure the loss on the training text as the validation loss is measured: the gap between the two is overfitting. */
  trainingTextLoss?: boolean;
}

/**
 * Trains one configuration on `text`, recording every progress event. A measurement runs its
 * steps, all of them: the time budget (2 minutes by default) and patience belong to interactive
 * training. With them, a run on a busy machine stopped at step ~135 of 150 and the tables
 * compared losses after different numbers of steps. Only a diverged run ends early, and that is
 * its result.
 */
export async function record(name: string, seed: number, text: string, input: TrainConfigInput, ctx: RunContext, options: RecordOptions = {}): Promise<Run> {
  const config = parseTrainConfig({ progressIntervalMs: 0, sampleInterval: 0, ...input, minutes: 0, patience: 0, seed }); // every step recorded
  const data = prepareData(text, config);
  const model = modelFor(config, data.vocabulary.size);
  options.prepare?.(model);
  const stepper = LocalStepper.forConfig(model, config);
  const run: Run = { name, seed, steps: [], trainLoss: [], gradNorm: [], seconds: [], valSteps: [], valLoss: [], valSeconds: [], result: undefined as unknown as TrainResult, parameters: model.parameterCount() };
  try {
    // One thread per run: the experiment's runs are already spread over the cores (pool.ts).
    const gen = trainModel(model, stepper, data, config, {}, ctx.signal);
    for (;;) {
      const next = await gen.next();
      if (next.done) {
        const { state: _state, ...result } = next.value; // the training state (curves, optimizer) stays here
        run.result = result;
        if (options.trainingTextLoss && result.reason !== 'cancelled') {
          const windows = validationWindows(data.train, config.seqLen, config.evalWindows);
          run.trainingTextLoss = round(await stepper.evaluate(windows.data, windows.rows, config.seqLen + 1, config.batch));
        }
        if (options.sample && result.reason !== 'cancelled') {
          run.sample = await sampleText(model, data.vocabulary, options.sample.prompt, { length: options.sample.length, temperature: options.sample.temperature, seed });
        }
        break;
      }
      const e = next.value;
      if (e.kind !== 'progress' || e.step === 0) continue;
      if (run.steps.at(-1) !== e.step) {
        run.steps.push(e.step);
        run.trainLoss.push(round(e.trainLoss));
        run.gradNorm.push(round(e.gradNorm));
        run.seconds.push(round(e.elapsedSeconds));
      }
      if (e.evaluated && e.valLoss !== null) {
        run.valSteps.push(e.step);
        run.valLoss.push(round(e.valLoss));
        run.valSeconds.push(round(e.elapsedSeconds));
      }
      ctx.progress(e.step / config.steps, ctx.tr(`step ${e.step}`, `第 ${e.step} 步`));
    }
  } finally {
    await stepper.dispose();
    model.dispose();
  }
  if (run.result.reason === 'cancelled') throw new ExperimentCancelled();
  if (run.result.reason !== 'completed' && run.result.reason !== 'diverged') throw new Error(`${name}, seed ${seed}: the run stopped at step ${run.result.steps} of ${config.steps} (${run.result.reason}); a measurement compares runs at equal steps`);
  await cancellationPoint(ctx);
  return run;
}

/** Runs grouped by name (one per seed), in first-seen order. */
export function byName(runs: Run[]): Array<[string, Run[]]> {
  const groups = new Map<string, Run[]>();
  for (const r of runs) groups.set(r.name, [...(groups.get(r.name) ?? []), r]);
  return [...groups];
}

/**
 * One series per name: the mean over its seeds with the min-max band, over a shared x
 * (the union of the groups' x), null where a group has no point. `pick` gives a run's x
 * and y; a group's x is the mean over seeds at each index (steps agree; seconds differ).
 */
export function banded(runs: Run[], pick: (r: Run) => [number[], number[]], geometric = false): Pick<Figure, 'x' | 'series'> {
  const groups = byName(runs).map(([name, rs]) => {
    const length = Math.max(...rs.map((r) => pick(r)[0].length));
    const xs = Array.from({ length }, (_, i) => round(meanOf(rs.map((r) => pick(r)[0][i]).filter((v) => v !== undefined)), 6));
    return { name, xs, ...seedBand(rs.map((r) => pick(r)[1]), geometric) };
  });
  const x = [...new Set(groups.flatMap((g) => g.xs))].sort((a, b) => a - b);
  const onX = (g: (typeof groups)[number], ys: Array<number | null>) => {
    const at = new Map(g.xs.map((v, i) => [v, ys[i] ?? null]));
    return x.map((v) => at.get(v) ?? null);
  };
  return { x, series: groups.map((g) => ({ name: g.name, y: onX(g, g.y), band: { lower: onX(g, g.band.lower), upper: onX(g, g.band.upper) } })) };
}

/** For each name with diverged seeds, a mark where its mean line ends: "diverged (NaN) in 3 of 3 seeds (steps 6-9)". */
export function divergenceMarks(runs: Run[], figure: Pick<Figure, 'x' | 'series'>, seeds: number, tr: Tr): NonNullable<Figure['marks']> {
  return byName(runs).flatMap(([name, rs]) => {
    const at = rs.filter((r) => r.result.reason === 'diverged').map((r) => r.result.steps + 1);
    if (!at.length) return [];
    const y = figure.series.find((sr) => sr.name === name)!.y;
    let i = y.length - 1;
    while (i >= 0 && !(typeof y[i] === 'number' && Number.isFinite(y[i]) && y[i]! > 0)) i--;
    const steps = Math.min(...at) === Math.max(...at) ? tr(`step ${at[0]}`, `第 ${at[0]} 步`) : tr(`steps ${Math.min(...at)}–${Math.max(...at)}`, `第 ${Math.min(...at)}–${Math.max(...at)} 步`);
    return i >= 0 ? [{ series: name, x: figure.x[i], y: y[i]!, label: tr(`${name}: diverged (NaN) in ${ofSeeds(tr, at.length, seeds)} (${steps})`, `${name}：发散（NaN），${ofSeeds(tr, at.length, seeds)}（${steps}）`) }] : [];
  });
}
