// @vscode/test-cli + @vscode/test-electron, for machines that can download VS Code (or
// have one: set VSCODE_EXECUTABLE_PATH). `npm run test:electron` runs the same
// extension-host tests that `npm run test:vscode` runs in code-server here.
import { defineConfig } from '@vscode/test-cli';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const workspace = mkdtempSync(join(tmpdir(), 'seqlab-ws-'));
cpSync('test/vscode/workspace', workspace, { recursive: true });

export default defineConfig({
  files: 'out/test/vscode/suite/*.test.js',
  workspaceFolder: workspace,
  ...(process.env.VSCODE_EXECUTABLE_PATH ? { useInstallation: { fromPath: process.env.VSCODE_EXECUTABLE_PATH } } : {}),
  mocha: { ui: 'bdd', timeout: 180000 },
});
