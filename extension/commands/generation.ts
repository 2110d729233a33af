/** Generate Continuation: the model continues the text at the cursor, streamed in as one undoable edit. */
import * as path from 'node:path';
import * as vscode from 'vscode';
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

export function registerGenerationCommands(c: CommandContext): vscode.Disposable[] {
  return [
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
  ];
}
