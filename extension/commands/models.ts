/** The models: load, rename, delete (to the trash, under the ownership rule), export; the backend; the log. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EngineError } from '../../engine/worker/client';
import { inUnit, unitLabel } from '../../engine/core/curve';
import { langOf } from '../../engine/core/lang';
import { refusalToRemoveMessage, removeCheckpoint } from '../../engine/checkpoint/folder';
import { holderMessage, lockHolder } from '../../engine/checkpoint/lock';
import { errorText, renderMessage } from '../../engine/core/messages';
import { ModelItem, refusalOfName } from '../models';
import { reg, showError, t, type CommandContext } from './context';

/**
 * Moves a checkpoint folder to the trash, under the engine's rules: only a folder that is
 * a SeqLab checkpoint and nothing else, and not one a run (in this or another window) is
 * writing. Says why not, or undefined when it was removed.
 */
export async function trashCheckpoint(dir: string): Promise<string | undefined> {
  const lang = langOf(vscode.env.language);
  const refusal = refusalToRemoveMessage(dir);
  if (refusal) return renderMessage(refusal, lang);
  const holder = lockHolder(dir);
  if (holder) return t('{0} is in use by another SeqLab run: {1}.', path.basename(dir), renderMessage(holderMessage(holder), lang));
  try {
    await vscode.workspace.fs.delete(vscode.Uri.file(dir), { recursive: true, useTrash: true });
  } catch (err) {
    // Where the file system has no trash (a remote or web host), the engine removes the checkpoint's own files, and nothing else.
    if (!removeCheckpoint(dir)) return t('{0} could not be removed: {1}', path.basename(dir), errorText(err, lang));
  }
  return undefined;
}

/** Renames a model's folder (`newName` for scripts and tests, else an input box that refuses bad names as they are typed). */
async function renameModel(c: CommandContext, item: ModelItem, newName?: string): Promise<string | undefined> {
  const dir = item.entry.dir;
  const parent = path.dirname(dir);
  /** Why the model cannot take `name` (the input box says it as it is typed), or undefined. */
  const refusalToRename = (name: string) => {
    const holder = lockHolder(dir);
    return refusalOfName(name)
      ?? (fs.existsSync(path.join(parent, name)) || fs.existsSync(path.join(parent, `${name}-last`)) ? t('A model named {0} exists already.', name) : undefined)
      ?? (c.runs.get(item.entry.name) ? t('it belongs to a run in progress or one that can be resumed') : undefined)
      ?? (holder ? t('{0} is in use by another SeqLab run: {1}.', item.entry.name, renderMessage(holderMessage(holder), langOf(vscode.env.language))) : undefined);
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
    showError(c, t('The model {0} was not renamed: {1}', item.entry.name, errorText(err, langOf(vscode.env.language))));
    return;
  }
  if (wasActive) await c.engine.load(target).catch((err: Error) => c.log.warn(`reloading the renamed model: ${err.message}`));
  c.tree.refresh();
  return target;
}

export function registerModelCommands(c: CommandContext): vscode.Disposable[] {
  return [
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
          ? t('Loaded {0} ({1}, best validation loss {2} {3}): it is now the active model.', path.basename(info.dir), info.meta.model.cell, inUnit(best, c.settings().units).toFixed(3), unitLabel(c.settings().units, langOf(vscode.env.language)))
          : t('Loaded {0} ({1}): it is now the active model.', path.basename(info.dir), info.meta.model.cell));
      } catch (err) {
        showError(c, t('Cannot load the model: {0}', errorText(err, langOf(vscode.env.language))));
      }
    }),
    reg('seqlab.models.activate', (item: ModelItem) => vscode.commands.executeCommand('seqlab.loadModel', item)),
    reg('seqlab.models.reveal', (item: ModelItem) => vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(item.entry.dir))),
    reg('seqlab.models.delete', async (item: ModelItem) => {
      const del = t('Delete');
      const pick = await vscode.window.showWarningMessage(t('Delete the model {0}? This cannot be undone.', item.entry.name), { modal: true }, del);
      if (pick !== del) return;
      const refused = await trashCheckpoint(item.entry.dir).catch((err: Error) => errorText(err, langOf(vscode.env.language)));
      if (refused) showError(c, t('The model {0} was not deleted: {1}', item.entry.name, refused));
      c.tree.refresh();
    }),
    // `newName`: for scripts and tests (else an input box).
    reg('seqlab.models.rename', (item: ModelItem, newName?: string) => renameModel(c, item, newName)),
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
        showError(c, t('Export failed: {0}', errorText(err, langOf(vscode.env.language))));
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
        showError(c, t('Export failed: {0}', errorText(err, langOf(vscode.env.language))));
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
  ];
}
