/**
 * The Gate inspector: the probed text with each character coloured by the chosen
 * quantity (a gate of a unit, h, c or surprisal), a units x time heatmap of that
 * quantity, values on hover, and the most saturated units (the fraction of positions a
 * gate is below 0.1 or above 0.9, after Karpathy et al. 2015).
 */
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { ProbePayload } from './protocol';
import { connect, el } from './vscodeApi';

interface ViewState { text: string; title: string; layer: number; quantity: string; unit: number }
let strings: Record<string, string> = {};
let result: ProbePayload | undefined;
let title = '';
const root = document.getElementById('root')!;
const api = connect<ViewState>((m) => {
  if (m.type === 'init') {
    strings = m.strings;
    const saved = api.getState();
    if (saved?.text && !result) api.postMessage({ type: 'restore', text: saved.text, title: saved.title });
  } else if (m.type === 'probe') {
    result = m.result;
    title = m.title;
    const prev = api.getState();
    api.setState({ text: result.tokens.join('') + (result.surprisal.at(-1)?.actual ?? ''), title, layer: prev?.layer ?? 0, quantity: prev?.quantity ?? '', unit: prev?.unit ?? 0 });
    render();
  }
});

type Matrix = { rows: number; cols: number; data: number[] };

function quantities(layer: ProbePayload['layers'][number]): Record<string, Matrix> {
  const q: Record<string, Matrix> = { ...layer.gates, h: layer.h };
  if (layer.c) q.c = layer.c;
  return q;
}

/** A theme colour variable as [r, g, b] (a canvas cannot read CSS variables itself). */
const themeRgb = (() => {
  const cache = new Map<string, [number, number, number]>();
  return (variable: string): [number, number, number] => {
    let rgb = cache.get(variable);
    if (!rgb) {
      const probe = el('span', { style: `color: var(${variable})` });
      document.body.append(probe);
      const m = /rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(getComputedStyle(probe).color);
      probe.remove();
      rgb = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [128, 128, 128];
      cache.set(variable, rgb);
    }
    return rgb;
  };
})();

function colour(v: number, lo: number, hi: number): string {
  // Diverging around the middle of the range, in the theme's chart colours.
  const t = hi > lo ? Math.min(1, Math.max(0, (v - lo) / (hi - lo))) : 0.5;
  const alpha = Math.abs(t - 0.5) * 1.8;
  const [r, g, b] = themeRgb(t >= 0.5 ? '--vscode-charts-red' : '--vscode-charts-blue');
  return `rgba(${r}, ${g}, ${b}, ${alpha.toFixed(3)})`;
}

