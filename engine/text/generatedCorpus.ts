/**
 * The default corpus of the `seqlab demo` run: SeqLab's own short text about recurrent
 * networks, followed by sentences from a small seeded grammar on the same subject. The
 * grammar gives enough varied text (and structure: agreement, punctuation, numbers) for
 * a minute of training without the model simply memorising it; nothing is downloaded.
 */
import { Random } from '../core/random';
import { DEMO_CORPUS } from './demoCorpus';

const SUBJECTS = [
  ['the network', 's'], ['the cell', 's'], ['the forget gate', 's'], ['the input gate', 's'], ['the output gate', 's'],
  ['the hidden state', 's'], ['the gradient', 's'], ['the model', 's'], ['a small LSTM', 's'], ['the update gate', 's'],
  ['the gates', 'p'], ['the weights', 'p'], ['recurrent networks', 'p'], ['long sequences', 'p'], ['the errors', 'p'],
] as const;
const VERBS: Array<[string, string]> = [
  ['reads', 'read'], ['keeps', 'keep'], ['forgets', 'forget'], ['learns', 'learn'], ['carries', 'carry'], ['scales', 'scale'],
  ['remembers', 'remember'], ['predicts', 'predict'], ['mixes', 'mix'], ['passes', 'pass'], ['writes', 'write'], ['opens', 'open'],
];
const OBJECTS = [
  'the next character', 'the old state', 'a new candidate', 'what it read long ago', 'the signal', 'every word of the prompt',
  'the shape of a sentence', 'the error back through time', 'the memory of the text', 'a little of the past',
];
const ADVERBIALS = [
  'at every step', 'over many steps', 'one character at a time', 'while it trains', 'when the gate is open',
  'after a few hundred steps', 'along the conveyor belt', 'without clipping', 'in the second layer', 'as the loss falls',
];
const CONNECTIVES = ['and', 'but', 'so', 'while', 'because'];

function pick<T>(rng: Random, list: readonly T[]): T {
  return list[rng.int(list.length)];
}

function clause(rng: Random): string {
  const [subject, number] = pick(rng, SUBJECTS);
  const [singular, plural] = pick(rng, VERBS);
  let out = `${subject} ${number === 's' ? singular : plural} ${pick(rng, OBJECTS)}`;
  if (rng.next() < 0.6) out += ` ${pick(rng, ADVERBIALS)}`;
  return out;
}

function sentence(rng: Random): string {
  const r = rng.next();
  let s: string;
  if (r < 0.12) {
    const step = (1 + rng.int(40)) * 50;
    const loss = (3.5 * Math.exp(-step / 900) + 1.2 + rng.next() * 0.1).toFixed(2);
    s = `at step ${step} the loss is ${loss}`;
  } else if (r < 0.5) {
    s = `${clause(rng)}, ${pick(rng, CONNECTIVES)} ${clause(rng)}`;
  } else {
    s = clause(rng);
  }
  return s[0].toUpperCase() + s.slice(1) + (rng.next() < 0.1 ? '?' : '.');
}

/** About `characters` characters: the shipped text, then generated paragraphs. Same seed, same text. */
export function generateCorpus(characters = 200_000, seed = 7): string {
  const rng = new Random(seed);
  const parts = [DEMO_CORPUS];
  let length = DEMO_CORPUS.length;
  while (length < characters) {
    const sentences = Array.from({ length: 3 + rng.int(4) }, () => sentence(rng));
    const paragraph = sentences.join(' ') + '\n\n';
    parts.push(paragraph);
    length += paragraph.length;
  }
  return parts.join('');
}
