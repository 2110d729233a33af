/**
 * The Gate inspector, after LSTMVis (Strobelt et al.) and Karpathy et al. 2015: the text
 * runs along the x axis, one column per character with the character drawn above it;
 * the units of the chosen layer and quantity run down the y axis with their numbers; a
 * colour bar gives the scale. Click a unit for its line plot; drag across characters to
 * select a span and sort the units most active there first. The heatmap is one canvas
 * that stays in view while the area under it scrolls, and draws only what is visible, so
 * thousands of characters scroll smoothly.
 */
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import uPlot from 'uplot';
import type { ConnectivityMessage, ProbePayload } from './protocol';
import { columnLabel, connectivityRow, dataRangeOf, formatValue, quantitiesFor, rangeOf, readableNumber, saturation, scaled, unitOrder, type Grid, type QuantitySpec, type SortMode } from './inspectorModel';
import { connect, el } from './vscodeApi';
import { css, forgetThemeColours, lineColour, themeRgb } from './themeColours';

/** `target`: the character whose drivers the connectivity quantity shows, kept by a click (else the one pointed at). */
interface ViewState {
  text: string; title: string; layer: number; quantity: string; unit: number; sort: SortMode; span?: [number, number]; contrast?: 'fixed' | 'stretched'; target?: number;
  /** Characters a second the last "what drove each character" took on this machine: the next estimate's pace. */
  connectivityRate?: number;
}

let strings: Record<string, string> = {};
let result: ProbePayload | undefined;
/** Connectivity of the text shown, when it has been computed (asked for once per text). */
let connectivity: ConnectivityMessage | undefined;
/** The latest request's number; a new probe makes any answer to an earlier one stale. */
let connectivityRequest = 0;
let connectivityAsked = false;
/** When the current request for connectivity was sent (its time taken teaches the next estimate). */
let connectivityAskedAt = 0;
/** Characters a second of "what drove each character" measured on a 2-core machine (bench/connectivity.mts), before this machine's own pace is known. */
const CONNECTIVITY_MEASURED_RATE = 320;
let title = '';
let linePlot: uPlot | undefined;
/** Fits the shown heatmap's rows to the view again (set by each render; called when the page's layout changes). */
let refit: (() => void) | undefined;
/** The end of a drag across characters; the listener lives on the window, so it is registered once. */
let onMouseUp: (() => void) | undefined;
window.addEventListener('mouseup', () => onMouseUp?.());
const root = document.getElementById('root')!;
new ResizeObserver(() => refit?.()).observe(document.body);
window.addEventListener('resize', () => refit?.());
const api = connect<ViewState>((m) => {
  if (m.type === 'init') {
    strings = m.strings;
    const saved = api.getState();
    if (saved?.text && !result) api.postMessage({ type: 'restore', text: saved.text, title: saved.title });
    // A probe that arrived before the strings (a busy machine) was drawn with their keys: draw it again with the words.
    if (result) render();
  } else if (m.type === 'probe') {
    const received = performance.now();
    result = m.result;
    title = m.title;
    const prev = api.getState();
    const sameText = prev?.text === result.tokens.join('');
    if (!sameText || !connectivity) {
      connectivity = undefined;
      connectivityAsked = false;
      connectivityRequest++;
    }
    api.setState({
      text: result.tokens.join(''), title, layer: prev?.layer ?? 0, quantity: prev?.quantity ?? '', unit: prev?.unit ?? 0,
      sort: prev?.sort ?? 'index', span: sameText ? prev?.span : undefined, target: sameText ? prev?.target : undefined,
    });
    render();
    document.getElementById('heatmap')?.setAttribute('data-render-ms', (performance.now() - received).toFixed(0));
  } else if (m.type === 'connectivity') {
    if (result && m.request === connectivityRequest) {
      connectivity = m;
      // This machine's pace, for the next estimate (a busy machine took 4x the 2-core figure).
      const seconds = (performance.now() - connectivityAskedAt) / 1000;
      if (m.matrix && m.characters > 0 && seconds > 0.05) api.setState({ ...api.getState()!, connectivityRate: m.characters / seconds });
      render();
    }
  }
});

