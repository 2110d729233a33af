/**
 * The Experiments panel: what the chapter claims, the figures (uPlot), the numbers (a
 * table), and exports: the result as JSON or CSV, each figure as PNG or SVG.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import uPlot from 'uplot';
import type { ExperimentFigure, ExperimentMessage } from './protocol';
import { connect, el } from './vscodeApi';

let strings: Record<string, string> = {};
const root = document.getElementById('root')!;
const charts: uPlot[] = [];
const api = connect<{ last?: ExperimentMessage }>((m) => {
  if (m.type === 'init') {
    strings = m.strings;
    const saved = api.getState()?.last;
    if (saved) render(saved);
  } else if (m.type === 'experiment') {
    if (!m.running) api.setState({ last: m });
    render(m);
  }
});

function css(v: string): string {
  return getComputedStyle(document.body).getPropertyValue(v).trim() || '#888';
}

const PALETTE = ['--vscode-charts-blue', '--vscode-charts-orange', '--vscode-charts-green', '--vscode-charts-red', '--vscode-charts-purple', '--vscode-charts-yellow', '--vscode-foreground'];

/** The figure as a standalone SVG: axes, polylines, legend (for export). */
function toSvg(f: ExperimentFigure): string {
  const W = 640, H = 400, L = 70, R = 180, T = 30, B = 50;
  const ys = f.series.flatMap((s) => s.y).concat((f.references ?? []).map((r) => r.y)).filter((v): v is number => v !== null && Number.isFinite(v) && (!f.logY || v > 0));
  const tr = (v: number) => (f.logY ? Math.log10(v) : v);
  const [y0, y1] = [Math.min(...ys.map(tr)), Math.max(...ys.map(tr))];
  const [x0, x1] = [Math.min(...f.x), Math.max(...f.x)];
  const px = (x: number) => L + ((x - x0) / (x1 - x0 || 1)) * (W - L - R);
  const py = (y: number) => T + (1 - (tr(y) - y0) / (y1 - y0 || 1)) * (H - T - B);
  const colours = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#7f7f7f'];
  const lines = f.series.map((s, i) => {
    const pts = f.x.map((x, j) => [x, s.y[j]] as const).filter(([, y]) => y !== null && Number.isFinite(y) && (!f.logY || (y as number) > 0));
    return `<polyline fill="none" stroke="${colours[i % colours.length]}" stroke-width="2" points="${pts.map(([x, y]) => `${px(x).toFixed(1)},${py(y as number).toFixed(1)}`).join(' ')}"/>`
      + `<text x="${W - R + 10}" y="${T + 16 * i + 10}" fill="${colours[i % colours.length]}" font-size="12">${escape(s.name)}</text>`;
  });
  const refs = (f.references ?? []).map((r) => `<line x1="${L}" x2="${W - R}" y1="${py(r.y)}" y2="${py(r.y)}" stroke="#888" stroke-dasharray="4 4"/><text x="${L + 4}" y="${py(r.y) - 4}" font-size="11" fill="#666">${escape(r.name)}</text>`);
  const fmt = (v: number) => (f.logY ? `1e${v.toFixed(0)}` : v.toPrecision(3));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>`
    + `<text x="${L}" y="18" font-size="14">${escape(f.title)}</text>`
    + `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="black"/><line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="black"/>`
    + `<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle" font-size="12">${escape(f.xLabel)}</text>`
    + `<text x="14" y="${(T + H - B) / 2}" transform="rotate(-90 14 ${(T + H - B) / 2})" text-anchor="middle" font-size="12">${escape(f.yLabel)}</text>`
    + `<text x="${L - 6}" y="${T + 10}" text-anchor="end" font-size="11">${fmt(y1)}</text><text x="${L - 6}" y="${H - B}" text-anchor="end" font-size="11">${fmt(y0)}</text>`
    + `<text x="${L}" y="${H - B + 16}" font-size="11">${x0}</text><text x="${W - R}" y="${H - B + 16}" text-anchor="end" font-size="11">${x1}</text>`
    + refs.join('') + lines.join('') + '</svg>';
}

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function render(m: ExperimentMessage): void {
  charts.splice(0).forEach((c) => c.destroy());
  const parts: HTMLElement[] = [el('h2', {}, m.title), el('p', { class: 'label' }, m.description)];
  if (m.running || !m.output) {
    const bar = el('vscode-progress-bar', { id: 'progress', value: String(m.progress?.fraction ?? 0), max: '1' });
    parts.push(el('p', { id: 'progress-message', 'aria-live': 'polite' }, m.running ? `${strings.running ?? 'Running…'} ${m.progress?.message ?? ''}` : (m.progress?.message ?? '')));
    if (m.running) parts.push(bar);
    root.replaceChildren(...parts);
    return;
  }
  const out = m.output;
  const exportButton = (label: string, format: 'json' | 'csv') => {
    const b = el('vscode-button', { secondary: '' }, `${strings.export ?? 'Export'} ${label}`);
    b.addEventListener('click', () => api.postMessage({ type: 'export', format }));
    return b;
  };
  parts.push(el('p', { id: 'headline' }, out.headline), el('div', { class: 'controls' }, exportButton('JSON', 'json'), exportButton('CSV', 'csv')));
  const table = el('table', { class: 'saturated', id: 'results' });
  out.table.forEach((row, i) => table.append(el('tr', {}, ...row.map((v) => el(i === 0 ? 'th' : 'td', {}, typeof v === 'number' ? (Math.abs(v) < 1e-3 && v !== 0 ? v.toExponential(2) : String(v)) : v)))));
  parts.push(table);
  const figureHosts: Array<[ExperimentFigure, HTMLElement]> = [];
  for (const f of out.figures) {
    const host = el('div', { class: 'figure', id: `figure-${f.id}`, role: 'img', 'aria-label': f.title });
    const png = el('vscode-button', { secondary: '' }, 'PNG');
    const svg = el('vscode-button', { secondary: '' }, 'SVG');
    png.addEventListener('click', () => {
      const canvas = host.querySelector('canvas');
      if (canvas) api.postMessage({ type: 'export', format: 'png', figureId: f.id, data: canvas.toDataURL('image/png') });
    });
    svg.addEventListener('click', () => api.postMessage({ type: 'export', format: 'svg', figureId: f.id, data: toSvg(f) }));
    parts.push(el('h3', {}, f.title), el('div', { class: 'controls' }, png, svg), host);
    figureHosts.push([f, host]);
  }
  parts.push(el('details', {}, el('summary', {}, 'config'), el('pre', {}, JSON.stringify(out.config, (k, v) => (k === 'text' && typeof v === 'string' ? `<${v.length} characters>` : v), 2))));
  root.replaceChildren(...parts);
  for (const [f, host] of figureHosts) {
    const axis = { stroke: css('--vscode-foreground'), grid: { stroke: css('--vscode-editorWidget-border') }, ticks: { stroke: css('--vscode-editorWidget-border') } };
    const refs = f.references ?? [];
    // Log plots show log10 of the values on a linear axis: uPlot's own log scale fails
    // ("Invalid array length") on spans of 20+ decades, which vanishing gradients reach.
    const tr = (v: number | null) => (v === null || !Number.isFinite(v) ? null : f.logY ? (v > 0 ? Math.log10(v) : null) : v);
    const data: uPlot.AlignedData = [f.x, ...f.series.map((s) => s.y.map(tr)) as unknown as number[][], ...refs.map((r) => f.x.map(() => tr(r.y)) as unknown as number[])];
    charts.push(new uPlot({
      width: Math.max(320, root.clientWidth - 24), height: 260,
      scales: { x: { time: false } },
      axes: [{ ...axis, label: f.xLabel }, { ...axis, label: f.logY ? `log10 ${f.yLabel}` : f.yLabel }],
      series: [{}, ...f.series.map((s, i) => ({ label: s.name, stroke: css(PALETTE[i % PALETTE.length]), width: 2, spanGaps: true })),
        ...refs.map((r) => ({ label: r.name, stroke: css('--vscode-descriptionForeground'), dash: [6, 4], width: 1 }))],
    }, data, host));
  }
}

api.postMessage({ type: 'ready' });
