/** Numbers as the experiments print them: rounded for JSON, three significant digits for people. */

export const round = (v: number, digits = 4) => (Number.isFinite(v) ? Number(v.toPrecision(digits)) : v);

/**
 * A number for a headline or a printed table: 3 significant digits, plain for everyday
 * magnitudes, scientific for tiny or huge ones, "0" for zero (the JSON keeps the exact value).
 */
export function sig3(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  if (v === 0) return '0';
  const a = Math.abs(v);
  // The panel's formatCell writes a table's numbers the same way (thousands separated), so a headline and its table agree to the character.
  if (a >= 1e-3 && a < 1e5) return Number(v.toPrecision(3)).toLocaleString('en', { maximumFractionDigits: 20 });
  return v.toExponential(2).replace('e+', 'e');
}

/**
 * Numbers as the Experiments panel shows them (unit-tested in test/engine/webview.test.ts); the SVG figures label their ticks with it too:
 * 3 significant digits, plain for everyday magnitudes, scientific for tiny or huge ones.
 * The exact values stay in the JSON export. Exact counts (parameters) come from the engine
 * as text, so they are shown as they are.
 */
export function formatCell(v: string | number): string {
  if (typeof v === 'string') return v;
  if (Number.isNaN(v)) return '–';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (Number.isInteger(v) && a < 1000) return String(v); // steps, layers, small counts
  if (a >= 1e-3 && a < 1e5) return Number(v.toPrecision(3)).toLocaleString('en', { maximumFractionDigits: 20 });
  return v.toExponential(2).replace('e+', 'e');
}

/** Tick labels for a log10 axis: "1e-5", "0.01", "1", "100", "1e4". */
export function powerOfTen(exponent: number): string {
  if (!Number.isInteger(exponent)) return '';
  if (exponent >= -2 && exponent <= 3) return String(Number((10 ** exponent).toPrecision(1)));
  return `1e${exponent}`;
}

/** A share as a percentage with one decimal ("95.0%"); "–" when there is none. */
export const percent = (share: number): string => (Number.isFinite(share) ? `${(100 * share).toFixed(1)}%` : '–');

/** Generated text on one line of a table or a sentence: a line break shown as ↵. */
export const oneLine = (text: string): string => text.replace(/\n/g, ' ↵ ');

/**
 * Text for a Markdown document, escaped only where Markdown would read it as markup, so the
 * file reads as prose ("3.4 · products-vanish", "h_t", "||dL/dc_t||", not "3\.4 · products\-vanish"):
 * backslashes, backticks, asterisks, brackets, "<" and "~" everywhere; "_" at a word's edge
 * (inside a word it is not emphasis); "&" before an entity name; "|" in a table cell (a
 * `tableCell`); at the start, only what would begin a block ("# ", ">", "- ", "---", "1. "). Line
 * breaks become spaces: each call is one line's text.
 */
export function markdownText(text: string, options: { tableCell?: boolean } = {}): string {
  let out = text.replace(/\r?\n/g, ' ')
    .replace(/[\\`*[\]<~]/g, '\\$&')
    .replace(/_/g, (u, at: number, s: string) => (/[\p{L}\p{N}]/u.test(s[at - 1] ?? '') && /[\p{L}\p{N}]/u.test(s[at + 1] ?? '') ? u : '\\_'))
    .replace(/&(?=#?[a-z0-9]+;)/gi, '\\&');
  if (options.tableCell) out = out.replace(/\|/g, '\\|');
  // A block's start only where Markdown starts one: "# " (not "#tag"), "- " / "---" (not "-1.5"), ">", "1. " (not "3.4").
  return out.replace(/^(\s*)(#{1,6}(?=\s|$)|>|([-+=])(?=\s|$|\3)|\d{1,9}(?=[.)](?:\s|$)))/, (_m, space: string, lead: string) => (/\d/.test(lead) ? `${space}${lead}\\` : `${space}\\${lead}`));
}

/** Seconds as m:ss ("1:05"), or h:mm:ss from an hour ("2:45:10"), for budgets, estimates and time left. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const mmss = `${String(Math.floor(s / 60) % 60).padStart(s >= 3600 ? 2 : 1, '0')}:${String(s % 60).padStart(2, '0')}`;
  return s >= 3600 ? `${Math.floor(s / 3600)}:${mmss}` : `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
