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
