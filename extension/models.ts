/**
 * Where checkpoints live (the extension's global storage, or the workspace's .seqlab/
 * when `seqlab.storage.location` says so, the window is trusted and .seqlab is a folder, not
 * a link) and the Models tree view that lists them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readCheckpointMeta } from '../engine/checkpoint/format';
import { langOf } from '../engine/core/lang';
import { errorText } from '../engine/core/messages';
import { unitLabel } from '../engine/core/curve';

export interface RunNameParts { cell: string; layers: number; hiddenSize: number; text: string; date?: Date }

/**
 * A run's name says what it is, the date second: `lstm-1x128-poems-20261202-0801` (cell,
 * layers x hidden size, the text's file name without its extension, local date and time).
 * The text's part keeps letters and digits of any script, at most 24 of them.
 */
export function runName({ cell, layers, hiddenSize, text, date = new Date() }: RunNameParts): string {
  const base = text.replace(/\.[^.]*$/, '');
  const slug = [...base.normalize('NFC').replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-+|-+$/g, '')].slice(0, 24).join('').replace(/-+$/, '') || 'text';
  const two = (n: number) => String(n).padStart(2, '0');
  const stamp = `${date.getFullYear()}${two(date.getMonth() + 1)}${two(date.getDate())}-${two(date.getHours())}${two(date.getMinutes())}`;
  return `${cell}-${layers}x${hiddenSize}-${slug}-${stamp}`;
}

/** Why `name` cannot be a model's new name, or undefined when it can. */
export function refusalOfName(name: string): string | undefined {
  if (!/^[\p{L}\p{N}][\p{L}\p{N} ._-]*$/u.test(name)) return vscode.l10n.t('Use letters, digits, spaces, dots, dashes and underscores, starting with a letter or digit.');
  if ([...name].length > 80) return vscode.l10n.t('At most 80 characters.');
  if (name.endsWith('-last') || /\.(tmp|old)-/.test(name)) return vscode.l10n.t('Names ending in -last, or with .tmp- or .old- in them, are SeqLab\'s own.');
  return undefined;
}

export interface ModelEntry {
  name: string;
  dir: string;
  cell: string;
  hiddenSize: number;
  numLayers: number;
  valLoss: number | null;
  created: string;
  /** What it was trained on (its file or selection), when the checkpoint says. */
  corpus?: string;
  damaged?: string;
}

export class ModelStore {
  /**
   * Entries by folder, kept while their seqlab.json is unchanged (same size and mtime): the
   * tree refreshes at every run's end, and parsing and checking every checkpoint's metadata
   * again each time grows with the number of runs (measured ~100 ms of the host's thread
   * on a slow machine with the test suite's runs), where a stat per folder does not.
   */
  private readonly entries = new Map<string, { stamp: string; entry: ModelEntry }>();

  constructor(private readonly context: vscode.ExtensionContext, private readonly location: () => 'global' | 'workspace') {}

  /** The workspace's .seqlab that was refused (a link, a file), said once. */
  private refusedWorkspaceDir: string | undefined;

  /**
   * The models folder: the workspace's `.seqlab/models` only when the setting asks, a folder
   * is open, the window is trusted (in Restricted Mode nothing is written into the workspace)
   * and `.seqlab` and `.seqlab/models` are folders where they exist (a link in a repository
   * would send the models wherever it points); else SeqLab's own storage.
   */
  root(): string {
    const own = path.join(this.context.globalStorageUri.fsPath, 'models');
    const ws = vscode.workspace.workspaceFolders?.[0];
    if (this.location() !== 'workspace' || !ws || ws.uri.scheme !== 'file' || !vscode.workspace.isTrusted) return own;
    const dotDir = path.join(ws.uri.fsPath, '.seqlab');
    const models = path.join(dotDir, 'models');
    const notAFolder = [dotDir, models].find((p) => {
      try {
        return !fs.lstatSync(p).isDirectory(); // a symbolic link is not a directory to lstat
      } catch {
        return false; // absent: made by the first save
      }
    });
    if (notAFolder === undefined) return models;
    if (this.refusedWorkspaceDir !== notAFolder) {
      this.refusedWorkspaceDir = notAFolder;
      void vscode.window.showWarningMessage(vscode.l10n.t('Models are kept in SeqLab\'s own storage, not in the workspace: {0} is a link or a file, not a folder SeqLab writes into.', notAFolder));
    }
    return own;
  }

  /** A new model's folder, named by what it is: see `runName`. */
  newDir(what: RunNameParts): string {
    const name = runName(what);
    // Two runs started within a minute must not share a folder: the second would replace the first.
    for (let i = 1; ; i++) {
      const dir = path.join(this.root(), `${name}${i > 1 ? `-${i}` : ''}`);
      if (!fs.existsSync(dir) && !fs.existsSync(`${dir}-last`)) return dir;
    }
  }

  list(): ModelEntry[] {
    const root = this.root();
    if (!fs.existsSync(root)) return [];
    const out: ModelEntry[] = [];
    const listed = new Set<string>();
    for (const name of fs.readdirSync(root)) {
      if (name.includes('.tmp-') || name.includes('.old-')) continue;
      const dir = path.join(root, name);
      listed.add(dir);
      const entry = this.entryFor(dir);
      if (entry) out.push(entry);
    }
    for (const dir of this.entries.keys()) if (path.dirname(dir) === root && !listed.has(dir)) this.entries.delete(dir); // renamed or deleted
    return out.sort((a, b) => b.created.localeCompare(a.created));
  }

