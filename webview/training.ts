/**
 * The Training view: a one-line summary of the run's settings over the form
 * (vscode-elements), an outcome card (the live numbers while a run runs; after it, how it
 * ended, the best validation loss, where it was saved and what to do next), a live loss
 * chart (uPlot) with TensorBoard's smoothing, and the latest sample. Its form values come
 * from the host and go back as settings; it redraws from the host's state after being
 * hidden or reloaded. The same page, in the 'panel' layout, is the chart alone in an
 * editor tab (large and resizable, like TensorBoard in a tab).
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
import type { FieldSpec, TrainingLayout, TrainingStatePayload, TrainingViewCommand } from './protocol';
import { inUnit, OVERFITTING_RISES, overfittingFrom, smooth, unitLabel } from '../engine/core/curve';
import { clock } from './format';
import { connect, el } from './vscodeApi';
import { css, forgetThemeColours, lineColour, withAlpha } from './themeColours';

interface ViewState { collapsed?: boolean; smoothing?: number; xAxis?: 'step' | 'time'; logY?: boolean; folds?: Record<string, boolean> }

let strings: Record<string, string> = {};
let chart: uPlot | undefined;
let chartKey = '';
let lastState: TrainingStatePayload | undefined;
let formValues: Record<string, unknown> = {};
let layout: TrainingLayout = 'sidebar';
let wasRunning: boolean | undefined;
/** Where the chart marks the start of overfitting (x in the chart's axis), drawn by the chart's draw hook. */
let overfitMark: { x: number; label: string } | null = null;
/** Where the shown run began to overfit (engine/core/curve.ts), found once per state for the card and the chart. */
let overfitting: ReturnType<typeof overfittingFrom> = null;
const root = document.getElementById('root')!;
const api = connect<ViewState>((m) => {
  if (m.type === 'init') {
    strings = m.strings;
    formValues = { ...m.values };
    layout = m.layout ?? 'sidebar';
    document.body.dataset.layout = layout;
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
  } else if (m.type === 'fieldHint') {
    const hint = document.getElementById(`hint-${m.key}`);
    if (hint) hint.textContent = m.hint;
  }
});
const view = (): ViewState => api.getState() ?? {};
const command = (name: TrainingViewCommand) => api.postMessage({ type: 'command', command: name });
const setView = (patch: Partial<ViewState>) => api.setState({ ...view(), ...patch });


