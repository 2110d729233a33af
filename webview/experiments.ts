/**
 * The Experiments panel: what the chapter claims, the figures (uPlot), the numbers (a
 * table), and exports: the result as JSON or CSV, each figure as PNG or SVG.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-collapsible/index.js';
import '@vscode-elements/elements/dist/vscode-form-helper/index.js';
import uPlot from 'uplot';
import type { ExperimentFigure, ExperimentFormMessage, ExperimentMessage, FlowWorkerReply, FlowWorkerRequest } from './protocol';
import { changedSettings, fieldProblem, formatSettingValue as fmt, parseStateString, settingsNote, stateString, valueAt, type SettingField } from '../engine/experiments/settingFields';
import { placeLabels } from '../engine/experiments/markLabels';
import { diagramSvg, figureSvg, figureYRanges, hasBandWidth, heatmapRange, plotValue, yAxisLabel, yTicks } from '../engine/experiments/figureSvg';
import { clock, formatCell, powerOfTen } from './format';
import { connect, el } from './vscodeApi';
import { css, forgetThemeColours, lineColour, themeRgb, withAlpha } from './themeColours';

let strings: Record<string, string> = {};
// The settings form above, the result (figures, tables) under it: a new result leaves the form as the student left it.
const page = document.getElementById('root')!;
const formHost = el('section', { id: 'settings-form' });
const root = el('section', { id: 'result' });
page.append(formHost, root);
const charts: uPlot[] = [];
/** A figure takes the result column's width (less its padding): the panel's, or the playground's right-hand column. */
const figureWidth = () => Math.max(200, root.clientWidth - 24);
const FIGURE_HEIGHT = 260;
interface PanelState { last?: ExperimentMessage; form?: ExperimentFormMessage }
const api = connect<PanelState>((m) => {
  if (m.type === 'init') {
    strings = m.strings;
    // Drawn at once from the webview's own state; the host sends its copy (what exports use) after `ready`.
    // A message that came before the strings is drawn again with them.
    const saved = shown ?? api.getState()?.last;
    const savedForm = form ?? api.getState()?.form;
    drawnKey = '';
    if (savedForm) drawForm(savedForm);
    if (saved) render(saved);
  } else if (m.type === 'experiment') {
    if (!m.running) api.setState({ ...api.getState(), last: m });
    render(m);
    updateRunButton();
  } else if (m.type === 'experimentForm') {
    api.setState({ ...api.getState(), form: m });
    drawForm(m);
  }
});

/** The form drawn, and its values as the student left them (kept in the webview's state across reloads). */
let form: ExperimentFormMessage | undefined;
const problems = new Map<string, string>();

function setValueAt(config: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const [head, ...rest] = key.split('.');
  if (!rest.length) return { ...config, [head]: value };
  return { ...config, [head]: setValueAt((config[head] as Record<string, unknown>) ?? {}, rest.join('.'), value) };
}


/** An experiment's settings: a field per setting (slider and number, dropdown, check boxes), its hint, its problem, and whether it was changed. */
function drawForm(m: ExperimentFormMessage): void {
  form = m;
  problems.clear();
  const values = m.values;
  const groups = m.fields.map((f) => fieldGroup(f, valueAt(values, f.key)));
  const run = el('vscode-button', { id: 'run-experiment' }, strings.runExperiment ?? 'Run');
  run.addEventListener('click', () => {
    if (!form || problems.size || shown?.running) return;
    api.postMessage({ type: 'runExperiment', name: form.name, config: form.values });
    // The settings fold away and the progress, then the result, come into view (the playground keeps its form beside its figures).
    if (form.name !== PLAYGROUND) {
      box.removeAttribute('open');
      revealResult = true;
    }
  });
  const reset = el('vscode-button', { id: 'reset-settings', secondary: '' }, strings.resetDefaults ?? 'Reset to defaults');
  reset.addEventListener('click', () => {
    if (!form) return;
    let v = { ...form.values };
    for (const f of form.fields) v = setValueAt(v, f.key, f.default);
    saveForm({ ...form, values: v });
    drawForm(form);
  });
  const copy = el('vscode-button', { id: 'copy-cli', secondary: '' }, strings.copyCli ?? 'Copy as CLI command');
  copy.addEventListener('click', () => form && api.postMessage({ type: 'copyExperimentCommand', name: form.name, config: form.values }));
  const torch = el('vscode-button', { id: 'open-torch-script', secondary: '', title: strings.openTorchScriptHint ?? '' }, strings.openTorchScript ?? 'Open as PyTorch Script');
  torch.addEventListener('click', () => form && !problems.size && api.postMessage({ type: 'openTorchScript', name: form.name, config: form.values }));
  // Named by its title in the student's language ("梯度随时间消失 的设置"), its name kept for scripts and tests.
  const box = el('vscode-collapsible', { id: 'settings-box', 'data-experiment': m.name, title: (strings.experimentSettings ?? 'Settings of {0}').replace('{0}', m.title || m.name), open: '' },
    el('p', { class: 'form-help' }, strings.settingsHelp ?? ''),
    el('div', { class: 'settings-grid' }, ...groups),
    el('p', { id: 'changed-line', class: 'label' }),
    el('div', { class: 'controls' }, run, reset, copy, ...(m.torchScript ? [torch] : [])),
    ...(m.name === PLAYGROUND ? [playgroundControls()] : []));
  formHost.replaceChildren(box);
  // The playground's layout: the settings beside the figures, which stay in view while a slider moves.
  document.body.classList.toggle('playground', m.name === PLAYGROUND);
  updateChanged();
  updateRunButton();
  requestPreview(); // the playground draws at once, and again for a reset or a pasted state
}

function saveForm(next: ExperimentFormMessage): void {
  form = next;
  api.setState({ ...api.getState(), form: next });
}

