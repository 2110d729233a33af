/**
 * Numbers as the Experiments panel shows them (unit-tested in test/engine/webview.test.ts):
 * 3 significant digits, plain for everyday magnitudes, scientific for tiny or huge ones.
 * The exact values stay in the JSON and CSV exports.
 */
export function formatCell(v: string | number): string {
  if (typeof v === 'string') return v;
  if (Number.isNaN(v)) return '–';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  if (v === 0) return '0';
  if (Number.isInteger(v) && Math.abs(v) < 1e7) return v.toLocaleString('en');
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e5) return String(Number(v.toPrecision(3)));
  return v.toExponential(2).replace('e+', 'e');
}

/** Significant digits in a number as written ("0.000123" has 3, "1.50e-5" has 3, "12,345" counts as an integer). */
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
