/** Inspect Gates: the active model's gates and states over the selected text, in the inspector panel. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { codePointCount } from '../../engine/text/codePoints';
import { INSPECTOR_MAX_CHARACTERS, InspectorPanel } from '../inspector';
import { editorOrWarn, reg, t, type CommandContext } from './context';

/** Inspect Gates from the Training view without a selection shows this many UTF-16 units from the start of the text. */
const INSPECTOR_WHOLE_TEXT = 600;

export function registerInspectionCommands(c: CommandContext): vscode.Disposable[] {
  InspectorPanel.connectivityWindow = () => c.settings().connectivityWindow;
  return [
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
  ];
}
