export { clock, formatCell, powerOfTen } from '../engine/experiments/format';

/** Significant digits in a number as written ("0.000123" has 3, "1.50e-5" has 3, "79,400" has 3: an integer's trailing zeros do not count). */
export function significantDigits(text: string): number {
  const mantissa = text.replace(/,/g, '').replace(/^[-−]/, '').split(/e/i)[0];
  if (/^\d+$/.test(mantissa)) return mantissa.replace(/0+$/, '').length || 1;
  return mantissa.replace('.', '').replace(/^0+/, '').length;
}
