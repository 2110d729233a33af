/**
 * Workspace Trust, as VS Code documents it for an extension that supports untrusted
 * workspaces in part (package.json `capabilities.untrustedWorkspaces: { supported: "limited" }`):
 *
 * - The settings that name a program, a folder to write to, an engine or a number of
 *   processes are listed in its `restrictedConfigurations`: in Restricted Mode VS Code gives
 *   SeqLab only their user values, and their workspace values do not even reach
 *   `inspect()`. `seqlab.python` has `machine` scope besides: a folder's settings never
 *   name the interpreter, trusted or not (as the Python extension does with its paths).
 * - In Restricted Mode SeqLab runs no program the workspace chose (no interpreter inside its
 *   folders, not the Python extension's environment, which may be the repository's own
 *   `.venv`) and writes nothing into it: models go to SeqLab's own storage whatever
 *   `seqlab.storage.location` says (ModelStore.root).
 * - When the folder sets any of those settings, SeqLab says once per window which it ignores,
 *   with the button that manages trust. Once trust is granted, the folder's values apply
 *   without a reload (VS Code re-reads them; `onDidGrantWorkspaceTrust` tells the parts
 *   that keep what they derived from them).
 *
 * The folder's values are read from its settings files here, read-only, because VS Code
 * drops them before the extension host sees them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { keysSetIn, parseSettingsText, settingKeys } from './settingsFiles';

export { restrictedSettings } from './settingsFiles';

const t = vscode.l10n.t;

/** Settings files larger than this are not read (a settings file is a few kB). */
const MAX_SETTINGS_BYTES = 1 << 20;

function readSmallFile(file: string): string | undefined {
  try {
    const st = fs.statSync(file);
    if (!st.isFile() || st.size > MAX_SETTINGS_BYTES) return undefined;
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Which of `keys` the open workspace sets: its folders' `.vscode/settings.json` and its
 * `.code-workspace` file's `settings`, and what `inspect()` still shows of them (a trusted
 * window's values).
 */
export function restrictedValuesInWorkspace(keys: readonly string[]): string[] {
  const found = new Set<string>();
  for (const key of keys) {
    const [section, ...rest] = key.split('.');
    const name = rest.join('.');
    const shown = (scope?: vscode.Uri) => {
      const i = vscode.workspace.getConfiguration(section, scope).inspect(name);
      return i?.workspaceValue !== undefined || i?.workspaceFolderValue !== undefined;
    };
    if (shown() || (vscode.workspace.workspaceFolders ?? []).some((f) => shown(f.uri))) found.add(key);
  }
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    if (folder.uri.scheme !== 'file') continue;
    const text = readSmallFile(path.join(folder.uri.fsPath, '.vscode', 'settings.json'));
    if (text !== undefined) for (const k of keysSetIn(text, keys)) found.add(k);
  }
  const workspaceFile = vscode.workspace.workspaceFile;
  if (workspaceFile?.scheme === 'file') {
    const text = readSmallFile(workspaceFile.fsPath);
    if (text !== undefined) {
      // Not JSON: VS Code reads none of it either.
      const settings = (parseSettingsText(text) as { settings?: unknown } | undefined)?.settings;
      const set = new Set(settingKeys(settings));
      for (const k of keys) if (set.has(k)) found.add(k);
    }
  }
  return keys.filter((k) => found.has(k));
}

/** Whether `file` is inside one of the workspace's folders (an interpreter a repository ships). */
export function insideWorkspace(file: string): boolean {
  let real: string;
  try {
    real = fs.realpathSync(file);
  } catch {
    real = path.resolve(file);
  }
  return (vscode.workspace.workspaceFolders ?? []).some((f) => {
    if (f.uri.scheme !== 'file') return false;
    let root: string;
    try {
      root = fs.realpathSync(f.uri.fsPath);
    } catch {
      root = path.resolve(f.uri.fsPath);
    }
    for (const candidate of [path.resolve(file), real]) {
      const rel = path.relative(root, candidate);
      if (rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel))) return true; // '..venv' is inside
    }
    return false;
  });
}

/**
 * The one notice per window in Restricted Mode, and the hand-over when trust is granted.
 * `onTrusted` runs once trust is granted: what was derived from settings is derived again.
 */
export class TrustWatch implements vscode.Disposable {
  private told = false;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly restricted: readonly string[], private readonly log: vscode.LogOutputChannel, onTrusted: () => void) {
    this.disposables.push(
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        log.info('workspace trust granted: the folder\'s SeqLab settings apply');
        onTrusted();
      }),
      // A settings file edited while the window is restricted: say it then, if not said yet.
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!this.told && restricted.some((k) => e.affectsConfiguration(k))) this.check();
      }),
    );
  }

  /** Says which restricted settings the folder sets and SeqLab ignores here, once per window. */
  check(): void {
    if (this.told || vscode.workspace.isTrusted) return;
    const ignored = restrictedValuesInWorkspace(this.restricted);
    if (!ignored.length) return;
    this.told = true;
    this.log.warn(`Restricted Mode: the folder's ${ignored.join(', ')} ignored; models are kept in SeqLab's own storage`);
    const manage = t('Manage Workspace Trust');
    void vscode.window.showWarningMessage(
      t('This folder is in Restricted Mode: SeqLab ignores its settings {0}, runs no program it names, and keeps models in SeqLab\'s own storage.', ignored.join(', ')),
      manage,
    ).then((pick) => pick === manage && vscode.commands.executeCommand('workbench.trust.manage'));
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
