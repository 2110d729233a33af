/** Every experiment, by name: the palette, the panel and `seqlab experiment NAME` use this list. */
import { bidirectionalLeak } from './bidirectionalLeak';
import { cellWalkthrough } from './cellWalkthrough';
import { longRangeMemory } from './longRangeMemory';
import { explodingGradients } from './explodingGradients';
import { lstmVsGru } from './lstmVsGru';
import { normalization } from './normalization';
import { machineMemory, poolSize, runPlanned } from './pool';
import { checkMemory, fittingThreads, memoryBound, peakBytes, runBytes, WASM_HEAP_BYTES, type MemoryPlan } from './bounds';
import { valueAt } from './settingFields';
import { currentBackend } from '../core/backend';
import { coreCount } from '../core/threads';
import { estimateSeconds, IN_EDITOR_FACTOR, secondsLeft } from './estimate';
import { translator, type Lang } from '../core/lang';
import type { Experiment, ExperimentContext, ExperimentOutput, Figure } from './types';
import { vanishingGradients } from './vanishingGradients';
import { gradientFlow } from './gradientFlow';
import type { z } from 'zod';
import { experimentScriptText } from '../export/experimentScript';
import { CataloguedError, message } from '../core/messages';

export const EXPERIMENTS: Experiment[] = [
  vanishingGradients, explodingGradients, normalization, longRangeMemory, lstmVsGru, cellWalkthrough, bidirectionalLeak, gradientFlow,
] as unknown as Experiment[];

export function findExperiment(name: string): Experiment {
  const e = EXPERIMENTS.find((x) => x.name === name);
  if (!e) throw new CataloguedError(message('experiment-unknown', { name, names: EXPERIMENTS.map((x) => x.name) }));
  return e;
}

/**
 * The experiment as a standalone PyTorch script, `config` (checked, defaults filled) as its
 * options' defaults: `seqlab experiment NAME --export-torch FILE`.
 */
export function experimentScript(name: string, config: unknown = {}): string {
  const e = findExperiment(name); // an unknown name says so, with the list
  const parsed = e.schema.safeParse(config);
  if (!parsed.success) throw new Error(configProblems(parsed.error.issues));
  return experimentScriptText(name, parsed.data as Record<string, unknown>); // says so for an experiment without a script
}

/** A schema's complaints, each naming its key: "unknown key \"size\"; hidden: Too small ...". */
function configProblems(issues: z.core.$ZodIssue[]): string {
  return issues.map((i) => (i.code === 'unrecognized_keys' ? `unknown key ${i.keys.map((k) => `"${k}"`).join(', ')}` : `${i.path.join('.')}: ${i.message}`)).join('; ');
}

/**
 * What `plan` would hold at its peak on `threads` threads (bounds.ts), against the bound: half of
 * this process's memory unless `bound` says otherwise; on wasm each run also within one heap.
 */
export function memoryPlan(e: Experiment, config: unknown, plan: ReadonlyArray<{ job: unknown }>, threads: number, bound?: number): MemoryPlan {
  const runs = plan.map((r) => runBytes(e.footprint(config, r.job)));
  const boundBytes = bound ?? memoryBound(machineMemory());
  return {
    peakBytes: peakBytes(runs, threads), largestRunBytes: Math.max(0, ...runs), boundBytes,
    runBoundBytes: (currentBackend()?.name ?? 'wasm') === 'wasm' ? WASM_HEAP_BYTES : null, fittingThreads: fittingThreads(runs, threads, boundBytes),
  };
}

/** Checks the config (unknown keys and bad values name the key), runs, and returns the config used with the output. */
export async function runExperiment(name: string, config: unknown, ctx: ExperimentContext): Promise<{ name: string; config: unknown; output: ExperimentOutput<unknown>; runs: number; workers: number; figuresIn?: Partial<Record<Lang, Figure[]>> }> {
  const e = findExperiment(name);
  const parsed = e.schema.safeParse(config ?? {});
  if (!parsed.success) {
    throw new Error(`invalid config for ${name}: ${configProblems(parsed.error.issues)}`);
  }
  const tr = translator(ctx.lang ?? 'en');
  const plan = e.plan(parsed.data, tr);
  const threads = poolSize(plan.length, ctx.pool?.threads ?? ctx.workers);
  // More threads than cores run no faster: the estimate counts the cores they share.
  const cliEstimate = estimateSeconds(e, plan, Math.min(threads, coreCount()));
  const estimate = cliEstimate === null ? null : cliEstimate * (ctx.host === 'editor' ? IN_EDITOR_FACTOR : 1);
  const labels = plan.map((r) => r.label);
  const memory = memoryPlan(e, parsed.data, plan, threads, ctx.memoryBound);
  ctx.plan?.({ runs: plan.length, threads, estimateSeconds: estimate, summary: labels.length > 6 ? `${labels.slice(0, 6).join('; ')}; …` : labels.join('; '), memoryBytes: memory.peakBytes, memoryBoundBytes: memory.boundBytes });
  // Above the bound, refused here: after the plan is said (it shows why), before any run starts.
  checkMemory(ctx.host === 'cli' ? name : e.title, memory, threads, e.memorySettings.map((key) => [key, valueAt(parsed.data as Record<string, unknown>, key)]), { lang: ctx.lang, host: ctx.host });
  const started = performance.now();
  const progress: ExperimentContext['progress'] = (fraction, message) => ctx.progress(fraction, message, secondsLeft(fraction, (performance.now() - started) / 1000, estimate));
  // After each run but the last: what the finished runs show (an experiment whose summary needs every run shows nothing until the end).
  const finished = new Map<number, unknown>();
  const onOutcome = ctx.partial ? (index: number, outcome: unknown) => {
    finished.set(index, outcome);
    if (finished.size >= plan.length) return;
    try {
      const sorted = [...finished].sort(([a], [b]) => a - b).map(([, o]) => o);
      ctx.partial!((e.summarize as (c: unknown, o: unknown[], t: typeof tr) => ExperimentOutput<unknown>)(parsed.data, sorted, tr), finished.size, plan.length);
    } catch {
      // not every summary can be drawn from some of its runs
    }
  } : undefined;
  const outcomes = await runPlanned(e as Experiment<never>, parsed.data, plan, { ...ctx, progress }, onOutcome);
  // The figures again in other languages: a summary is cheap, a run is not.
  const figuresIn = ctx.figuresIn && Object.fromEntries(ctx.figuresIn.map((lang) => [lang, e.summarize(parsed.data, outcomes, translator(lang)).figures]));
  return { name, config: parsed.data, output: e.summarize(parsed.data, outcomes, tr), runs: plan.length, workers: threads, ...(figuresIn ? { figuresIn } : {}) };
}
