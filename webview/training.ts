/**
 * The Training view: a one-line summary of the run's settings over the form
 * (vscode-elements), a live loss chart (uPlot) with TensorBoard's smoothing, throughput,
 * what is left of the budget, and the latest sample. Its form values come from the host and go back
 * as settings; it redraws from the host's state after being hidden or reloaded.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-form-group/index.js';
import '@vscode-elements/elements/dist/vscode-form-helper/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '@vscode-elements/elements/dist/vscode-collapsible/index.js';
import uPlot from 'uplot';
import type { FieldSpec, TrainingStatePayload } from './protocol';
import { inUnit, smooth, unitLabel } from './chartModel';
import { connect, el } from './vscodeApi';
import { css, forgetThemeColours, lineColour, withAlpha } from './themeColours';

interface ViewState { collapsed?: boolean; smoothing?: number; xAxis?: 'step' | 'time'; logY?: boolean }

let strings: Record<string, string> = {};
let chart: uPlot | undefined;
let chartKey = '';
let lastState: TrainingStatePayload | undefined;
let formValues: Record<string, unknown> = {};
const root = document.getElementById('root')!;
const api = connect<ViewState>((m) => {
  if (m.type === 'init') {
    strings = m.strings;
    formValues = { ...m.values };
    render(m.fields, m.values);
    draw(m.state);
  } else if (m.type === 'state') {
    draw(m.state);
  } else if (m.type === 'values') {
    formValues = { ...formValues, ...m.values };
    for (const [key, value] of Object.entries(m.values)) {
      const input = document.getElementById(`field-${key}`) as (HTMLElement & { value: string }) | null;
      if (input && document.activeElement !== input) input.value = String(value);
    }
    updateSummary();
  } else if (m.type === 'fieldError') {
    const helper = document.getElementById(`help-${m.key}`);
    if (helper) helper.textContent = m.message;
  }
});
const view = (): ViewState => api.getState() ?? {};
const setView = (patch: Partial<ViewState>) => api.setState({ ...view(), ...patch });

/** Seconds as m:ss. */
function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function render(fields: FieldSpec[], values: Record<string, unknown>): void {
  root.replaceChildren();
  const status = el('section', { id: 'status', 'aria-live': 'polite' });
  const controls = el('div', { class: 'controls' });
  const start = el('vscode-button', { id: 'start' }, strings.start);
  const stop = el('vscode-button', { id: 'stop', secondary: '' }, strings.stop);
  start.addEventListener('click', () => api.postMessage({ type: 'command', command: 'start' }));
  stop.addEventListener('click', () => api.postMessage({ type: 'command', command: 'stop' }));
  controls.append(start, stop);

  const form = el('div', { class: 'form' });
  for (const f of fields) {
    const id = `field-${f.key}`;
    const group = el('vscode-form-group', { variant: 'vertical' });
    group.append(el('vscode-label', { for: id }, strings[f.key] ?? f.label));
    let input: HTMLElement & { value: string };
    if (f.kind === 'enum') {
      input = el('vscode-single-select', { id }) as HTMLElement & { value: string };
      for (const o of f.options!) input.append(el('vscode-option', { value: o }, o));
    } else {
      input = el('vscode-textfield', { id, type: 'number', ...(f.min !== undefined ? { min: String(f.min) } : {}), ...(f.max !== undefined ? { max: String(f.max) } : {}), step: f.kind === 'integer' ? '1' : 'any' }) as HTMLElement & { value: string };
    }
    input.value = String(values[f.key] ?? '');
    const helper = el('vscode-form-helper', { id: `help-${f.key}` });
    input.addEventListener('change', () => {
      helper.textContent = '';
      const raw = input.value;
      const value = f.kind === 'enum' ? raw : Number(raw);
      if (f.kind !== 'enum' && (raw.trim() === '' || !Number.isFinite(value as number))) {
        helper.textContent = '?';
        return;
      }
      api.postMessage({ type: 'setValue', key: f.key, value });
    });
    group.append(input, helper);
    form.append(group);
  }
  // The run's settings in one line, always visible; the full form folds out under it.
  const summary = el('div', { class: 'summary' },
    el('span', { id: 'summary-text' }),
    el('a', { href: '#', id: 'all-settings' }, strings.allSettings ?? 'All settings…'));
  summary.querySelector('#all-settings')!.addEventListener('click', (e) => {
    e.preventDefault();
    api.postMessage({ type: 'command', command: 'openSettings' });
  });
  const settings = el('vscode-collapsible', { id: 'settings', title: strings.editSettings ?? 'Edit settings', ...(view().collapsed === false ? { open: '' } : {}) });
  settings.addEventListener('vsc-collapsible-toggle', (e: Event) => setView({ collapsed: !(e as CustomEvent<{ open: boolean }>).detail.open }));
  settings.append(form);

  // Chart controls: TensorBoard's smoothing, the x axis, a log y axis.
  const smoothing = el('input', { type: 'range', id: 'smoothing', min: '0', max: '0.99', step: '0.01', value: String(view().smoothing ?? 0.6), 'aria-label': strings.smoothing ?? 'smoothing' }) as HTMLInputElement;
  const smoothingValue = el('span', { id: 'smoothing-value' }, String(view().smoothing ?? 0.6));
  smoothing.addEventListener('input', () => {
    setView({ smoothing: Number(smoothing.value) });
    smoothingValue.textContent = smoothing.value;
    if (lastState) drawChart(lastState);
  });
  const xAxis = el('vscode-single-select', { id: 'x-axis', 'aria-label': strings.xAxis ?? 'x axis' }) as HTMLElement & { value: string };
  xAxis.append(el('vscode-option', { value: 'step' }, strings.step), el('vscode-option', { value: 'time' }, strings.wallTime ?? 'wall time'));
  xAxis.value = view().xAxis ?? 'step';
  xAxis.addEventListener('change', () => {
    setView({ xAxis: xAxis.value as 'step' | 'time' });
    if (lastState) drawChart(lastState, true);
  });
  const logY = el('input', { type: 'checkbox', id: 'log-y', ...(view().logY ? { checked: '' } : {}) }) as HTMLInputElement;
  logY.addEventListener('change', () => {
    setView({ logY: logY.checked });
    if (lastState) drawChart(lastState, true);
  });
  const chartControls = el('div', { class: 'chart-controls' },
    el('label', { for: 'smoothing' }, strings.smoothing ?? 'smoothing'), smoothing, smoothingValue,
    xAxis,
    el('label', { class: 'check' }, logY, strings.logScale ?? 'log scale'));
  // The chart comes before the status lines: in a narrow, short side bar it is what must stay in view.
  root.append(controls, summary, settings, chartControls, el('div', { id: 'legend', class: 'legend' }),
    el('div', { id: 'chart', role: 'img', 'aria-label': `${strings.trainLoss}, ${strings.valLoss}` }), status, el('section', { id: 'sample' }));
  updateSummary();
}

