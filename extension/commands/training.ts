/** Training: on a selection, a file or files; stop; resume or discard an interrupted run. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EngineError } from '../../engine/worker/client';
import type { ReplyMap } from '../../engine/worker/protocol';
import { inUnit, unitLabel } from '../../engine/core/curve';
import { langOf } from '../../engine/core/lang';
import { errorText } from '../../engine/core/messages';
import { endReason } from '../endReason';
import { readCheckpointMeta } from '../../engine/checkpoint/format';
import { codePointCount } from '../../engine/text/codePoints';
import { type RunRecord, type RunSource } from '../runs';
import { engineConfig } from '../settings';
import { parseTrainConfig } from '../../engine/train/config';
import { NoTorchError } from '../../engine/torch/choose';
import { selectPython } from '../torchEngine';
import { editorOrWarn, reg, showError, t, type CommandContext } from './context';
import { trashCheckpoint } from './models';

/** Trains on a text source and reports how it ended; resolves with the summary, or undefined on failure. */
export async function train(c: CommandContext, source: RunSource, origin: string, characters: number, override: Record<string, unknown> = {}, resume?: RunRecord): Promise<ReplyMap['train'] | undefined> {
  if (c.engine.training) {
    void vscode.window.showWarningMessage(t('A training run is in progress: stop it first.'), t('Stop Training')).then((pick) => pick && vscode.commands.executeCommand('seqlab.stopTraining'));
    return undefined;
  }
  const s = c.settings();
  const textName = source.kind === 'text' ? source.file ?? source.name : source.patterns.length === 1 ? path.basename(source.patterns[0]) : 'files';
  const outDir = resume?.outDir ?? c.store.newDir({ cell: s.train.cell, layers: s.train.layers, hiddenSize: s.train.hidden, text: textName });
  // The latest weights go beside the run's best: every `checkpointEvery` steps (a reload or a
  // crash loses at most that much), and at Stop.
  const lastDir = resume?.lastDir ?? `${outDir}-last`;
  const config = resume?.config ?? { ...engineConfig(s.train), ...override };
  const workers = resume ? (resume.workers ?? 1) : s.workers;
  const record: RunRecord = { name: path.basename(outDir), outDir, lastDir, source, origin, characters, config, workers, pid: process.pid, started: resume?.started ?? new Date().toISOString() };
  c.runs.write(record);
  c.runState.current = record;
  // The record stays when the run can be resumed: interrupted (a crash, the window closing) or stopped with its weights saved.
  let keepRecord = false;
  c.log.info(`${resume ? 'resuming' : 'training'} on ${origin} (${characters} characters) into ${outDir}`);
  // Show the view before the run starts: creating a webview costs the extension host
  // about 100 ms once (measured), which should not land in the middle of training.
  await vscode.commands.executeCommand('seqlab.trainingView.focus');
  // How far the run gets, noted a few times a second (a file of a few bytes): after a crash the offer to resume says it.
  let noted = 0;
  let noting: Promise<void> = Promise.resolve();
  const notingSteps = c.engine.onDidChangeState((state) => {
    const step = state.last?.step ?? 0;
    if (!state.running || step <= 0 || Date.now() - noted < 250) return;
    noted = Date.now();
    // One write at a time, in order: the file always ends with the latest step noted.
    noting = noting.then(() => c.runs.noteStep(record, step)).catch((err: Error) => c.log.warn(`could not note the step of ${record.name}: ${err.message}`));
  });
  try {
    // Which engine computes the steps: the setting's choice made concrete (PyTorch's Python is found and probed here, once).
    const parsed = parseTrainConfig(config);
    const decision = await c.torch.decide(parsed);
    c.log.info(`engine: ${decision.reason}`);
    const torch = decision.torch ? { python: decision.torch.python.command, pythonArgs: decision.torch.python.args, device: s.torch.device, processes: s.torch.processes, precision: s.torch.precision } : undefined;
    const engineLabel = decision.torch ? `PyTorch ${decision.torch.torch}${s.torch.processes > 1 ? ` × ${s.torch.processes}` : ''}` : null;
    const summary = await c.engine.train({
      source, config, outDir, lastDir, keep: 'best', workers, engine: decision.engine, torch, ...(resume ? { resumeFrom: lastDir } : {}),
    }, origin, characters, resume ? lastDir : undefined, engineLabel);
    c.log.info(`computed by ${summary.engine.description}`);
    c.tree.refresh();
    c.log.info(`${summary.message}; validation loss ${summary.initialValLoss?.toFixed(3) ?? "-"} -> best ${summary.bestValLoss?.toFixed(3)} (step ${summary.bestStep}); ${Math.round(summary.charsPerSecond)} chars/s`);
    if (summary.reason === 'diverged') {
      // The end reason in the student's language (the engine's own summary message is English, for the log).
      showError(c, endReason({ ...summary, config: parsed }), {
        title: t('Lower Learning Rate'),
        run: () => vscode.workspace.getConfiguration('seqlab').update('train.learningRate', s.train.lr / 2, vscode.ConfigurationTarget.Global),
      });
    } else if (summary.reason === 'cancelled' && c.runState.closing) {
      // The window is closing (a reload): Stop saved the weights as they are; the next window offers to resume.
      keepRecord = true;
    } else if (summary.reason === 'cancelled') {
      const name = (dir: string | null) => (dir ? path.basename(dir) : '');
      const units = c.settings().units;
      // Stopped with its latest weights saved beside it: it can go on later, from the message, the card or the Models view.
      const resumable = summary.lastCheckpoint !== null && summary.lastCheckpoint === lastDir && summary.steps < parsed.steps;
      if (resumable) {
        c.runs.markStopped(record);
        keepRecord = true;
        c.engine.markResumable(record.name);
        c.tree.refresh();
      }
      const text = summary.checkpoint && summary.lastCheckpoint && summary.bestValLoss !== null
        ? t('Training stopped at step {0}. The best weights (validation loss {1} {2} at step {3}) are in {4}; the weights as they are, in {5}.', summary.steps, inUnit(summary.bestValLoss, units).toFixed(3), unitLabel(units, langOf(vscode.env.language)), summary.bestStep ?? 0, name(summary.checkpoint), name(summary.lastCheckpoint))
        : summary.lastCheckpoint
          ? t('Training stopped at step {0}, before its first evaluation: the weights as they are are saved in {1}.', summary.steps, name(summary.lastCheckpoint))
          : t('Training stopped at step {0}; nothing could be saved yet.', summary.steps);
      const resume = t('Resume');
      void (resumable ? vscode.window.showInformationMessage(text, resume) : vscode.window.showInformationMessage(text)).then((pick) => {
        if (pick === resume) void vscode.commands.executeCommand('seqlab.resumeRun', record.name);
      });
    }
    return summary;
  } catch (err) {
    // A catalogued engine error (a bad setting, a text too short) in the student's language; others as they are.
    const message = errorText(err, langOf(vscode.env.language));
    if (c.runState.closing) {
      // The window is closing: whatever ended the run, its record stays for the next window's offer (nothing can be shown now).
      keepRecord = true;
      return undefined;
    }
    const torchDuringRun = err instanceof EngineError && err.code === 'torch-failed' && (err.details as { duringRun?: boolean } | undefined)?.duringRun === true;
    if (err instanceof EngineError && (err.code === 'crashed' || err.code === 'replica-failed' || torchDuringRun)) {
      keepRecord = true; // the run can resume from its latest checkpoint
      if (err.code !== 'crashed') c.log.error(errorText(err, 'en')); // the log in English, with the details the Chinese leaves out
      void offerResume(c, record);
    } else if (err instanceof NoTorchError || (err instanceof EngineError && err.code === 'torch-failed')) {
      // PyTorch could not start (none found, too old, no such device): nothing was trained.
      showError(c, t('Cannot train with PyTorch: {0}', message), {
        title: t('Select Python for PyTorch…'), run: () => vscode.commands.executeCommand('seqlab.selectPython'),
      }, {
        title: t('Use the Built-in Engine'), run: () => vscode.workspace.getConfiguration('seqlab').update('train.engine', 'builtin', vscode.ConfigurationTarget.Global),
      });
    } else if (err instanceof EngineError && err.code === 'text-too-short') {
      showError(c, t('Cannot train: {0}', message), {
        title: t('Lower Sequence Length'),
        run: () => vscode.workspace.getConfiguration('seqlab').update('train.seqLen', Math.max(8, Math.floor(s.train.seqLen / 2)), vscode.ConfigurationTarget.Global),
      });
    } else {
      showError(c, t('Training failed: {0}', message));
    }
    return undefined;
  } finally {
    notingSteps.dispose();
    await noting; // a note still being written would otherwise outlive its record
    if (c.runState.current === record) c.runState.current = undefined;
    if (!keepRecord) c.runs.remove(record.name);
  }
}