function render(): void {
  if (!result) return;
  const r = result;
  const state = api.getState()!;
  const layer = r.layers[Math.min(state.layer, r.layers.length - 1)];
  const q = quantities(layer);
  const names = [...Object.keys(q), 'surprisal'];
  const quantity = names.includes(state.quantity) ? state.quantity : names[0];
  const H = layer.h.cols;
  const unit = Math.min(state.unit, H - 1);
  const set = (patch: Partial<ViewState>) => {
    api.setState({ ...api.getState()!, ...patch });
    render();
  };

  const pick = (id: string, label: string, options: string[], value: string, onChange: (v: string) => void) => {
    const select = el('vscode-single-select', { id }) as HTMLElement & { value: string };
    for (const o of options) select.append(el('vscode-option', { value: o }, o));
    select.value = value;
    select.addEventListener('change', () => onChange(select.value));
    return el('div', { class: 'picker' }, el('vscode-label', { for: id }, label), select);
  };
  const unitField = el('vscode-textfield', { id: 'unit', type: 'number', min: '0', max: String(H - 1), value: String(unit) }) as HTMLElement & { value: string };
  unitField.addEventListener('change', () => set({ unit: Math.max(0, Math.min(H - 1, Math.round(Number(unitField.value) || 0))) }));
  const pickers = el('div', { class: 'pickers' },
    pick('layer', strings.layer, r.layers.map((l) => String(l.layer)), String(layer.layer), (v) => set({ layer: Number(v) })),
    pick('quantity', strings.gate, names, quantity, (v) => set({ quantity: v })),
    el('div', { class: 'picker' }, el('vscode-label', { for: 'unit' }, strings.unit), unitField));

  // The text, coloured by the quantity at each position.
  const values = quantity === 'surprisal' ? r.surprisal.map((s) => s.bits) : r.tokens.map((_, t) => q[quantity].data[t * H + unit]);
  const [lo, hi] = quantity === 'surprisal' ? [0, Math.max(...values, 1)] : quantity === 'h' || quantity === 'c' || quantity === 'g' || quantity === 'n' ? [-1, 1] : [0, 1];
  const text = el('div', { class: 'text', id: 'coloured-text' });
  r.tokens.forEach((tok, t) => {
    const span = el('span', { title: `${JSON.stringify(tok)} → ${JSON.stringify(r.surprisal[t].actual)}: ${quantity} = ${values[t].toFixed(3)}; p(next) ${r.surprisal[t].probability.toFixed(3)}` }, tok === '\n' ? '↵\n' : tok);
    span.style.background = colour(values[t], lo, hi);
    text.append(span);
  });

  // Units x time heatmap of the chosen quantity (surprisal has one row).
  const matrix: Matrix = quantity === 'surprisal' ? { rows: r.tokens.length, cols: 1, data: values } : q[quantity];
  const cell = 6;
  const canvas = el('canvas', { id: 'heatmap', width: String(matrix.rows * cell), height: String(matrix.cols * cell), role: 'img', 'aria-label': `${quantity}: units by position` });
  const ctx = canvas.getContext('2d');
  if (ctx) {
    for (let t = 0; t < matrix.rows; t++) {
      for (let u = 0; u < matrix.cols; u++) {
        ctx.fillStyle = colour(matrix.data[t * matrix.cols + u], lo, hi);
        ctx.fillRect(t * cell, u * cell, cell, cell);
      }
    }
  }
  const hover = el('div', { class: 'hover', 'aria-live': 'polite' });
  canvas.addEventListener('mousemove', (e) => {
    const t = Math.floor(e.offsetX / cell);
    const u = Math.floor(e.offsetY / cell);
    if (t < matrix.rows && u < matrix.cols) hover.textContent = `t=${t} ${JSON.stringify(r.tokens[t])}, unit ${u}: ${matrix.data[t * matrix.cols + u].toFixed(4)}`;
  });
  canvas.addEventListener('click', (e) => set({ unit: Math.min(H - 1, Math.floor(e.offsetY / cell)) }));

  // Saturation per unit for each gate (0..1 activations only).
  const rows: HTMLElement[] = [];
  for (const [name, m] of Object.entries(layer.gates)) {
    if (name === 'g' || name === 'n') continue;
    const sat = Array.from({ length: H }, (_, u) => {
      let left = 0;
      let right = 0;
      for (let t = 0; t < m.rows; t++) {
        const v = m.data[t * H + u];
        if (v < 0.1) left++;
        else if (v > 0.9) right++;
      }
      return { u, left: left / m.rows, right: right / m.rows };
    }).sort((a, b) => b.left + b.right - (a.left + a.right)).slice(0, 5);
    for (const s of sat) {
      const row = el('tr', {}, el('td', {}, name), el('td', {}, String(s.u)), el('td', {}, `${(s.left * 100).toFixed(0)}%`), el('td', {}, `${(s.right * 100).toFixed(0)}%`));
      row.addEventListener('click', () => set({ quantity: name, unit: s.u }));
      rows.push(row);
    }
  }
  const table = el('table', { class: 'saturated' }, el('thead', {}, el('tr', {}, el('th', {}, strings.gate), el('th', {}, strings.unit), el('th', {}, '< 0.1'), el('th', {}, '> 0.9'))), el('tbody', {}, ...rows));

  root.replaceChildren(
    el('h2', {}, title),
    pickers,
    text,
    el('div', { class: 'scroll' }, canvas),
    hover,
    ...(rows.length ? [el('h3', {}, strings.saturated), table] : []),
    ...r.warnings.map((w) => el('p', { class: 'warning' }, w)),
  );
}

api.postMessage({ type: 'ready' });
