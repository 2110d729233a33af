/** What the experiments' runs start from: the built-in text as ids, random windows of it, a small model. */
import { tf } from '../core/backend';
import { CharLM, type CellType } from '../model/charlm';
import { Random } from '../core/random';
import { generateCorpus } from '../text/generatedCorpus';
import { Vocabulary } from '../text/vocabulary';

/** The built-in corpus as token ids (the experiments' default text). */
export function corpusIds(text = generateCorpus(120_000)): { vocabulary: Vocabulary; ids: Int32Array } {
  const { vocabulary } = Vocabulary.fromText(text, { mode: 'char' });
  return { vocabulary, ids: vocabulary.encode(text).ids };
}

/** `batch` random windows of `width` tokens, as rows. */
export function randomWindows(ids: Int32Array, batch: number, width: number, rng: Random): number[][] {
  return Array.from({ length: batch }, () => {
    const start = rng.int(ids.length - width);
    return Array.from(ids.subarray(start, start + width));
  });
}

export function windowsTensor(rows: number[][]): tf.Tensor2D {
  return tf.tensor2d(rows, [rows.length, rows[0].length], 'int32');
}

export function charModel(cell: CellType, vocabSize: number, hidden: number, seed: number, extra: { forgetBias?: number; embed?: number; layers?: number } = {}): CharLM {
  return new CharLM({ vocabSize, embeddingSize: extra.embed ?? 32, hiddenSize: hidden, numLayers: extra.layers ?? 1, cell, forgetBias: extra.forgetBias, seed });
}