/** "LSTM 1×128 · seq 64 · batch 32 · lr 0.003 · 2 min budget" from the form's values. */
function updateSummary(): void {
  const target = document.getElementById('summary-text');
  if (!target) return;
  const v = formValues;
  const minutes = Number(v.minutes ?? 0);
  target.textContent = `${String(v.cell ?? '').toUpperCase()} ${v.layers}×${v.hiddenSize} · ${strings.seqShort ?? 'seq'} ${v.seqLen} · ${strings.batchShort ?? 'batch'} ${v.batchSize} · lr ${v.learningRate} · `
    + (minutes > 0 ? (strings.budgetMinutes ?? '{0} min budget').replace('{0}', String(minutes)) : (strings.noBudget ?? 'no time budget'));
}

function draw(state: TrainingStatePayload): void {
  lastState = state;
  const status = document.getElementById('status');
  if (!status) return;
  const start = document.getElementById('start') as HTMLElement & { disabled: boolean };
  const stop = document.getElementById('stop') as HTMLElement & { disabled: boolean };
  start.disabled = state.running;
  stop.disabled = !state.running;
  const unit = unitLabel(state.units);
  const lines: string[] = [];
  if (state.corpus) {
    lines.push(`${strings.corpus}: ${state.corpus.origin}${state.corpus.characters ? ` · ${state.corpus.characters.toLocaleString()} ${strings.characters}` : ''}${state.corpus.vocabSize ? ` · ${strings.vocabulary} ${state.corpus.vocabSize}` : ''}`);
  } else if (!state.model) {
    lines.push(strings.noCorpus);
  }
  if (state.last) {
    // The ETA is an upper bound (the budget's rest, or the step cap at this speed): patience may end the run sooner.
    const eta = state.last.etaSeconds === null || !state.running ? '' : ` · ${(strings.atMostLeft ?? 'at most {0} left').replace('{0}', clock(state.last.etaSeconds))}`;
    const threads = state.last.workers > 1 ? ` ${(strings.onThreads ?? 'on {0} threads').replace('{0}', String(state.last.workers))}` : '';
    lines.push(`${strings.step} ${state.last.step} · ${Math.round(state.last.charsPerSecond).toLocaleString()} ${strings.charsPerSecond}${threads}${eta}`);
  }
  lines.push(`${strings.activeModel}: ${state.model ? `${state.model.name} (${state.model.cell}${state.model.valLoss !== null ? `, ${strings.bestValLoss ?? 'best validation loss'} ${inUnit(state.model.valLoss, state.units).toFixed(3)} ${unit}` : ''})` : strings.none}`);
  if (state.message) lines.push(state.message);
  status.replaceChildren(...lines.map((l) => el('div', {}, l)));
  const sample = document.getElementById('sample')!;
  sample.replaceChildren(...(state.sample ? [el('div', { class: 'label' }, strings.latestSample), el('pre', {}, state.sample)] : []));
  drawChart(state);
}