const s = (key: string, ...args: Array<string | number>) => (strings[key] ?? key).replace(/\{(\d+)\}/g, (_, i) => String(args[Number(i)]));


/** The fill for a position on the scale: sequential 0..1 in one hue, diverging -1..1 blue-to-red, through the background. */
function fill(position: number): string {
  if (Number.isNaN(position)) return 'transparent';
  const [r, g, b] = themeRgb(position < 0 ? '--vscode-charts-blue' : '--vscode-charts-red');
  return `rgba(${r}, ${g}, ${b}, ${Math.min(1, Math.abs(position) * 0.95).toFixed(3)})`;
}

function gridFor(spec: QuantitySpec, r: ProbePayload, layerIndex: number): Grid {
  if (spec.key === 'connectivity') return { rows: r.tokens.length, cols: 1, data: new Float64Array(r.tokens.length).fill(NaN) }; // filled per character pointed at
  if (spec.key === 'surprisal') {
    // One row; the last character has no next one to be surprised by.
    return { rows: r.tokens.length, cols: 1, data: r.tokens.map((_, t) => r.surprisal[t]?.bits ?? NaN) };
  }
  const layer = r.layers[layerIndex];
  const m = spec.key === 'h' ? layer.h : spec.key === 'c' ? layer.c! : layer.gates[spec.key];
  return { rows: m.rows, cols: m.cols, data: m.data };
}

const COLUMN = 16; // px per character: wide enough for a CJK character
const HEADER = 24; // the row of characters
const GUTTER = 40; // the unit numbers

