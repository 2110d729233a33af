/**
 * A figure as a standalone SVG on a white page: the Experiments panel's SVG export, and the
 * figures of the chapter's Markdown (from the panel and from `seqlab chapter --markdown`).
 * Pure string building (no DOM), so the webview, the extension host and the CLI draw the same
 * picture; the panel's own charts (uPlot, canvas) share the y ranges and ticks from here.
 */
import type { Tr } from '../core/lang';
import type { Figure } from './types';
import { placeLabels, wrapLabel } from './markLabels';
import { formatCell, powerOfTen } from './format';

/** A text's width at 11 px in the export's sans-serif: 6.2 px a Latin character on average, a full 11 px a Chinese one. */
const textWidth11 = (text: string) => [...text].reduce((w, ch) => w + (/[\u2e80-\u9fff\uff00-\uffef]/.test(ch) ? 11 : 6.2), 0);

/** A caption in lines that fit `width` (at 11 px), from `y` down, 14 px apart. */
function captionLines(caption: string, x: number, y: number, width: number): { svg: string; extra: number } {
  const lines = wrapLabel(caption, width, textWidth11);
  return {
    svg: lines.map((line, i) => `<text x="${x}" y="${y + i * 14}" font-size="11" fill="#444">${escapeXml(line)}</text>`).join(''),
    extra: (lines.length - 1) * 14,
  };
}

/** Whether some series' band is wider than its line: a band of a single seed has no width, and no legend entry. */
export const hasBandWidth = (f: Figure) => f.series.some((sr) => sr.band && sr.band.lower.some((lo, j) => lo !== sr.band!.upper[j]));

/**
 * A series' colour in an export: the palette in order of the series that are not faint; a faint
 * one grey. Red is the marks' colour: a figure with marks leaves it out of its lines (the adding
 * problem's six cells made the LSTM's line red beside the red crossing marks of the other cells).
 */
export function exportColour(f: Figure, i: number): string {
  if (f.series[i].faint) return '#aaaaaa';
  const k = f.series.slice(0, i).filter((sr) => !sr.faint).length;
  const palette = f.marks?.length ? EXPORT_COLOURS.filter((c) => c !== MARK_COLOUR) : EXPORT_COLOURS;
  return palette[k % palette.length];
}

/** The exported figures' palette (matplotlib's): a white page, whatever the editor's theme. */
export const EXPORT_COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#d62728', '#8c564b', '#7f7f7f'];
const MARK_COLOUR = '#d62728';
/** A label's width at 11 px: 6.2 px a character, the export font's average (marks are placed as on screen). */
const textWidth = (text: string) => text.length * 6.2;


/** log10 for log figures (uPlot's own log scale fails on the 20+ decades vanishing gradients span), identity otherwise. */
export const plotValue = (f: Figure) => (v: number | null | undefined): number | null =>
  v === null || v === undefined || !Number.isFinite(v) ? null : f.logY ? (v > 0 ? Math.log10(v) : null) : v;

/** The y range of each figure: its own, or shared with the figures that have the same `shareY`. */
export function figureYRanges(figures: Figure[]): Map<string, [number, number]> {
  const spans = new Map<string, [number, number]>();
  const extent = (f: Figure): [number, number] => {
    const tr = plotValue(f);
    const ys = [...f.series.flatMap((sr) => [...sr.y, ...(sr.band ? [...sr.band.lower, ...sr.band.upper] : [])]), ...(f.references ?? []).map((r) => r.y)].map(tr).filter((v): v is number => v !== null);
    return ys.length ? [Math.min(...ys), Math.max(...ys)] : [0, 1];
  };
  for (const f of figures) {
    const key = f.shareY ?? `own:${f.id}`;
    const [lo, hi] = extent(f);
    const prev = spans.get(key);
    spans.set(key, prev ? [Math.min(prev[0], lo), Math.max(prev[1], hi)] : [lo, hi]);
  }
  const out = new Map<string, [number, number]>();
  for (const f of figures) {
    let [lo, hi] = spans.get(f.shareY ?? `own:${f.id}`)!;
    if (f.logY) [lo, hi] = [Math.floor(lo), Math.ceil(hi)];
    else {
      const pad = (hi - lo || Math.abs(hi) || 1) * 0.05;
      // From 0 when the values come close to it; else around the data (loss curves would flatten against 0).
      [lo, hi] = [lo >= 0 && lo < 0.25 * hi ? 0 : lo - pad, hi + pad];
    }
    out.set(f.id, [lo, hi === lo ? lo + 1 : hi]);
  }
  return out;
}


