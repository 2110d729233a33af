/** Connectivity's shapes and limits, without TensorFlow.js: the worker protocol and the extension host read them. */

export const CONNECTIVITY_WINDOW = 100;
/** A longer window costs proportionally more and shows influences too small to see. */
export const CONNECTIVITY_MAX_WINDOW = 1000;

export interface ConnectivityMatrix {
  /** Predictions (one per input position t, each predicting t+1). */
  rows: number;
  /** The window: column k is the input k steps back from t. */
  cols: number;
  /** Row-major (rows, cols); zero where t - k < 0. */
  data: Float32Array;
}

export interface Drivers {
  /** The explained character: its UTF-16 offsets in the text, itself, and the probability the model gave it there. */
  target: { start: number; end: number; text: string; probability: number };
  window: number;
  /** Earlier characters within the window, in text order, with their influence (the norm over the character's tokens). */
  drivers: Array<{ start: number; end: number; text: string; value: number }>;
  warnings: string[];
}
