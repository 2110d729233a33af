/**
 * The Experiments panel and the `seqlab.runExperiment` command: pick an experiment, change
 * its settings in a form drawn from its schema, run it in the engine worker with progress
 * and cancel, and see its figures and numbers (their captions name the settings changed);
 * copy the settings as a `seqlab experiment` command line; export the result as JSON or CSV
 * and each figure as PNG or SVG.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { langOf } from '../engine/core/lang';
import { errorText } from '../engine/core/messages';
import type { ReplyMap } from '../engine/worker/protocol';
import { isFromWebview, type ExperimentFormMessage, type ExperimentMessage, type ToWebview } from '../webview/protocol';
import { EngineError } from '../engine/worker/client';
import { chapterFigureFiles, claimsMarkdown, figureFolderFor, type CheckedClaim } from '../engine/chapter/judge';
import { changedSettings, cliCommand, settingsNote, type SettingField } from '../engine/experiments/settingFields';
import { EXPERIMENT_SCRIPTS, experimentScriptText, hasTorchScript } from '../engine/export/experimentScript';
import type { EngineHost } from './engineHost';
import { targetText } from './commands/context';
import { webviewStrings } from './strings';
import { webviewHtml, webviewOptions } from './webviewHtml';

const t = vscode.l10n.t;

/**
 * What a panel shows: an experiment (its form and result), the chapter page, or runs
 * compared. Each kind has its own editor tab, opened full width in the active editor group:
 * sharing one panel put the chapter page beside a leftover experiment form, in a narrow
 * third column.
 */
export type PanelKind = 'experiments' | 'chapter' | 'compare';
export const PANEL_VIEW_TYPES: Record<PanelKind, string> = { experiments: 'seqlab.experiments', chapter: 'seqlab.chapter', compare: 'seqlab.compareRuns' };
export const EXPERIMENTS_VIEW_TYPE = PANEL_VIEW_TYPES.experiments;
const panelTitle = (kind: PanelKind) => (kind === 'chapter' ? t('SeqLab: The Chapter, Claim by Claim') : kind === 'compare' ? t('SeqLab: Runs Compared') : t('SeqLab: Experiments'));

/** The last finished result of each kind, kept by the host (never taken back from the webview), so exports after a reload write SeqLab's own numbers. */
interface KeptResult { message: ExperimentMessage; result: ReplyMap['experiment'] }
const keptKey = (kind: PanelKind) => (kind === 'experiments' ? 'seqlab.experiments.last' : `seqlab.${kind}.last`);
/** The experiment whose settings the panel's playground computes in the webview as the sliders move. */
const PLAYGROUND = 'gradient-flow';

/** What runs an experiment from the panel's Run button (set at activation, so a panel revived after a reload can run too). */
type ExperimentRunner = (preset: { name: string; config: Record<string, unknown> }) => Thenable<unknown>;

export class ExperimentsPanel {
  private static readonly open = new Map<PanelKind, ExperimentsPanel>();
  static runner: ExperimentRunner | undefined;
  /** Where the last result survives a window reload (the workspace's state). */
  private static memento: vscode.Memento | undefined;

  static keepResultsIn(memento: vscode.Memento): void {
    ExperimentsPanel.memento = memento;
  }

  private last: ExperimentMessage | undefined;
  private result: ReplyMap['experiment'] | undefined;
  /** The settings the playground shows now, when it has moved past the host's last result: an export runs them on the host first. */
  private playground: Record<string, unknown> | undefined;
  /** The settings form shown, redrawn for a webview that loads again; its fields, for the CLI command. */
  private form: ExperimentFormMessage | undefined;

