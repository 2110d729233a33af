/**
 * What the Gate inspector shows, without the DOM (unit-tested in test/engine/webview.test.ts):
 * the quantities each cell has, their value ranges and colour scales, unit orderings
 * (saturation, variance, LSTMVis-style selection), and value formatting.
 */

export type Scale = 'sequential' | 'diverging';

export interface QuantitySpec {
  /** Key in the probe result: i, f, g, o, r, z, n, h, c, or surprisal. */
  key: string;
  /** The string key of its spelled-out name ("forget gate f") in the host's strings. */
  nameKey: string;
  /** The string key of what a value means, for the caption. */
  meaningKey: string;
  /** Its equation as PyTorch writes it (torch.nn.LSTM / GRU / RNN docs). */
  equation: string;
  scale: Scale;
  /** Fixed range, or undefined: taken from the data (symmetric around 0 for diverging). */
  range?: [number, number];
}

const LSTM: QuantitySpec[] = [
  { key: 'i', nameKey: 'q.i', meaningKey: 'm.i', equation: 'i_t = σ(W_ii x_t + b_ii + W_hi h_{t−1} + b_hi)', scale: 'sequential', range: [0, 1] },
  { key: 'f', nameKey: 'q.f', meaningKey: 'm.f', equation: 'f_t = σ(W_if x_t + b_if + W_hf h_{t−1} + b_hf);  c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t', scale: 'sequential', range: [0, 1] },
  { key: 'g', nameKey: 'q.g', meaningKey: 'm.g', equation: 'g_t = tanh(W_ig x_t + b_ig + W_hg h_{t−1} + b_hg)', scale: 'diverging', range: [-1, 1] },
  { key: 'o', nameKey: 'q.o', meaningKey: 'm.o', equation: 'o_t = σ(W_io x_t + b_io + W_ho h_{t−1} + b_ho);  h_t = o_t ⊙ tanh(c_t)', scale: 'sequential', range: [0, 1] },
  { key: 'c', nameKey: 'q.c', meaningKey: 'm.c', equation: 'c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t', scale: 'diverging' },
  { key: 'h', nameKey: 'q.h', meaningKey: 'm.h', equation: 'h_t = o_t ⊙ tanh(c_t)', scale: 'diverging', range: [-1, 1] },
];

const GRU: QuantitySpec[] = [
  { key: 'r', nameKey: 'q.r', meaningKey: 'm.r', equation: 'r_t = σ(W_ir x_t + b_ir + W_hr h_{t−1} + b_hr)', scale: 'sequential', range: [0, 1] },
  { key: 'z', nameKey: 'q.z', meaningKey: 'm.z', equation: 'z_t = σ(W_iz x_t + b_iz + W_hz h_{t−1} + b_hz);  h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t−1}', scale: 'sequential', range: [0, 1] },
  { key: 'n', nameKey: 'q.n', meaningKey: 'm.n', equation: 'n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t−1} + b_hn))', scale: 'diverging', range: [-1, 1] },
  { key: 'h', nameKey: 'q.h', meaningKey: 'm.h', equation: 'h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t−1}', scale: 'diverging', range: [-1, 1] },
];

const SURPRISAL: QuantitySpec = { key: 'surprisal', nameKey: 'q.surprisal', meaningKey: 'm.surprisal', equation: 'surprisal_t = −log₂ p(x_{t+1} | x_{≤t})', scale: 'sequential' };

/** Connectivity (engine/model/connectivity.ts): per character pointed at, each earlier character's influence relative to the strongest. */
export const CONNECTIVITY: QuantitySpec = { key: 'connectivity', nameKey: 'q.connectivity', meaningKey: 'm.connectivity', equation: '‖∂ log p(x_t | x_<t) / ∂ e_s‖ / max_s′ ‖∂ log p(x_t | x_<t) / ∂ e_s′‖,  t − W ≤ s < t', scale: 'sequential', range: [0, 1] };

