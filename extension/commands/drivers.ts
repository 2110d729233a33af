/**
 * Show What Drove This Character: the character before the cursor (or the selection's last)
 * is explained by connectivity (engine/model/connectivity.ts): the characters before it, within
 * the window, are shaded by how strongly they moved the model's probability of it. The shading
 * is editor decorations, removed with Esc, on any edit of the document, or by the next call.
 */
import * as vscode from 'vscode';
import { langOf } from '../../engine/core/lang';
import { errorText } from '../../engine/core/messages';
import type { Drivers } from '../../engine/model/connectivityTypes';
import { editorOrWarn, reg, showError, t, type CommandContext } from './context';

/** The model reads this many UTF-16 units before the explained character (for its state); the window shades the last 100 of them. */
export const DRIVERS_CONTEXT = 2000;
/** Shades of the same hue, weakest to strongest: a student compares them; exact values are in the hover. */
const LEVELS = [0.2, 0.32, 0.44, 0.56, 0.68, 0.8]; // the weakest was 0.1, too faint to see on a light theme
/** Orange reads on light, dark and high-contrast backgrounds alike, and is not the selection's blue. */
const HUE = '255, 140, 0';

let levels: vscode.TextEditorDecorationType[] | undefined;
let targetMark: vscode.TextEditorDecorationType | undefined;
/** The one-line summary, at the end of the target's line: inline after the character it pushed the rest of the line past the editor's edge. */
let lineNote: vscode.TextEditorDecorationType | undefined;
/** The editor shaded now, and the listener that clears it on an edit. */
let shown: { editor: vscode.TextEditor; onEdit: vscode.Disposable; status: vscode.Disposable } | undefined;

function decorationTypes(): { levels: vscode.TextEditorDecorationType[]; target: vscode.TextEditorDecorationType; note: vscode.TextEditorDecorationType } {
  levels ??= LEVELS.map((alpha) => vscode.window.createTextEditorDecorationType({ backgroundColor: `rgba(${HUE}, ${alpha})`, rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed }));
  targetMark ??= vscode.window.createTextEditorDecorationType({ border: `2px solid rgb(${HUE})`, borderRadius: '2px' });
  lineNote ??= vscode.window.createTextEditorDecorationType({
    after: { margin: '0 0 0 1.5em', color: new vscode.ThemeColor('editorCodeLens.foreground'), fontStyle: 'italic' },
  });
  return { levels, target: targetMark, note: lineNote };
}

/** Clears the shading; says whether there was any (the tests read it). */
export function hideDrivers(): boolean {
  const was = shown !== undefined;
  if (shown && levels && targetMark && lineNote) {
    for (const d of [...levels, targetMark, lineNote]) shown.editor.setDecorations(d, []);
    shown.onEdit.dispose();
    shown.status.dispose();
  }
  shown = undefined;
  void vscode.commands.executeCommand('setContext', 'seqlab.driversShown', false);
  return was;
}

/** "“a”, 3 characters back: 0.42 of the strongest (‖∂ log p / ∂ embedding‖ = 1.2e-2)", as text (never Markdown from the document). */
function hoverOf(d: Drivers['drivers'][number], back: number, strongest: number, target: Drivers['target']): vscode.MarkdownString {
  const md = new vscode.MarkdownString();
  const args = [JSON.stringify(d.text), back, JSON.stringify(target.text), (d.value / strongest).toFixed(2), d.value.toExponential(2)] as const;
  md.appendText(back === 1
    ? t('{0}, {1} character before {2}: {3} of the strongest influence (gradient norm {4})', ...args)
    : t('{0}, {1} characters before {2}: {3} of the strongest influence (gradient norm {4})', ...args));
  return md;
}

/** What was shaded, in document offsets: the command's result (the tests read it; decorations cannot be read back). */
export interface DriversShown { target: { start: number; end: number; text: string; probability: number }; shaded: Array<{ start: number; end: number; text: string; level: number }> }