  private constructor(private readonly panel: vscode.WebviewPanel, private readonly log: vscode.LogOutputChannel, private readonly kind: PanelKind) {
    const kept = ExperimentsPanel.memento?.get<KeptResult>(keptKey(kind));
    if (kept) {
      this.last = kept.message;
      this.result = kept.result;
    }
    panel.onDidDispose(() => {
      if (ExperimentsPanel.open.get(kind) === this) ExperimentsPanel.open.delete(kind);
    });
    panel.webview.onDidReceiveMessage(async (m: unknown) => {
      if (!isFromWebview(m)) {
        log.warn(`experiments panel: ignored a malformed message ${JSON.stringify(m)?.slice(0, 200)}`);
        return;
      }
      if (m.type === 'ready') {
        void panel.webview.postMessage({ type: 'init', strings: webviewStrings(), fields: [], values: {}, state: { running: false, corpus: null, train: [], val: [], units: 'nats', last: null, sample: null, message: null, model: null, outcome: null } } satisfies ToWebview);
        if (this.form) void panel.webview.postMessage(this.form);
        if (this.last) void panel.webview.postMessage(this.last);
      } else if (m.type === 'export') {
        await this.export(m.format, m.figureId, m.data);
      } else if (m.type === 'runExperiment') {
        if (this.form?.name === m.name) this.form = { ...this.form, values: m.config };
        void ExperimentsPanel.runner?.({ name: m.name, config: m.config });
      } else if (m.type === 'playgroundShown') {
        // The playground computed and drew this in the webview: only its settings are taken (as a
        // form's values, checked by the experiment's schema when they run). Its output is not kept
        // as the export source; the result shown before it no longer matches the screen, so an
        // export runs these settings on the host first (see export).
        if (this.form?.name === PLAYGROUND && m.message.output && typeof m.message.output.config === 'object' && m.message.output.config !== null && !Array.isArray(m.message.output.config)) {
          this.form = { ...this.form, values: m.message.output.config as Record<string, unknown> };
          this.playground = { ...(m.message.output.config as Record<string, unknown>) };
          this.result = undefined;
        }
      } else if (m.type === 'openTorchScript') {
        await vscode.commands.executeCommand('seqlab.openTorchScript', { name: m.name, config: m.config });
      } else if (m.type === 'copyExperimentCommand') {
        const fields = this.form?.name === m.name ? this.form.fields : [];
        const command = cliCommand(m.name, changedSettings(fields, m.config));
        await vscode.env.clipboard.writeText(command);
        void vscode.window.showInformationMessage(t('Copied: {0}', command));
      }
    });
  }

  /** After a window reload: VS Code hands back the panel; the webview redraws its last result from its own state. */
  static revive(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, log: vscode.LogOutputChannel, kind: PanelKind = 'experiments'): void {
    panel.webview.options = webviewOptions(extensionUri);
    panel.webview.html = webviewHtml(panel.webview, extensionUri, 'experiments.js', panelTitle(kind), { worker: 'flowWorker.js' });
    ExperimentsPanel.open.set(kind, new ExperimentsPanel(panel, log, kind));
  }