/** The figure as a standalone SVG (an export, the chapter's Markdown), its own words in the language of `words`: axes with ticks, lines with their dashes and dots, marks, legend, caption. */
export function figureSvg(f: Figure, range: [number, number] = figureYRanges([f]).get(f.id)!, words: Tr = (en) => en): string {
  if (f.diagram) return diagramSvg(f, { fg: '#222', muted: '#666', h: EXPORT_COLOURS[0], c: EXPORT_COLOURS[1], bg: 'white' });
  if (f.heatmap) return heatmapSvg(f, words);
  const W = 720, H = 430, L = 70, R = 230, T = 30, B = 70;
  const tr = plotValue(f);
  const [y0, y1] = range;
  const [x0, x1] = [Math.min(...f.x), Math.max(...f.x)];
  const px = (x: number) => L + ((x - x0) / (x1 - x0 || 1)) * (W - L - R);
  const py = (y: number) => T + (1 - (y - y0) / (y1 - y0 || 1)) * (H - T - B);
  const bands = f.series.map((sr, i) => {
    if (!sr.band) return '';
    const both = f.x.map((x, j) => [x, tr(sr.band!.lower[j]), tr(sr.band!.upper[j])] as const).filter(([, lo, hi]) => lo !== null && hi !== null) as Array<readonly [number, number, number]>;
    const outline = [...both.map(([x, , hi]) => `${px(x).toFixed(1)},${py(hi).toFixed(1)}`), ...both.reverse().map(([x, lo]) => `${px(x).toFixed(1)},${py(lo).toFixed(1)}`)];
    return `<polygon fill="${exportColour(f, i)}" fill-opacity="0.18" stroke="none" points="${outline.join(' ')}"/>`;
  });
  const lines = f.series.map((sr, i) => {
    const colour = exportColour(f, i);
    const pts = f.x.map((x, j) => [x, tr(sr.y[j])] as const).filter(([, y]) => y !== null) as Array<readonly [number, number]>;
    const dots = sr.points ? pts.map(([x, y]) => `<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="2.5" fill="${colour}"/>`).join('') : '';
    return `<polyline fill="none" stroke="${colour}" stroke-width="2"${sr.dash ? ' stroke-dasharray="6 4"' : ''} points="${pts.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')}"/>${dots}`
      + `<line x1="${W - R + 10}" x2="${W - R + 34}" y1="${T + 18 * i + 6}" y2="${T + 18 * i + 6}" stroke="${colour}" stroke-width="2"${sr.dash ? ' stroke-dasharray="6 4"' : ''}/>`
      + `<text x="${W - R + 40}" y="${T + 18 * i + 10}" font-size="12">${escapeXml(sr.name)}</text>`;
  });
  const refs = (f.references ?? []).map((r) => { const y = tr(r.y)!; return `<line x1="${L}" x2="${W - R}" y1="${py(y)}" y2="${py(y)}" stroke="#888" stroke-dasharray="4 4"/>`; });
  // The reference lines' names over the series, on a white backdrop: the lines run along them (the adding problem's baseline).
  const refNames = (f.references ?? []).map((r) => {
    const y = tr(r.y)!;
    return `<rect x="${L + 2}" y="${py(y) - 15}" width="${(textWidth(r.name) + 4).toFixed(1)}" height="13" fill="white" fill-opacity="0.85"/><text x="${L + 4}" y="${py(y) - 4}" font-size="11" fill="#666">${escapeXml(r.name)}</text>`;
  });
  const markPoints = (f.marks ?? []).flatMap((m) => { const y = tr(m.y); return y === null ? [] : [{ x: px(m.x), y: py(y), label: m.label }]; });
  const marks = placeLabels(markPoints, { left: L, top: T, right: W - R, bottom: H - B }, textWidth, { lineHeight: 13, gap: 7, markerRadius: 5 }).map((l) =>
    `<circle cx="${l.anchor.x}" cy="${l.anchor.y}" r="4" fill="none" stroke="${MARK_COLOUR}" stroke-width="2"/>`
    // A white backdrop keeps the label legible over the lines it crosses, as on screen.
    + `<rect x="${(l.left - 2).toFixed(1)}" y="${l.top.toFixed(1)}" width="${(l.width + 4).toFixed(1)}" height="${l.height.toFixed(1)}" fill="white" fill-opacity="0.85"/>`
    + l.lines.map((line, i) => `<text x="${l.left.toFixed(1)}" y="${(l.top + 10 + i * 13).toFixed(1)}" font-size="11" fill="${MARK_COLOUR}">${escapeXml(line)}</text>`).join(''));
  const ticks = yTicks(f, range).map((v) => `<line x1="${L - 4}" x2="${L}" y1="${py(v)}" y2="${py(v)}" stroke="black"/><text x="${L - 6}" y="${py(v) + 4}" text-anchor="end" font-size="11">${escapeXml(f.logY ? powerOfTen(v) : formatCell(v))}</text>`);
  const caption = captionLines(f.caption, L, H - 12, W - L - 10);
  const shaded = hasBandWidth(f);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H + caption.extra}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>`
    + `<text x="${L}" y="18" font-size="14">${escapeXml(f.title)}</text>`
    + `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="black"/><line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="black"/>`
    + `<text x="${(L + W - R) / 2}" y="${H - B + 34}" text-anchor="middle" font-size="12">${escapeXml(f.xLabel)}</text>`
    + `<text x="14" y="${(T + H - B) / 2}" transform="rotate(-90 14 ${(T + H - B) / 2})" text-anchor="middle" font-size="12">${escapeXml(yAxisLabel(f))}</text>`
    + `<text x="${L}" y="${H - B + 16}" font-size="11">${x0}</text><text x="${W - R}" y="${H - B + 16}" text-anchor="end" font-size="11">${x1}</text>`
    + caption.svg
    + (shaded ? `<text x="${W - R + 10}" y="${T + 18 * f.series.length + 10}" font-size="11" fill="#444">${escapeXml(words('shaded: range over seeds', '阴影：各种子的范围'))}</text>` : '')
    + ticks.join('') + refs.join('') + bands.join('') + lines.join('') + refNames.join('') + marks.join('') + '</svg>';
}

export const yAxisLabel = (f: Figure) => f.yLabel; // the title says "(log scale)" and the ticks are powers of ten


/** Tick positions (in plotted units): whole powers of ten on log axes, a few round numbers otherwise. */
export function yTicks(f: Figure, [lo, hi]: [number, number]): number[] {
  if (f.logY) {
    const step = Math.max(1, Math.ceil((hi - lo) / 6));
    const out: number[] = [];
    for (let e = Math.ceil(lo); e <= hi; e += step) out.push(e);
    return out;
  }
  const raw = (hi - lo) / 5;
  const mag = 10 ** Math.floor(Math.log10(raw || 1));
  const step = [1, 2, 5, 10].map((k) => k * mag).find((k) => k >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-12; v += step) out.push(Number(v.toPrecision(6)));
  return out;
}


/**
 * The stacked LSTMCell loop as a drawing: a grid of cells (layers up, time steps along),
 * (h, c) arrows along each row, h-only arrows up each column, x_t into the bottom.
 */
export function diagramSvg(f: Figure, colours: { fg: string; muted: string; h: string; c: string; bg: string }): string {
  const { layers, steps } = f.diagram!;
  const cw = 120, chh = 56, gx = 70, gy = 64, left = 60, top = 40;
  const W = left + steps * cw + (steps - 1) * gx + 90;
  const H = top + layers * chh + (layers - 1) * gy + 90;
  const cx = (t: number) => left + t * (cw + gx);
  const cy = (k: number) => top + (layers - 1 - k) * (chh + gy);
  const arrow = (x1: number, y1: number, x2: number, y2: number, colour: string, label: string, dy = -6) =>
    `<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="${colour}" stroke-width="2" marker-end="url(#head-${colour.replace(/[^a-z0-9]/gi, '')})"/>`
    + `<text x="${(x1 + x2) / 2 + (x1 === x2 ? 8 : 0)}" y="${(y1 + y2) / 2 + dy}" font-size="12" fill="${colour}" text-anchor="${x1 === x2 ? 'start' : 'middle'}">${escapeXml(label)}</text>`;
  const heads = [colours.h, colours.c, colours.fg].map((c) => `<marker id="head-${c.replace(/[^a-z0-9]/gi, '')}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${c}"/></marker>`).join('');
  const parts: string[] = [`<defs>${heads}</defs>`];
  for (let k = 0; k < layers; k++) {
    for (let t = 0; t < steps; t++) {
      parts.push(`<rect x="${cx(t)}" y="${cy(k)}" width="${cw}" height="${chh}" rx="8" fill="${colours.bg}" stroke="${colours.fg}" stroke-width="1.5"/>`
        + `<text x="${cx(t) + cw / 2}" y="${cy(k) + chh / 2 + 5}" text-anchor="middle" font-size="13" fill="${colours.fg}">LSTMCell l${k}, t=${t}</text>`);
      if (t < steps - 1) {
        parts.push(arrow(cx(t) + cw, cy(k) + chh / 2 - 10, cx(t + 1), cy(k) + chh / 2 - 10, colours.h, `h${k}_${t}`));
        parts.push(arrow(cx(t) + cw, cy(k) + chh / 2 + 10, cx(t + 1), cy(k) + chh / 2 + 10, colours.c, `c${k}_${t}`, 18));
      }
      if (k < layers - 1) parts.push(arrow(cx(t) + cw / 2, cy(k), cx(t) + cw / 2, cy(k + 1) + chh, colours.h, `h${k}_${t} → input of l${k + 1}`));
      if (k === 0) parts.push(arrow(cx(t) + cw / 2, cy(0) + chh + 42, cx(t) + cw / 2, cy(0) + chh, colours.fg, `x_${t}`));
      if (k === layers - 1) parts.push(arrow(cx(t) + cw / 2, cy(k), cx(t) + cw / 2, cy(k) - 30, colours.fg, `output[${t}] = h${k}_${t}`));
    }
  }
  // A result kept from before the legend was written into the figure has none.
  parts.push(`<text x="${left}" y="${H - 12}" font-size="12" fill="${colours.muted}">${escapeXml(f.diagram!.legend ?? '')}</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" role="img" aria-label="${escapeXml(f.title)}">${parts.join('')}</svg>`;
}

