/** SeqLab's commands: train, stop, generate, inspect, models, backend, log. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EngineError } from '../engine/worker/client';
import type { ReplyMap } from '../engine/worker/protocol';
import type { EngineHost } from './engineHost';
import { compareRunsMessage, pickRuns } from './compareRuns';
import { ExperimentsPanel, runExperimentCommand } from './experimentsPanel';
import { INSPECTOR_MAX_CHARACTERS, InspectorPanel } from './inspector';
import { inUnit, unitLabel } from '../engine/core/curve';
import { ModelItem, refusalOfName, type ModelStore, type ModelsTree } from './models';
import { type RunRecord, type RunRecords, type RunSource } from './runs';
import { engineConfig, readSettings, type Settings } from './settings';
// Bounded, regular-file-only reading of seqlab.json and the ownership rule; folder.ts and lock.ts load no TensorFlow.js.
import { refusalToRemove, removeCheckpoint } from '../engine/checkpoint/folder';
import { readCheckpointMeta } from '../engine/checkpoint/format';
import { describeHolder, lockHolder } from '../engine/checkpoint/lock';
import { codePointCount } from '../engine/text/codePoints';

export interface CommandContext {
  context: vscode.ExtensionContext;
  engine: EngineHost;
  store: ModelStore;
  tree: ModelsTree;
  log: vscode.LogOutputChannel;
  settings: () => Settings;
  runs: RunRecords;
}

const t = vscode.l10n.t;

function showError(c: CommandContext, message: string, ...actions: Array<{ title: string; run: () => unknown }>): void {
  c.log.error(message);
  const all = [...actions, { title: t('Open Log'), run: () => c.log.show() }];
  void vscode.window.showErrorMessage(message, ...all.map((a) => a.title)).then((pick) => all.find((a) => a.title === pick)?.run());
}

/** Trains on a text source and reports how it ended; resolves with the summary, or undefined on failure. */
async function train(c: CommandContext, source: RunSource, origin: string, characters: number, override: Record<string, unknown> = {}, resume?: RunRecord): Promise<ReplyMap['train'] | undefined> {
  if (c.engine.training) {
    void vscode.window.showWarningMessage(t('A training run is in progress: stop it first.'), t('Stop Training')).then((pick) => pick && vscode.commands.executeCommand('seqlab.stopTraining'));
    return undefined;
  }
  const s = c.settings();
  const textName = source.kind === 'text' ? source.file ?? source.name : source.patterns.length === 1 ? path.basename(source.patterns[0]) : 'files';
  const outDir = resume?.outDir ?? c.store.newDir({ cell: s.train.cell, layers: s.train.layers, hiddenSize: s.train.hiddenSize, text: textName });
  // The latest weights go beside the run's best: every `checkpointEvery` steps (a reload or a
  // crash loses at most that much), and at Stop.
  const lastDir = resume?.lastDir ?? `${outDir}-last`;
  const config = resume?.config ?? { ...engineConfig(s.train), ...override };
  const workers = resume ? (resume.workers ?? 1) : s.workers;
  const record: RunRecord = { name: path.basename(outDir), outDir, lastDir, source, origin, characters, config, workers, pid: process.pid, started: resume?.started ?? new Date().toISOString() };
  c.runs.write(record);
  let interrupted = false;
  c.log.info(`${resume ? 'resuming' : 'training'} on ${origin} (${characters} characters) into ${outDir}`);
  // Show the view before the run starts: creating a webview costs the extension host
  // about 100 ms once (measured), which should not land in the middle of training.
  await vscode.commands.executeCommand('seqlab.trainingView.focus');
  // How far the run gets, noted a few times a second (a file of a few bytes): after a crash the offer to resume says it.
  let noted = 0;
  const noting = c.engine.onDidChangeState((state) => {
    const step = state.last?.step ?? 0;
    if (!state.running || step <= 0 || Date.now() - noted < 250) return;
    noted = Date.now();
    try {
      c.runs.noteStep(record, step);
    } catch (err) {
      c.log.warn(`could not note the step of ${record.name}: ${(err as Error).message}`);
    }
  });
  try {
    const summary = await c.engine.train({ source, config, outDir, lastDir, keep: 'best', workers, ...(resume ? { resumeFrom: lastDir } : {}) }, origin, characters, resume ? lastDir : undefined);
    c.tree.refresh();
    c.log.info(`${summary.message}; validation loss ${summary.initialValLoss?.toFixed(3) ?? "-"} -> best ${summary.bestValLoss?.toFixed(3)} (step ${summary.bestStep}); ${Math.round(summary.charsPerSecond)} chars/s`);
    if (summary.reason === 'diverged') {
      showError(c, t('Training diverged: {0}', summary.message), {
        title: t('Lower Learning Rate'),
        run: () => vscode.workspace.getConfiguration('seqlab').update('train.learningRate', s.train.learningRate / 2, vscode.ConfigurationTarget.Global),
      });
    } else if (summary.reason === 'cancelled') {
      const name = (dir: string | null) => (dir ? path.basename(dir) : '');
      const units = c.settings().units;
      void vscode.window.showInformationMessage(summary.checkpoint && summary.lastCheckpoint && summary.bestValLoss !== null
        ? t('Training stopped at step {0}. The best weights (validation loss {1} {2} at step {3}) are in {4}; the weights as they are, in {5}.', summary.steps, inUnit(summary.bestValLoss, units).toFixed(3), unitLabel(units), summary.bestStep ?? 0, name(summary.checkpoint), name(summary.lastCheckpoint))
        : summary.lastCheckpoint
          ? t('Training stopped at step {0}, before its first evaluation: the weights as they are are saved in {1}.', summary.steps, name(summary.lastCheckpoint))
          : t('Training stopped at step {0}; nothing could be saved yet.', summary.steps));
    }
    return summary;
  } catch (err) {
    const message = (err as Error).message;
    if (err instanceof EngineError && (err.code === 'crashed' || err.code === 'replica-failed')) {
      interrupted = true; // the record stays: the run can resume from its latest checkpoint
      if (err.code === 'replica-failed') c.log.error(message);
      void offerResume(c, record);
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
    noting.dispose();
    if (!interrupted) c.runs.remove(record.name);
  }
}

/**
 * Moves a checkpoint folder to the trash, under the engine's rules: only a folder that is
 * a SeqLab checkpoint and nothing else, and not one a run (in this or another window) is
 * writing. Says why not, or undefined when it was removed.
 */
async function trashCheckpoint(dir: string): Promise<string | undefined> {
  const refusal = refusalToRemove(dir);
  if (refusal) return refusal;
  const holder = lockHolder(dir);
  if (holder) return t('{0} is in use by another SeqLab run: {1}.', path.basename(dir), describeHolder(holder));
  try {
    await vscode.workspace.fs.delete(vscode.Uri.file(dir), { recursive: true, useTrash: true });
  } catch (err) {
    // Where the file system has no trash (a remote or web host), the engine removes the checkpoint's own files, and nothing else.
    if (!removeCheckpoint(dir)) return t('{0} could not be removed: {1}', path.basename(dir), (err as Error).message);
  }
  return undefined;
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
  const pick = await vscode.window.showWarningMessage(reached !== undefined && reached > step
    ? t('Training of {0} was interrupted at step {1}. Resume continues from its last checkpoint, step {2}.', record.name, reached, step)
    : t('Training of {0} was interrupted at step {1}.', record.name, step), resume, discard);
  if (pick === resume) {
    await vscode.commands.executeCommand('seqlab.resumeRun', record);
  } else if (pick === discard) {
    await vscode.commands.executeCommand('seqlab.discardRun', record);
  }
}

/** Discard of an interrupted run: its record goes, its latest weights go to the trash (under the ownership rule), its best checkpoint stays. */
async function discardRun(c: CommandContext, record: RunRecord): Promise<string | undefined> {
  c.runs.remove(record.name);
  const refused = await trashCheckpoint(record.lastDir).catch((err: Error) => err.message);
  if (refused) showError(c, t('The latest weights of {0} were kept: {1}', record.name, refused));
  c.tree.refresh();
  return refused;
}

/** The text editor last focused, remembered while focus is elsewhere (the side bar, a panel). */
let lastTextEditor: vscode.TextEditor | undefined;

export function trackTextEditors(): vscode.Disposable {
  lastTextEditor = vscode.window.activeTextEditor;
  return vscode.window.onDidChangeActiveTextEditor((e) => {
    if (e) lastTextEditor = e;
  });
}

/**
 * The editor a command acts on: the focused text editor; else, when focus is in the side bar
 * or a panel, the text editor last focused if it is still visible, or the only visible one.
 */
export function targetEditor(): vscode.TextEditor | undefined {
  const active = vscode.window.activeTextEditor;
  if (active) return active;
  const visible = vscode.window.visibleTextEditors.filter((e) => e.document.uri.scheme !== 'output');
  if (lastTextEditor && visible.includes(lastTextEditor)) return lastTextEditor;
  const byDocument = lastTextEditor && visible.find((e) => e.document === lastTextEditor!.document);
  if (byDocument) return byDocument;
  return visible.length === 1 ? visible[0] : undefined;
}

function editorOrWarn(): vscode.TextEditor | undefined {
  const editor = targetEditor();
  if (!editor) {
    const several = vscode.window.visibleTextEditors.length > 1;
    void vscode.window.showWarningMessage(several ? t('Click into the editor whose text SeqLab should use, then try again.') : t('Open a text editor first.'));
  }
  return editor;
}

/** Says which prompt characters the model does not know (it continued without them), and what that means. */
function warnUnknownCharacters(summary: ReplyMap['sample']): void {
  if (!summary.unknownCharacters.length) return;
  // Notifications render Markdown links: brackets and parentheses from the text are shown as their full-width forms.
  const shown = summary.unknownCharacters.slice(0, 10).map((ch) => (/\s/.test(ch) ? JSON.stringify(ch) : ch.replace(/[[\]()]/g, (b) => String.fromCodePoint(b.codePointAt(0)! + 0xfee0)))).join(' ') + (summary.unknownCharacters.length > 10 ? ' …' : '');
  void vscode.window.showWarningMessage(summary.knownCharacters === 0
    ? t('The model knows none of the prompt\'s characters ({0}), so it continued from a line break, not from your text. Train it on text like yours for a continuation that follows it.', shown)
    : t('The model does not know some of the prompt\'s characters ({0}); it continued from the {1} characters it knows.', shown, summary.knownCharacters));
}

/** Streams a continuation into the document at `position` as one undoable edit. */
async function generate(c: CommandContext, editor: vscode.TextEditor, prompt: string, position: vscode.Position): Promise<void> {
  const s = c.settings().generate;
  await vscode.commands.executeCommand('setContext', 'seqlab.generating', true);
  let job: ReturnType<EngineHost['sample']> | undefined;
  const cancel = vscode.commands.registerCommand('seqlab.cancelGeneration', () => job?.cancel());
  try {
    // Where it writes, said and shown: a right-click moves the cursor to where the menu opened.
    editor.revealRange(new vscode.Range(position, position), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    const where = t('line {0}, column {1}', position.line + 1, position.character + 1);
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: t('SeqLab: generating at {0} (Esc to stop)', where), cancellable: true }, async (_progress, token) => {
      let insertAt = position;
      let buffered = '';
      let first = true;
      let writing = Promise.resolve();
      // Edits join one undo group: only the first opens it and only the last closes it.
      const flush = (last: boolean) => {
        const text = buffered;
        buffered = '';
        writing = writing.then(async () => {
          if (!text && !last) return; // the last edit always runs: it closes the undo group
          const at = insertAt;
          const ok = await editor.edit((b) => b.insert(at, text), { undoStopBefore: first, undoStopAfter: last });
          if (!ok) throw new Error(t('the document changed in a way that stopped the insertion'));
          first = false;
          const lines = text.split('\n');
          insertAt = lines.length === 1 ? at.translate(0, text.length) : new vscode.Position(at.line + lines.length - 1, lines[lines.length - 1].length);
        });
        return writing;
      };
      const timer = setInterval(() => void flush(false), 40);
      token.onCancellationRequested(() => void job?.cancel());
      job = c.engine.sample(prompt, { length: s.length, temperature: s.temperature, topK: s.topK, topP: s.topP }, (piece) => {
        buffered += piece;
      });
      try {
        const summary = await job.result;
        for (const w of summary.warnings) c.log.warn(w);
        warnUnknownCharacters(summary);
      } finally {
        clearInterval(timer);
        await flush(true);
      }
    });
  } finally {
    cancel.dispose();
    await vscode.commands.executeCommand('setContext', 'seqlab.generating', false);
  }
}

