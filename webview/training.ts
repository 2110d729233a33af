/**
 * The Training view: the settings form (vscode-elements), a live loss chart (uPlot),
 * throughput, ETA and the latest sample. Its form values come from the host and go back
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
import { connect, el } from './vscodeApi';

let strings: Record<string, string> = {};
let chart: uPlot | undefined;
const root = document.getElementById('root')!;
const api = connect<{ collapsed?: boolean }>((m) => {
  if (m.type === 'init') {
    strings = m.strings;
    render(m.fields, m.values);
    draw(m.state);
  } else if (m.type === 'state') {
    draw(m.state);
  } else if (m.type === 'values') {
    for (const [key, value] of Object.entries(m.values)) {
      const input = document.getElementById(`field-${key}`) as (HTMLElement & { value: string }) | null;
      if (input && document.activeElement !== input) input.value = String(value);
    }
  } else if (m.type === 'fieldError') {
    const helper = document.getElementById(`help-${m.key}`);
    if (helper) helper.textContent = m.message;
  }
});

/** Seconds as m:ss. */
function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function css(v: string): string {
  return getComputedStyle(document.body).getPropertyValue(v).trim() || '#888';
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
  const settings = el('vscode-collapsible', { title: strings.model + ' & ' + strings.training, ...(api.getState()?.collapsed ? {} : { open: '' }) });
  settings.addEventListener('vsc-collapsible-toggle', (e: Event) => api.setState({ collapsed: !(e as CustomEvent<{ open: boolean }>).detail.open }));
  settings.append(form);
  root.append(controls, status, el('div', { id: 'chart', role: 'img', 'aria-label': `${strings.trainLoss}, ${strings.valLoss}` }), el('section', { id: 'sample' }), settings);
}

function draw(state: TrainingStatePayload): void {
  const status = document.getElementById('status');
  if (!status) return;
  const start = document.getElementById('start') as HTMLElement & { disabled: boolean };
  const stop = document.getElementById('stop') as HTMLElement & { disabled: boolean };
  start.disabled = state.running;
  stop.disabled = !state.running;
  const lines: string[] = [];
  if (state.corpus) {
    lines.push(`${strings.corpus}: ${state.corpus.origin}${state.corpus.characters ? ` · ${state.corpus.characters.toLocaleString()} ${strings.characters}` : ''}${state.corpus.vocabSize ? ` · ${strings.vocabulary} ${state.corpus.vocabSize}` : ''}`);
  } else if (!state.model) {
    lines.push(strings.noCorpus);
  }
  if (state.last) {
    // The ETA is an upper bound (the budget's rest, or the step cap at this speed): patience may end the run sooner.
    const eta = state.last.etaSeconds === null || !state.running ? '' : ` · ${(strings.atMostLeft ?? 'at most {0} left').replace('{0}', clock(state.last.etaSeconds))}`;
    lines.push(`${strings.step} ${state.last.step} · ${Math.round(state.last.charsPerSecond).toLocaleString()} ${strings.charsPerSecond} · ${state.last.bitsPerChar.toFixed(3)} ${strings.bitsPerChar}${eta}`);
  }
  lines.push(`${strings.activeModel}: ${state.model ? `${state.model.name} (${state.model.cell}${state.model.valLoss !== null ? `, ${strings.valLoss} ${state.model.valLoss.toFixed(3)}` : ''})` : strings.none}`);
  if (state.message) lines.push(state.message);
  status.replaceChildren(...lines.map((l) => el('div', {}, l)));
  const sample = document.getElementById('sample')!;
  sample.replaceChildren(...(state.sample ? [el('div', { class: 'label' }, strings.latestSample), el('pre', {}, state.sample)] : []));
  drawChart(state);
}

function drawChart(state: TrainingStatePayload): void {
  const host = document.getElementById('chart')!;
  const data: uPlot.AlignedData = [
    state.points.map((p) => p.step),
    state.points.map((p) => p.trainLoss),
    state.points.map((p) => p.valLoss ?? null) as unknown as number[],
  ];
  host.dataset.points = String(state.points.length);
  host.dataset.lastLoss = state.points.length ? String(state.points[state.points.length - 1].trainLoss) : '';
  host.dataset.firstLoss = state.points.length ? String(state.points[0].trainLoss) : '';
  const width = Math.max(200, host.clientWidth || root.clientWidth - 8);
  if (!chart) {
    const axis = { stroke: css('--vscode-foreground'), grid: { stroke: css('--vscode-editorWidget-border') }, ticks: { stroke: css('--vscode-editorWidget-border') } };
    chart = new uPlot({
      width, height: 180,
      scales: { x: { time: false } },
      axes: [{ ...axis, label: strings.step }, { ...axis, label: 'nats/char' }],
      series: [
        {},
        { label: strings.trainLoss, stroke: css('--vscode-charts-blue'), width: 2 },
        { label: strings.valLoss, stroke: css('--vscode-charts-orange'), width: 2, spanGaps: true },
      ],
      legend: { show: true },
    }, data, host);
    new ResizeObserver(() => chart?.setSize({ width: Math.max(200, host.clientWidth), height: 180 })).observe(host);
  } else {
    chart.setData(data);
  }
}

api.postMessage({ type: 'ready' });