/**
 * The gradient-flow playground's live mode: every change asks the panel's web worker
 * (flowWorker.ts) for the new picture. At most one request is in flight; changes made
 * meanwhile are sent, latest only, when its answer arrives, so a fast drag never builds a
 * queue and the picture follows the slider. The previous picture stays until the new one is
 * drawn (a longer one says it is computing).
 */
const PLAYGROUND = 'gradient-flow';
const ACROSS_SEEDS = 5;
const isPlayground = () => form?.name === PLAYGROUND;
let previewSeq = 0;
let previewInFlight = false;
let previewWanted = false;
/** When the change being computed was made (for "drawn N ms after your change"). */
let changedAt = 0;
let slowTimer: ReturnType<typeof setTimeout> | undefined;
/** The gradient curve last drawn and its settings: drawn faint under the next one. */
let previousCurve: { y: Array<number | null>; state: string } | undefined;
let shownCurve: { y: Array<number | null>; state: string } | undefined;

let worker: Promise<Worker> | undefined;

/** The playground's worker, started once from a blob of its script's text (a webview cannot start one from its resource origin). */
function playgroundWorker(): Promise<Worker> {
  worker ??= fetch(page.dataset.worker ?? '')
    .then((r) => (r.ok ? r.text() : Promise.reject(new Error(`${r.status} ${r.statusText}`))))
    .then((code) => {
      const w = new Worker(URL.createObjectURL(new Blob([code], { type: 'text/javascript' })));
      w.onmessage = (e: MessageEvent<FlowWorkerReply>) => previewArrived(e.data);
      w.onerror = (e) => previewArrived({ seq: previewSeq, error: e.message });
      return w;
    });
  return worker;
}

/** After the slider rests: the host keeps what is shown (exports, a reload) without a message per step. */
let restTimer: ReturnType<typeof setTimeout> | undefined;

function requestPreview(): void {
  if (!form || !isPlayground() || problems.size) return;
  if (previewInFlight) {
    previewWanted = true;
    return;
  }
  previewInFlight = true;
  previewWanted = false;
  changedAt = performance.now();
  const request: FlowWorkerRequest = { seq: ++previewSeq, config: form.values, lang: strings.lang === 'zh-cn' ? 'zh-cn' : 'en' };
  playgroundWorker().then((w) => w.postMessage(request), (err: Error) => previewArrived({ seq: request.seq, error: err.message }));
  clearTimeout(slowTimer);
  // Past 150 ms the student should know the new picture is coming (the old one stays meanwhile).
  slowTimer = setTimeout(() => {
    const status = document.getElementById('flow-status');
    if (status) status.textContent = strings.computingPreview ?? 'Computing…';
  }, 150);
}

function previewArrived(m: FlowWorkerReply): void {
  previewInFlight = false;
  clearTimeout(slowTimer);
  const status = document.getElementById('flow-status');
  if (m.error || !m.output) {
    if (status) status.textContent = m.error ?? '';
  } else if (!previewWanted) {
    // Draw only the latest setting's picture: a newer change is computed next anyway.
    const state = form ? stateString(form.fields, form.values) : '';
    const gradient = m.output.figures.find((f) => f.id === 'gradient');
    if (gradient && shownCurve && shownCurve.state !== state) previousCurve = shownCurve;
    if (gradient) shownCurve = { y: gradient.series[0].y, state };
    // Each caption ends with the settings that made it, as a run's captions do (the host adds it there).
    const made = form ? settingsNote(form.fields, form.values, { made: strings.madeWith ?? 'Made with {0}.', item: strings.madeWithItem ?? '{0} {1} (default {2})', defaults: strings.madeWithDefaults ?? 'Made with the default settings.', separator: strings.lang === 'zh-cn' ? '，' : ', ' }) : '';
    const withNote = { ...m.output, figures: m.output.figures.map((f) => ({ ...f, caption: `${f.caption} ${made}` })) };
    const output = previousCurve && gradient && previousCurve.state !== state
      ? { ...withNote, figures: withNote.figures.map((f) => (f.id === 'gradient' ? { ...f, series: [{ name: `${strings.previousSetting ?? 'previous setting'} (${previousCurve!.state})`, y: previousCurve!.y, faint: true }, ...f.series] } : f)) }
      : withNote;
    const message: ExperimentMessage = { type: 'experiment', title: shown?.title ?? form?.title ?? '', description: shown?.description ?? form?.description ?? '', running: false, output };
    api.setState({ ...api.getState(), last: message });
    const arrived = performance.now();
    if (!updateInPlace(message)) render(message);
    const drawnMs = performance.now() - changedAt;
    document.body.dataset.previewRoundTripMs = String(Math.round(arrived - changedAt));
    document.body.dataset.previewRenderMs = String(Math.round(performance.now() - arrived));
    const seconds = (m.output.result as { seconds?: number } | undefined)?.seconds ?? 0;
    if (status) status.textContent = (strings.previewTime ?? 'Computed in {0} ms, drawn {1} ms after your change.').replace('{0}', String(Math.round(seconds * 1000))).replace('{1}', String(Math.round(drawnMs)));
    document.body.dataset.previewMs = String(Math.round(drawnMs));
    document.body.dataset.previewSeq = String(m.seq);
    clearTimeout(restTimer);
    restTimer = setTimeout(() => api.postMessage({ type: 'playgroundShown', message }), 400);
  }
  if (previewWanted) requestPreview();
}

