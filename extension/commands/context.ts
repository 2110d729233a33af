/** What every command needs: the extension's parts, error reporting, the editor a command acts on. */
import * as vscode from 'vscode';
import type { EngineHost } from '../engineHost';
import type { ModelStore, ModelsTree } from '../models';
import type { RunRecord, RunRecords } from '../runs';
import type { Settings } from '../settings';
import type { TorchFinder } from '../torchEngine';

export interface CommandContext {
  context: vscode.ExtensionContext;
  engine: EngineHost;
  store: ModelStore;
  tree: ModelsTree;
  log: vscode.LogOutputChannel;
  settings: () => Settings;
  runs: RunRecords;
  /** The run this window trains now, and whether the window is closing (then a run's end keeps its record for the next window). */
  runState: { current: RunRecord | undefined; closing: boolean };
  /** Finds the Python for the PyTorch engine and decides a run's engine. */
  torch: TorchFinder;
}

export const t = vscode.l10n.t;

/** `vscode.commands.registerCommand`, typed loosely: commands take what their callers pass. */
export const reg = (id: string, fn: (...args: never[]) => unknown) => vscode.commands.registerCommand(id, fn);

export function showError(c: CommandContext, message: string, ...actions: Array<{ title: string; run: () => unknown }>): void {
  c.log.error(message);
  const all = [...actions, { title: t('Open Log'), run: () => c.log.show() }];
  void vscode.window.showErrorMessage(message, ...all.map((a) => a.title)).then((pick) => all.find((a) => a.title === pick)?.run());
}

/**
 * The text editors last focused, newest first (one per document), remembered while focus is
 * elsewhere (the side bar, a panel): the first is the one commands act on, the others the text
 * a student worked on when its tab is behind a panel.
 */
let recentEditors: vscode.TextEditor[] = [];

export function trackTextEditors(): vscode.Disposable {
  recentEditors = vscode.window.activeTextEditor ? [vscode.window.activeTextEditor] : [];
  return vscode.window.onDidChangeActiveTextEditor((e) => {
    if (!e) return;
    recentEditors = [e, ...recentEditors.filter((r) => r.document.uri.toString() !== e.document.uri.toString())].slice(0, 10);
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
  const last = recentEditors[0];
  if (last && visible.includes(last)) return last;
  const byDocument = last && visible.find((e) => e.document === last.document);
  if (byDocument) return byDocument;
  return visible.length === 1 ? visible[0] : undefined;
}

/**
 * The text the student was working on, for reading only: the selection of the editor
 * `targetEditor` finds, else of the last focused one, whose tab may now be behind another (an
 * experiment's panel opens as a tab of the same group). VS Code may have released a hidden
 * editor's document, so it is opened again by its URI; the whole text when nothing is selected.
 */
export async function targetText(): Promise<string | undefined> {
  // The newest editor whose document still has a tab of its own (a closed PyTorch script is not the student's text).
  const inTabs = new Set(vscode.window.tabGroups.all.flatMap((g) => g.tabs).flatMap((t) => (t.input instanceof vscode.TabInputText ? [t.input.uri.toString()] : [])));
  const editor = targetEditor() ?? recentEditors.find((e) => inTabs.has(e.document.uri.toString()));
  if (!editor) return undefined;
  let selection: vscode.Selection | undefined;
  try {
    selection = editor.selection;
  } catch {
    selection = undefined; // a disposed editor: its document's whole text
  }
  try {
    const document = editor.document.isClosed ? await vscode.workspace.openTextDocument(editor.document.uri) : editor.document;
    return !selection || selection.isEmpty ? document.getText() : document.getText(selection);
  } catch {
    return undefined; // the file is gone
  }
}

export function editorOrWarn(): vscode.TextEditor | undefined {
  const editor = targetEditor();
  if (!editor) {
    const several = vscode.window.visibleTextEditors.length > 1;
    void vscode.window.showWarningMessage(several ? t('Click into the editor whose text SeqLab should use, then try again.') : t('Open a text editor first.'));
  }
  return editor;
}
