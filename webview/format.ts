/**
 * Numbers as the Experiments panel shows them (unit-tested in test/engine/webview.test.ts):
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

/** Seconds as m:ss ("1:05"), or h:mm:ss from an hour ("2:45:10"), for budgets, estimates and time left. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const mmss = `${String(Math.floor(s / 60) % 60).padStart(s >= 3600 ? 2 : 1, '0')}:${String(s % 60).padStart(2, '0')}`;
  return s >= 3600 ? `${Math.floor(s / 3600)}:${mmss}` : `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** Significant digits in a number as written ("0.000123" has 3, "1.50e-5" has 3, "79,400" has 3: an integer's trailing zeros do not count). */
export function significantDigits(text: string): number {
  const mantissa = text.replace(/,/g, '').replace(/^[-−]/, '').split(/e/i)[0];
  if (/^\d+$/.test(mantissa)) return mantissa.replace(/0+$/, '').length || 1;
  return mantissa.replace('.', '').replace(/^0+/, '').length;
}

/** Tick labels for a log10 axis: "1e-5", "0.01", "1", "100", "1e4". */
export function powerOfTen(exponent: number): string {
  if (!Number.isInteger(exponent)) return '';
  if (exponent >= -2 && exponent <= 3) return String(Number((10 ** exponent).toPrecision(1)));
  return `1e${exponent}`;
}