function render(): void {
  if (!result) return;
  const r = result;
  const state = api.getState()!;
  const specs = quantitiesFor(r.cell).filter((q) => q.key === 'surprisal' || q.key === 'connectivity' || q.key === 'h' || (q.key === 'c' ? !!r.layers[0].c : !!r.layers[0].gates[q.key]));
  const layerIndex = Math.min(state.layer, r.layers.length - 1);
  const spec = specs.find((q) => q.key === state.quantity) ?? specs[0];
  const grid = gridFor(spec, r, layerIndex);
  const units = grid.cols;
  const single = spec.key === 'surprisal' || spec.key === 'connectivity'; // one row: a value per character
  // Connectivity: asked for once per text; the row of the character kept (or pointed at, or the last) fills the grid.
  const drove = spec.key === 'connectivity' ? connectivity : undefined;
  if (spec.key === 'connectivity' && !drove && !connectivityAsked) {
    connectivityAsked = true;
    connectivityAskedAt = performance.now();
    api.postMessage({ type: 'wantConnectivity', request: connectivityRequest });
  }
  const lastCovered = drove ? Math.min(r.tokens.length, drove.characters) - 1 : r.tokens.length - 1;
  let target = Math.min(state.target ?? lastCovered, lastCovered);
  let strongest = 0;
  const fillTarget = (p: number) => {
    target = p;
    strongest = drove?.matrix ? connectivityRow(drove.matrix, p, grid.data as Float64Array) : 0;
  };
  if (drove) fillTarget(target);
  const unit = Math.min(state.unit, units - 1);
  const span = state.span;
  const sort: SortMode = state.sort === 'selection' && !span ? 'index' : state.sort;
  const order = unitOrder(grid, sort, span);
  // The colour scale: the quantity's own range, or stretched to this text's values (a trained gate near 1 everywhere is one colour on 0..1).
  const contrast = state.contrast ?? 'fixed';
  const fixedRange = rangeOf(spec, grid);
  const range = contrast === 'stretched' ? dataRangeOf(spec, grid) : fixedRange;
  const set = (patch: Partial<ViewState>) => {
    api.setState({ ...api.getState()!, ...patch });
    render();
  };

  // Pickers: layer, quantity (spelled out, equation on hover), sort.
  const pick = (id: string, label: string, options: Array<[string, string, string?]>, value: string, onChange: (v: string) => void) => {
    const select = el('vscode-single-select', { id }) as HTMLElement & { value: string };
    for (const [v, text, tip] of options) select.append(el('vscode-option', { value: v, ...(tip ? { description: tip } : {}) }, text));
    select.value = value;
    select.addEventListener('change', () => onChange(select.value));
    return el('div', { class: 'picker' }, el('vscode-label', { for: id }, label), select);
  };
  const pickers = el('div', { class: 'pickers' },
    pick('layer', s('layer'), r.layers.map((l) => [String(l.layer), s('layerN', l.layer, r.layers.length)]), String(layerIndex), (v) => set({ layer: Number(v) })),
    pick('quantity', s('gate'), specs.map((q) => [q.key, s(q.nameKey), q.equation]), spec.key, (v) => set({ quantity: v })),
    pick('sort', s('sortUnits'), [['index', s('sort.index')], ['saturation', s('sort.saturation')], ['variance', s('sort.variance')], ['selection', s('sort.selection')]], sort, (v) => set({ sort: v as SortMode })),
    pick('contrast', s('contrast'), [['fixed', s('contrast.fixed', formatValue(fixedRange[0]), formatValue(fixedRange[1]))], ['stretched', s('contrast.stretched', ...dataRangeOf(spec, grid).map(formatValue))]], contrast, (v) => set({ contrast: v as 'fixed' | 'stretched' })));

  const equation = el('p', { class: 'equation', id: 'equation', title: spec.equation }, el('span', { class: 'quantity-name' }, s(spec.nameKey)), ': ', el('code', {}, spec.equation));
  const meaning = el('p', { class: 'label', id: 'caption' }, `${s(spec.meaningKey)} ${single ? s('caption.surprisal') : `${s('caption.grid', layerIndex, units)} ${s('caption.framed', Math.min(state.unit, units - 1))}`}${spec.key === 'connectivity' ? '' : ` ${s('caption.interact')}`}`);
  const notes: HTMLElement[] = [];
  if (r.cell === 'gru' && (spec.key === 'z' || spec.key === 'h')) notes.push(el('p', { class: 'note', id: 'z-convention' }, s('zConvention')));

  // Colour bar: a bar, its two ends labelled under it (0 in the middle of a diverging one), and one sentence.
  const BAR = 220;
  const bar = el('canvas', { id: 'colour-bar-canvas', width: String(BAR), height: '12', 'aria-hidden': 'true' });
  const bctx = bar.getContext('2d');
  if (bctx) for (let x = 0; x < BAR; x++) {
    const v = range[0] + ((range[1] - range[0]) * (x + 0.5)) / BAR;
    bctx.fillStyle = fill(scaled(spec, range, v));
    bctx.fillRect(x, 0, 1, 12);
  }
  const gate = spec.scale === 'sequential' && !!spec.range && !single;
  const ends = spec.key === 'connectivity' ? [s('end.none'), s('end.strongest')]
    : gate && contrast === 'fixed'
      ? [s('end.closed', formatValue(range[0])), s('end.open', formatValue(range[1]))]
      : [formatValue(range[0]), formatValue(range[1])];
  const sentence = spec.key === 'connectivity' ? s('scale.connectivity')
    : contrast === 'stretched'
      ? s('scale.stretched', formatValue(range[0]), formatValue(range[1]))
      : spec.scale === 'diverging' ? s('scale.diverging') : spec.key === 'surprisal' ? s('scale.bits') : s('scale.sequential');
  const colourBar = el('div', { class: 'colour-bar', id: 'colour-bar', 'data-min': String(range[0]), 'data-max': String(range[1]), 'data-contrast': contrast, role: 'img', 'aria-label': `${s('colourBar', formatValue(range[0]), formatValue(range[1]))}. ${sentence}` },
    el('div', { class: 'bar-wrap' }, bar, el('div', { class: 'bar-ends' },
      el('span', { class: 'bar-min' }, ends[0]),
      ...(spec.scale === 'diverging' ? [el('span', { class: 'bar-mid' }, '0')] : []),
      el('span', { class: 'bar-max' }, ends[1]))),
    el('span', { class: 'label bar-sentence' }, sentence));

  // The heatmap: a sticky canvas over a spacer as large as the whole picture.
  const viewport = el('div', { class: 'heatmap-viewport', id: 'heatmap-viewport', tabindex: '0' });
  // Every unit in view at once (one scroll area: the page; the heatmap scrolls only sideways, its scrollbar right under it).
  // The rows' height is set once the heatmap's place on the page is known (fitRows, below).
  let rowHeight = units === 1 ? 24 : 8;
  const fullWidth = GUTTER + grid.rows * COLUMN;
  let fullHeight = HEADER + units * rowHeight;
  const spacer = el('div', { class: 'heatmap-spacer', style: `width: ${fullWidth}px; height: ${fullHeight}px` });
  /** Rows as tall as fit between the heatmap's top and the window's bottom (4 to 14 px), its sideways scrollbar included. */
  const fitRows = () => {
    if (units === 1) return;
    const top = viewport.getBoundingClientRect().top + window.scrollY;
    const room = Math.max(220, window.innerHeight - top - HEADER - 24);
    rowHeight = Math.max(4, Math.min(14, Math.floor(room / units)));
    fullHeight = HEADER + units * rowHeight;
    spacer.style.height = `${fullHeight}px`;
  };
  const canvas = el('canvas', {
    id: 'heatmap', role: 'img', 'aria-label': s('heatmapLabel', s(spec.nameKey), grid.rows, units),
    'data-columns': String(grid.rows), 'data-units': String(units), 'data-unit-order': JSON.stringify(order.slice(0, 64)),
    'data-first-label': columnLabel(r.tokens[0]), 'data-last-label': columnLabel(r.tokens[r.tokens.length - 1]),
  });
  spacer.append(canvas);
  viewport.append(spacer);
  const hover = el('div', { class: 'hover', id: 'hover', 'aria-live': 'polite' }, s('hoverHint'));
  const rowOf = (index: number) => order[index];
  let dragFrom: number | undefined;
  let dragTo: number | undefined;
  /** The row under the pointer: its unit is named at the side, whatever rows are labelled. */
  let hoverRow: number | undefined;

  const draw = () => {
    const w = viewport.clientWidth;
    const h = Math.min(viewport.clientHeight || fullHeight, fullHeight);
    const dpr = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
      canvas.style.width = `${w}px`;
      canvas.style.height = `${h}px`;
    }
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const sx = viewport.scrollLeft;
    const sy = viewport.scrollTop;
    const t0 = Math.max(0, Math.floor(sx / COLUMN));
    const t1 = Math.min(grid.rows, Math.ceil((sx + w - GUTTER) / COLUMN) + 1);
    const r0 = Math.max(0, Math.floor(sy / rowHeight));
    const r1 = Math.min(units, Math.ceil((sy + h - HEADER) / rowHeight) + 1);
    const selected = dragFrom !== undefined && dragTo !== undefined ? [Math.min(dragFrom, dragTo), Math.max(dragFrom, dragTo)] : span ? [Math.min(...span), Math.max(...span)] : undefined;
    // Cells
    for (let row = r0; row < r1; row++) {
      const u = rowOf(row);
      const y = HEADER + row * rowHeight - sy;
      for (let t = t0; t < t1; t++) {
        ctx.fillStyle = fill(scaled(spec, range, grid.data[t * units + u]));
        ctx.fillRect(GUTTER + t * COLUMN - sx, y, COLUMN, rowHeight);
      }
    }
    const fg = css('--vscode-foreground');
    const border = css('--vscode-focusBorder');
    const bg = css('--vscode-editor-background');
    // The selected span, and the chosen unit's row.
    if (selected) {
      ctx.strokeStyle = border;
      ctx.lineWidth = 2;
      ctx.strokeRect(GUTTER + selected[0] * COLUMN - sx + 1, HEADER, (selected[1] - selected[0] + 1) * COLUMN - 2, h - HEADER - 1);
    }
    if (drove && target >= t0 && target < t1) {
      ctx.strokeStyle = border;
      ctx.lineWidth = 2;
      ctx.strokeRect(GUTTER + target * COLUMN - sx + 1, 1, COLUMN - 2, h - 2);
    }
    canvas.dataset.target = drove ? String(target) : '';
    const chosenRow = order.indexOf(unit);
    if (units > 1 && chosenRow >= r0 && chosenRow < r1) {
      ctx.strokeStyle = fg;
      ctx.lineWidth = 1;
      ctx.strokeRect(GUTTER + 0.5, HEADER + chosenRow * rowHeight - sy + 0.5, w - GUTTER - 1, rowHeight - 1);
    }
    // The characters above their columns.
    ctx.fillStyle = bg;
    ctx.fillRect(0, 0, w, HEADER);
    ctx.font = `13px ${css('--vscode-editor-font-family')}`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    const drawnLabels: string[] = [];
    for (let t = t0; t < t1; t++) {
      const x = GUTTER + t * COLUMN - sx;
      const inSpan = selected && t >= selected[0] && t <= selected[1];
      if (inSpan) {
        // An underline, not a fill: a selection fill hides the text in high-contrast themes.
        ctx.fillStyle = border;
        ctx.fillRect(x, HEADER - 3, COLUMN, 3);
      }
      const label = columnLabel(r.tokens[t]);
      ctx.fillStyle = label === r.tokens[t] ? fg : css('--vscode-descriptionForeground');
      ctx.fillText(label, x + COLUMN / 2, HEADER / 2 + 1);
      drawnLabels.push(label);
    }
    const drawnUnits: number[] = [];
    // Unit numbers down the left (every row when they fit, else every k-th).
    ctx.fillStyle = bg;
    ctx.fillRect(0, 0, GUTTER, h);
    ctx.fillStyle = css('--vscode-descriptionForeground');
    ctx.font = `11px ${css('--vscode-font-family')}`;
    ctx.textAlign = 'right';
    const every = Math.max(1, Math.ceil(12 / rowHeight));
    // The hovered and the chosen rows are always named (over their neighbours' labels).
    const named = new Set([order.indexOf(unit), ...(hoverRow !== undefined ? [hoverRow] : [])]);
    for (let row = r0; row < r1; row++) {
      if (units === 1) {
        ctx.fillText(spec.key === 'surprisal' ? s('bits') : '', GUTTER - 6, HEADER + rowHeight / 2 - sy);
        break;
      }
      if (row % every !== 0 || [...named].some((n) => n !== row && Math.abs(n - row) * rowHeight < 12)) continue;
      ctx.fillText(String(rowOf(row)), GUTTER - 6, HEADER + row * rowHeight + rowHeight / 2 - sy);
      drawnUnits.push(rowOf(row));
    }
    for (const row of named) {
      if (units === 1 || row < r0 || row >= r1) continue;
      const y = HEADER + row * rowHeight + rowHeight / 2 - sy;
      ctx.fillStyle = bg;
      ctx.fillRect(0, y - 7, GUTTER - 2, 14);
      ctx.fillStyle = fg;
      ctx.font = `bold 11px ${css('--vscode-font-family')}`;
      ctx.fillText(String(rowOf(row)), GUTTER - 6, y);
      ctx.font = `11px ${css('--vscode-font-family')}`;
      if (!drawnUnits.includes(rowOf(row))) drawnUnits.push(rowOf(row));
    }
    canvas.dataset.hoveredUnit = hoverRow !== undefined ? String(rowOf(hoverRow)) : '';
    // What was drawn, for the UI tests (a canvas has no DOM to read).
    canvas.dataset.drawnLabels = drawnLabels.join('');
    canvas.dataset.drawnUnits = drawnUnits.join(',');
    canvas.dataset.firstColumn = String(t0);
    ctx.fillStyle = css('--vscode-descriptionForeground');
    ctx.textAlign = 'left';
    ctx.fillText(units === 1 ? '' : s('unitAxis'), 2, HEADER / 2);
  };

  const positionAt = (e: MouseEvent) => {
    const rect = canvas.getBoundingClientRect();
    const x = e.clientX - rect.left;
    const y = e.clientY - rect.top;
    const t = Math.floor((x - GUTTER + viewport.scrollLeft) / COLUMN);
    const row = Math.floor((y - HEADER + viewport.scrollTop) / rowHeight);
    return { x, y, t, row, inHeader: y < HEADER, inGutter: x < GUTTER };
  };
  let frame = 0;
  const redraw = () => {
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(draw);
  };
  viewport.addEventListener('scroll', redraw, { passive: true });
  canvas.addEventListener('mouseleave', () => {
    hoverRow = undefined;
    redraw();
  });
  new ResizeObserver(redraw).observe(viewport);
  canvas.addEventListener('mousemove', (e) => {
    const p = positionAt(e);
    if (dragFrom !== undefined && p.t >= 0 && p.t < grid.rows) {
      dragTo = p.t;
      redraw();
    }
    const rowNow = !p.inHeader && p.row >= 0 && p.row < units && units > 1 ? p.row : undefined;
    if (rowNow !== hoverRow) {
      hoverRow = rowNow;
      redraw();
    }
    if (p.t < 0 || p.t >= grid.rows) return;
    const token = JSON.stringify(r.tokens[p.t]);
    if (drove) {
      // Pointing at a character shows what drove it, unless one is kept by a click.
      if (state.target === undefined && p.t !== target && p.t >= 1 && p.t <= lastCovered) {
        fillTarget(p.t);
        showDrove();
        redraw();
      }
      const v = grid.data[p.t];
      hover.textContent = Number.isNaN(v)
        ? s('hoverChar', token, p.t + 1, grid.rows)
        : s('hoverDrove', token, p.t + 1, JSON.stringify(r.tokens[target]), target + 1, formatValue(v), (v * strongest).toExponential(2));
      return;
    }
    if (p.inHeader || p.row < 0 || p.row >= units) {
      hover.textContent = s('hoverChar', token, p.t + 1, grid.rows);
      return;
    }
    const u = rowOf(p.row);
    hover.textContent = s('hoverCell', token, p.t + 1, grid.rows, units === 1 ? '' : s('unitN', u), s(spec.nameKey), formatValue(grid.data[p.t * units + u]));
  });
  canvas.addEventListener('mousedown', (e) => {
    const p = positionAt(e);
    if (drove) {
      // A click keeps the character (or lets go of it): no span selection in this quantity.
      if (p.t >= 1 && p.t <= lastCovered) set({ target: state.target === p.t ? undefined : p.t });
      return;
    }
    if (p.inHeader && p.t >= 0 && p.t < grid.rows) {
      dragFrom = p.t;
      dragTo = p.t;
      e.preventDefault();
    }
  });
  onMouseUp = () => {
    if (dragFrom === undefined || dragTo === undefined) return;
    const chosen: [number, number] = [Math.min(dragFrom, dragTo), Math.max(dragFrom, dragTo)];
    dragFrom = dragTo = undefined;
    set({ span: chosen, sort: 'selection' });
  };
  canvas.addEventListener('click', (e) => {
    const p = positionAt(e);
    if (!p.inHeader && p.row >= 0 && p.row < units && units > 1) set({ unit: rowOf(p.row) });
  });
  viewport.addEventListener('keydown', (e) => {
    const index = order.indexOf(unit);
    if (e.key === 'ArrowDown' && index < units - 1) set({ unit: order[index + 1] });
    if (e.key === 'ArrowUp' && index > 0) set({ unit: order[index - 1] });
  });

  const spanNote = el('p', { class: 'label', id: 'span-note' }, span ? s('spanChosen', span[0] + 1, span[1] + 1, r.tokens.slice(span[0], span[1] + 1).join('')) : s('spanHint'));

  // Connectivity: what drove the character kept or pointed at, in a sentence; its state while it computes.
  const droveLine = el('p', { id: 'drove-line', class: 'label', 'aria-live': 'polite' });
  const connectivityNotes: HTMLElement[] = [];
  if (spec.key === 'connectivity') {
    if (!drove) {
      const n = Math.min(r.tokens.length, 2000);
      const rate = state.connectivityRate;
      connectivityNotes.push(el('p', { class: 'note', id: 'connectivity-status' }, rate
        ? s('connectivityComputingPace', n, Math.max(1, Math.round(n / rate)))
        : s('connectivityComputing', n, Math.max(1, Math.round(n / CONNECTIVITY_MEASURED_RATE)))));
    } else if (drove.error || !drove.matrix) {
      connectivityNotes.push(el('p', { class: 'warning', id: 'connectivity-status' }, s('connectivityFailed', drove.error ?? '')));
    } else if (drove.characters < r.tokens.length) {
      connectivityNotes.push(el('p', { class: 'note', id: 'connectivity-status' }, s('connectivityLimited', drove.characters, r.tokens.length)));
    }
  }
  function showDrove(): void {
    if (!drove?.matrix) {
      droveLine.textContent = '';
      return;
    }
    const row = Array.from(grid.data as Float64Array, (v, i) => [v, i] as const).filter(([v]) => !Number.isNaN(v)).sort((a, b) => b[0] - a[0]).slice(0, 3);
    // "' ' (1 character back, 100%)" / "' '（往回 1 个字符，100%）": each driver, its distance and its share, in the display language.
    const top = row.map(([v, i]) => s(target - i === 1 ? 'droveItemOne' : 'droveItem', JSON.stringify(r.tokens[i]), target - i, Math.round(v * 100))).join(s('lang') === 'zh-cn' ? '，' : ', ');
    const probability = r.surprisal[target - 1]?.probability;
    droveLine.textContent = s('droveSentence', JSON.stringify(r.tokens[target]), target + 1, probability !== undefined ? probability.toFixed(3) : '–', top, state.target !== undefined ? s('drovePinned') : s('droveHint'));
    if (linePlot && plotTitleEl) {
      const back = connectivityBack();
      linePlot.setData([back.x, back.y as unknown as number[]]);
      plotTitleEl.textContent = s('plotTitleConnectivity', JSON.stringify(r.tokens[target]));
    }
  }
  /** Influence (absolute) against the distance back, for the line plot under the heatmap. */
  const connectivityBack = () => {
    const x: number[] = [];
    const y: Array<number | null> = [];
    for (let k = 1; k <= (drove?.window ?? 0); k++) {
      const v = grid.data[target - k];
      x.push(k);
      y.push(target - k >= 0 && !Number.isNaN(v) ? v * strongest : null);
    }
    return { x, y };
  };

  // The chosen unit over the text.
  const plotHost = el('div', { class: 'unit-plot', id: 'unit-plot', 'data-unit': String(unit) });
  const plotTitle = el('h3', { id: 'unit-plot-title' }, spec.key === 'connectivity' ? s('plotTitleConnectivity', JSON.stringify(r.tokens[target] ?? '')) : units === 1 ? s('plotTitleSurprisal') : s('plotTitle', unit, s(spec.nameKey), layerIndex));
  const plotTitleEl: HTMLElement | undefined = plotTitle;

  // Saturated units of each 0..1 gate (Karpathy et al. 2015), clickable.
  const rows: HTMLElement[] = [];
  if (!single) {
    // Gates only: connectivity is a per-character quantity, not a unit's (its one column is no unit).
    for (const q of specs.filter((x) => x.scale === 'sequential' && x.range && x.key !== 'surprisal' && x.key !== 'h' && x.key !== 'connectivity')) {
      const g = gridFor(q, r, layerIndex);
      const sat = saturation(g);
      const top = Array.from(sat, (v, u) => [v, u] as const).sort((a, b) => b[0] - a[0]).slice(0, 3);
      for (const [, u] of top) {
        let low = 0, high = 0;
        for (let t = 0; t < g.rows; t++) {
          const v = g.data[t * g.cols + u];
          if (v < 0.1) low++; else if (v > 0.9) high++;
        }
        const row = el('tr', {}, el('td', {}, s(q.nameKey)), el('td', {}, String(u)), el('td', {}, `${Math.round((100 * low) / g.rows)}%`), el('td', {}, `${Math.round((100 * high) / g.rows)}%`));
        row.addEventListener('click', () => set({ quantity: q.key, unit: u }));
        rows.push(row);
      }
    }
  }
  const table = el('table', { class: 'saturated' }, el('thead', {}, el('tr', {}, el('th', {}, s('gate')), el('th', {}, s('unit')), el('th', {}, s('closedShare')), el('th', {}, s('openShare')))), el('tbody', {}, ...rows));

  linePlot?.destroy();
  linePlot = undefined;
  root.replaceChildren(
    el('h2', {}, title),
    pickers, equation, meaning, ...notes, ...connectivityNotes, colourBar,
    viewport, hover, ...(spec.key === 'connectivity' ? [droveLine] : [spanNote]),
    ...(spec.key === 'connectivity' && !drove?.matrix ? [] : [plotTitle, plotHost]),
    ...(rows.length ? [el('h3', {}, s('saturated')), el('p', { class: 'label' }, s('saturatedCaption')), table] : []),
    ...r.warnings.map((w) => el('p', { class: 'warning' }, w)),
  );
  fitRows();
  draw();
  // The pickers (web components) take their height a moment later, moving the heatmap down: fit again then.
  refit = () => {
    const before = rowHeight;
    fitRows();
    if (rowHeight !== before) redraw();
  };

  if (spec.key === 'connectivity') {
    if (drove?.matrix) {
      const axisC = { stroke: css('--vscode-foreground'), grid: { stroke: css('--vscode-editorWidget-border'), width: 1 }, ticks: { stroke: css('--vscode-editorWidget-border'), width: 1 } };
      const back = connectivityBack();
      linePlot = new uPlot({
        width: Math.max(280, root.clientWidth - 16), height: 180, legend: { show: false }, scales: { x: { time: false }, y: { auto: true } },
        axes: [{ ...axisC, label: s('plotXBack') }, { ...axisC, label: s('plotYInfluence'), size: 64, values: (_u, splits) => splits.map(readableNumber) }],
        series: [{ label: s('plotXBack') }, { label: s('plotYInfluence'), stroke: lineColour('--vscode-charts-orange'), width: 2, points: { show: (drove.window ?? 0) <= 60 } }],
      }, [back.x, back.y as unknown as number[]], plotHost);
      showDrove();
    }
    return;
  }
  const values = Array.from({ length: grid.rows }, (_, t) => grid.data[t * units + (units === 1 ? 0 : unit)]);
  const axis = { stroke: css('--vscode-foreground'), grid: { stroke: css('--vscode-editorWidget-border'), width: 1 }, ticks: { stroke: css('--vscode-editorWidget-border'), width: 1 } };
  linePlot = new uPlot({
    width: Math.max(280, root.clientWidth - 16), height: 180, legend: { show: false },
    scales: { x: { time: false }, y: spec.range ? { range: spec.range } : { auto: true } },
    axes: [
      { ...axis, label: s('plotX'), values: (_u, splits) => splits.map((i) => (Number.isInteger(i) && i >= 0 && i < grid.rows ? columnLabel(r.tokens[i]) : '')) },
      { ...axis, label: units === 1 ? s('bits') : s(spec.nameKey) },
    ],
    series: [{ label: s('plotX') }, { label: s(spec.nameKey), stroke: lineColour('--vscode-charts-blue'), width: 2, points: { show: grid.rows <= 120 } }],
  }, [values.map((_, t) => t), values.map((v) => (Number.isFinite(v) ? v : null)) as unknown as number[]], plotHost);
}

// VS Code marks the theme on <body> (vscode-light, vscode-dark, vscode-high-contrast): a canvas
// keeps its pixels, so redraw with the new theme's colours.
new MutationObserver(() => {
  forgetThemeColours();
  render();
}).observe(document.body, { attributes: true, attributeFilter: ['class'] });

api.postMessage({ type: 'ready' });