/** Under the playground's form: its state string (copy, paste and apply), Run across seeds, and what the live mode is doing. */
function playgroundControls(): HTMLElement {
  const state = el('vscode-textfield', { id: 'flow-state', value: form ? stateString(form.fields, form.values) : '', 'aria-label': strings.playgroundState ?? 'State' }) as HTMLElement & { value: string };
  const problem = el('vscode-form-helper', { id: 'flow-state-problem', class: 'problem' });
  const apply = () => {
    if (!form) return;
    const parsed = parseStateString(form.fields, state.value, (en, zh) => (strings.lang === 'zh-cn' ? zh : en));
    if ('error' in parsed) {
      problem.textContent = parsed.error;
      return;
    }
    problem.textContent = '';
    saveForm({ ...form, values: { ...form.values, ...parsed.values } });
    drawForm(form);
  };
  state.addEventListener('keydown', (e) => {
    if ((e as KeyboardEvent).key === 'Enter') apply();
  });
  const applyButton = el('vscode-button', { id: 'apply-state', secondary: '' }, strings.applyState ?? 'Apply');
  applyButton.addEventListener('click', apply);
  const copyButton = el('vscode-button', { id: 'copy-state', secondary: '' }, strings.copyState ?? 'Copy state');
  copyButton.addEventListener('click', () => {
    void navigator.clipboard?.writeText(state.value).catch(() => undefined);
    problem.textContent = (strings.stateCopied ?? 'Copied the state: {0}').replace('{0}', state.value);
  });
  const seeds = el('vscode-button', { id: 'run-seeds' }, (strings.runAcrossSeeds ?? 'Run across {0} seeds').replace('{0}', String(ACROSS_SEEDS)));
  seeds.addEventListener('click', () => {
    if (!form || problems.size || shown?.running) return;
    api.postMessage({ type: 'runExperiment', name: form.name, config: { ...form.values, seeds: Math.max(ACROSS_SEEDS, Number(valueAt(form.values, 'seeds')) || 1) } });
  });
  return el('div', { id: 'playground', class: 'playground' },
    el('p', { class: 'form-help' }, strings.playgroundHelp ?? ''),
    el('label', { for: 'flow-state', class: 'setting-name' }, strings.playgroundState ?? 'State'),
    el('div', { class: 'slider-row' }, state, applyButton, copyButton),
    problem,
    el('div', { class: 'controls' }, seeds),
    el('p', { id: 'flow-status', class: 'label', 'aria-live': 'polite' }));
}

/** The state string follows the form. */
function updateStateString(): void {
  const field = document.getElementById('flow-state') as (HTMLElement & { value: string }) | null;
  if (field && form) field.value = stateString(form.fields, form.values);
}

function updateRunButton(): void {
  const run = document.getElementById('run-experiment') as (HTMLElement & { disabled: boolean }) | null;
  if (run) run.disabled = problems.size > 0 || shown?.running === true;
}

/** Marks the changed fields and says, under the form, which settings differ from the defaults. */
function updateChanged(): void {
  if (!form) return;
  const changed = new Map(changedSettings(form.fields, form.values));
  for (const f of form.fields) document.getElementById(`group-${f.key}`)?.classList.toggle('changed', changed.has(f.key));
  const line = document.getElementById('changed-line');
  if (line) {
    line.textContent = changed.size
      ? `${strings.changedSettings ?? 'Changed from the defaults:'} ${[...changed].map(([k, v]) => { const f = form!.fields.find((x) => x.key === k)!; return (strings.madeWithItem ?? '{0} {1} (default {2})').replace('{0}', f.label || k).replace('{1}', fmt(v)).replace('{2}', fmt(f.default)); }).join(' · ')}`
      : (strings.defaultSettings ?? 'Default settings.');
  }
}

function fieldGroup(f: SettingField, value: unknown): HTMLElement {
  const id = `setting-${f.key.replace(/\./g, '-')}`;
  const problem = el('vscode-form-helper', { class: 'problem', id: `${id}-problem` });
  const set = (v: unknown) => {
    if (!form) return;
    const msg = fieldProblem(f, v, (en, zh) => (strings.lang === 'zh-cn' ? zh : en));
    problem.textContent = msg ?? '';
    if (msg) problems.set(f.key, msg);
    else problems.delete(f.key);
    saveForm({ ...form, values: setValueAt(form.values, f.key, v) });
    updateChanged();
    updateRunButton();
    updateStateString();
    requestPreview();
  };
  const range = f.kind === 'number' || f.kind === 'numbers' ? [f.min !== undefined ? `≥ ${f.min}` : '', f.kind === 'number' && f.exclusiveMin !== undefined ? `> ${f.exclusiveMin}` : '', f.max !== undefined ? `≤ ${f.max}` : ''].filter(Boolean).join(', ') : '';
  // The setting by its name in the student's language, its unit and range beside it; the key (for --set and the state string) on hover.
  const reading = [f.unit, range].filter(Boolean).join(strings.lang === 'zh-cn' ? '，' : ', ');
  const label = el('label', { for: id, class: 'setting-name', title: f.key }, f.label || f.key, el('span', { class: 'changed-dot', title: strings.changedMark ?? 'changed' }, ' ●'), reading ? el('span', { class: 'label setting-unit' }, strings.lang === 'zh-cn' ? `（${reading}）` : ` (${reading})`) : '');
  let input: HTMLElement;
  if (f.kind === 'number') {
    // A whole number is an <input type=number> with step 1; a fraction is text typed as decimals: vscode-textfield
    // reads `step` as a Number, so "any" became NaN, the browser's step 1, and 1.1 showed as invalid (red).
    const field = el('vscode-textfield', f.integer ? { id, type: 'number', value: String(value), step: '1' } : { id, type: 'text', inputmode: 'decimal', value: String(value) }) as HTMLElement & { value: string };
    const read = (raw: string) => (raw.trim() === '' ? NaN : Number(raw));
    if (f.slider) {
      const lo = f.min ?? f.exclusiveMin ?? 0;
      const slider = el('input', { type: 'range', id: `${id}-slider`, min: String(lo), max: String(f.max), step: f.integer ? '1' : String((f.max! - lo) / 200), value: String(value), 'aria-label': f.label || f.key }) as HTMLInputElement;
      slider.addEventListener('input', () => {
        field.value = slider.value;
        set(Number(slider.value));
      });
      field.addEventListener('input', () => {
        const v = read(field.value);
        if (Number.isFinite(v)) slider.value = String(v);
        set(v);
      });
      input = el('div', { class: 'slider-row' }, slider, field);
    } else {
      field.addEventListener('input', () => set(read(field.value)));
      input = field;
    }
  } else if (f.kind === 'enum') {
    const select = el('vscode-single-select', { id }) as HTMLElement & { value: string };
    for (const o of f.options) select.append(el('vscode-option', { value: o }, o));
    select.value = String(value);
    select.addEventListener('change', () => set(select.value));
    input = select;
  } else if (f.kind === 'boolean') {
    const box = el('vscode-checkbox', { id, label: f.label || f.key, ...(value ? { checked: '' } : {}) }) as HTMLElement & { checked: boolean };
    box.addEventListener('change', () => set(box.checked));
    input = box;
  } else if (f.kind === 'choices') {
    const picked = new Set(Array.isArray(value) ? value.map(String) : []);
    const boxes = f.options.map((o) => {
      const box = el('vscode-checkbox', { id: `${id}-${o}`, label: o, ...(picked.has(o) ? { checked: '' } : {}) }) as HTMLElement & { checked: boolean };
      box.addEventListener('change', () => {
        if (box.checked) picked.add(o);
        else picked.delete(o);
        set(f.options.filter((x) => picked.has(x))); // in the schema's order
      });
      return box;
    });
    input = el('div', { id, class: 'choices' }, ...boxes);
  } else if (f.kind === 'text') {
    const field = el('vscode-textfield', { id, value: String(value ?? ''), ...(f.maxLength !== undefined ? { maxlength: String(f.maxLength) } : {}) }) as HTMLElement & { value: string };
    field.addEventListener('input', () => set(field.value));
    input = field;
  } else {
    const field = el('vscode-textfield', { id, value: Array.isArray(value) ? value.join(', ') : '' }) as HTMLElement & { value: string };
    field.addEventListener('input', () => set(field.value.split(',').map((x) => x.trim()).filter(Boolean).map(Number)));
    input = field;
  }
  return el('div', { class: 'setting', id: `group-${f.key}` }, label, input, el('vscode-form-helper', { class: 'hint' }, f.hint), problem);
}

