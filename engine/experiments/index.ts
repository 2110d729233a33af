/** Every experiment, by name: the palette, the panel and `seqlab experiment NAME` use this list. */
import { bidirectionalLeak } from './bidirectionalLeak';
import { cellWalkthrough } from './cellWalkthrough';
import { longRangeMemory } from './longRangeMemory';
import { explodingGradients, lstmVsGru, normalization } from './trainingRuns';
import { poolSize, runPlanned } from './pool';
import { translator } from './lang';
import type { Experiment, ExperimentContext, ExperimentOutput } from './types';
import { vanishingGradients } from './vanishingGradients';

export const EXPERIMENTS: Experiment[] = [
  vanishingGradients, explodingGradients, normalization, longRangeMemory, lstmVsGru, cellWalkthrough, bidirectionalLeak,
] as unknown as Experiment[];

export function findExperiment(name: string): Experiment {
  const e = EXPERIMENTS.find((x) => x.name === name);
  if (!e) throw new Error(`no experiment named "${name}"; the experiments are: ${EXPERIMENTS.map((x) => x.name).join(', ')}`);
  return e;
}

/** Checks the config (unknown keys and bad values name the key), runs, and returns the config used with the output. */
export async function runExperiment(name: string, config: unknown, ctx: ExperimentContext): Promise<{ name: string; config: unknown; output: ExperimentOutput<unknown>; runs: number; workers: number }> {
  const e = findExperiment(name);
  const parsed = e.schema.safeParse(config ?? {});
  if (!parsed.success) {
    throw new Error(`invalid config for ${name}: ${parsed.error.issues.map((i) => (i.code === 'unrecognized_keys' ? `unknown key ${i.keys.map((k) => `"${k}"`).join(', ')}` : `${i.path.join('.')}: ${i.message}`)).join('; ')}`);
  }
  const tr = translator(ctx.lang ?? 'en');
  const plan = e.plan(parsed.data, tr);
  const outcomes = await runPlanned(e as Experiment<never>, parsed.data, plan, ctx);
  return { name, config: parsed.data, output: e.summarize(parsed.data, outcomes, tr), runs: plan.length, workers: poolSize(plan.length, ctx.workers) };
}