/**
 * The loss chart: raw training loss faint, smoothed on top, validation loss with dots;
 * x in steps or seconds; y in the chosen unit, linear or log. `rebuild` when the axes change.
 */
function drawChart(state: TrainingStatePayload, rebuild = false): void {
  const host = document.getElementById('chart');
  if (!host) return;
  const v = view();
  const byTime = v.xAxis === 'time';
  const unit = state.units;
  const x = (p: { step: number; seconds: number }) => (byTime ? p.seconds : p.step);
  // One x axis for both curves: the union of their x values, null where a curve has no point.
  const trainX = state.train.map(x);
  const valX = state.val.map(x);
  const xs = [...new Set([...trainX, ...valX])].sort((a, b) => a - b);
  const at = new Map(xs.map((value, i) => [value, i]));
  const raw: Array<number | null> = xs.map(() => null);
  const smoothed: Array<number | null> = xs.map(() => null);
  const val: Array<number | null> = xs.map(() => null);
  const trainLoss = state.train.map((p) => inUnit(p.loss, unit));
  const smooth_ = smooth(trainLoss, v.smoothing ?? 0.6);
  state.train.forEach((p, i) => {
    raw[at.get(x(p))!] = trainLoss[i];
    smoothed[at.get(x(p))!] = smooth_[i];
  });
  state.val.forEach((p) => { val[at.get(x(p))!] = inUnit(p.loss, unit); });
  host.dataset.points = String(state.train.length);
  host.dataset.valPoints = String(state.val.length);
  host.dataset.firstLoss = state.train.length ? String(trainLoss[0]) : '';
  host.dataset.lastLoss = state.train.length ? String(trainLoss[trainLoss.length - 1]) : '';
  host.dataset.lastSmoothed = smooth_.length ? String(smooth_[smooth_.length - 1]) : '';
  host.dataset.unit = unit;

  // The legend: names and latest values (no uPlot "Value: --" row).
  const legend = document.getElementById('legend')!;
  const latest = (vals: number[]) => (vals.length ? vals[vals.length - 1].toFixed(3) : '–');
  const lastVal = state.val.at(-1);
  legend.replaceChildren(
    el('span', { class: 'legend-item' }, el('span', { class: 'swatch', style: `border-color: ${lineColour('--vscode-charts-blue')}` }), `${strings.trainLoss} ${latest(smooth_)}`),
    el('span', { class: 'legend-item faint' }, el('span', { class: 'swatch', style: `border-color: ${withAlpha('--vscode-charts-blue', 0.35)}` }), strings.raw ?? 'raw'),
    el('span', { class: 'legend-item' }, el('span', { class: 'swatch dotted', style: `border-color: ${lineColour('--vscode-charts-orange')}; color: ${lineColour('--vscode-charts-orange')}` }),
      `${strings.valLoss} ${lastVal ? `${inUnit(lastVal.loss, unit).toFixed(3)} (${strings.step} ${lastVal.step})` : '–'}`),
    el('span', { class: 'legend-item label' }, unitLabel(unit)),
    // While training, where the run is, next to the chart (the status lines may be scrolled out of a short view).
    ...(state.running && state.last ? [el('span', { class: 'legend-item label', id: 'progress-mini' },
      `${strings.step} ${state.last.step}${state.last.etaSeconds !== null ? ` · ${(strings.atMostLeft ?? 'at most {0} left').replace('{0}', clock(state.last.etaSeconds))}` : ''}`)] : []),
  );

  const data: uPlot.AlignedData = [xs, raw as unknown as number[], smoothed as unknown as number[], val as unknown as number[]];
  const key = `${byTime}/${v.logY === true}/${unit}/${document.body.className}`;
  const width = Math.max(200, host.clientWidth || root.clientWidth - 8);
  if (!chart || rebuild || key !== chartKey) {
    chart?.destroy();
    chartKey = key;
    const axis = { stroke: css('--vscode-foreground'), grid: { stroke: css('--vscode-editorWidget-border'), width: 1 }, ticks: { stroke: css('--vscode-editorWidget-border'), width: 1 } };
    const blue = lineColour('--vscode-charts-blue');
    const orange = lineColour('--vscode-charts-orange');
    chart = new uPlot({
      width, height: 190,
      legend: { show: false },
      scales: { x: { time: false }, y: v.logY ? { distr: 3 } : {} },
      axes: [{ ...axis, label: byTime ? (strings.seconds ?? 'seconds') : strings.step }, { ...axis, label: `${strings.loss ?? 'loss'} (${unitLabel(unit)})`, size: 50 }],
      series: [
        {},
        { label: `${strings.trainLoss} (${strings.raw ?? 'raw'})`, stroke: withAlpha('--vscode-charts-blue', 0.3), width: 1, spanGaps: true, points: { show: false } },
        { label: strings.trainLoss, stroke: blue, width: 2, spanGaps: true, points: { show: false } },
        { label: strings.valLoss, stroke: orange, width: 2, spanGaps: true, points: { show: true, size: 6, fill: orange } },
      ],
    }, data, host);
    new ResizeObserver(() => chart?.setSize({ width: Math.max(200, host.clientWidth), height: 190 })).observe(host);
  } else {
    chart.setData(data);
  }
}

/** A CSS colour with an alpha (uPlot strokes take any canvas colour). */
// A theme change restyles the page; the chart took its colours when drawn.
new MutationObserver(() => {
  forgetThemeColours();
  if (lastState) drawChart(lastState, true);
}).observe(document.body, { attributes: true, attributeFilter: ['class'] });

api.postMessage({ type: 'ready' });
