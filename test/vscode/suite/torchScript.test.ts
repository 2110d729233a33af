/**
 * "Open as PyTorch Script" opens an unsaved document named as its docstring says to run it
 * (issue 38, item 7: an Untitled-1 said "python3 long_range_memory.py"), in the workspace
 * folder, never over a file that is there: nothing is written until the student saves.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

describe('Open as PyTorch Script', function () {
  this.timeout(120_000);

  it('is an unsaved long_range_memory.py in the workspace folder whose docstring runs that file; beside an existing one it is long_range_memory_2.py', async () => {
    await vscode.extensions.getExtension('seqlab.seqlab')!.activate();
    const root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const first = await vscode.commands.executeCommand<vscode.TextEditor>('seqlab.openTorchScript', { name: 'long-range-memory', config: {} });
    assert.equal(first.document.isUntitled, true, 'nothing written');
    assert.equal(first.document.uri.fsPath, path.join(root, 'long_range_memory.py'));
    assert.equal(first.document.languageId, 'python');
    assert.match(first.document.getText(), /python3 long_range_memory\.py/);
    assert.ok(!fs.existsSync(path.join(root, 'long_range_memory.py')));
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');

    const existing = path.join(root, 'long_range_memory.py');
    fs.writeFileSync(existing, '# the student\'s own\n');
    try {
      const second = await vscode.commands.executeCommand<vscode.TextEditor>('seqlab.openTorchScript', { name: 'long-range-memory', config: {} });
      assert.equal(second.document.uri.fsPath, path.join(root, 'long_range_memory_2.py'), 'not over the file that is there');
      assert.match(second.document.getText(), /python3 long_range_memory_2\.py/, 'the docstring names the file it will be');
      assert.doesNotMatch(second.document.getText(), /python3 long_range_memory\.py/);
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
      assert.equal(fs.readFileSync(existing, 'utf8'), '# the student\'s own\n');
    } finally {
      fs.rmSync(existing, { force: true });
    }
  });
});
