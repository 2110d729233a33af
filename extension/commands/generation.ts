/** Generate Continuation: the model continues the text at the cursor, streamed into a preview and written as one undoable edit. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { langOf } from '../../engine/core/lang';
import { errorText } from '../../engine/core/messages';
import type { ReplyMap } from '../../engine/worker/protocol';
import { codePointCount } from '../../engine/text/codePoints';
import type { EngineHost } from '../engineHost';
import { editorOrWarn, reg, showError, t, type CommandContext } from './context';
import { train } from './training';

/** Says which prompt characters the model does not know (it continued without them), and what that means. */
function warnUnknownCharacters(summary: ReplyMap['sample']): void {
  if (!summary.unknownCharacters.length) return;
  // Notifications render Markdown links: brackets and parentheses from the text are shown as their full-width forms.
  const shown = summary.unknownCharacters.slice(0, 10).map((ch) => (/\s/.test(ch) ? JSON.stringify(ch) : ch.replace(/[[\]()]/g, (b) => String.fromCodePoint(b.codePointAt(0)! + 0xfee0)))).join(' ') + (summary.unknownCharacters.length > 10 ? ' …' : '');
  void vscode.window.showWarningMessage(summary.knownCharacters === 0
    ? t('The model knows none of the prompt\'s characters ({0}), so it continued from a line break, not from your text. Train it on text like yours for a continuation that follows it.', shown)
    : t('The model does not know some of the prompt\'s characters ({0}); it continued from the {1} characters it knows.', shown, summary.knownCharacters));
}

/**
 * Why the continuation is not written into the document piece by piece: VS Code closes the
 * undo group whatever `undoStopBefore`/`undoStopAfter` say when the document is saved (every
 * save, auto-save too, calls pushStackElement; code-server auto-saves after 1 s by default, so
 * a continuation streamed on a busy machine was cut at each pause) or when the user moves the
 * cursor (microsoft/vscode#123485): one Ctrl+Z then removed only the tail, and it took 7. So
 * the pieces stream into a preview (ghost text after the insertion point, the notification
 * counting the characters) and land in the document as ONE edit with an undo stop before
 * and after: one undo, always. The insertion point follows the user's edits meanwhile.
 */
let ghost: vscode.TextEditorDecorationType | undefined;
/** The generation under way, if any: what `seqlab.generationPreview` returns (the tests read it). */
let current: { text: string } | undefined;

/** The preview's one line: the last characters so far, line breaks shown as ⏎ (a decoration cannot add lines). */
export function previewLine(text: string, max = 60): string {
  const chars = [...text.replace(/\r?\n/g, '⏎').replace(/[\t\u0000-\u001f\u007f]/g, ' ')];
  return chars.length > max ? '…' + chars.slice(-max).join('') : chars.join('');
}

/** Where `offset` is after the changes of one event (text before it moved it; a change across it puts it after the change). */
function shifted(offset: number, changes: readonly vscode.TextDocumentContentChangeEvent[]): number {
  let moved = offset;
  for (const ch of changes) {
    if (ch.rangeOffset + ch.rangeLength <= offset) moved += ch.text.length - ch.rangeLength;
    else if (ch.rangeOffset < offset) moved += ch.rangeOffset + ch.text.length - offset;
  }
  return moved;
}

/** Inserts `text` at `offset` of `doc` as one edit with an undo stop before and after. */
async function insertOnce(doc: vscode.TextDocument, offset: () => number, text: string): Promise<boolean> {
  // An edit the user makes at that moment wins (the document's version changed under ours): wait
  // for it to arrive and retry at the moved offset. Three immediate retries all lost to a test typing every 20 ms.
  for (let attempt = 0; attempt < 40; attempt++) {
    if (attempt) await new Promise((r) => setTimeout(r, 50));
    if (doc.isClosed && attempt) break;
    const at = doc.positionAt(offset());
    const editor = vscode.window.visibleTextEditors.find((e) => e.document === doc);
    if (editor) {
      if (await editor.edit((b) => b.insert(at, text), { undoStopBefore: true, undoStopAfter: true })) return true;
    } else { // the editor was hidden meanwhile: a workspace edit is one undo group too
      const edit = new vscode.WorkspaceEdit();
      edit.insert(doc.uri, at, text);
      if (await vscode.workspace.applyEdit(edit)) return true;
    }
  }
  return false;
}