/** Shades what drove the character that ends at `end` in `editor`, reading `text` (ending there). */
function showDrivers(editor: vscode.TextEditor, textStart: number, drove: Drivers): DriversShown {
  hideDrivers();
  const { levels: shades, target, note } = decorationTypes();
  const doc = editor.document;
  const at = (offset: number) => doc.positionAt(textStart + offset);
  const strongest = Math.max(...drove.drivers.map((d) => d.value), 0);
  const buckets: vscode.DecorationOptions[][] = shades.map(() => []);
  const shaded: DriversShown['shaded'] = [];
  drove.drivers.forEach((d, i) => {
    if (!(d.value > 0) || !(strongest > 0)) return;
    // Square root: influence falls by orders of magnitude with distance; the root keeps the tail visible without hiding the order.
    const level = Math.min(shades.length - 1, Math.floor(Math.sqrt(d.value / strongest) * shades.length));
    buckets[level].push({ range: new vscode.Range(at(d.start), at(d.end)), hoverMessage: hoverOf(d, drove.drivers.length - i, strongest, drove.target) });
    shaded.push({ start: textStart + d.start, end: textStart + d.end, text: d.text, level });
  });
  shades.forEach((shade, i) => editor.setDecorations(shade, buckets[i]));
  const top = [...drove.drivers].sort((a, b) => b.value - a.value).slice(0, 3).map((d) => JSON.stringify(d.text)).join(' ');
  editor.setDecorations(target, [{
    range: new vscode.Range(at(drove.target.start), at(drove.target.end)),
    hoverMessage: new vscode.MarkdownString().appendText(t('The model gave {0} a probability of {1} here. The shaded characters before it are what moved that probability, darker for more (the norm of the gradient of log p with respect to each character\'s embedding, up to {2} characters back). Esc clears the shading.', JSON.stringify(drove.target.text), drove.target.probability.toFixed(3), drove.window)),
  }]);
  const lineEnd = doc.lineAt(at(drove.target.end).line).range.end;
  editor.setDecorations(note, [{
    range: new vscode.Range(lineEnd, lineEnd),
    renderOptions: { after: { contentText: t('← p = {0}; strongest: {1} (Esc clears)', drove.target.probability.toFixed(2), top) } },
  }]);
  const onEdit = vscode.workspace.onDidChangeTextDocument((e) => {
    if (e.document === doc && e.contentChanges.length) hideDrivers();
  });
  // The same summary in the status bar: the note after the character can fall outside a long line's view.
  const status = vscode.window.setStatusBarMessage(t('$(references) What drove {0}: p = {1}; strongest {2} (Esc clears)', JSON.stringify(drove.target.text), drove.target.probability.toFixed(2), top));
  shown = { editor, onEdit, status };
  void vscode.commands.executeCommand('setContext', 'seqlab.driversShown', true);
  return { target: { ...drove.target, start: textStart + drove.target.start, end: textStart + drove.target.end }, shaded };
}

export function registerDriverCommands(c: CommandContext): vscode.Disposable[] {
  return [
    reg('seqlab.showWhatDrove', async () => {
      const editor = editorOrWarn();
      if (!editor) return;
      if (!c.engine.activeModel) {
        void vscode.window.showWarningMessage(t('No model is loaded: train one or load a checkpoint first.'), t('Train on Selection')).then((pick) => pick && vscode.commands.executeCommand('seqlab.trainOnSelection'));
        return;
      }
      const doc = editor.document;
      // The explained character: the selection's last, or the one before the cursor.
      const sel = editor.selection;
      const end = doc.offsetAt(sel.isEmpty ? sel.active : sel.end);
      let start = sel.isEmpty ? Math.max(0, end - DRIVERS_CONTEXT) : Math.max(doc.offsetAt(sel.start), end - DRIVERS_CONTEXT);
      let text = doc.getText(new vscode.Range(doc.positionAt(start), doc.positionAt(end)));
      if (/^[\uDC00-\uDFFF]/.test(text)) { // cut inside a surrogate pair: start after it
        text = text.slice(1);
        start += 1;
      }
      if ([...text].length < 2) {
        void vscode.window.showWarningMessage(t('Put the cursor after a character with text before it (or select a piece of text): SeqLab explains the character before the cursor.'));
        return;
      }
      const version = doc.version;
      try {
        const window = c.settings().connectivityWindow;
        const drove = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: t('SeqLab: finding what drove {0}…', JSON.stringify([...text].at(-1))) },
          () => c.engine.whatDrove(text, window));
        for (const w of drove.warnings) c.log.warn(`what drove: ${w}`);
        if (doc.version !== version) return undefined; // edited meanwhile: the offsets are stale
        return showDrivers(editor, start, drove);
      } catch (err) {
        showError(c, t('Show What Drove This Character failed: {0}', errorText(err, langOf(vscode.env.language))));
        return undefined;
      }
    }),
    reg('seqlab.hideWhatDrove', () => hideDrivers()),
    { dispose: () => void hideDrivers() },
  ];
}
