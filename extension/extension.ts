/**
 * SeqLab's extension host entry. Activation registers commands and views only: the
 * engine (TensorFlow.js) loads in its worker thread on first use.
 */
import * as path from 'node:path';
import { readCheckpointMeta, type CheckpointMeta } from '../engine/checkpoint/format';
import { inUnit, unitLabel } from '../engine/core/curve';
import { langOf } from '../engine/core/lang';
import * as vscode from 'vscode';
import { offerResume, registerCommands } from './commands';
import { RunRecords, type RunRecord } from './runs';
import { engineHint, TorchFinder } from './torchEngine';
import { EngineHost } from './engineHost';
import { ExperimentsPanel, PANEL_VIEW_TYPES, type PanelKind } from './experimentsPanel';
import { INSPECTOR_VIEW_TYPE, InspectorPanel } from './inspector';
import { ModelStore, ModelsTree } from './models';
import { readSettings } from './settings';
import { TRAINING_CHART_VIEW_TYPE, TrainingChartPanel, TrainingViewProvider } from './trainingView';
import { restrictedSettings, TrustWatch } from './trust';
import type { EngineChoice } from '../engine/core/names';

/** What tests reach through `extension.exports` (not a public API). */
export interface SeqLabApi {
  engine: EngineHost;
  store: ModelStore;
  /** Runs in progress or interrupted (for tests of Resume and Discard). */
  runs: RunRecords;
}

export function activate(context: vscode.ExtensionContext): SeqLabApi {
  const log = vscode.window.createOutputChannel('SeqLab', { log: true });
  const settings = () => readSettings((key) => vscode.workspace.getConfiguration('seqlab').get(key));
  const engine = new EngineHost(log, path.join(context.extensionPath, 'dist', 'worker.js'));
  const store = new ModelStore(context, () => settings().storage);
  const runs = new RunRecords(path.join(context.globalStorageUri.fsPath, 'runs'));
  const runState: { current: RunRecord | undefined; closing: boolean } = { current: undefined, closing: false };
  // A run's folders can be resumed from the Models view while its record says so (stopped, or interrupted and not this window's run).
  const tree = new ModelsTree(store, () => engine.activeModel?.dir, () => new Set(runs.resumable(runState.current?.name).flatMap((r) => [path.resolve(r.outDir), path.resolve(r.lastDir)])));
  const torch = new TorchFinder(log);
  context.subscriptions.push(torch);
  const trainingView = new TrainingViewProvider(context.extensionUri, engine, log, () => engineHint(torch, settings().train.engine as EngineChoice));
  const commandContext = { context, engine, store, tree, log, settings, runs, torch, runState };
  const status = vscode.window.createStatusBarItem('seqlab.status', vscode.StatusBarAlignment.Left, 10);
  status.name = 'SeqLab';
  status.command = 'seqlab.trainingView.focus';

  const renderStatus = () => {
    const s = engine.state;
    const backend = engine.backend ?? settings().backend;
    if (s.running && s.last) {
      // The same number and unit as the Training view's legend: the latest validation loss, else the training loss.
      const loss = s.val.at(-1)?.loss ?? s.train.at(-1)?.loss;
      status.text = `$(loading~spin) SeqLab ${vscode.l10n.t('step {0}', s.last.step)}${loss !== undefined ? ` · ${inUnit(loss, s.units).toFixed(3)} ${unitLabel(s.units, langOf(vscode.env.language))}` : ''}`;
    } else if (s.running) {
      status.text = `$(loading~spin) SeqLab ${vscode.l10n.t('starting')}`;
    } else {
      status.text = `$(pulse) SeqLab ${s.model ? s.model.cell : ''}`.trimEnd();
    }
    status.tooltip = vscode.l10n.t('SeqLab: backend {0}; model {1}', backend, s.model?.name ?? vscode.l10n.t('none'));
    status.show();
  };
  renderStatus();
  // `seqlab.training`: the Stop icon in the Training view's title shows only while a run runs.
  let trainingContext: boolean | undefined;
  const updateTrainingContext = () => {
    if (engine.state.running === trainingContext) return;
    trainingContext = engine.state.running;
    void vscode.commands.executeCommand('setContext', 'seqlab.training', trainingContext);
  };
  updateTrainingContext();

  // The model that was active before a reload comes back (its metadata only, no engine yet).
  const ACTIVE_KEY = 'seqlab.activeModel';
  const restoredDir = context.globalState.get<string>(ACTIVE_KEY);
  if (restoredDir) {
    const meta = readMeta(restoredDir);
    if (meta) engine.restore({ dir: restoredDir, meta, parameters: 0 });
  }

  const applyBackend = () => {
    const b = settings().backend;
    if (b !== 'auto') void engine.setBackend(b).catch((err: Error) => log.error(`backend ${b}: ${err.message}`));
  };

  ExperimentsPanel.keepResultsIn(context.workspaceState); // the last result, for exports after a reload
  context.subscriptions.push(
    log, engine, status, trainingView,
    engine.onDidChangeState(renderStatus),
    engine.onDidChangeState(updateTrainingContext),
    engine.onDidChangeModel((info) => {
      tree.refresh();
      void context.globalState.update(ACTIVE_KEY, info?.dir);
    }),
    vscode.window.registerWebviewViewProvider(TrainingViewProvider.viewId, trainingView),
    ...(() => {
      const view = vscode.window.createTreeView('seqlab.modelsView', { treeDataProvider: tree, canSelectMany: true, manageCheckboxStateManually: true });
      return [view, tree.track(view)];
    })(),
    ...(Object.entries(PANEL_VIEW_TYPES) as Array<[PanelKind, string]>).map(([kind, viewType]) => vscode.window.registerWebviewPanelSerializer(viewType, {
      async deserializeWebviewPanel(panel) {
        ExperimentsPanel.revive(panel, context.extensionUri, log, kind);
      },
    })),
    vscode.window.registerWebviewPanelSerializer(TRAINING_CHART_VIEW_TYPE, {
      async deserializeWebviewPanel(panel) {
        TrainingChartPanel.revive(panel, context.extensionUri, engine, log);
      },
    }),
    vscode.commands.registerCommand('seqlab.openTrainingChart', () => TrainingChartPanel.show(context.extensionUri, engine, log)),
    vscode.window.registerWebviewPanelSerializer(INSPECTOR_VIEW_TYPE, {
      async deserializeWebviewPanel(panel) {
        InspectorPanel.revive(panel, context.extensionUri, engine, log);
      },
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('seqlab.backend')) applyBackend();
      if (e.affectsConfiguration('seqlab.units')) engine.setUnits(settings().units);
      if (e.affectsConfiguration('seqlab.storage')) tree.refresh();
    }),
    ...registerCommands(commandContext),
  );
  // Restricted Mode: the folder's restricted settings are ignored (said once); trust granted, they apply without a reload.
  const trust = new TrustWatch(restrictedSettings(context.extension.packageJSON), log, () => {
    torch.reset();
    tree.refresh();
    trainingView.refresh();
    applyBackend();
  });
  context.subscriptions.push(trust);
  trust.check();
  // Runs interrupted by a reload or a crash of an earlier window: offer to resume them. (This is
  // why SeqLab activates on startup: reading a few small records, no TensorFlow.js.)
  const scan = runs.scan();
  for (const record of scan.interrupted.slice(0, 3)) void offerResume(commandContext, record);
  context.subscriptions.push(watchHostsGoingDown(commandContext, scan.alive));
  // The window closing (a reload): the run is stopped and its weights saved as they are, the record kept for the next window.
  closeWindow = () => {
    runState.closing = true;
    if (runState.current) runs.markClosed(runState.current);
    return engine.stopForShutdown(SHUTDOWN_STOP_MS);
  };
  if (settings().backend !== 'auto') applyBackend();
  engine.setUnits(settings().units);
  return { engine, store, runs };
}

