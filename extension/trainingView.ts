/**
 * The Training view in the SeqLab sidebar (the settings form, the outcome, the live chart,
 * Start / Stop), and the same chart large in an editor tab (`TrainingChartPanel`), restored
 * after a reload by its serializer.
 */
import * as vscode from 'vscode';
import { isFromWebview, type FromWebview, type ToWebview, type TrainingViewCommand } from '../webview/protocol';
import type { EngineHost } from './engineHost';
import { langOf } from '../engine/core/lang';
import { checkSetting, readSettings, settingValues, trainFields } from './settings';
import { webviewHtml, webviewOptions } from './webviewHtml';
import { webviewStrings } from './strings';

export class TrainingViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  static readonly viewId = 'seqlab.trainingView';
  private view: vscode.WebviewView | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  /** The last state sent, re-sent when the view becomes visible again. */
  private pending = false;
  /** The form has been unfolded: its engine hint is wanted. */
  private formOpened = false;

  /** `engineHint`: the line under the engine field (finding PyTorch takes a few seconds: it comes after the form). */
  constructor(private readonly extensionUri: vscode.Uri, private readonly engine: EngineHost, private readonly log: vscode.LogOutputChannel, private readonly engineHint?: () => Promise<string>) {
    this.disposables.push(engine.onDidChangeState((state) => this.post({ type: 'state', state })));
    this.disposables.push(vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('seqlab.train')) this.post({ type: 'values', values: this.values() });
      // The engine chosen (builtin: a hint without a probe; auto or pytorch: the user asks for PyTorch) or its Python changed.
      // (From the kept probes: a new probe runs only when the interpreter setting's value changed.)
      if ((e.affectsConfiguration('seqlab.python') || e.affectsConfiguration('seqlab.train.engine')) && this.formOpened) this.sendEngineHint();
    }));
  }

  /** Sends the form's values and hint again (after trust is granted, the folder's settings apply). */
  refresh(): void {
    this.post({ type: 'values', values: this.values() });
    if (this.formOpened) this.sendEngineHint();
  }

  private sendEngineHint(): void {
    this.engineHint?.().then((hint) => this.post({ type: 'fieldHint', key: 'engine', hint }), (err: Error) => this.log.warn(`looking for PyTorch: ${err.message}`));
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.formOpened = false; // a new page: its form asks for the hint when unfolded
    view.webview.options = webviewOptions(this.extensionUri);
    view.webview.html = webviewHtml(view.webview, this.extensionUri, 'training.js', 'SeqLab Training');
    view.webview.onDidReceiveMessage((m: unknown) => this.onMessage(m), undefined, this.disposables);
    view.onDidChangeVisibility(() => {
      if (view.visible && this.pending) {
        this.pending = false;
        void view.webview.postMessage({ type: 'state', state: this.engine.state } satisfies ToWebview);
      }
    }, undefined, this.disposables);
  }

  private values(): Record<string, unknown> {
    return settingValues(readSettings((k) => vscode.workspace.getConfiguration('seqlab').get(k)).train);
  }

  private post(message: ToWebview): void {
    if (!this.view) return;
    if (!this.view.visible && message.type === 'state') {
      this.pending = true; // hidden views drop messages: send the latest state when shown
      return;
    }
    void this.view.webview.postMessage(message);
  }

  private async onMessage(raw: unknown): Promise<void> {
    if (!isFromWebview(raw)) {
      this.log.warn(`training view: ignored a malformed message ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    const m: FromWebview = raw;
    if (m.type === 'ready') {
      this.post({ type: 'init', strings: webviewStrings(), fields: trainFields(langOf(vscode.env.language)), values: this.values(), state: this.engine.state });
    } else if (m.type === 'formOpened') {
      // Only now: probing a Python imports torch (a second or two of a core), which a view that
      // is merely shown, perhaps beside a run, should not cost. Once per view: folding and
      // unfolding again shows the hint already there.
      if (this.formOpened) return;
      this.formOpened = true;
      this.sendEngineHint();
    } else if (m.type === 'setValue') {
      const problem = checkSetting(m.key, m.value);
      if (problem) {
        this.post({ type: 'fieldError', key: m.key, message: vscode.l10n.t('Must be {0}.', problem) });
        return;
      }
      await vscode.workspace.getConfiguration('seqlab').update(`train.${m.key}`, m.value, vscode.ConfigurationTarget.Global);
    } else if (m.type === 'command') {
      await runViewCommand(m.command, this.engine);
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

/** What a button of the Training view (or its chart tab) does. */
async function runViewCommand(command: TrainingViewCommand, engine: EngineHost): Promise<void> {
  const resumable = engine.state.outcome?.resumable;
  const commands: Record<TrainingViewCommand, [string, ...unknown[]]> = {
    start: ['seqlab.trainOnFile'],
    stop: ['seqlab.stopTraining'],
    openSettings: ['workbench.action.openSettings', '@ext:seqlab.seqlab'],
    generate: ['seqlab.generateContinuation'],
    // From the view, without a selection: the start of the visible editor's text.
    inspect: ['seqlab.inspectSelection', { wholeTextIfEmpty: true }],
    compare: ['seqlab.compareRuns'],
    openChart: ['seqlab.openTrainingChart'],
    // The run the outcome card offers to resume (stopped, or interrupted by a reload): by name, as the offer's record may be gone.
    resume: ['seqlab.resumeRun', resumable],
    discard: ['seqlab.discardRun', resumable],
  };
  const [id, ...args] = commands[command];
  await vscode.commands.executeCommand(id, ...args);
}

export const TRAINING_CHART_VIEW_TYPE = 'seqlab.trainingChart';

/** The training chart in an editor tab: the same page as the side bar's, in its 'panel' layout. */
export class TrainingChartPanel {
  private static current: TrainingChartPanel | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  private constructor(private readonly panel: vscode.WebviewPanel, extensionUri: vscode.Uri, engine: EngineHost, log: vscode.LogOutputChannel) {
    panel.webview.options = webviewOptions(extensionUri);
    panel.webview.html = webviewHtml(panel.webview, extensionUri, 'training.js', vscode.l10n.t('SeqLab training chart'));
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'seqlab.svg');
    this.disposables.push(
      // The tab is retained when hidden (retainContextWhenHidden), so it takes every state as it comes.
      engine.onDidChangeState((state) => void panel.webview.postMessage({ type: 'state', state } satisfies ToWebview)),
      panel.webview.onDidReceiveMessage(async (m: unknown) => {
        if (!isFromWebview(m)) {
          log.warn(`training chart: ignored a malformed message ${JSON.stringify(m)?.slice(0, 200)}`);
        } else if (m.type === 'ready') {
          void panel.webview.postMessage({ type: 'init', strings: webviewStrings(), fields: [], values: {}, state: engine.state, layout: 'panel' } satisfies ToWebview);
        } else if (m.type === 'command') {
          await runViewCommand(m.command, engine);
        }
      }),
    );
    panel.onDidDispose(() => {
      if (TrainingChartPanel.current === this) TrainingChartPanel.current = undefined;
      for (const d of this.disposables) d.dispose();
    });
  }

  static show(extensionUri: vscode.Uri, engine: EngineHost, log: vscode.LogOutputChannel): TrainingChartPanel {
    if (TrainingChartPanel.current) {
      TrainingChartPanel.current.panel.reveal(undefined, true);
      return TrainingChartPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(TRAINING_CHART_VIEW_TYPE, vscode.l10n.t('SeqLab training chart'), { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, { ...webviewOptions(extensionUri), retainContextWhenHidden: true });
    TrainingChartPanel.current = new TrainingChartPanel(panel, extensionUri, engine, log);
    return TrainingChartPanel.current;
  }

  /** After a window reload: the tab comes back and draws the engine's current state. */
  static revive(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, engine: EngineHost, log: vscode.LogOutputChannel): void {
    TrainingChartPanel.current?.panel.dispose();
    TrainingChartPanel.current = new TrainingChartPanel(panel, extensionUri, engine, log);
  }
}