/** Streams a continuation at `position` into a preview, then writes it into the document as one undoable edit; says how many characters it wrote. */
async function generate(c: CommandContext, editor: vscode.TextEditor, prompt: string, position: vscode.Position): Promise<number> {
  const s = c.settings().generate;
  const doc = editor.document;
  await vscode.commands.executeCommand('setContext', 'seqlab.generating', true);
  let job: ReturnType<EngineHost['sample']> | undefined;
  const cancel = vscode.commands.registerCommand('seqlab.cancelGeneration', () => job?.cancel());
  let offset = doc.offsetAt(position);
  const follow = vscode.workspace.onDidChangeTextDocument((e) => {
    if (e.document === doc) offset = shifted(offset, e.contentChanges);
  });
  ghost ??= vscode.window.createTextEditorDecorationType({ after: { color: new vscode.ThemeColor('editorGhostText.foreground'), fontStyle: 'italic' } });
  const shown = new Set<vscode.TextEditor>();
  const clearPreview = () => {
    for (const e of shown) e.setDecorations(ghost!, []);
    shown.clear();
  };
  const state = { text: '' };
  current = state;
  try {
    // Where it writes, said and shown: a right-click moves the cursor to where the menu opened.
    editor.revealRange(new vscode.Range(position, position), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    const where = t('line {0}, column {1}', position.line + 1, position.character + 1);
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: t('SeqLab: generating at {0} (Esc to stop)', where), cancellable: true }, async (progress, token) => {
      let drawn = 0;
      const draw = () => {
        if (state.text.length === drawn) return;
        drawn = state.text.length;
        const at = doc.positionAt(offset);
        const preview = [{ range: new vscode.Range(at, at), renderOptions: { after: { contentText: previewLine(state.text) } } }];
        for (const e of vscode.window.visibleTextEditors.filter((v) => v.document === doc)) {
          e.setDecorations(ghost!, preview);
          shown.add(e);
        }
        progress.report({ message: t('{0} characters so far', codePointCount(state.text)) });
      };
      const timer = setInterval(draw, 60);
      token.onCancellationRequested(() => void job?.cancel());
      job = c.engine.sample(prompt, { length: s.length, temperature: s.temperature, topK: s.topK, topP: s.topP }, (piece) => {
        state.text += piece;
      });
      try {
        const summary = await job.result;
        for (const w of summary.warnings) c.log.warn(w);
        warnUnknownCharacters(summary);
      } finally {
        // Stopped, finished or failed: what was generated lands, as one edit.
        clearInterval(timer);
        clearPreview();
        if (state.text && !(await insertOnce(doc, () => offset, state.text))) {
          await vscode.env.clipboard.writeText(state.text);
          throw new Error(t('the document was closed or changed while the continuation was written; it is on the clipboard'));
        }
      }
    });
    return codePointCount(state.text);
  } finally {
    clearPreview();
    follow.dispose();
    cancel.dispose();
    if (current === state) current = undefined;
    await vscode.commands.executeCommand('setContext', 'seqlab.generating', false);
  }
}

export function registerGenerationCommands(c: CommandContext): vscode.Disposable[] {
  return [
    // Not in the palette: what the preview holds now (undefined when nothing is generating), for the tests.
    reg('seqlab.generationPreview', () => (current ? { text: current.text } : undefined)),
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
      // What happened, for the tests (a failure is also shown to the user).
      try {
        return { written: await generate(c, editor, prompt, position) };
      } catch (err) {
        showError(c, t('Generate Continuation failed: {0}', errorText(err, langOf(vscode.env.language))));
        return { error: errorText(err, langOf(vscode.env.language)) };
      }
    }),
  ];
}
