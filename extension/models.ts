/**
 * Where checkpoints live (the extension's global storage, or the workspace's .seqlab/
 * when `seqlab.storage.location` says so) and the Models tree view that lists them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
// Bounded, regular-file-only reading of seqlab.json; folder.ts loads no TensorFlow.js.
import { readMetaJSON } from '../engine/checkpoint/folder';

export interface ModelEntry {
  name: string;
  dir: string;
  cell: string;
  hiddenSize: number;
  numLayers: number;
  valLoss: number | null;
  created: string;
  damaged?: string;
}

export class ModelStore {
  constructor(private readonly context: vscode.ExtensionContext, private readonly location: () => 'global' | 'workspace') {}

  /** The models folder; the workspace one only when the setting asks and a folder is open. */
  root(): string {
    const ws = vscode.workspace.workspaceFolders?.[0];
    if (this.location() === 'workspace' && ws) return path.join(ws.uri.fsPath, '.seqlab', 'models');
    return path.join(this.context.globalStorageUri.fsPath, 'models');
  }

  /** A new model folder name: `<cell>-<yyyymmdd-hhmmss>` (with `-2`, `-3`... if taken). */
  newDir(cell: string): string {
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
    // Two runs started within a second must not share a folder: the second would replace the first.
    for (let i = 1; ; i++) {
      const dir = path.join(this.root(), `${cell}-${stamp}${i > 1 ? `-${i}` : ''}`);
      if (!fs.existsSync(dir)) return dir;
    }
  }

  list(): ModelEntry[] {
    const root = this.root();
    if (!fs.existsSync(root)) return [];
    const out: ModelEntry[] = [];
    for (const name of fs.readdirSync(root)) {
      if (name.includes('.tmp-') || name.includes('.old-')) continue;
      const entry = this.entryFor(path.join(root, name));
      if (entry) out.push(entry);
    }
    return out.sort((a, b) => b.created.localeCompare(a.created));
  }

  /** The listing entry of a checkpoint folder, or undefined when it has no seqlab.json. */
  entryFor(dir: string): ModelEntry | undefined {
    const name = path.basename(dir);
    if (!fs.existsSync(path.join(dir, 'seqlab.json'))) return undefined;
    try {
      const meta = readMetaJSON(dir) as { model: { cell: string; hiddenSize: number; numLayers: number }; training?: { state?: { bestValLoss?: number } }; created: string };
      return {
        name, dir, cell: meta.model.cell, hiddenSize: meta.model.hiddenSize, numLayers: meta.model.numLayers,
        valLoss: meta.training?.state?.bestValLoss ?? null, created: meta.created,
      };
    } catch (err) {
      return { name, dir, cell: '?', hiddenSize: 0, numLayers: 0, valLoss: null, created: '', damaged: (err as Error).message };
    }
  }
}

export class ModelItem extends vscode.TreeItem {
  constructor(readonly entry: ModelEntry, active: boolean) {
    super(entry.name, vscode.TreeItemCollapsibleState.None);
    this.contextValue = 'seqlabModel';
    this.description = entry.damaged
      ? vscode.l10n.t('damaged')
      : `${entry.cell} ${entry.numLayers}x${entry.hiddenSize}${entry.valLoss !== null ? ` · val ${entry.valLoss.toFixed(3)}` : ''}${active ? ' · ' + vscode.l10n.t('active') : ''}`;
    this.tooltip = entry.damaged ?? `${entry.dir}\n${new Date(entry.created).toLocaleString()}`;
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

  constructor(private readonly store: ModelStore, private readonly activeDir: () => string | undefined) {}

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
    return entries.map((e) => {
      const item = new ModelItem(e, active !== undefined && path.resolve(active) === path.resolve(e.dir));
      // A check box per run, to tick runs for Compare Runs.
      if (!e.damaged) item.checkboxState = this.tickedDirs.has(e.dir) ? vscode.TreeItemCheckboxState.Checked : vscode.TreeItemCheckboxState.Unchecked;
      return item;
    });
  }
}