/**
 * Row `target` of the inspector's connectivity: for each character s of the text, the
 * influence of s on the character `target` relative to the strongest (NaN where there is
 * none: at and after the target, and beyond the window). `matrix` row t is the prediction
 * read at t (of t+1), column k the character k back. Returns the strongest absolute value.
 */
export function connectivityRow(matrix: Grid, target: number, out: Float64Array | Float32Array): number {
  out.fill(NaN);
  const t = target - 1;
  if (t < 0 || t >= matrix.rows) return 0;
  let strongest = 0;
  for (let k = 0; k < matrix.cols && t - k >= 0; k++) strongest = Math.max(strongest, matrix.data[t * matrix.cols + k]);
  for (let k = 0; k < matrix.cols && t - k >= 0; k++) out[t - k] = strongest > 0 ? matrix.data[t * matrix.cols + k] / strongest : 0;
  return strongest;
}

/** The quantities to offer for a cell type, in reading order, surprisal and connectivity last. */
export function quantitiesFor(cell: string): QuantitySpec[] {
  if (cell === 'lstm') return [...LSTM, SURPRISAL, CONNECTIVITY];
  if (cell === 'gru') return [...GRU, SURPRISAL, CONNECTIVITY];
  const activation = cell === 'rnn-relu' ? 'ReLU' : cell === 'rnn-sigmoid' ? 'σ' : 'tanh';
  const bounded = cell !== 'rnn-relu';
  return [{ key: 'h', nameKey: 'q.h', meaningKey: 'm.h', equation: `h_t = ${activation}(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh)`, scale: cell === 'rnn-sigmoid' ? 'sequential' : 'diverging', range: bounded ? (cell === 'rnn-sigmoid' ? [0, 1] : [-1, 1]) : undefined }, SURPRISAL, CONNECTIVITY];
}

/** A rows x cols matrix (rows = positions, cols = units), row-major; NaN = no value. */
export interface Grid { rows: number; cols: number; data: ArrayLike<number> }

/** The range the colour scale spans: fixed, or from the data (diverging: symmetric, 2 significant digits up). */
/** The smallest and largest finite values of a grid, or null when it has none. */
function finiteExtent(grid: Grid): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < grid.data.length; i++) {
    const v = grid.data[i];
    if (Number.isFinite(v)) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  return Number.isFinite(lo) ? [lo, hi] : null;
}

export function rangeOf(spec: QuantitySpec, grid: Grid): [number, number] {
  if (spec.range) return spec.range;
  const extent = finiteExtent(grid);
  if (!extent) return [0, 1];
  const [lo, hi] = extent;
  if (spec.scale === 'diverging') {
    const m = Math.max(niceCeil(lo), niceCeil(hi), 1e-6);
    return [-m, m];
  }
  return [Math.min(0, lo), Math.max(niceCeil(hi), 1e-6)];
}

/** The smallest number of two significant digits at or above |v| (a colour bar's end). */
export function niceCeil(v: number): number {
  const a = Math.abs(v);
  if (a === 0 || !Number.isFinite(a)) return 0;
  const step = 10 ** (Math.floor(Math.log10(a)) - 1);
  return Number((Math.ceil(a / step - 1e-9) * step).toPrecision(2));
}

/** Position of v on the colour scale: 0..1 (sequential) or -1..1 (diverging); NaN stays NaN. */
/**
 * The range of the values themselves (their minimum and maximum), for a stretched colour
 * scale: a trained model's gates sit near 1 almost everywhere, and on the fixed 0..1 scale
 * they are all one colour. A diverging quantity stays symmetric around 0.
 */
export function dataRangeOf(spec: QuantitySpec, grid: Grid): [number, number] {
  const extent = finiteExtent(grid);
  if (!extent) return [0, 1];
  const [lo, hi] = extent;
  if (spec.scale === 'diverging') {
    const m = Math.max(Math.abs(lo), Math.abs(hi), 1e-6);
    return [-m, m];
  }
  return hi > lo ? [lo, hi] : [lo, lo + 1e-6];
}