/**
 * "Training of X was interrupted at step N: Resume / Discard", for a run whose extension
 * host went away (a window reload) or whose worker crashed. Resume continues exactly from
 * `<run>-last`; Discard removes that folder (to the trash) and keeps the best checkpoint.
 */
export async function offerResume(c: CommandContext, record: RunRecord): Promise<void> {
  let step: number | undefined;
  try {
    step = readCheckpointMeta(record.lastDir).training.state.step;
  } catch {
    step = undefined;
  }
  if (step === undefined) {
    c.runs.remove(record.name);
    void vscode.window.showInformationMessage(t('Training of {0} was interrupted before its first checkpoint: there is nothing to resume.', record.name));
    return;
  }
  const resume = t('Resume');
  const discard = t('Discard');
  const reached = c.runs.reachedStep(record);
  const text = reached !== undefined && reached > step
    ? t('Training of {0} was interrupted at step {1}. Resume continues from its last checkpoint, step {2}.', record.name, reached, step)
    : t('Training of {0} was interrupted at step {1}.', record.name, step);
  // While the offer waits, the Training view shows the interrupted run: its curves so far and the same choice.
  c.engine.showInterrupted(record.name, record.lastDir, text);
  const pick = await vscode.window.showWarningMessage(text, resume, discard);
  if (pick === resume) {
    await vscode.commands.executeCommand('seqlab.resumeRun', record);
  } else if (pick === discard) {
    await vscode.commands.executeCommand('seqlab.discardRun', record);
  }
}

