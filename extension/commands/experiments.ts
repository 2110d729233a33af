/** Experiments: run one of the chapter's, or compare runs, in the Experiments panel. */
import * as vscode from 'vscode';
import { compareRunsMessage, pickRuns } from '../compareRuns';
import { ExperimentsPanel, openTorchScript, runExperimentCommand } from '../experimentsPanel';
import { hasTorchScript } from '../../engine/export/experimentScript';
import { langOf } from '../../engine/core/lang';
import { errorText } from '../../engine/core/messages';
import { checkChapterCommand } from '../chapter';
import type { ModelItem } from '../models';
import { reg, showError, t, type CommandContext } from './context';

export function registerExperimentCommands(c: CommandContext): vscode.Disposable[] {
  // The panel's Run button: the same command, with the form's settings.
  ExperimentsPanel.runner = (preset) => vscode.commands.executeCommand('seqlab.runExperiment', preset);
  return [
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
        ExperimentsPanel.show(c.context.extensionUri, c.log, 'compare').post(message);
        return message;
      } catch (err) {
        showError(c, t('Cannot compare the runs: {0}', errorText(err, langOf(vscode.env.language))));
      }
    }),
    reg('seqlab.runExperiment', (preset?: { name: string; config?: Record<string, unknown> }) => runExperimentCommand(c.engine, c.context.extensionUri, c.log, preset)),
    // `preset.quick` (the tests, the walkthrough's link): no question asked.
    // An experiment as a standalone PyTorch script (`preset`: the tests; the panel and the chapter page send their settings).
    reg('seqlab.openTorchScript', async (preset?: { name: string; config?: Record<string, unknown> }) => {
      let name = preset?.name;
      if (!name) {
        const list = (await c.engine.listExperiments(langOf(vscode.env.language))).filter((e) => hasTorchScript(e.name));
        name = (await vscode.window.showQuickPick(list.map((e) => ({ label: e.name, description: e.title, detail: t('its defaults; change them in the script\'s options, or in the Experiments panel first') })), { placeHolder: t('Which experiment, as a PyTorch script?') }))?.label;
      }
      return name ? openTorchScript(c.engine, name, preset?.config ?? {}, c.log) : undefined;
    }),
    reg('seqlab.checkChapter', (preset?: { quick?: boolean }) => checkChapterCommand(c.engine, c.context.extensionUri, c.context.globalStorageUri, c.log, preset)),
  ];
}