  /** The panel of `kind`, brought to the front where it is, or opened as a tab of the active editor group (full width). */
  static show(extensionUri: vscode.Uri, log: vscode.LogOutputChannel, kind: PanelKind = 'experiments'): ExperimentsPanel {
    const open = ExperimentsPanel.open.get(kind);
    if (open) {
      open.panel.reveal(undefined, true);
      return open;
    }
    const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPES[kind], panelTitle(kind), { viewColumn: vscode.ViewColumn.Active, preserveFocus: true }, { ...webviewOptions(extensionUri), retainContextWhenHidden: true });
    panel.webview.html = webviewHtml(panel.webview, extensionUri, 'experiments.js', panelTitle(kind), { worker: 'flowWorker.js' });
    const shown = new ExperimentsPanel(panel, log, kind);
    ExperimentsPanel.open.set(kind, shown);
    return shown;
  }

  /** Shows an experiment's settings as a form, filled with `values`. */
  showForm(message: ExperimentFormMessage): void {
    this.form = message;
    void this.panel.webview.postMessage(message);
  }

  /** Shows a message made on the host (a run's progress or result, Compare Runs); the exports use its result. */
  post(message: ExperimentMessage, result?: ReplyMap['experiment']): void {
    this.last = message;
    this.playground = undefined;
    const o = message.output;
    // A message made on the host (Compare Runs) carries what the exports need itself.
    if (result) this.result = result;
    else if (o) this.result = { name: o.name, config: o.config, output: { headline: o.headline, table: o.table, figures: o.figures, result: o.result ?? o.config } } as ReplyMap['experiment'];
    if (o && this.result) void ExperimentsPanel.memento?.update(keptKey(this.kind), { message, result: this.result } satisfies KeptResult);
    void this.panel.webview.postMessage(message);
  }

  private async export(format: 'json' | 'csv' | 'png' | 'svg' | 'md', figureId?: string, data?: string): Promise<void> {
    // Only results the host computed are exported: the playground's settings are run here first.
    if (!this.result && this.playground) await ExperimentsPanel.runner?.({ name: PLAYGROUND, config: this.playground });
    if (!this.result) return;
    const base = `${this.result.name}${figureId ? `-${figureId}` : ''}`;
    const target = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.file(path.join(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '', `${base}.${format}`)), filters: { [format.toUpperCase()]: [format] } });
    if (!target) return;
    let bytes: Uint8Array;
    if (format === 'json') {
      bytes = Buffer.from(JSON.stringify({ name: this.result.name, config: this.result.config, result: this.result.output.result, headline: this.result.output.headline }, null, 2));
    } else if (format === 'csv') {
      const cell = (v: string | number) => (typeof v === 'number' ? String(v) : `"${v.replace(/"/g, '""')}"`);
      const lines = [...this.result.output.table.map((row) => row.map(cell).join(','))];
      for (const f of this.result.output.figures) {
        // A series with a band (the range over seeds) gets its min and max columns beside it.
        const columns = f.series.flatMap((s) => [[s.name, s.y], ...(s.band ? [[`${s.name} (min over seeds)`, s.band.lower], [`${s.name} (max over seeds)`, s.band.upper]] : [])] as Array<[string, Array<number | null>]>);
        lines.push('', cell(f.title), [cell(f.xLabel), ...columns.map(([name]) => cell(name))].join(','));
        f.x.forEach((x, i) => lines.push([x, ...columns.map(([, y]) => y[i] ?? '')].join(',')));
        // A heatmap: a row per unit (y), a column per x.
        if (f.heatmap) {
          const hm = f.heatmap;
          lines.push([cell(`${f.yLabel} \\ ${f.xLabel}`), ...f.x].join(','));
          hm.y.forEach((y, r) => lines.push([y, ...f.x.map((_, i) => hm.values[r * f.x.length + i])].join(',')));
        }
      }
      bytes = Buffer.from(lines.join('\n') + '\n');
    } else if (format === 'md') {
      // The chapter's claims as a document (the only page with a Markdown export).
      const r = this.result.output.result as { claims?: CheckedClaim[] };
      const quick = (this.result.config as { quick?: boolean } | undefined)?.quick === true;
      // Its figures as SVG files in a folder beside it, named after it (only those files are replaced there).
      // The save dialog asked about the document itself; files of the same names in that folder are asked about here, before anything is written.
      const folder = figureFolderFor(target.path);
      const figures = this.result.output.figures;
      const files = chapterFigureFiles(figures, langOf(vscode.env.language)).map((f) => ({ uri: vscode.Uri.joinPath(target, '..', folder, f.name), svg: f.svg }));
      const there: string[] = [];
      for (const f of files) await vscode.workspace.fs.stat(f.uri).then(() => there.push(path.posix.basename(f.uri.path)), () => undefined);
      if (there.length) {
        const replace = t('Replace');
        const shown = there.slice(0, 3).join(', ') + (there.length > 3 ? ', …' : '');
        const pick = await vscode.window.showWarningMessage(t('The folder {0} beside it already holds {1} files with the names of these figures ({2}). Replace them?', folder, there.length, shown), { modal: true }, replace);
        if (pick !== replace) return;
      }
      for (const f of files) await vscode.workspace.fs.writeFile(f.uri, Buffer.from(f.svg));
      bytes = Buffer.from(claimsMarkdown(r.claims ?? [], quick, langOf(vscode.env.language), { figures, folder }));
    } else if (format === 'png') {
      bytes = Buffer.from((data ?? '').replace(/^data:image\/png;base64,/, ''), 'base64');
    } else {
      bytes = Buffer.from(data ?? '');
    }
    await vscode.workspace.fs.writeFile(target, bytes);
    this.log.info(`exported ${base} as ${format} to ${target.fsPath}`);
  }
}

