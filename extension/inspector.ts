/**
 * The Gate inspector: a panel showing, for a piece of text and the active model, each
 * character coloured by a chosen quantity (a gate of a unit, h, c, surprisal), a units x
 * time heatmap, and the most saturated units. Restored after a reload by a serializer:
 * the webview keeps the probed text in its state and the host probes it again.
 */
import * as vscode from 'vscode';
import { langOf } from '../engine/core/lang';
import { errorText } from '../engine/core/messages';
import type { ReplyMap } from '../engine/worker/protocol';
import { isFromWebview, type ProbePayload, type ToWebview } from '../webview/protocol';
import type { EngineHost } from './engineHost';
import { webviewStrings } from './strings';
import { webviewHtml, webviewOptions } from './webviewHtml';

export const INSPECTOR_VIEW_TYPE = 'seqlab.inspector';

/** The inspector shows up to this many characters; more would make a very wide picture for little gain. */
export const INSPECTOR_MAX_CHARACTERS = 4000;
/** Connectivity is computed for up to this many characters (about 6 s for the default model on 2 cores; it grows with the text). */
export const INSPECTOR_CONNECTIVITY_CHARACTERS = 2000;

/**
 * The probe as the webview takes it. The matrices stay Float32Arrays: VS Code passes typed
 * arrays to a webview as binary, where `Array.from` made them JSON numbers of ~19 characters
 * each (2,000 characters x 64 units x 6 quantities: about 15 MB of text instead of 3 MB).
 */
function toPayload(r: ReplyMap['probe'], cell: string): ProbePayload {
  const m = (x: { rows: number; cols: number; data: Float32Array }) => ({ rows: x.rows, cols: x.cols, data: x.data });
  return {
    cell,
    tokens: r.tokens,
    layers: r.layers.map((l) => ({
      layer: l.layer, gates: Object.fromEntries(Object.entries(l.gates).map(([k, v]) => [k, m(v)])), h: m(l.h), ...(l.c ? { c: m(l.c) } : {}),
    })),
    surprisal: r.surprisal.map((s) => ({ actual: s.actual, probability: s.probability, bits: s.bits, top: s.top })),
    gradientNorms: r.gradientNorms.map((g) => Array.from(g)),
    warnings: r.warnings,
  };
}

export class InspectorPanel {
  private static current: InspectorPanel | undefined;
  private text = '';
  private title = '';
  /** The connectivity window (`seqlab.connectivity.window`), set when the commands are registered. */
  static connectivityWindow: () => number = () => 100;

  private constructor(private readonly panel: vscode.WebviewPanel, extensionUri: vscode.Uri, private readonly engine: EngineHost, private readonly log: vscode.LogOutputChannel) {
    panel.webview.options = webviewOptions(extensionUri);
    panel.webview.html = webviewHtml(panel.webview, extensionUri, 'inspector.js', 'SeqLab Inspector');
    panel.onDidDispose(() => {
      if (InspectorPanel.current === this) InspectorPanel.current = undefined;
    });
    panel.webview.onDidReceiveMessage((m: unknown) => {
      if (!isFromWebview(m)) {
        log.warn(`inspector: ignored a malformed message ${JSON.stringify(m)?.slice(0, 200)}`);
      } else if (m.type === 'ready') {
        void panel.webview.postMessage({ type: 'init', strings: webviewStrings(), fields: [], values: {}, state: engine.state } satisfies ToWebview);
        if (this.text) void this.probe(this.text, this.title);
      } else if (m.type === 'wantConnectivity') {
        void this.connectivity(m.request);
      } else if (m.type === 'restore') {
        // After a reload: the webview remembers what it showed; probe it again.
        void this.probe(m.text, m.title);
      }
    });
  }

  static show(extensionUri: vscode.Uri, engine: EngineHost, log: vscode.LogOutputChannel): InspectorPanel {
    if (InspectorPanel.current) {
      InspectorPanel.current.panel.reveal(vscode.ViewColumn.Beside, true);
      return InspectorPanel.current;
    }
    // The editor groups as they are before the panel opens (the host learns of the new group only later).
    const alone = vscode.window.tabGroups.all.length === 1;
    const panel = vscode.window.createWebviewPanel(INSPECTOR_VIEW_TYPE, vscode.l10n.t('SeqLab: Gates'), { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, { ...webviewOptions(extensionUri), retainContextWhenHidden: false });
    // Half the window or more beside the text (the side bar takes part of it), not the narrow column a new group may get.
    if (alone) void vscode.commands.executeCommand('vscode.setEditorLayout', { orientation: 0, groups: [{ size: 0.35 }, { size: 0.65 }] });
    else void vscode.commands.executeCommand('workbench.action.evenEditorWidths');
    InspectorPanel.current = new InspectorPanel(panel, extensionUri, engine, log);
    return InspectorPanel.current;
  }

  static revive(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, engine: EngineHost, log: vscode.LogOutputChannel): void {
    InspectorPanel.current = new InspectorPanel(panel, extensionUri, engine, log);
  }

  /** What drove each character of the text shown (asked for by the webview when the student picks it: it takes seconds). */
  private async connectivity(request: number): Promise<void> {
    const text = this.text;
    const window = InspectorPanel.connectivityWindow();
    const covered = [...text].slice(0, INSPECTOR_CONNECTIVITY_CHARACTERS).join('');
    const characters = [...covered].length;
    try {
      const r = await this.engine.probe(covered, { includeLast: true, maxLength: INSPECTOR_CONNECTIVITY_CHARACTERS, maxInfluenceLength: 0, gradientNorms: false, connectivityWindow: window });
      const matrix = r.connectivity ? { rows: r.connectivity.rows, cols: r.connectivity.cols, data: r.connectivity.data } : null;
      await this.panel.webview.postMessage({ type: 'connectivity', request, window, characters, matrix } satisfies ToWebview);
    } catch (err) {
      this.log.error(`inspector connectivity: ${(err as Error).message}`);
      await this.panel.webview.postMessage({ type: 'connectivity', request, window, characters, matrix: null, error: errorText(err, langOf(vscode.env.language)) } satisfies ToWebview);
    }
  }

  async probe(text: string, title: string): Promise<void> {
    this.text = text;
    this.title = title;
    try {
      // Every character gets a column (includeLast); influence and gradients through time are not shown here.
      const result = await this.engine.probe(text, { includeLast: true, maxLength: INSPECTOR_MAX_CHARACTERS, maxInfluenceLength: 0, gradientNorms: false });
      const cell = this.engine.activeModel?.meta.model.cell ?? 'lstm';
      await this.panel.webview.postMessage({ type: 'probe', title, result: toPayload(result, cell) } satisfies ToWebview);
    } catch (err) {
      this.log.error(`inspector: ${(err as Error).message}`);
      void vscode.window.showErrorMessage(vscode.l10n.t('Inspect Gates failed: {0}', errorText(err, langOf(vscode.env.language))), vscode.l10n.t('Open Log')).then((pick) => pick && this.log.show());
    }
  }
}
