// Runs the extension-host tests (test/vscode/suite, mocha) inside a real VS Code: code-server
// with the smoke-test driver, opened in Chromium with an extensionDevelopmentPath and
// extensionTestsPath payload; the exit code comes back through codeAutomationExit.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { format } from 'node:util';
import { ROOT, freshWorkspace, launchBrowser, startCodeServer } from './codeServer.mjs';

// A fresh copy of the test workspace: the workbench auto-saves into it.
const template = path.join(ROOT, 'test', 'vscode', 'workspace');
const workspace = freshWorkspace(Object.fromEntries(fs.readdirSync(template).map((f) => [f, fs.readFileSync(path.join(template, f), 'utf8')])));
const server = await startCodeServer({ workspace, smokeTestDriver: true });
const browser = await launchBrowser();
let exitCode = 1;
try {
  const page = await browser.context.newPage();
  const done = new Promise((resolve) => {
    page.exposeFunction('codeAutomationLog', (type, args) => {
      // The extension host's console, as printf-style arguments (mocha's spec reporter).
      process.stdout.write(`${format(...(Array.isArray(args) ? args : [args]))}\n`);
    }).then(() => page.exposeFunction('codeAutomationExit', (code) => resolve(code)));
  });
  await new Promise((r) => setTimeout(r, 200));
  const remote = (p) => `vscode-remote://127.0.0.1:${server.port}${p}`;
  const payload = [
    ['extensionDevelopmentPath', remote(ROOT)],
    ['extensionTestsPath', remote(path.join(ROOT, 'out', 'test', 'vscode', 'suite', 'index.js'))],
    ['skipWelcome', 'true'],
  ];
  await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
  const timeout = new Promise((resolve) => setTimeout(() => resolve('timeout'), 15 * 60 * 1000));
  const result = await Promise.race([done, timeout]);
  if (result === 'timeout') {
    console.error('extension-host tests timed out after 15 minutes');
  } else {
    exitCode = result;
  }
} catch (err) {
  console.error(`extension-host tests could not run: ${err.stack}\n${server.output()}`);
} finally {
  await browser.close();
  server.stop();
}
process.exit(exitCode);
