/**
 * Runs compared, the way TensorBoard's runs selector overlays them: the loss curves of
 * several checkpoints in one chart each, every line named by its run and a short config
 * summary. The curves come from each checkpoint's seqlab.json (its training curve and
 * evaluations), so this works after a reload and for exported or imported runs; the
 * Experiments panel draws them (legend, log axis, export).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExperimentFigure, ExperimentMessage } from '../webview/protocol';
import { inUnit, smooth, unitLabel, type LossUnit } from '../engine/core/curve';
import { langOf } from '../engine/core/lang';
import { readCheckpointMeta, type CheckpointMeta } from '../engine/checkpoint/format';

/** "lstm 1×128, lr 0.003": what tells runs apart at a glance. */
export function configSummary(meta: CheckpointMeta): string {
  const lr = meta.training.config.lr;
  return `${meta.model.cell} ${meta.model.numLayers}×${meta.model.hiddenSize}${typeof lr === 'number' ? `, lr ${lr}` : ''}`;
}

/**
 * What computed a run, from seqlab.json's `backend`: "pytorch 2.4.0 cuda" (the PyTorch engine,
 * its version and device) or a TensorFlow.js backend name ("wasm": the built-in engine).
 */
export function engineSummary(meta: CheckpointMeta, t: (s: string, ...a: Array<string | number>) => string): string {
  const torch = /^pytorch (\S+) (\S+)$/.exec(meta.backend);
  return torch ? `PyTorch ${torch[1]} (${torch[2]})` : t('built-in ({0})', meta.backend);
}

/** Series on the union of the runs' x values (null where a run has no point). */
function overlay(runs: Array<{ label: string; points: Array<[number, number]> }>): Pick<ExperimentFigure, 'x' | 'series'> {
  const x = [...new Set(runs.flatMap((r) => r.points.map(([px]) => px)))].filter(Number.isFinite).sort((a, b) => a - b);
  return {
    x,
    series: runs.map((r) => {
      const at = new Map(r.points);
      return { name: r.label, y: x.map((v) => at.get(v) ?? null), points: r.points.length <= 60 };
    }),
  };
}

/** The comparison as an Experiments-panel message, losses in `unit`. */
export function compareRunsMessage(dirs: string[], unit: LossUnit, t: (s: string, ...a: Array<string | number>) => string): ExperimentMessage {
  const runs = dirs.map((dir) => {
    const meta = readCheckpointMeta(dir);
    return { name: path.basename(dir), dir, meta, label: `${path.basename(dir)} (${configSummary(meta)})` };
  });
  const u = (v: number) => inUnit(v, unit);
  const unitText = unitLabel(unit, langOf(vscode.env.language));
  // The whole run, to its end, when the checkpoint keeps it (a best checkpoint); else up to the checkpoint's own step.
  const whole = (r: (typeof runs)[number]) => r.meta.training.run ?? r.meta.training.state;
  const val = (byTime: boolean) => runs.map((r) => ({
    label: r.label,
    points: whole(r).history.map((h) => [byTime ? h.seconds ?? NaN : h.step, u(h.valLoss)] as [number, number]).filter(([x]) => Number.isFinite(x)),
  }));
  const train = runs.map((r) => {
    const st = whole(r);
    const raw = st.trainCurve?.length ? st.trainCurve.map(([step, , loss]) => [step, u(loss)] as [number, number]) : st.history.map((h) => [h.step, u(h.trainLoss)] as [number, number]);
    const smoothed = smooth(raw.map(([, y]) => y), 0.6);
    return { label: r.label, points: raw.map(([x], i) => [x, smoothed[i]] as [number, number]) };
  });
  // One string per number, in the headline and the table alike.
  const best = runs.map((r) => (r.meta.training.state.bestValLoss === null ? '–' : u(r.meta.training.state.bestValLoss).toFixed(3)));
  const figures: ExperimentFigure[] = [
    { id: 'val-steps', title: t('Validation loss against steps'), caption: t('Lower is better. Each line is one run, named by its folder and its cell, layers × hidden size and learning rate.'), xLabel: t('step'), yLabel: `${t('validation loss')} (${unitText})`, shareY: 'loss', ...overlay(val(false)) },
    { id: 'train-steps', title: t('Training loss against steps (smoothed 0.6)'), caption: t('Where a run\'s training loss keeps falling while its validation loss does not, it is memorising its text.'), xLabel: t('step'), yLabel: `${t('training loss')} (${unitText})`, shareY: 'loss', ...overlay(train) },
  ];
  if (runs.some((r) => whole(r).history.some((h) => h.seconds !== undefined))) {
    figures.push({ id: 'val-time', title: t('Validation loss against wall time'), caption: t('The same runs against seconds of training: a faster run gets further in the same time.'), xLabel: t('seconds'), yLabel: `${t('validation loss')} (${unitText})`, shareY: 'loss', ...overlay(val(true)) });
  }
  return {
    type: 'experiment', title: t('Runs compared'), description: t('{0} runs from their checkpoints: the validation loss at each evaluation and the training loss as it was charted.', runs.length), running: false,
    output: {
      name: 'runs', config: { runs: runs.map((r) => r.dir) },
      headline: runs.map((r, i) => `${r.name}: ${t('best validation loss')} ${best[i]} ${unitText} (${configSummary(r.meta)})`).join('; '),
      table: [
        [t('run'), t('model'), t('engine'), t('steps'), t('best validation loss'), t('at step'), t('seconds')],
        ...runs.map((r, i) => [r.name, configSummary(r.meta), engineSummary(r.meta, t), whole(r).step, best[i], r.meta.training.state.bestStep ?? '–', Number(whole(r).elapsedSeconds.toFixed(1))]),
      ],
      figures,
    },
  };
}

/** Which runs to compare: those given (ticked in the Models view), else a multi-select pick. */
export async function pickRuns(all: Array<{ name: string; dir: string; description: string }>, t: (s: string) => string): Promise<string[] | undefined> {
  const picked = await vscode.window.showQuickPick(all.map((r) => ({ label: r.name, description: r.description, dir: r.dir, picked: false })), {
    canPickMany: true, title: t('Compare Runs'), placeHolder: t('Tick two or more runs to overlay their loss curves'),
  });
  return picked?.map((p) => p.dir);
}