/** Inspect Gates from the Training view without a selection shows this many UTF-16 units from the start of the text. */
const INSPECTOR_WHOLE_TEXT = 600;

export function registerCommands(c: CommandContext): vscode.Disposable[] {
  const reg = (id: string, fn: (...args: never[]) => unknown) => vscode.commands.registerCommand(id, fn);
  return [
    trackTextEditors(),
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
    reg('seqlab.resumeRun', (record: RunRecord) => train(c, record.source, record.origin, record.characters, {}, record)),
    reg('seqlab.discardRun', (record: RunRecord) => discardRun(c, record)),
    reg('seqlab.stopTraining', async () => {
      if (!(await c.engine.stopTraining())) void vscode.window.showInformationMessage(t('No training is running.'));
    }),
    reg('seqlab.generateContinuation', async () => {
      const editor = editorOrWarn();
      if (!editor) return;
      const sel = editor.selection;
      const position = sel.isEmpty ? sel.active : sel.end;
      const prompt = sel.isEmpty ? editor.document.getText(new vscode.Range(new vscode.Position(Math.max(0, position.line - 200), 0), position)) : editor.document.getText(sel);
      if (!c.engine.activeModel) {
        const quick = t('Train a Quick Model');
        const pick = await vscode.window.showInformationMessage(t('No model is loaded. Train a quick one on this file and then continue?'), quick, t('Load Model…'));
        if (pick === quick) {
          const text = editor.document.getText();
          const summary = await train(c, { kind: 'text', text, name: path.basename(editor.document.fileName) }, path.basename(editor.document.fileName), codePointCount(text), { steps: 300 });
          if (!summary?.checkpoint) return;
        } else {
          if (pick) await vscode.commands.executeCommand('seqlab.loadModel');
          if (!c.engine.activeModel) return;
        }
      }
      try {
        await generate(c, editor, prompt, position);
      } catch (err) {
        showError(c, t('Generate Continuation failed: {0}', (err as Error).message));
      }
    }),
    // `wholeTextIfEmpty` (the Training view's Inspect Gates): without a selection, the start of the text.
    reg('seqlab.inspectSelection', async (options?: { wholeTextIfEmpty?: boolean }) => {
      const editor = editorOrWarn();
      if (!editor) return;
      const text = editor.selection.isEmpty && options?.wholeTextIfEmpty
        ? editor.document.getText(new vscode.Range(new vscode.Position(0, 0), editor.document.positionAt(INSPECTOR_WHOLE_TEXT)))
        : editor.document.getText(editor.selection);
      if (codePointCount(text) < 2) {
        void vscode.window.showWarningMessage(t('Select at least two characters to inspect.'));
        return;
      }
      if (!c.engine.activeModel) {
        void vscode.window.showWarningMessage(t('No model is loaded: train one or load a checkpoint first.'), t('Train on Selection')).then((pick) => pick && vscode.commands.executeCommand('seqlab.trainOnSelection'));
        return;
      }
      const characters = [...text];
      if (characters.length > INSPECTOR_MAX_CHARACTERS) {
        void vscode.window.showInformationMessage(t('The inspector shows the first {0} of the {1} selected characters.', INSPECTOR_MAX_CHARACTERS, characters.length));
      }
      await InspectorPanel.show(c.context.extensionUri, c.engine, c.log).probe(characters.slice(0, INSPECTOR_MAX_CHARACTERS).join(''), path.basename(editor.document.fileName));
    }),
    reg('seqlab.loadModel', async (item?: ModelItem) => {
      let dir = item?.entry.dir;
      if (!dir) {
        const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, defaultUri: vscode.Uri.file(c.store.root()), openLabel: t('Load Model') });
        dir = picked?.[0]?.fsPath;
      }
      if (!dir) return;
      try {
        const info = await c.engine.load(dir);
        c.tree.refresh();
        const best = info.meta.training.state.bestValLoss;
        void vscode.window.showInformationMessage(best !== null
          ? t('Loaded {0} ({1}, best validation loss {2} {3}): it is now the active model.', path.basename(info.dir), info.meta.model.cell, inUnit(best, c.settings().units).toFixed(3), unitLabel(c.settings().units))
          : t('Loaded {0} ({1}): it is now the active model.', path.basename(info.dir), info.meta.model.cell));
      } catch (err) {
        showError(c, t('Cannot load the model: {0}', (err as Error).message));
      }
    }),
    reg('seqlab.models.activate', (item: ModelItem) => vscode.commands.executeCommand('seqlab.loadModel', item)),
    reg('seqlab.models.reveal', (item: ModelItem) => vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(item.entry.dir))),
    reg('seqlab.models.delete', async (item: ModelItem) => {
      const del = t('Delete');
      const pick = await vscode.window.showWarningMessage(t('Delete the model {0}? This cannot be undone.', item.entry.name), { modal: true }, del);
      if (pick !== del) return;
      const refused = await trashCheckpoint(item.entry.dir).catch((err: Error) => err.message);
      if (refused) showError(c, t('The model {0} was not deleted: {1}', item.entry.name, refused));
      c.tree.refresh();
    }),
    // `newName`: for scripts and tests (else an input box).
    reg('seqlab.models.rename', async (item: ModelItem, newName?: string) => {
      const dir = item.entry.dir;
      const parent = path.dirname(dir);
      /** Why the model cannot take `name` (the input box says it as it is typed), or undefined. */
      const refusalToRename = (name: string) => {
        const holder = lockHolder(dir);
        return refusalOfName(name)
          ?? (fs.existsSync(path.join(parent, name)) || fs.existsSync(path.join(parent, `${name}-last`)) ? t('A model named {0} exists already.', name) : undefined)
          ?? (c.runs.get(item.entry.name) ? t('it belongs to a run in progress or one that can be resumed') : undefined)
          ?? (holder ? t('{0} is in use by another SeqLab run: {1}.', item.entry.name, describeHolder(holder)) : undefined);
      };
      const name = (newName ?? await vscode.window.showInputBox({
        title: t('Rename Model'), value: item.entry.name, valueSelection: [0, item.entry.name.length],
        validateInput: (v) => (v.trim() === item.entry.name ? undefined : refusalToRename(v.trim())),
      }))?.trim();
      if (!name || name === item.entry.name) return;
      const target = path.join(parent, name);
      const refused = refusalToRename(name);
      if (refused) {
        showError(c, t('The model {0} was not renamed: {1}', item.entry.name, refused));
        return;
      }
      const wasActive = c.engine.activeModel && path.resolve(c.engine.activeModel.dir) === path.resolve(dir);
      try {
        fs.renameSync(dir, target);
      } catch (err) {
        showError(c, t('The model {0} was not renamed: {1}', item.entry.name, (err as Error).message));
        return;
      }
      if (wasActive) await c.engine.load(target).catch((err: Error) => c.log.warn(`reloading the renamed model: ${err.message}`));
      c.tree.refresh();
      return target;
    }),
    reg('seqlab.models.refresh', () => c.tree.refresh()),
    reg('seqlab.exportModel', async (item?: ModelItem) => {
      const target = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: t('Export Here') });
      if (!target?.[0]) return;
      try {
        if (item) {
          const dest = vscode.Uri.joinPath(target[0], item.entry.name);
          await vscode.workspace.fs.copy(vscode.Uri.file(item.entry.dir), dest, { overwrite: false });
          void vscode.window.showInformationMessage(t('Exported to {0} (model.safetensors loads into PyTorch).', dest.fsPath));
        } else {
          if (!c.engine.activeModel) throw new EngineError(t('no model is loaded'), 'no-model');
          const dest = path.join(target[0].fsPath, path.basename(c.engine.activeModel.dir));
          const { dir } = await c.engine.save(dest);
          void vscode.window.showInformationMessage(t('Exported to {0} (model.safetensors loads into PyTorch).', dir));
        }
      } catch (err) {
        showError(c, t('Export failed: {0}', (err as Error).message));
      }
    }),
    // `parent`: the folder to create the project in, for scripts and tests (else a folder dialog).
    reg('seqlab.exportTorchProject', async (item?: ModelItem, parent?: vscode.Uri) => {
      const model = item?.entry.dir ?? c.engine.activeModel?.dir;
      if (!model) {
        showError(c, t('Export failed: {0}', t('no model is loaded')), { title: t('Load Model…'), run: () => vscode.commands.executeCommand('seqlab.loadModel') });
        return;
      }
      const folder = parent ?? (await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: t('Create the Project Here') }))?.[0];
      if (!folder) return;
      try {
        const { dir } = await c.engine.exportTorch(model, path.join(folder.fsPath, `${path.basename(model)}-pytorch`));
        c.log.info(`exported ${model} as a PyTorch project to ${dir}`);
        const open = t('Open README');
        void vscode.window.showInformationMessage(t('PyTorch project written to {0}: model.py, train.py (runs under torchrun), sample.py.', dir), open).then((pick) => {
          if (pick === open) void vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.file(path.join(dir, 'README.md')));
        });
        return dir;
      } catch (err) {
        showError(c, t('Export failed: {0}', (err as Error).message));
      }
    }),
    reg('seqlab.selectBackend', async () => {
      const { available, current } = await c.engine.listBackends();
      const items = [{ label: 'auto', description: t('the fastest available') }, ...available.map((name) => ({ label: name, description: name === current ? t('in use') : '' }))];
      const pick = await vscode.window.showQuickPick(items, { placeHolder: t('Compute backend for training and sampling') });
      if (!pick) return;
      await vscode.workspace.getConfiguration('seqlab').update('backend', pick.label, vscode.ConfigurationTarget.Global);
    }),
    reg('seqlab.showLog', () => c.log.show()),
    reg('seqlab.compareRuns', async (_item?: ModelItem, selected?: ModelItem[]) => {
      // From the Models view: the ticked runs (or the selection); from the palette: a pick.
      const ticked = c.tree.ticked();
      const given = selected && selected.length > 1 ? selected.map((i) => i.entry.dir) : ticked.length > 1 ? ticked : undefined;
      const entries = c.store.list().filter((e) => !e.damaged);
      const dirs = given ?? await pickRuns(entries.map((e) => ({ name: e.name, dir: e.dir, description: `${e.cell} ${e.numLayers}×${e.hiddenSize}` })), t);
      if (!dirs) return;
      if (dirs.length < 1) {
        void vscode.window.showInformationMessage(t('Tick at least one run to compare.'));
        return;
      }
      try {
        const message = compareRunsMessage(dirs, c.settings().units, t);
        ExperimentsPanel.show(c.context.extensionUri, c.log).post(message);
        return message;
      } catch (err) {
        showError(c, t('Cannot compare the runs: {0}', (err as Error).message));
      }
    }),
    reg('seqlab.runExperiment', (preset?: { name: string; config?: Record<string, unknown> }) => runExperimentCommand(c.engine, c.context.extensionUri, c.log, preset)),
  ];
}

export { readSettings };
