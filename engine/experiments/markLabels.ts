/**
 * Where a figure's mark labels go (unit-tested in test/engine/webview.test.ts, no DOM): each
 * label next to its own marker, inside the plot, never across another label or another
 * marker (its own included). Candidates are tried nearest first (right or left of the marker, above or below,
 * then a line further out each round); a label too wide for the plot wraps at spaces. When
 * nothing is free, the candidate with the least overlap is taken, still inside the plot.
 */

export interface PlotArea { left: number; top: number; right: number; bottom: number }
export interface MarkAt { x: number; y: number; label: string }
export interface PlacedLabel {
  lines: string[];
  /** The label's box: left, top, width, height (the same units as the inputs). */
  left: number;
  top: number;
  width: number;
  height: number;
  /** The marker it belongs to. */
  anchor: { x: number; y: number };
}

type Box = { left: number; top: number; right: number; bottom: number };

const overlap = (a: Box, b: Box) => Math.max(0, Math.min(a.right, b.right) - Math.max(a.left, b.left)) * Math.max(0, Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top));

/** Words into lines no wider than `max` (a single word wider than `max` stays whole). */
export function wrapLabel(label: string, max: number, measure: (text: string) => number): string[] {
  if (measure(label) <= max) return [label];
  const lines: string[] = [];
  let line = '';
  for (const word of label.split(' ')) {
    const next = line ? `${line} ${word}` : word;
    if (line && measure(next) > max) {
      lines.push(line);
      line = word;
    } else {
      line = next;
    }
  }
  if (line) lines.push(line);
  return lines;
}

export function placeLabels(marks: MarkAt[], area: PlotArea, measure: (text: string) => number, o: { lineHeight: number; gap: number; markerRadius: number }): PlacedLabel[] {
  const placed: Box[] = [];
  const markers: Box[] = marks.map((m) => ({ left: m.x - o.markerRadius, top: m.y - o.markerRadius, right: m.x + o.markerRadius, bottom: m.y + o.markerRadius }));
  const areaWidth = area.right - area.left;
  return marks.map((m) => {
    const lines = wrapLabel(m.label, Math.max(40, areaWidth * 0.75), measure);
    const width = Math.max(...lines.map(measure));
    const height = lines.length * o.lineHeight;
    const clampX = (x: number) => Math.min(Math.max(x, area.left), Math.max(area.left, area.right - width));
    const clampY = (y: number) => Math.min(Math.max(y, area.top), Math.max(area.top, area.bottom - height));
    const candidates: Box[] = [];
    for (let ring = 0; ring < 12; ring++) {
      const up = m.y - o.gap - height - ring * o.lineHeight;
      const down = m.y + o.gap + ring * o.lineHeight;
      for (const top of [up, down]) {
        for (const left of [m.x + o.gap, m.x - o.gap - width]) {
          const x = clampX(left);
          const y = clampY(top);
          candidates.push({ left: x, top: y, right: x + width, bottom: y + height });
        }
      }
    }
    // Covering any marker hides it, its own included.
    const cost = (b: Box) => placed.reduce((a, p) => a + overlap(b, p), 0) + markers.reduce((a, k) => a + overlap(b, k), 0);
    let best = candidates[0];
    let bestCost = Infinity;
    for (const c of candidates) {
      const k = cost(c);
      if (k === 0) {
        best = c;
        break;
      }
      if (k < bestCost) {
        best = c;
        bestCost = k;
      }
    }
    placed.push(best);
    return { lines, left: best.left, top: best.top, width, height, anchor: { x: m.x, y: m.y } };
  });
}
