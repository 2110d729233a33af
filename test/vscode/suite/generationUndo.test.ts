/**
 * Generate Continuation is one undo step, always (issue 38, item 6): a long continuation
 * arrives in many pieces while the document is saved again and again (what code-server's
 * auto-save does after each second of quiet, and what closed VS Code's undo group whatever
 * undoStopBefore/undoStopAfter said) and the cursor moves; one `undo` must restore the text
 * exactly, and a second must find nothing of SeqLab's to undo.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SeqLabApi } from '../../../extension/extension';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** What the preview holds now; undefined when nothing generates (or, in a build without the preview, never anything). */
const preview = () => Promise.resolve(vscode.commands.executeCommand<{ text: string } | undefined>('seqlab.generationPreview')).catch(() => undefined);

describe('Generate Continuation and undo', function () {
  this.timeout(240_000);
  let file: string;

  before(async () => {
    const { engine } = await vscode.extensions.getExtension<SeqLabApi>('seqlab.seqlab')!.activate();
    if (engine.activeModel) return;
    // Run alone (SEQLAB_VSCODE_ONLY): a small model of the test workspace's notes first.
    const config = vscode.workspace.getConfiguration('seqlab');
    for (const [k, v] of Object.entries({ hiddenSize: 24, embeddingSize: 8, seqLen: 16, batchSize: 8, steps: 40, learningRate: 0.01 })) await config.update(`train.${k}`, v, vscode.ConfigurationTarget.Global);
    const notes = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, 'notes.txt'));
    const editor = await vscode.window.showTextDocument(notes);
    editor.selection = new vscode.Selection(0, 0, notes.lineCount, 0);
    await vscode.commands.executeCommand('seqlab.trainOnSelection');
    assert.ok(engine.activeModel, 'a model to generate with');
  });

  after(async () => {
    await vscode.workspace.getConfiguration('seqlab').update('generate.length', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    if (file) fs.rmSync(path.dirname(file), { recursive: true, force: true });
  });

  it('a long continuation streamed in many pieces, saved and with the cursor moved meanwhile, is undone by one undo and redone by one redo', async () => {
    // A file of its own, outside the workspace: freshly opened, its undo history is empty.
    file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-undo-')), 'story.txt');
    const original = fs.readFileSync(path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'notes.txt'), 'utf8').slice(0, 400);
    fs.writeFileSync(file, original);
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    const editor = await vscode.window.showTextDocument(doc);
    const end = doc.positionAt(original.length);
    editor.selection = new vscode.Selection(end, end);
    const length = 3000;
    await vscode.workspace.getConfiguration('seqlab').update('generate.length', length, vscode.ConfigurationTarget.Global);

    let finished = false;
    const generating = Promise.resolve(vscode.commands.executeCommand<{ written?: number; error?: string } | undefined>('seqlab.generateContinuation')).finally(() => { finished = true; });
    // While it streams: save whenever the document has changed (auto-save's pushStackElement), move the cursor, watch the preview grow.
    let saves = 0, moves = 0;
    const previews: number[] = [];
    while (!finished) {
      const shown = await preview();
      if (shown) previews.push(shown.text.length);
      if (doc.isDirty) {
        await doc.save();
        saves++;
      }
      editor.selection = new vscode.Selection(moves % 2 ? end : new vscode.Position(0, moves % 7), moves % 2 ? end : new vscode.Position(0, moves % 7));
      moves++;
      await sleep(15);
    }
    const outcome = await generating;
    assert.equal(outcome?.error, undefined, `the generation failed: ${outcome?.error}`);
    const written = doc.getText();
    assert.ok(written.startsWith(original), 'the text before stays as it was');
    assert.equal([...written.slice(original.length)].length, length, 'the whole continuation, at the cursor where the command started');
    console.log(`streamed with ${saves} saves and ${moves} cursor moves meanwhile; preview lengths seen: ${new Set(previews).size}`);

    await vscode.window.showTextDocument(doc); // undo acts on the focused editor
    await vscode.commands.executeCommand('undo');
    assert.equal(doc.getText(), original, 'one undo restores the text exactly');
    await vscode.commands.executeCommand('undo');
    assert.equal(doc.getText(), original, 'a second undo finds nothing of SeqLab\'s (the file had no history before)');
    await vscode.commands.executeCommand('redo');
    assert.equal(doc.getText(), written, 'one redo brings the whole continuation back');
    assert.ok(new Set(previews).size >= 3, `the preview grew while it streamed (lengths seen: ${[...new Set(previews)].slice(0, 10).join(', ')}…)`);
    await vscode.commands.executeCommand('undo');
    await doc.save();
  });

  it('the continuation lands where the command started even when the user types before it meanwhile', async () => {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    const editor = await vscode.window.showTextDocument(doc);
    const original = doc.getText();
    const end = doc.positionAt(original.length);
    editor.selection = new vscode.Selection(end, end);
    await vscode.workspace.getConfiguration('seqlab').update('generate.length', 1500, vscode.ConfigurationTarget.Global);
    let finished = false;
    const generating = Promise.resolve(vscode.commands.executeCommand<{ written?: number; error?: string } | undefined>('seqlab.generateContinuation')).finally(() => { finished = true; });
    let typed = '';
    while (!finished && typed.length < 5) {
      if ((await preview()) || doc.getText().length > original.length) {
        // The user's own edit can lose a race with the final insertion (a version check): count only those that landed.
        if (await editor.edit((b) => b.insert(new vscode.Position(0, 0), 'x'))) typed += 'x';
      }
      await sleep(20);
    }
    const outcome = await generating;
    assert.equal(outcome?.error, undefined, `the generation failed: ${outcome?.error}`);
    const text = doc.getText();
    assert.ok(typed.length > 0, 'typed while it generated');
    assert.ok(text.startsWith(typed + original), `the user's typing kept, the text after it unchanged: ${JSON.stringify(text.slice(0, 60))}… (typed ${typed.length})`);
    assert.equal([...text.slice(typed.length + original.length)].length, 1500, 'the continuation after the original text, not inside it');
    await vscode.commands.executeCommand('undo');
    assert.equal(doc.getText(), typed + original, 'one undo removes the continuation and only it');
    await doc.save();
  });
});