/** The record a Resume or Discard names: itself, a run's name, or a Models view item whose folder is a resumable run's. */
function recordOf(c: CommandContext, which: RunRecord | string | { entry: { dir: string } } | undefined): RunRecord | undefined {
  if (!which) return undefined;
  if (typeof which === 'string') return c.runs.get(which);
  if ('entry' in which) return c.runs.resumableAt(which.entry.dir, c.runState.current?.name);
  return which;
}

/** From the palette: the runs that can be resumed, newest first, or a message when there are none. */
async function pickResumable(c: CommandContext): Promise<RunRecord | undefined> {
  const runs = c.runs.resumable(c.runState.current?.name);
  if (!runs.length) {
    void vscode.window.showInformationMessage(t('No run can be resumed: a run is resumable after Stop, or after a reload or crash interrupted it.'));
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(runs.map((r) => {
    let step: number | undefined;
    try {
      step = readCheckpointMeta(r.lastDir).training.state.step;
    } catch {
      step = undefined;
    }
    return { label: r.name, description: step !== undefined ? t('from step {0}', step) : '', detail: r.origin, record: r };
  }), { placeHolder: t('Resume which run?') });
  return picked?.record;
}

/** Discard of an interrupted run: its record goes, its latest weights go to the trash (under the ownership rule), its best checkpoint stays. */
async function discardRun(c: CommandContext, record: RunRecord): Promise<string | undefined> {
  c.runs.remove(record.name);
  c.engine.clearResumable(record.name);
  const refused = await trashCheckpoint(record.lastDir).catch((err: Error) => errorText(err, langOf(vscode.env.language)));
  if (refused) showError(c, t('The latest weights of {0} were kept: {1}', record.name, refused));
  c.tree.refresh();
  return refused;
}

export function registerTrainingCommands(c: CommandContext): vscode.Disposable[] {
  return [
    reg('seqlab.selectPython', () => selectPython(c.torch)),
    reg('seqlab.trainOnSelection', async () => {
      const editor = editorOrWarn();
      if (!editor) return;
      const text = editor.selections.map((sel) => editor.document.getText(sel)).join('\n');
      if (!text.trim()) {
        void vscode.window.showWarningMessage(t('Select some text to train on, or use "Train on Current File".'));
        return;
      }
      const name = t('selection in {0}', path.basename(editor.document.fileName));
      return train(c, { kind: 'text', text, name, file: path.basename(editor.document.fileName) }, name, codePointCount(text));
    }),
    reg('seqlab.trainOnFile', async () => {
      const editor = editorOrWarn();
      if (!editor) return;
      const text = editor.document.getText();
      const name = path.basename(editor.document.fileName);
      return train(c, { kind: 'text', text, name }, name, codePointCount(text));
    }),
    reg('seqlab.trainOnFiles', async (glob?: string) => {
      const pattern = glob ?? (await vscode.window.showInputBox({ prompt: t('Files to train on (a glob in the workspace)'), value: c.settings().filesGlob }));
      if (!pattern) return;
      const files = await vscode.workspace.findFiles(pattern, '**/{node_modules,.git,.seqlab}/**', 2000);
      if (!files.length) {
        void vscode.window.showWarningMessage(t('No file in the workspace matches {0}.', pattern));
        return;
      }
      return train(c, { kind: 'files', patterns: files.map((f) => f.fsPath) }, files.length === 1 ? t('1 file') : t('{0} files', files.length), 0);
    }),
    // From the offer (a record), the Stop message and the Training view (a run's name), the Models view (an item).
    reg('seqlab.resumeRun', async (which?: RunRecord | string | { entry: { dir: string } }) => {
      const record = which ? recordOf(c, which) : await pickResumable(c);
      if (!which && !record) return undefined;
      if (!record) {
        void vscode.window.showInformationMessage(t('There is no run to resume here: it ended, or its latest weights were removed.'));
        return undefined;
      }
      return train(c, record.source, record.origin, record.characters, {}, record);
    }),
    reg('seqlab.discardRun', (which: RunRecord | string) => {
      const record = recordOf(c, which);
      return record ? discardRun(c, record) : undefined;
    }),
    reg('seqlab.stopTraining', async () => {
      if (!(await c.engine.stopTraining())) void vscode.window.showInformationMessage(t('No training is running.'));
    }),
  ];
}