function render(fields: FieldSpec[], values: Record<string, unknown>): void {
  root.replaceChildren();
  const status = el('section', { id: 'status' });
  const controls = el('div', { class: 'controls' });
  const start = el('vscode-button', { id: 'start' }, strings.start);
  const stop = el('vscode-button', { id: 'stop', secondary: '' }, strings.stop);
  start.addEventListener('click', () => command('start'));
  stop.addEventListener('click', () => command('stop'));
  controls.append(start, stop);

  const form = el('div', { class: 'form' });
  for (const f of fields) {
    const id = `field-${f.key}`;
    const group = el('vscode-form-group', { variant: 'vertical' });
    group.append(el('vscode-label', { for: id }, f.label));
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
    // What the host learns after the form is drawn (the PyTorch found, under the engine field); errors go in `helper`.
    const hint = el('vscode-form-helper', { id: `hint-${f.key}`, class: 'hint' });
    group.append(input, helper, hint);
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
  settings.addEventListener('vsc-collapsible-toggle', (e: Event) => {
    const open = (e as CustomEvent<{ open: boolean }>).detail.open;
    setView({ collapsed: !open });
    if (open) api.postMessage({ type: 'formOpened' });
  });
  if (view().collapsed === false) api.postMessage({ type: 'formOpened' });
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
  // The chart, large, in an editor tab (also the graph icon in the view's title).
  const openChart = el('a', { href: '#', id: 'open-chart', title: strings.openChartHint ?? '' }, strings.openChart ?? 'Open chart in a tab');
  openChart.addEventListener('click', (e) => {
    e.preventDefault();
    command('openChart');
  });
  const chartControls = el('div', { class: 'chart-controls' },
    el('label', { for: 'smoothing' }, strings.smoothing ?? 'smoothing'), smoothing, smoothingValue,
    xAxis,
    el('label', { class: 'check' }, logY, strings.logScale ?? 'log scale'),
    ...(layout === 'sidebar' ? [openChart] : []));
  const outcome = el('section', { id: 'outcome', class: 'outcome', 'aria-live': 'polite' });
  const chartHost = el('div', { id: 'chart', role: 'img', 'aria-label': `${strings.trainLoss}, ${strings.valLoss}` });
  if (layout === 'panel') {
    // The chart alone, as large as the tab: the run's live numbers over it, its controls under it.
    root.append(el('h2', { class: 'panel-title' }, strings.trainingChart ?? 'Training chart'), outcome, el('div', { id: 'legend', class: 'legend' }), chartHost, chartControls, status);
  } else {
    // What a glance must find comes first (the outcome, then the chart): the side bar is narrow
    // and shared with the Models view, so the details and the sample come last.
    // The legend goes under the chart here: at 260 px it wraps to four lines that pushed the chart below the fold.
    root.append(controls, summary, settings, outcome, chartHost, el('div', { id: 'legend', class: 'legend' }), chartControls, status, el('section', { id: 'sample' }));
  }
  updateSummary();
}

/** The chart's height: what the view can spare (the side bar is short, a tab is tall). */
function chartHeight(): number {
  if (layout === 'panel') return Math.max(220, window.innerHeight - 170);
  return Math.round(Math.max(120, Math.min(220, window.innerHeight * 0.32)));
}

/** The live line: "step 120 · 3,210 chars/s on 2 threads · at most 1:05 left" (or "on PyTorch 2.4.0"). */
function liveLine(state: TrainingStatePayload): string {
  const last = state.last!;
  const eta = last.etaSeconds === null || !state.running ? '' : ` · ${(strings.atMostLeft ?? 'at most {0} left').replace('{0}', clock(last.etaSeconds))}`;
  const threads = state.engine
    ? ` ${(strings.onEngine ?? 'on {0}').replace('{0}', state.engine)}`
    : last.workers > 1 ? ` ${(strings.onThreads ?? 'on {0} threads').replace('{0}', String(last.workers))}` : '';
  // How far into the text: a large text is far from one pass in a default run, a small one is seen many times.
  const passes = last.passes === undefined || last.step === 0 ? ''
    : last.passes < 1
      ? last.passSeconds ? ` · ${(strings.partOfPass ?? '{0} of one pass over the text (a pass: {1})').replace('{0}', `${(100 * last.passes).toFixed(last.passes < 0.1 ? 1 : 0)}%`).replace('{1}', clock(last.passSeconds))}` : ''
      : ` · ${(strings.passesDone ?? '{0} passes over the text').replace('{0}', last.passes.toFixed(last.passes < 10 ? 1 : 0))}`;
  return `${strings.step} ${last.step} · ${Math.round(last.charsPerSecond).toLocaleString()} ${strings.charsPerSecond}${threads}${passes}${eta}`;
}

/**
 * The outcome card: before any run, how to start one; while a run runs, its live numbers;
 * after it, how it ended, the best validation loss, the checkpoint kept, and next steps.
 */
function drawOutcome(state: TrainingStatePayload): void {
  const card = document.getElementById('outcome');
  if (!card) return;
  const unit = unitLabel(state.units);
  const parts: Node[] = [];
  card.className = 'outcome';
  if (state.running) {
    card.classList.add('running');
    parts.push(el('div', { id: 'live' }, state.last ? liveLine(state) : (strings.starting ?? 'Starting…')));
  } else if (state.outcome) {
    const o = state.outcome;
    card.classList.add(o.reason === 'diverged' || o.reason === 'failed' ? 'failed' : o.reason === 'interrupted' ? 'interrupted' : 'done');
    parts.push(el('div', { id: 'end-reason', class: 'end-reason' }, o.text));
    if (o.bestValLoss !== null) {
      parts.push(el('div', { id: 'best' }, (strings.bestAt ?? 'Best validation loss {0} {1} at step {2}').replace('{0}', inUnit(o.bestValLoss, state.units).toFixed(3)).replace('{1}', unit).replace('{2}', String(o.bestStep ?? 0))));
    }
    if (o.checkpoint) parts.push(el('div', { id: 'saved', class: 'label' }, (strings.savedAs ?? 'Saved as {0} (Models view)').replace('{0}', o.checkpoint)));
    if (o.resumable) {
      // Stopped or interrupted with its weights saved: it goes on from there (an interrupted one can also be discarded).
      const resume = el('vscode-button', { id: 'resume-run' }, strings.resume ?? 'Resume');
      resume.addEventListener('click', () => command('resume'));
      const row = el('div', { class: 'next-steps', id: 'resume-row' }, resume);
      if (o.reason === 'interrupted') {
        const discard = el('a', { href: '#', id: 'discard-run' }, strings.discard ?? 'Discard');
        discard.addEventListener('click', (e) => {
          e.preventDefault();
          command('discard');
        });
        row.append(el('span', { class: 'links' }, discard));
      }
      parts.push(row);
    }
    if (o.checkpoint && layout === 'sidebar') {
      // One button for the main next step, links for the others: three buttons stack into a column in a narrow side bar.
      const generate = el('vscode-button', { id: 'next-generate' }, strings.nextGenerate ?? 'Generate Continuation');
      generate.addEventListener('click', () => command('generate'));
      const link = (name: TrainingViewCommand, label: string) => {
        const a = el('a', { href: '#', id: `next-${name}` }, label);
        a.addEventListener('click', (e) => {
          e.preventDefault();
          command(name);
        });
        return a;
      };
      parts.push(el('div', { class: 'next-steps', id: 'next-steps' }, generate,
        el('span', { class: 'links' }, link('inspect', strings.nextInspect ?? 'Inspect Gates'), ' · ', link('compare', strings.nextCompare ?? 'Compare Runs'))));
    }
    // The model's last sample, a few lines of it: what the numbers mean, in text. Optional: it folds when the chart needs the room (foldForChart).
    if (state.sample && layout === 'sidebar') parts.push(fold('outcome-sample-fold', strings.latestSample, el('pre', { id: 'outcome-sample', class: 'clamped' }, state.sample)));
  } else if (!state.model) {
    parts.push(el('div', { class: 'hint' }, strings.noCorpus));
  } else {
    parts.push(el('div', {}, `${strings.activeModel}: ${state.model.name}`));
  }
  // Whether the loss is any good: the best against what knowing only the characters' frequencies scores.
  const comparison = state.running || state.outcome ? baselineLine(state) : null;
  if (comparison) {
    const best = parts.find((p) => (p as HTMLElement).id === 'best') as HTMLElement | undefined;
    const line = el('span', { id: 'baseline-line', class: 'label' }, ` · ${comparison}`);
    if (best) best.append(line);
    else if (state.running) parts.splice(1, 0, el('div', { class: 'label' }, `${strings.bestValLoss ?? 'best validation loss'} ${inUnit(Math.min(...state.val.map((p) => p.loss)), state.units).toFixed(3)}`, line));
  }
  // Last in the card (the next steps stay in view): overfitting, with what helps folded under it.
  if (overfitting) {
    // One line folded: in a narrow side bar the explanation would push the chart out of view.
    const said = (strings.overfittingSummary ?? 'Overfitting from step {0}: why, and what helps').replace('{0}', String(overfitting.fromStep));
    const note = el('details', { id: 'overfitting', class: 'warning fold one-line' },
      el('summary', { title: said }, said),
      `${(strings.overfittingAdvice ?? '').replace('{0}', String(overfitting.fromStep)).replace('{1}', String(OVERFITTING_RISES))} ${strings.overfittingHelps ?? ''}`) as HTMLDetailsElement;
    note.open = view().folds?.overfitting === true;
    rememberToggle(note);
    parts.push(note);
  }
  if (state.message) parts.push(el('div', { class: 'warning' }, state.message));
  card.replaceChildren(...parts);
  foldForChart();
}

/** At least this much of the chart is in view without scrolling in the side bar: the card's optional parts fold to make room. */
const CHART_MIN_VISIBLE = 110;

/** A folding part of the card: one summary line; open unless the chart needs the room or the student closed it. */
function fold(id: string, title: string, ...content: Node[]): HTMLDetailsElement {
  const d = el('details', { id, class: 'fold' }, el('summary', { class: 'label', title }, title), ...content) as HTMLDetailsElement;
  d.open = view().folds?.[id] ?? true;
  rememberToggle(d);
  return d;
}

/** The student's own open or close is kept (and then never undone by foldForChart). */
function rememberToggle(d: HTMLDetailsElement): void {
  d.querySelector('summary')!.addEventListener('click', () => setView({ folds: { ...view().folds, [d.id]: !d.open } }));
}

/**
 * Folds the card's optional parts, last first, until CHART_MIN_VISIBLE px of the chart are in
 * view (at 260 px the sample and the overfitting note pushed it below the fold), and opens
 * them again when there is room; a part the student opened or closed stays as they left it.
 */
function foldForChart(): void {
  const host = document.getElementById('chart');
  if (layout !== 'sidebar' || !host) return;
  const auto = [...document.querySelectorAll<HTMLDetailsElement>('#outcome details.fold')].filter((d) => view().folds?.[d.id] === undefined && d.id !== 'overfitting');
  for (const d of auto) d.open = true;
  for (const d of auto.reverse()) {
    if (host.getBoundingClientRect().top + CHART_MIN_VISIBLE <= window.innerHeight) break;
    d.open = false;
  }
  host.dataset.folded = auto.filter((d) => !d.open).map((d) => d.id).join(' ');
}

/**
 * The x axis's ticks: the largest round increment (1, 2, 2.5 or 5 times a power of ten) that
 * puts at least 3 ticks in view, more (up to one per 60 px) when the chart is wide. uPlot's
 * own choice keeps 50 px between ticks, which left one tick at 260 px.
 */
function xSplits(u: uPlot, _axis: number, min: number, max: number): number[] {
  if (!(max > min)) return [min];
  const want = Math.max(3, Math.min(8, Math.floor(u.bbox.width / (window.devicePixelRatio || 1) / 60)));
  let best: number[] = [min, (min + max) / 2, max];
  for (let power = Math.floor(Math.log10(max - min)); power > Math.floor(Math.log10(max - min)) - 4; power--) {
    for (const m of [5, 2.5, 2, 1]) {
      const incr = m * 10 ** power;
      const first = Math.ceil(min / incr - 1e-9) * incr;
      const ticks: number[] = [];
      for (let x = first; x <= max + incr * 1e-9; x += incr) ticks.push(Number(x.toPrecision(12)));
      if (ticks.length >= want) return ticks;
      best = ticks.length >= 3 ? ticks : best;
    }
  }
  return best;
}

/** How the best validation loss compares with the baselines: "2.859 below the unigram baseline (6.366), 4.280 below uniform (7.787)". */
function baselineLine(state: TrainingStatePayload): string | null {
  const b = state.baselines;
  const val = state.val.filter((p) => Number.isFinite(p.loss));
  if (!b || !val.length) return null;
  const best = Math.min(...val.map((p) => p.loss));
  const f = (nats: number) => inUnit(nats, state.units).toFixed(3);
  return best < b.unigram
    ? (strings.belowUnigram ?? '{0} below the unigram baseline ({1})').replace('{0}', f(b.unigram - best)).replace('{1}', f(b.unigram)).replace('{2}', f(b.uniform - best)).replace('{3}', f(b.uniform))
    : (strings.notBelowUnigram ?? 'not below the unigram baseline ({0}) yet').replace('{0}', f(b.unigram));
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
  overfitting = overfittingFrom(state.val, state.train);
  const status = document.getElementById('status');
  if (!status) return;
  const start = document.getElementById('start') as HTMLElement & { disabled: boolean };
  const stop = document.getElementById('stop') as HTMLElement & { disabled: boolean };
  if (start) start.disabled = state.running;
  if (stop) stop.disabled = !state.running;
  // A run that starts folds the form away: the chart and the live numbers need the room.
  if (state.running && wasRunning === false) {
    const settings = document.getElementById('settings') as (HTMLElement & { open: boolean }) | null;
    if (settings?.open) {
      settings.open = false;
      setView({ collapsed: true });
    }
  }
  wasRunning = state.running;
  const unit = unitLabel(state.units);
  const lines: string[] = [];
  if (state.corpus) {
    lines.push(`${strings.corpus}: ${state.corpus.origin}${state.corpus.characters ? ` · ${state.corpus.characters.toLocaleString()} ${strings.characters}` : ''}${state.corpus.vocabSize ? ` · ${strings.vocabulary} ${state.corpus.vocabSize}` : ''}`);
  }
  // The last run's speed stays readable after it ends (the card then shows the outcome).
  if (state.last && !state.running) lines.push(liveLine(state));
  if (state.model) lines.push(`${strings.activeModel}: ${state.model.name} (${state.model.cell}${state.model.valLoss !== null ? `, ${strings.bestValLoss ?? 'best validation loss'} ${inUnit(state.model.valLoss, state.units).toFixed(3)} ${unit}` : ''})`);
  status.replaceChildren(...lines.map((l) => el('div', {}, l)));
  // While a run runs, its latest sample under the chart (after it, the outcome card shows it).
  const sample = document.getElementById('sample');
  sample?.replaceChildren(...(state.sample && state.running ? [el('div', { class: 'label' }, strings.latestSample), el('pre', {}, state.sample)] : []));
  drawOutcome(state);
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
  const baselines = state.baselines ?? null;
  const flat = (nats: number | undefined) => xs.map(() => (nats === undefined ? null : inUnit(nats, unit)));
  const uniformLine = flat(baselines?.uniform);
  const unigramLine = flat(baselines?.unigram);
  host.dataset.baselines = baselines ? `${inUnit(baselines.uniform, unit)},${inUnit(baselines.unigram, unit)}` : '';
  const from = overfitting?.fromStep;
  const markPoint = from === undefined ? undefined : state.val.find((p) => p.step === from);
  overfitMark = markPoint ? { x: x(markPoint), label: (strings.overfittingMark ?? 'overfitting from step {0}').replace('{0}', String(from)) } : null;
  host.dataset.overfittingFrom = from === undefined ? '' : String(from);

  // The legend: names and latest values (no uPlot "Value: --" row).
  const legend = document.getElementById('legend')!;
  const latest = (vals: number[]) => (vals.length ? vals[vals.length - 1].toFixed(3) : '–');
  const lastVal = state.val.at(-1);
  legend.replaceChildren(
    el('span', { class: 'legend-item' }, el('span', { class: 'swatch', style: `border-color: ${lineColour('--vscode-charts-blue')}` }), `${strings.trainLoss} ${latest(smooth_)}`),
    el('span', { class: 'legend-item faint' }, el('span', { class: 'swatch', style: `border-color: ${withAlpha('--vscode-charts-blue', 0.35)}` }), strings.raw ?? 'raw'),
    el('span', { class: 'legend-item' }, el('span', { class: 'swatch dotted', style: `border-color: ${lineColour('--vscode-charts-orange')}; color: ${lineColour('--vscode-charts-orange')}` }),
      `${strings.valLoss} ${lastVal ? `${inUnit(lastVal.loss, unit).toFixed(3)} (${strings.step} ${lastVal.step})` : '–'}`),
    ...(baselines ? [
      el('span', { class: 'legend-item', id: 'legend-uniform', title: strings.baselinesCaption ?? '' }, el('span', { class: 'swatch dashed', style: `border-color: ${lineColour('--vscode-descriptionForeground')}` }),
        `${strings.baselineUniform ?? 'uniform, ln V'} ${inUnit(baselines.uniform, unit).toFixed(3)}`),
      el('span', { class: 'legend-item', id: 'legend-unigram', title: strings.baselinesCaption ?? '' }, el('span', { class: 'swatch dashed', style: `border-color: ${lineColour('--vscode-charts-purple')}` }),
        `${strings.baselineUnigram ?? 'unigram'} ${inUnit(baselines.unigram, unit).toFixed(3)}`),
    ] : []),
    el('span', { class: 'legend-item label' }, unitLabel(unit)),
  );

  const data: uPlot.AlignedData = [xs, raw as unknown as number[], smoothed as unknown as number[], val as unknown as number[], uniformLine as unknown as number[], unigramLine as unknown as number[]];
  const key = `${byTime}/${v.logY === true}/${unit}/${document.body.className}`;
  const width = Math.max(200, host.clientWidth || root.clientWidth - 8);
  if (!chart || rebuild || key !== chartKey) {
    chart?.destroy();
    chartKey = key;
    const axis = { stroke: css('--vscode-foreground'), grid: { stroke: css('--vscode-editorWidget-border'), width: 1 }, ticks: { stroke: css('--vscode-editorWidget-border'), width: 1 } };
    const blue = lineColour('--vscode-charts-blue');
    const orange = lineColour('--vscode-charts-orange');
    chart = new uPlot({
      width, height: chartHeight(),
      legend: { show: false },
      // x from 0: the run starts there (and the initial validation loss is at step 0).
      scales: { x: { time: false, range: (_u, _min, max) => [0, max > 0 ? max : 1] }, y: v.logY ? { distr: 3 } : {} },
      axes: [{ ...axis, label: byTime ? (strings.seconds ?? 'seconds') : strings.step, space: 30, splits: (u, i, min, max) => {
        const ticks = xSplits(u, i, min, max);
        host.dataset.xTicks = String(ticks.length);
        return ticks;
      } }, { ...axis, label: chartHeight() < 170 ? (strings.loss ?? 'loss') : `${strings.loss ?? 'loss'} (${unitLabel(unit)})`, size: 50 }], // a short chart clipped "loss (nats/char)"; the legend under it names the unit
      series: [
        {},
        { label: `${strings.trainLoss} (${strings.raw ?? 'raw'})`, stroke: withAlpha('--vscode-charts-blue', 0.3), width: 1, spanGaps: true, points: { show: false } },
        { label: strings.trainLoss, stroke: blue, width: 2, spanGaps: true, points: { show: false } },
        { label: strings.valLoss, stroke: orange, width: 2, spanGaps: true, points: { show: true, size: 6, fill: orange } },
        { label: strings.baselineUniform, stroke: lineColour('--vscode-descriptionForeground'), width: 1, dash: [6, 4], spanGaps: true, points: { show: false } },
        { label: strings.baselineUnigram, stroke: lineColour('--vscode-charts-purple'), width: 1.5, dash: [6, 4], spanGaps: true, points: { show: false } },
      ],
      hooks: { draw: [drawOverfitMark] },
    }, data, host);
    observeSize(host);
  } else {
    chart.setData(data);
  }
}

/** The overfitting mark: a dashed vertical line at the validation minimum before the rise, labelled at its top. */
function drawOverfitMark(u: uPlot): void {
  if (!overfitMark) return;
  const left = u.valToPos(overfitMark.x, 'x', true);
  if (!Number.isFinite(left) || left < u.bbox.left || left > u.bbox.left + u.bbox.width) return;
  const ctx = u.ctx;
  const red = lineColour('--vscode-charts-red');
  const ratio = window.devicePixelRatio || 1;
  ctx.save();
  ctx.strokeStyle = red;
  ctx.lineWidth = ratio;
  ctx.setLineDash([4 * ratio, 3 * ratio]);
  ctx.beginPath();
  ctx.moveTo(left, u.bbox.top);
  ctx.lineTo(left, u.bbox.top + u.bbox.height);
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.fillStyle = red;
  ctx.font = `${11 * ratio}px ${getComputedStyle(document.body).fontFamily}`;
  // The label reads to the right of the line, or to its left when the line is in the right half.
  const rightHalf = left > u.bbox.left + u.bbox.width / 2;
  ctx.textAlign = rightHalf ? 'right' : 'left';
  ctx.textBaseline = 'top';
  ctx.fillText(overfitMark.label, left + (rightHalf ? -4 : 4) * ratio, u.bbox.top + 2 * ratio);
  ctx.restore();
}

let observed: HTMLElement | undefined;
/** Follows the view's width (the side bar's sash) and height (the tab, the Models view's sash). */
function observeSize(host: HTMLElement): void {
  if (observed === host) return;
  observed = host;
  const fit = () => {
    foldForChart();
    chart?.setSize({ width: Math.max(200, host.clientWidth), height: chartHeight() });
  };
  new ResizeObserver(fit).observe(host);
  window.addEventListener('resize', fit);
}

// A theme change restyles the page; the chart took its colours when drawn.
new MutationObserver(() => {
  forgetThemeColours();
  if (lastState) drawChart(lastState, true);
}).observe(document.body, { attributes: true, attributeFilter: ['class'] });

api.postMessage({ type: 'ready' });