/** Text for an SVG (or HTML) element or attribute. */
export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}


/** A heatmap's colour range: log10 of its positive values (or the values), and what is blank (0 on a log scale). */
export function heatmapRange(f: Figure): { value: (v: number) => number | null; lo: number; hi: number } {
  const hm = f.heatmap!;
  const value = (v: number) => (!Number.isFinite(v) ? null : hm.log ? (v > 0 ? Math.log10(v) : null) : v);
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of hm.values) {
    const x = value(v);
    if (x !== null) { lo = Math.min(lo, x); hi = Math.max(hi, x); }
  }
  if (!Number.isFinite(lo)) [lo, hi] = [0, 1];
  if (hi - lo < 1e-9) lo = hi - 1;
  return { value, lo, hi };
}


/** A heatmap as a standalone SVG (for export): one rectangle per cell, axes' labels, caption. */
export function heatmapSvg(f: Figure, words: Tr = (en) => en): string {
  const hm = f.heatmap!;
  const { value, lo, hi } = heatmapRange(f);
  const W = 720, H = 430, L = 70, R = 20, T = 30, B = 70;
  const cols = f.x.length, rows = hm.y.length;
  const cw = (W - L - R) / cols, ch = (H - T - B) / rows;
  const cells: string[] = [];
  for (let row = 0; row < rows; row++) for (let i = 0; i < cols; i++) {
    const x = value(hm.values[row * cols + i]);
    if (x !== null) cells.push(`<rect x="${(L + i * cw).toFixed(1)}" y="${(T + row * ch).toFixed(1)}" width="${(cw + 0.3).toFixed(1)}" height="${(ch + 0.3).toFixed(1)}" fill="#1f77b4" fill-opacity="${(0.06 + 0.94 * (x - lo) / (hi - lo)).toFixed(3)}"/>`);
  }
  const caption = captionLines(f.caption, L, H - 8, W - L - 10);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H + caption.extra}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>`
    + `<text x="${L}" y="18" font-size="14">${escapeXml(f.title)}</text>${cells.join('')}`
    + `<text x="${(L + W - R) / 2}" y="${H - B + 30}" text-anchor="middle" font-size="12">${escapeXml(f.xLabel)} (${f.x[0]} … ${f.x[cols - 1]})</text>`
    + `<text x="14" y="${(T + H - B) / 2}" transform="rotate(-90 14 ${(T + H - B) / 2})" text-anchor="middle" font-size="12">${escapeXml(f.yLabel)}</text>`
    + `<text x="${L}" y="${H - B + 48}" font-size="11" fill="#444">${escapeXml(`${hm.valueLabel}: 1e${lo.toFixed(1)} ${words('(faint)', '（浅）')} … 1e${hi.toFixed(1)} ${words('(strong)', '（深）')}`)}</text>`
    + `${caption.svg}</svg>`;
}