export function scaled(spec: QuantitySpec, range: [number, number], v: number): number {
  if (!Number.isFinite(v)) return NaN;
  const [lo, hi] = range;
  if (spec.scale === 'diverging') return Math.max(-1, Math.min(1, v / Math.max(Math.abs(lo), Math.abs(hi))));
  return Math.max(0, Math.min(1, (v - lo) / (hi - lo || 1)));
}

export type SortMode = 'index' | 'saturation' | 'variance' | 'selection';

/** Share of positions where a 0..1 activation is saturated (< 0.1 or > 0.9), per unit (Karpathy et al. 2015). */
export function saturation(grid: Grid): Float64Array {
  const out = new Float64Array(grid.cols);
  for (let u = 0; u < grid.cols; u++) {
    let n = 0;
    let count = 0;
    for (let t = 0; t < grid.rows; t++) {
      const v = grid.data[t * grid.cols + u];
      if (!Number.isFinite(v)) continue;
      count++;
      if (v < 0.1 || v > 0.9) n++;
    }
    out[u] = count ? n / count : 0;
  }
  return out;
}

export function variance(grid: Grid): Float64Array {
  const out = new Float64Array(grid.cols);
  for (let u = 0; u < grid.cols; u++) {
    let sum = 0;
    let sq = 0;
    let count = 0;
    for (let t = 0; t < grid.rows; t++) {
      const v = grid.data[t * grid.cols + u];
      if (!Number.isFinite(v)) continue;
      sum += v;
      sq += v * v;
      count++;
    }
    out[u] = count ? sq / count - (sum / count) ** 2 : 0;
  }
  return out;
}

/**
 * LSTMVis's hypothesis selection, as a score per unit: mean activation inside the
 * selected span minus mean activation outside it. Units high inside and low elsewhere
 * come first.
 */
export function selectionScore(grid: Grid, span: [number, number]): Float64Array {
  const [a, b] = span[0] <= span[1] ? span : [span[1], span[0]];
  const out = new Float64Array(grid.cols);
  for (let u = 0; u < grid.cols; u++) {
    let inSum = 0, inN = 0, outSum = 0, outN = 0;
    for (let t = 0; t < grid.rows; t++) {
      const v = grid.data[t * grid.cols + u];
      if (!Number.isFinite(v)) continue;
      if (t >= a && t <= b) { inSum += v; inN++; } else { outSum += v; outN++; }
    }
    out[u] = (inN ? inSum / inN : 0) - (outN ? outSum / outN : 0);
  }
  return out;
}

/** Units in display order for a sort mode (ties keep index order). */
export function unitOrder(grid: Grid, mode: SortMode, span?: [number, number]): number[] {
  const units = Array.from({ length: grid.cols }, (_, u) => u);
  const score = mode === 'saturation' ? saturation(grid) : mode === 'variance' ? variance(grid) : mode === 'selection' && span ? selectionScore(grid, span) : undefined;
  if (!score) return units;
  return units.sort((x, y) => score[y] - score[x] || x - y);
}

/** A value for a readout: 3 significant digits, plain for everyday magnitudes. */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return '–';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e4) return String(Number(v.toPrecision(3)));
  return v.toExponential(2);
}

const SUPERSCRIPT: Record<string, string> = { '-': '⁻', '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹' };

/**
 * An axis number as a student reads it: 0.2, 0.05, 1.5×10⁻⁵ (never "2e-1"): plain decimals
 * from 0.001 to 10,000, else a mantissa times a power of ten.
 */
export function readableNumber(v: number): string {
  if (!Number.isFinite(v)) return '–';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e4) return String(Number(v.toPrecision(2)));
  const [mantissa, exponent] = v.toExponential(1).split('e');
  const m = mantissa.replace(/\.0$/, '');
  return `${m === '1' ? '' : m === '-1' ? '-' : `${m}×`}10${exponent.replace('+', '').split('').map((c) => SUPERSCRIPT[c] ?? c).join('')}`;
}

/** How a character is drawn as a column label: whitespace made visible. */
export function columnLabel(token: string): string {
  if (token === '\n') return '↵';
  if (token === ' ') return '␣';
  if (token === '\t') return '⇥';
  if (token === '\r') return '␍';
  return token;
}