  /** The listing entry of a checkpoint folder, or undefined when it has no seqlab.json. */
  entryFor(dir: string): ModelEntry | undefined {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(path.join(dir, 'seqlab.json'));
    } catch {
      this.entries.delete(dir);
      return undefined;
    }
    const stamp = `${stat.size}:${stat.mtimeMs}:${stat.ino}`;
    const kept = this.entries.get(dir);
    if (kept?.stamp === stamp) return kept.entry;
    const entry = this.readEntry(dir);
    this.entries.set(dir, { stamp, entry });
    return entry;
  }

  private readEntry(dir: string): ModelEntry {
    const name = path.basename(dir);
    try {
      const meta = readCheckpointMeta(dir);
      return {
        name, dir, cell: meta.model.cell, hiddenSize: meta.model.hiddenSize, numLayers: meta.model.numLayers,
        valLoss: meta.training.state.bestValLoss, created: meta.created,
        ...(meta.training.corpus !== undefined ? { corpus: meta.training.corpus } : {}),
      };
    } catch (err) {
      return { name, dir, cell: '?', hiddenSize: 0, numLayers: 0, valLoss: null, created: '', damaged: errorText(err, langOf(vscode.env.language)) };
    }
  }
}

/**
 * A run's name as the Models view shows it, the part that tells runs apart first: runName's
 * `lstm-1x128-poems-20261207-0801` reads "poems 12-07 08:01" (the cell and size go in the
 * description beside it, the whole name in the tooltip). At 260 px every row read
 * "lstm-1x128-poems-20261..."; a name the student gave, or any other, is shown as it is.
 */
export function shownName(name: string): string {
  const m = /^[a-z]+-\d+x\d+-(.+)-\d{4}(\d{2})(\d{2})-(\d{2})(\d{2})(?:-(\d+))?$/u.exec(name);
  return m ? `${m[1]} ${m[2]}-${m[3]} ${m[4]}:${m[5]}${m[6] ? ` (${m[6]})` : ''}` : name;
}

export class ModelItem extends vscode.TreeItem {
  constructor(readonly entry: ModelEntry, active: boolean, resumable = false) {
    super(shownName(entry.name), vscode.TreeItemCollapsibleState.None);
    // `seqlabModel.resumable`: a stopped or interrupted run's folder, whose menu adds Resume Training.
    this.contextValue = resumable ? 'seqlabModel.resumable' : 'seqlabModel';
    this.description = entry.damaged
      ? vscode.l10n.t('damaged')
      : `${entry.cell} ${entry.numLayers}x${entry.hiddenSize}${entry.valLoss !== null ? ` · val ${entry.valLoss.toFixed(3)}` : ''}${active ? ' · ' + vscode.l10n.t('active') : ''}`;
    // What the run is first; where it lives last.
    this.tooltip = entry.damaged ?? [
      entry.name,
      `${entry.cell} ${entry.numLayers}×${entry.hiddenSize}${entry.valLoss !== null ? ` · ${vscode.l10n.t('best validation loss')} ${entry.valLoss.toFixed(3)} ${unitLabel('nats', langOf(vscode.env.language))}` : ''}`,
      ...(entry.corpus ? [vscode.l10n.t('Trained on {0}', entry.corpus)] : []),
      vscode.l10n.t('Created {0}', new Date(entry.created).toLocaleString(vscode.env.language)),
      vscode.l10n.t('Folder: {0}', entry.dir),
    ].join('\n');
    this.iconPath = new vscode.ThemeIcon(active ? 'pass-filled' : entry.damaged ? 'warning' : 'symbol-misc');
    this.command = { command: 'seqlab.models.activate', title: vscode.l10n.t('Make Active'), arguments: [this] };
  }
}

export class ModelsTree implements vscode.TreeDataProvider<ModelItem> {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.emitter.event;
  /** Runs ticked for Compare Runs (their folders). */
  private readonly tickedDirs = new Set<string>();

  /** Follows the check boxes of a tree view showing this tree. */
  track(view: vscode.TreeView<ModelItem>): vscode.Disposable {
    return view.onDidChangeCheckboxState((e) => {
      for (const [item, state] of e.items) {
        if (state === vscode.TreeItemCheckboxState.Checked) this.tickedDirs.add(item.entry.dir);
        else this.tickedDirs.delete(item.entry.dir);
      }
    });
  }

  ticked(): string[] {
    return [...this.tickedDirs];
  }

  constructor(private readonly store: ModelStore, private readonly activeDir: () => string | undefined, private readonly resumableDirs: () => Set<string> = () => new Set()) {}

  refresh(): void {
    this.emitter.fire();
  }

  getTreeItem(item: ModelItem): vscode.TreeItem {
    return item;
  }

  getChildren(): ModelItem[] {
    const active = this.activeDir();
    const entries = this.store.list();
    // A model loaded from elsewhere (an export, a colleague's folder) is listed too, first, so the active one is always marked.
    if (active && !entries.some((e) => path.resolve(e.dir) === path.resolve(active))) {
      const outside = this.store.entryFor(active);
      if (outside) entries.unshift(outside);
    }
    const resumable = this.resumableDirs();
    return entries.map((e) => {
      const item = new ModelItem(e, active !== undefined && path.resolve(active) === path.resolve(e.dir), !e.damaged && resumable.has(path.resolve(e.dir)));
      // A check box per run, to tick runs for Compare Runs.
      if (!e.damaged) item.checkboxState = this.tickedDirs.has(e.dir) ? vscode.TreeItemCheckboxState.Checked : vscode.TreeItemCheckboxState.Unchecked;
      return item;
    });
  }
}