// Purple before red: the theme's orange (#EA5C00) and red (#F14C4C) side by side in a four-series
// figure were hard to tell apart, and red is the colour of the crossing marks.
const PALETTE = ['--vscode-charts-blue', '--vscode-charts-orange', '--vscode-charts-green', '--vscode-charts-purple', '--vscode-charts-red', '--vscode-charts-yellow', '--vscode-foreground'];
/** A series' line colour: the palette in order of the series that are not faint; a faint one is the theme's muted text colour, see-through. */
function seriesColour(f: ExperimentFigure, i: number): string {
  if (f.series[i].faint) return withAlpha('--vscode-descriptionForeground', 0.55);
  const k = f.series.slice(0, i).filter((sr) => !sr.faint).length;
  // A figure with marks leaves red to them: six series would otherwise make the fifth line red.
  const palette = f.marks?.length ? PALETTE.filter((c) => c !== '--vscode-charts-red') : PALETTE;
  return lineColour(palette[k % palette.length]);
}

/** Units down, time along, the theme's blue from faint (smallest) to strong (largest); axes, their labels and a colour bar. */
function drawHeatmap(f: ExperimentFigure, host: HTMLElement, scale: HTMLElement): void {
  const hm = f.heatmap!;
  const cols = f.x.length;
  const rows = hm.y.length;
  const { value, lo, hi } = heatmapRange(f);
  const width = figureWidth();
  const height = Math.min(340, Math.max(180, rows * 4 + 60));
  const L = 56, R = 8, T = 6, B = 44;
  const dpr = window.devicePixelRatio || 1;
  const canvas = el('canvas', { width: String(Math.round(width * dpr)), height: String(Math.round(height * dpr)), style: `width: ${width}px; height: ${height}px` }) as HTMLCanvasElement;
  host.replaceChildren(canvas);
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.scale(dpr, dpr);
  const cw = (width - L - R) / cols;
  const ch = (height - T - B) / rows;
  const [r, g, b] = themeRgb('--vscode-charts-blue');
  // One pixel per cell, scaled up without smoothing: a fillRect with a colour string per cell cost ~20 ms a picture.
  const cells = new ImageData(cols, rows);
  for (let row = 0; row < rows; row++) {
    for (let i = 0; i < cols; i++) {
      const x = value(hm.values[row * cols + i]);
      if (x === null) continue;
      const at = (row * cols + i) * 4;
      cells.data[at] = r;
      cells.data[at + 1] = g;
      cells.data[at + 2] = b;
      cells.data[at + 3] = Math.round(255 * (0.06 + (0.94 * (x - lo)) / (hi - lo)));
    }
  }
  const small = document.createElement('canvas');
  small.width = cols;
  small.height = rows;
  small.getContext('2d')?.putImageData(cells, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(small, L, T, cw * cols, ch * rows);
  ctx.strokeStyle = css('--vscode-editorWidget-border');
  ctx.strokeRect(L - 0.5, T - 0.5, width - L - R + 1, height - T - B + 1);
  ctx.fillStyle = css('--vscode-foreground');
  ctx.font = `11px ${css('--vscode-font-family')}`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  const xTicks = Math.min(cols, 6);
  for (let k = 0; k < xTicks; k++) {
    const i = Math.round((k * (cols - 1)) / Math.max(1, xTicks - 1));
    ctx.fillText(String(f.x[i]), L + (i + 0.5) * cw, height - B + 4);
  }
  ctx.fillText(f.xLabel, L + (width - L - R) / 2, height - B + 22);
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  const yTicksCount = Math.min(rows, 5);
  for (let k = 0; k < yTicksCount; k++) {
    const row = Math.round((k * (rows - 1)) / Math.max(1, yTicksCount - 1));
    ctx.fillText(String(hm.y[row]), L - 6, T + (row + 0.5) * ch);
  }
  ctx.save();
  ctx.translate(12, T + (height - T - B) / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textAlign = 'center';
  ctx.fillText(f.yLabel, 0, 0);
  ctx.restore();
  host.dataset.range = `${lo},${hi}`;
  // The colour bar: the same blue from the smallest value to the largest, its ends named.
  const BAR = 200;
  const bar = el('canvas', { width: String(BAR), height: '12', 'aria-hidden': 'true' }) as HTMLCanvasElement;
  const bctx = bar.getContext('2d');
  if (bctx) for (let x = 0; x < BAR; x++) {
    bctx.fillStyle = `rgba(${r}, ${g}, ${b}, ${(0.06 + (0.94 * (x + 0.5)) / BAR).toFixed(3)})`;
    bctx.fillRect(x, 0, 1, 12);
  }
  const end = (v: number) => (hm.log ? `1e${v.toFixed(1).replace(/\.0$/, '')}` : formatCell(v));
  scale.replaceChildren(el('div', { class: 'bar-wrap' }, bar, el('div', { class: 'bar-ends' }, el('span', { class: 'bar-min' }, end(lo)), el('span', { class: 'bar-max' }, end(hi)))),
    el('span', { class: 'label bar-sentence' }, `${(strings.heatmapScale ?? 'colour: log10 of {0}, from {1} to {2}').replace('{0}', hm.valueLabel).replace('{1}', end(lo)).replace('{2}', end(hi))}; ${strings.heatmapZero ?? 'blank: exactly 0'}`));
}

/** A compact legend: a line sample (dashed, dotted) and the name of each series and reference. */
function legend(f: ExperimentFigure): HTMLElement {
  const items = f.series.map((sr, i) => {
    const sample = el('span', { class: `swatch series${sr.dash ? ' dashed' : ''}${sr.points ? ' dotted' : ''}`, style: `border-color: ${seriesColour(f, i)}; color: ${seriesColour(f, i)}` });
    return el('span', { class: `legend-item${sr.faint ? ' faint' : ''}` }, sample, sr.name);
  });
  for (const r of f.references ?? []) items.push(el('span', { class: 'legend-item' }, el('span', { class: 'swatch dashed', style: 'border-color: var(--vscode-descriptionForeground)' }), r.name));
  if (hasBandWidth(f)) items.push(el('span', { class: 'legend-item' }, el('span', { class: 'swatch band' }), strings.bandLegend ?? 'shaded: range over seeds (line: mean)'));
  return el('div', { class: 'legend', role: 'list', id: `legend-${f.id}` }, ...items);
}

/**
 * Draws the marks (events on a series) as a ring and a label, over the plot; the labels are
 * placed by `placeLabels` (next to their own marker, inside the plot, apart). The placement,
 * in CSS pixels of the canvas, is kept on the figure's element for the UI scenarios to check.
 */
function marksPlugin(f: ExperimentFigure): uPlot.Plugin {
  const tr = plotValue(f);
  return {
    hooks: {
      draw: [(u: uPlot) => {
        const ctx = u.ctx;
        const dpr = devicePixelRatio;
        ctx.save();
        const colour = lineColour('--vscode-charts-red');
        ctx.strokeStyle = colour;
        ctx.fillStyle = colour;
        ctx.lineWidth = 2 * dpr;
        ctx.font = `${11 * dpr}px ${css('--vscode-font-family')}`;
        const marks = (f.marks ?? []).flatMap((m) => {
          const y = tr(m.y);
          return y === null ? [] : [{ x: u.valToPos(m.x, 'x', true), y: u.valToPos(y, 'y', true), label: m.label }];
        });
        const area = { left: u.bbox.left, top: u.bbox.top, right: u.bbox.left + u.bbox.width, bottom: u.bbox.top + u.bbox.height };
        const labels = placeLabels(marks, area, (t) => ctx.measureText(t).width, { lineHeight: 14 * dpr, gap: 8 * dpr, markerRadius: 6 * dpr });
        ctx.textAlign = 'left';
        ctx.textBaseline = 'top';
        for (const l of labels) {
          ctx.beginPath();
          ctx.arc(l.anchor.x, l.anchor.y, 5 * dpr, 0, 2 * Math.PI);
          ctx.stroke();
          // A label pushed away from its marker is tied to it by a thin line.
          const nx = Math.min(Math.max(l.anchor.x, l.left), l.left + l.width);
          const ny = Math.min(Math.max(l.anchor.y, l.top), l.top + l.height);
          if (Math.hypot(nx - l.anchor.x, ny - l.anchor.y) > 16 * dpr) {
            ctx.save();
            ctx.lineWidth = 1 * dpr;
            ctx.globalAlpha = 0.6;
            ctx.beginPath();
            ctx.moveTo(l.anchor.x, l.anchor.y);
            ctx.lineTo(nx, ny);
            ctx.stroke();
            ctx.restore();
          }
          // A backdrop in the editor's colour keeps the text legible over the lines it crosses.
          ctx.save();
          ctx.globalAlpha = 0.85;
          ctx.fillStyle = css('--vscode-editor-background') || 'transparent';
          ctx.fillRect(l.left - 2 * dpr, l.top, l.width + 4 * dpr, l.height);
          ctx.restore();
          l.lines.forEach((line, i) => ctx.fillText(line, l.left, l.top + i * 14 * dpr + 1 * dpr));
        }
        ctx.restore();
        const host = u.root.closest('.figure') as HTMLElement | null;
        if (host) {
          const px = (v: number) => Math.round(v / dpr);
          host.dataset.marks = JSON.stringify({
            plot: { left: px(area.left), top: px(area.top), right: px(area.right), bottom: px(area.bottom) },
            labels: labels.map((l) => ({ text: l.lines.join(' '), left: px(l.left), top: px(l.top), width: px(l.width), height: px(l.height), anchor: { x: px(l.anchor.x), y: px(l.anchor.y) } })),
          });
        }
      }],
    },
  };
}


/** "18 runs on 2 worker threads; about 0:13 on this machine (…)": what will run and about how long. */
function planLine(m: ExperimentMessage): string {
  const p = m.plan!;
  if (p.tookSeconds !== undefined) {
    if (p.runs === 1 && p.tookSeconds < 1) return strings.planOneQuick ?? ''; // "took 0:00" says less than "under a second"
    const done = p.runs === 1 ? strings.planOneDone : p.estimateSeconds === null ? strings.planDoneNoEstimate : strings.planDone;
    return (done ?? '').replace('{0}', String(p.runs)).replace('{1}', String(p.threads)).replace('{2}', clock(p.tookSeconds)).replace('{3}', clock(p.estimateSeconds ?? 0));
  }
  const template = p.runs === 1
    ? (p.estimateSeconds === null ? strings.planOneNoEstimate : p.estimateSeconds < 1 ? strings.planOneQuick : strings.planOne)
    : (p.estimateSeconds === null ? strings.planNoEstimate : strings.planLine);
  return (template ?? '').replace('{0}', String(p.runs)).replace('{1}', String(p.threads)).replace('{2}', clock(p.estimateSeconds ?? 0)).replace('{3}', clock(p.estimateSeconds ?? 0));
}

function progressText(m: ExperimentMessage): string {
  if (!m.running) return m.progress?.message ?? '';
  const left = m.progress?.secondsLeft;
  return `${strings.running ?? 'Running…'} ${m.progress?.message ?? ''}${left !== undefined && left !== null ? ` · ${(strings.aboutLeft ?? 'about {0} left').replace('{0}', clock(left))}` : ''}`;
}

/** What is drawn, apart from the progress: the same key is only a progress update, done in place (no flicker, no chart rebuilt). */
let drawnKey = '';
const drawnKeyOf = (m: ExperimentMessage) => `${m.title}|${m.running}|${m.partial?.done ?? ''}|${m.output?.headline ?? ''}|${m.plan?.runs ?? ''}`;

/** A table cell: a shape or a number never wraps; a text of several lines or many words is prose (left, its breaks kept); `extra`: a class of its own. */
function tableCell(tag: 'th' | 'td', v: string | number, extra?: string): HTMLElement {
  return el(tag, typeof v === 'number' || /^\([\d, ]+\)$/.test(v) ? { class: 'nowrap' }
    : extra ? { class: extra } : tag === 'td' && (v.includes('\n') || v.length > 60) ? { class: 'prose' } : {}, formatCell(v));
}

/** Set by Run: the progress and then the result are scrolled into view as they come. */
let revealResult = false;

function render(m: ExperimentMessage): void {
  renderMessage(m);
  if (!revealResult) return;
  const target = document.getElementById(m.running ? 'progress-message' : 'headline');
  target?.scrollIntoView({ block: m.running ? 'nearest' : 'start' });
  if (!m.running && m.output) revealResult = false;
}

function renderMessage(m: ExperimentMessage): void {
  shown = m;
  const key = drawnKeyOf(m);
  const bar = document.getElementById('progress') as (HTMLElement & { value: number }) | null;
  const message = document.getElementById('progress-message');
  if (m.running && key === drawnKey && message) {
    if (bar) bar.value = m.progress?.fraction ?? 0;
    message.textContent = progressText(m);
    return;
  }
  drawnKey = key;
  charts.splice(0).forEach((c) => c.destroy());
  // The playground puts its figures right under the headline (they change as the sliders move); its long description goes last, folded.
  const playgroundView = isPlayground() && m.output?.name === PLAYGROUND && !m.running;
  // A paragraph per line of the description (the chapter's page puts each word of its vocabulary on a line of its own).
  const paragraphs = () => m.description.split('\n').filter((line) => line.trim()).map((line) => el('p', { class: 'label' }, line));
  const description = playgroundView ? el('details', { id: 'about' }, el('summary', {}, strings.aboutPlayground ?? 'About this playground'), ...paragraphs()) : el('div', { class: 'description' }, ...paragraphs());
  const parts: HTMLElement[] = playgroundView ? [el('h2', {}, m.title)] : [el('h2', {}, m.title), description];
  if (m.plan) parts.push(el('p', { id: 'plan', class: 'plan' }, planLine(m), el('br'), el('span', { class: 'label' }, m.plan.summary)));
  if (m.running || !m.output) {
    parts.push(el('p', { id: 'progress-message', 'aria-live': 'polite' }, progressText(m)));
    if (m.running) parts.push(el('vscode-progress-bar', { id: 'progress', value: String(m.progress?.fraction ?? 0), max: '1' }));
    if (!m.output) {
      root.replaceChildren(...parts);
      return;
    }
  }
  if (m.partial) {
    const note = m.running ? (strings.partialNote ?? 'Partial: the figures and tables show the {0} of {1} runs finished so far.') : (strings.cancelledNote ?? 'Stopped after {0} of {1} runs: the figures and tables show only those.');
    parts.push(el('p', { class: 'note', id: 'partial-note' }, note.replace('{0}', String(m.partial.done)).replace('{1}', String(m.partial.total))));
  }
  const out = m.output;
  const ranges = figureYRanges(out.figures);
  figureRanges = ranges;
  chartsById.clear();
  const exportButton = (label: string, format: 'json' | 'csv' | 'md') => {
    const b = el('vscode-button', { secondary: '' }, `${strings.export ?? 'Export'} ${label}`);
    b.addEventListener('click', () => api.postMessage({ type: 'export', format }));
    return b;
  };
  // A partial result's headline has its own id: #headline is the finished experiment's.
  parts.push(el('p', { id: m.partial ? 'partial-headline' : 'headline' }, out.headline), ...(m.running ? [] : [el('div', { class: 'controls' }, exportButton('JSON', 'json'), exportButton('CSV', 'csv'), ...(out.name === 'chapter' ? [exportButton('Markdown', 'md')] : []))]));
  const tableOf = (rows: Array<Array<string | number>>, id: string, runs?: NonNullable<typeof out.rowRuns>, verdicts?: typeof out.verdicts) => {
    // A table with run buttons (the chapter's) stacks its rows in a narrow panel, each cell under its column's name.
    const table = el('table', { class: runs ? 'saturated results with-runs' : 'saturated results', id });
    rows.forEach((row, i) => {
      // The chapter's verdict column takes its verdict's colour (from the row's verdict, never from its words).
      const verdict = i > 0 && verdicts ? verdicts.rows[i - 1] : undefined;
      const tr = el('tr', {}, ...row.map((v, j) => {
        const cell = tableCell(i === 0 ? 'th' : 'td', v, verdict && j === verdicts!.column ? `verdict-${verdict}` : undefined);
        if (runs && i > 0 && rows[0][j] !== undefined) cell.dataset.label = String(rows[0][j]);
        return cell;
      }));
      // A row's experiments, each a button that runs it with the settings behind the row.
      // The run's name is text that wraps, its buttons short: buttons named "Run The adding problem: memory
      // across a sequence" kept the column wider than the panel, and its right edge was cut off.
      if (runs && i > 0) tr.append(el('td', { class: 'row-runs' }, ...(runs[i - 1] ?? []).map((r) => {
        const named = (strings.runNamed ?? 'Run {0}').replace('{0}', r.label ?? r.name);
        const b = el('vscode-button', { secondary: '', class: 'row-run', 'data-experiment': r.name, title: named, 'aria-label': named }, strings.runExperiment ?? 'Run');
        b.addEventListener('click', () => api.postMessage({ type: 'runExperiment', name: r.name, config: r.config }));
        const buttons = [b];
        if (r.torchScript) {
          // The same run as a standalone PyTorch script, with the check's settings as its defaults.
          const script = el('vscode-button', { secondary: '', class: 'row-torch', 'data-experiment': r.name, title: strings.openTorchScriptHint ?? '' }, strings.torchScriptNamed ?? 'PyTorch script');
          script.addEventListener('click', () => api.postMessage({ type: 'openTorchScript', name: r.name, config: r.config }));
          buttons.push(script);
        }
        return el('div', { class: 'row-run-pair' }, el('span', { class: 'row-run-label' }, r.label ?? r.name), el('span', { class: 'row-run-buttons' }, ...buttons));
      })));
      else if (runs && i === 0) tr.append(el('th', {}, ''));
      table.append(tr);
    });
    return table;
  };
  const tableParts: HTMLElement[] = [];
  if (out.tableTitle) tableParts.push(el('h3', { class: 'table-title' }, out.tableTitle));
  tableParts.push(tableOf(out.table, 'results', out.rowRuns, out.verdicts));
  (out.tables ?? []).forEach((t, i) => tableParts.push(el('h3', { class: 'table-title' }, t.title), tableOf(t.table, `results-${i + 2}`)));
  if (!playgroundView) parts.push(...tableParts);
  const figureHosts: Array<[ExperimentFigure, HTMLElement]> = [];
  for (const f of out.figures) {
    const host = el('div', { class: 'figure', id: `figure-${f.id}`, role: 'img', 'aria-label': `${f.title}. ${f.caption}`, ...(f.logY ? { 'data-scale': 'log' } : { 'data-scale': 'linear' }), ...(f.shareY ? { 'data-share-y': f.shareY } : {}) });
    const png = el('vscode-button', { secondary: '' }, 'PNG');
    const svg = el('vscode-button', { secondary: '' }, 'SVG');
    png.addEventListener('click', () => {
      const canvas = host.querySelector('canvas');
      if (canvas) api.postMessage({ type: 'export', format: 'png', figureId: f.id, data: canvas.toDataURL('image/png') });
    });
    svg.addEventListener('click', () => api.postMessage({ type: 'export', format: 'svg', figureId: f.id, data: figureSvg(f, ranges.get(f.id)!, (en, zh) => (strings.lang === 'zh-cn' ? zh : en)) }));
    parts.push(el('h3', { id: `title-${f.id}` }, f.title), el('p', { class: 'caption', id: `caption-${f.id}` }, f.caption), el('div', { class: 'controls' }, ...(f.diagram ? [svg] : [png, svg])));
    if (!f.diagram && !f.heatmap) parts.push(legend(f));
    parts.push(host);
    if (f.heatmap) parts.push(el('div', { class: 'colour-bar', id: `figure-${f.id}-scale` }));
    figureHosts.push([f, host]);
  }
  if (playgroundView) parts.push(...tableParts, description);
  parts.push(el('details', {}, el('summary', {}, 'config'), el('pre', {}, JSON.stringify(out.config, (k, v) => (k === 'text' && typeof v === 'string' ? `<${v.length} characters>` : v), 2))));
  root.replaceChildren(...parts);
  for (const [f, host] of figureHosts) {
    if (f.heatmap) {
      drawHeatmap(f, host, document.getElementById(`figure-${f.id}-scale`)!);
      continue;
    }
    if (f.diagram) {
      // Our own drawing from numbers (no user text in it), in the theme's colours.
      host.innerHTML = diagramSvg(f, { fg: css('--vscode-foreground'), muted: css('--vscode-descriptionForeground'), h: lineColour('--vscode-charts-blue'), c: lineColour('--vscode-charts-orange'), bg: css('--vscode-editor-background') });
      continue;
    }
    const axis = { stroke: css('--vscode-foreground'), grid: { stroke: css('--vscode-editorWidget-border') }, ticks: { stroke: css('--vscode-editorWidget-border') } };
    const refs = f.references ?? [];
    const range = ranges.get(f.id)!;
    // Each band is two invisible series (max, min) drawn first, filled between by uPlot; then the lines, then the references.
    const banded = f.series.map((sr, i) => [sr, i] as const).filter(([sr]) => sr.band);
    const data = chartData(f);
    charts.push(new uPlot({
      width: figureWidth(), height: FIGURE_HEIGHT,
      legend: { show: false }, // the compact legend above the chart names every line
      // The range is read when drawn: an update in place (the playground) brings a new one.
      scales: { x: { time: false }, y: { range: () => figureRanges.get(f.id) ?? range } },
      axes: [
        { ...axis, label: f.xLabel },
        { ...axis, label: yAxisLabel(f), size: 60, ...(f.logY ? { splits: () => yTicks(f, range), values: (_u: uPlot, splits: number[]) => splits.map(powerOfTen) } : { values: (_u: uPlot, splits: number[]) => splits.map((v) => formatCell(v)) }) },
      ],
      bands: banded.map(([, i], k) => ({ series: [1 + 2 * k, 2 + 2 * k] as [number, number], fill: seriesColour(f, i).replace(/^rgb\((.*)\)$/, 'rgba($1, 0.18)') })),
      series: [{ label: f.xLabel }, ...banded.flatMap(([sr]) => ['max', 'min'].map((end) => ({ label: `${sr.name} (${end} over seeds)`, stroke: 'transparent', width: 0, spanGaps: true, points: { show: false } }))), ...f.series.map((sr, i) => ({
        label: sr.name, stroke: seriesColour(f, i), width: sr.faint ? 1.5 : sr.points ? 2.5 : 2, spanGaps: true,
        ...(sr.dash ? { dash: [8, 5] } : {}), points: { show: sr.points === true, size: 6, fill: seriesColour(f, i) },
      })), ...refs.map((r) => ({ label: r.name, stroke: css('--vscode-descriptionForeground'), dash: [6, 4], width: 1, points: { show: false } }))],
      plugins: [marksPlugin(f)],
    }, data, host));
    chartsById.set(f.id, charts[charts.length - 1]);
  }
}

/** A chart's columns: x, each band's max and min, each series, each reference line (in plotted units). */
function chartData(f: ExperimentFigure): uPlot.AlignedData {
  const tr = plotValue(f);
  const banded = f.series.filter((sr) => sr.band);
  return [f.x,
    ...banded.flatMap((sr) => [sr.band!.upper.map(tr), sr.band!.lower.map(tr)]) as unknown as number[][],
    ...f.series.map((sr) => sr.y.map(tr)) as unknown as number[][], ...(f.references ?? []).map((r) => f.x.map(() => tr(r.y)) as unknown as number[])];
}

/** The y ranges the charts drawn now use (replaced by an update in place). */
let figureRanges = new Map<string, [number, number]>();
const chartsById = new Map<string, uPlot>();

/**
 * The playground's next picture over the current one, when it has the same figures and
 * series: new numbers into the same charts (uPlot's setData), new words into the same
 * elements. Rebuilding four charts took 25-90 ms of each slider step in the test VS Code;
 * this takes a few. Returns false when it cannot (then the page is drawn anew).
 */
function updateInPlace(m: ExperimentMessage): boolean {
  const before = shown?.output;
  const out = m.output;
  if (!before || !out || shown?.running || m.running || m.partial || before.figures.length !== out.figures.length) return false;
  const same = out.figures.every((f, i) => {
    const b = before.figures[i];
    return b.id === f.id && !f.diagram && b.series.length === f.series.length && f.series.every((sr, k) => !!sr.band === !!b.series[k].band)
      && (f.references ?? []).length === (b.references ?? []).length && (!!f.heatmap === !!b.heatmap) && (f.heatmap || chartsById.has(f.id));
  });
  if (!same) return false;
  shown = m;
  drawnKey = drawnKeyOf(m);
  const headline = document.getElementById('headline');
  if (headline) headline.textContent = out.headline;
  const table = document.getElementById('results');
  if (table) {
    table.replaceChildren(...out.table.map((row, i) => el('tr', {}, ...row.map((v) => tableCell(i === 0 ? 'th' : 'td', v)))));
  }
  figureRanges = figureYRanges(out.figures);
  for (const f of out.figures) {
    const title = document.getElementById(`title-${f.id}`);
    if (title) title.textContent = f.title;
    const caption = document.getElementById(`caption-${f.id}`);
    if (caption) caption.textContent = f.caption;
    const host = document.getElementById(`figure-${f.id}`);
    host?.setAttribute('aria-label', `${f.title}. ${f.caption}`);
    if (f.heatmap) {
      if (host) drawHeatmap(f, host, document.getElementById(`figure-${f.id}-scale`)!);
      continue;
    }
    document.getElementById(`legend-${f.id}`)?.replaceWith(legend(f));
    chartsById.get(f.id)!.setData(chartData(f));
  }
  const config = document.querySelector('#result details pre');
  if (config) config.textContent = JSON.stringify(out.config, null, 2);
  return true;
}

// The panel resized (the window, a sash, the side bar): the charts and heatmaps take the new
// width at once. They were drawn at the old one, and a narrower panel clipped their right edge
// and the x axis's label; marks are placed again as uPlot redraws.
let drawnWidth = 0;
new ResizeObserver(() => {
  const width = figureWidth();
  if (Math.abs(width - drawnWidth) < 4) return;
  drawnWidth = width;
  for (const chart of charts) chart.setSize({ width, height: FIGURE_HEIGHT });
  for (const f of shown?.output?.figures ?? []) {
    const host = f.heatmap ? document.getElementById(`figure-${f.id}`) : null;
    if (host) drawHeatmap(f, host, document.getElementById(`figure-${f.id}-scale`)!);
  }
}).observe(root);

// VS Code marks the theme on <body>: charts took their colours from it when drawn, so draw again.
let shown: ExperimentMessage | undefined;
new MutationObserver(() => {
  forgetThemeColours();
  if (shown) render(shown);
}).observe(document.body, { attributes: true, attributeFilter: ['class'] });

api.postMessage({ type: 'ready' });
