/** The Training view in the SeqLab sidebar: the settings form, the live chart, Start / Stop. */
import * as vscode from 'vscode';
import { isFromWebview, type FromWebview, type ToWebview } from '../webview/protocol';
import type { EngineHost } from './engineHost';
import { TRAIN_FIELDS, checkField, readSettings } from './settings';
import { webviewHtml, webviewOptions } from './webviewHtml';
import { webviewStrings } from './strings';

export class TrainingViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  static readonly viewId = 'seqlab.trainingView';
  private view: vscode.WebviewView | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  /** The last state sent, re-sent when the view becomes visible again. */
  private pending = false;

  constructor(private readonly extensionUri: vscode.Uri, private readonly engine: EngineHost, private readonly log: vscode.LogOutputChannel) {
    this.disposables.push(engine.onDidChangeState((state) => this.post({ type: 'state', state })));
    this.disposables.push(vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('seqlab.train')) this.post({ type: 'values', values: this.values() });
    }));
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
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
    return { ...readSettings((k) => vscode.workspace.getConfiguration('seqlab').get(k)).train };
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
      this.post({ type: 'init', strings: webviewStrings(), fields: TRAIN_FIELDS, values: this.values(), state: this.engine.state });
    } else if (m.type === 'setValue') {
      const field = TRAIN_FIELDS.find((f) => f.key === m.key);
      const problem = field ? checkField(field, m.value) : 'an unknown setting';
      if (problem) {
        this.post({ type: 'fieldError', key: m.key, message: vscode.l10n.t('Must be {0}.', problem) });
        return;
      }
      await vscode.workspace.getConfiguration('seqlab').update(`train.${m.key}`, m.value, vscode.ConfigurationTarget.Global);
    } else if (m.type === 'command' && m.command === 'openSettings') {
      await vscode.commands.executeCommand('workbench.action.openSettings', '@ext:seqlab.seqlab');
    } else if (m.type === 'command') {
      await vscode.commands.executeCommand(m.command === 'start' ? 'seqlab.trainOnFile' : 'seqlab.stopTraining');
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