/**
 * Where "Open as PyTorch Script" proposes to save: the script's own file name (the one its
 * docstring tells to run, "python3 long_range_memory.py") in the workspace folder, or the home
 * folder without one; "_2", "_3", ... when that file exists or is already open unsaved.
 */
async function scriptTarget(file: string): Promise<vscode.Uri> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(os.homedir());
  const open = new Set(vscode.workspace.textDocuments.map((d) => d.uri.path));
  const stem = file.replace(/\.py$/, '');
  for (let k = 1; ; k++) {
    const uri = vscode.Uri.joinPath(folder, k === 1 ? file : `${stem}_${k}.py`);
    if (open.has(uri.path)) continue;
    try {
      await vscode.workspace.fs.stat(uri);
    } catch {
      return uri;
    }
  }
}

/**
 * "Open as PyTorch Script": the experiment with these settings as an unsaved Python document
 * named as its docstring says to run it (an untitled Untitled-1 said "python3
 * long_range_memory.py" with no such file): nothing is written until the student saves it,
 * and Save writes it under that name in the workspace folder (scriptTarget). A setting the
 * script cannot take is said, and nothing opens.
 */
export async function openTorchScript(engine: EngineHost, name: string, config: Record<string, unknown>, log: vscode.LogOutputChannel): Promise<vscode.TextEditor | undefined> {
  let content: string;
  try {
    // The settings over the experiment's defaults (the form and the chapter's runs send settings the schema accepted).
    const defaults = (await engine.listExperiments(langOf(vscode.env.language))).find((e) => e.name === name)?.defaults as Record<string, unknown> | undefined;
    if (!defaults) throw new Error(`no experiment named "${name}"`);
    content = experimentScriptText(name, { ...defaults, ...config });
  } catch (err) {
    void vscode.window.showErrorMessage(t('SeqLab could not write {0} as a PyTorch script: {1}', name, errorText(err, langOf(vscode.env.language))));
    return undefined;
  }
  const file = EXPERIMENT_SCRIPTS[name];
  const target = await scriptTarget(file);
  const chosen = path.posix.basename(target.path);
  if (chosen !== file) content = content.split(file).join(chosen); // the docstring's "python3 NAME.py" names the file it will be
  const document = await vscode.workspace.openTextDocument(target.with({ scheme: 'untitled' }));
  const editor = await vscode.window.showTextDocument(document, { preview: false, viewColumn: vscode.ViewColumn.Active });
  await editor.edit((b) => b.insert(new vscode.Position(0, 0), content));
  editor.selection = new vscode.Selection(0, 0, 0, 0);
  log.info(`opened ${name} as a PyTorch script (${content.length} characters), unsaved; Save writes ${target.fsPath}`);
  return editor;
}

/**
 * The palette command: pick an experiment, and its settings form opens in the panel (Run
 * there runs it). With a preset (the walkthrough's links, the tests, the panel's Run) it runs
 * at once with the preset's settings over the defaults.
 */
