export { formatCell, powerOfTen } from '../engine/experiments/format';

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