/** A checkpoint's seqlab.json, checked, or undefined when it is gone, unreadable or damaged. */
function readMeta(dir: string): CheckpointMeta | undefined {
  try {
    return readCheckpointMeta(dir);
  } catch {
    return undefined;
  }
}

/**
 * How long a closing window waits for the run to stop and save: VS Code gives `deactivate`
 * 5 s (and disposes everything right after calling it, so the worker's end waits for this).
 */
const SHUTDOWN_STOP_MS = 3500;
/** How long startup watches runs whose extension host is still alive: a reload's old host goes down within 5 s. */
const WATCH_HOSTS_MS = 30_000;
let closeWindow: (() => Promise<void>) | undefined;

export function deactivate(): Promise<void> | undefined {
  // Everything else (the engine worker among it) is disposed by VS Code right after this call.
  return closeWindow?.();
}

/**
 * A reload starts this extension host while the old one may still be going down, so a run it
 * trained still has a live pid at activation. Those runs are looked at again every second for
 * a while, and offered once their host has gone; one whose host said it was closing but is
 * still alive after the watch (its pid reused) is offered too. A run alive in another window
 * without that mark is left alone.
 */
function watchHostsGoingDown(c: Parameters<typeof offerResume>[0], alive: Array<{ name: string; closing: boolean }>): vscode.Disposable {
  const pending = new Map(alive.map((a) => [a.name, a.closing]));
  if (!pending.size) return new vscode.Disposable(() => undefined);
  const started = Date.now();
  const timer = setInterval(() => {
    const scan = c.runs.scan();
    for (const record of scan.interrupted) {
      if (!pending.has(record.name) || record.name === c.runState.current?.name) continue;
      pending.delete(record.name);
      void offerResume(c, record);
    }
    for (const a of scan.alive) if (a.closing && pending.has(a.name)) pending.set(a.name, true);
    if (Date.now() - started >= WATCH_HOSTS_MS) {
      for (const record of c.runs.read([...pending].filter(([, closing]) => closing).map(([name]) => name))) void offerResume(c, record);
      pending.clear();
    }
    if (!pending.size) clearInterval(timer);
  }, 1000);
  return new vscode.Disposable(() => clearInterval(timer));
}
