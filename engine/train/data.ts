/**
 * A run's data: the text as token ids, split into training and validation parts, with the
 * vocabulary that encodes it (built from the text, or a resumed checkpoint's).
 */
import { splitIds, TextTooShortError } from '../text/corpus';
import { Vocabulary, type TokenIds } from '../text/vocabulary';
import type { TrainConfig } from './config';
import { lossBaselines, type LossBaselines } from '../core/curve';
import { message } from '../core/messages';

export interface TrainData {
  vocabulary: Vocabulary;
  /** Why this vocabulary mode: "character level: 67 distinct characters". */
  vocabularyReason: string;
  /** The text as token ids, held once (see Vocabulary.encodeText). */
  train: TokenIds;
  validation: TokenIds;
  /** The losses a model must beat on this split (the chart's reference lines). */
  baselines: LossBaselines;
}

/** Tokenises the text and splits it; errors say how long the text must be. */
export function prepareData(text: string, config: TrainConfig, vocabulary?: Vocabulary): TrainData {
  const built = vocabulary ? { vocabulary, reason: 'the checkpoint\'s vocabulary' } : Vocabulary.fromText(text, { mode: config.vocabMode, maxSize: config.vocabMax });
  const { ids } = built.vocabulary.encodeText(text);
  const window = config.seqLen + 1;
  if (ids.length < 2 * window) {
    throw new TextTooShortError(message('text-too-short-window', { length: ids.length, seqLen: config.seqLen, needed: 2 * window }), { length: ids.length, needed: 2 * window });
  }
  const { train, validation } = splitIds(ids, config.valFraction, window);
  return { vocabulary: built.vocabulary, vocabularyReason: built.reason, train, validation, baselines: lossBaselines(train, validation, built.vocabulary.size) };
}