export async function runExperimentCommand(engine: EngineHost, extensionUri: vscode.Uri, log: vscode.LogOutputChannel, preset?: { name: string; config?: Record<string, unknown> }): Promise<ReplyMap['experiment'] | undefined> {
  const lang = langOf(vscode.env.language);
  const list = await engine.listExperiments(lang);
  const picked = preset ? list.find((e) => e.name === preset.name) : await vscode.window.showQuickPick(
    list.map((e) => ({ label: e.name, description: e.title, detail: e.description, experiment: e })), { placeHolder: t('Which experiment?'), matchOnDetail: true },
  ).then((p) => p?.experiment);
  if (!picked) return undefined;
  let config: Record<string, unknown> = { ...(picked.defaults as Record<string, unknown>), ...preset?.config };
  if (!preset) {
    const panel = ExperimentsPanel.show(extensionUri, log);
    panel.showForm({ type: 'experimentForm', name: picked.name, title: picked.title, description: picked.description, fields: picked.form, values: config, torchScript: hasTorchScript(picked.name) });
    panel.post({ type: 'experiment', title: picked.title, description: picked.description, running: false, progress: { fraction: 0, message: t('Change the settings above if you like, then press Run.') } });
    return undefined;
  }
  // The editor's text stands in for the English built-in text only: a chosen Chinese news-like text is what the student asked for.
  if (picked.name === 'lstm-vs-gru' && !config.text && config.corpus !== 'chinese-news') {
    // Run pressed in the Experiments panel leaves no active text editor (the panel has the focus): the one last focused is the student's.
    const text = (await targetText()) ?? '';
    if (text.trim()) config.text = text; // the user's text; the built-in corpus otherwise
  }
  const made = madeWith(picked.form, config);
  const panel = ExperimentsPanel.show(extensionUri, log);
  const base = { type: 'experiment' as const, title: picked.title, description: picked.description };
  // Each figure's caption ends with the settings that made it (also in its PNG and SVG exports).
  const shown = (r: { name: string; config: unknown; output: ReplyMap['experiment']['output'] }): NonNullable<ExperimentMessage['output']> => ({
    name: r.name, config: r.config, headline: r.output.headline, table: r.output.table, ...(r.output.tableTitle ? { tableTitle: r.output.tableTitle } : {}),
    ...(r.output.tables ? { tables: r.output.tables } : {}), figures: r.output.figures.map((f) => ({ ...f, caption: `${f.caption} ${made}` })), result: r.output.result,
  });
  // What the panel shows while the runs go on: the plan, the progress and time left, and the figures of the runs finished so far.
  let plan: ExperimentMessage['plan'];
  let progressShown: ExperimentMessage['progress'] = { fraction: 0, message: t('starting') };
  let partial: { output: NonNullable<ExperimentMessage['output']>; done: number; total: number } | undefined;
  const postRunning = () => panel.post({ ...base, running: true, progress: progressShown, ...(plan ? { plan } : {}), ...(partial ? { output: partial.output, partial: { done: partial.done, total: partial.total } } : {}) });
  postRunning();
  const started = Date.now();
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: t('SeqLab: {0}', picked.title), cancellable: true }, async (progress, token) => {
    let reported = 0;
    const job = engine.runExperiment(picked.name, config, lang, {
      plan: (p) => {
        plan = p;
        postRunning();
      },
      progress: (fraction, message, secondsLeft) => {
        progress.report({ increment: Math.max(0, fraction * 100 - reported), message });
        reported = fraction * 100;
        progressShown = { fraction, message, secondsLeft };
        postRunning();
      },
      partial: (output, done, total) => {
        partial = { output: shown({ name: picked.name, config, output }), done, total };
        postRunning();
      },
    });
    token.onCancellationRequested(() => void job.cancel());
    try {
      const r = await job.result;
      // The finished page says how long it took, not the estimate any more.
      panel.post({ ...base, running: false, ...(plan ? { plan: { ...plan, tookSeconds: (Date.now() - started) / 1000 } } : {}), output: shown(r) }, r);
      log.info(`${picked.name}: ${r.output.headline}`);
      return r;
    } catch (err) {
      const message = errorText(err, langOf(vscode.env.language));
      const cancelled = err instanceof EngineError && err.code === 'cancelled';
      // A cancel keeps what had finished: the figures of those runs stay, said to be partial.
      panel.post({ ...base, running: false, progress: { fraction: 0, message: cancelled ? t('Stopped on request.') : message }, ...(plan ? { plan } : {}),
        ...(partial ? { output: partial.output, partial: { done: partial.done, total: partial.total, cancelled } } : {}) });
      if (!cancelled) void vscode.window.showErrorMessage(t('Experiment failed: {0}', message), t('Open Log')).then((p) => p && log.show());
      log.error(`${picked.name}: ${message}`);
      return undefined;
    }
  });
}

/** "Made with the default settings." or "Made with hidden 64 (default 128), seqLen 200 (default 100)." */
const madeWith = (fields: SettingField[], config: Record<string, unknown>) =>
  settingsNote(fields, config, { made: t('Made with {0}.'), item: t('{0} {1} (default {2})'), defaults: t('Made with the default settings.'), separator: langOf(vscode.env.language) === 'zh-cn' ? '，' : ', ' });
