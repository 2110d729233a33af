/**
 * Text to token ids and back.
 *
 * Character level works on Unicode code points of NFC-normalised text, not UTF-16
 * units: a CJK character, an emoji or any astral character is one token. Byte level
 * (UTF-8 bytes, 256 tokens) is for texts with so many distinct characters that a
 * character vocabulary would dominate the model (char-rnn users have met 180,000-symbol
 * vocabularies); its output is decoded as UTF-8 once the bytes of a character are all there.
 */
import { CataloguedError, message } from '../core/messages';
export type VocabularyMode = 'char' | 'byte';
export type VocabularyChoice = VocabularyMode | 'auto';

/** The token standing for characters outside a capped character vocabulary. */
export const UNKNOWN_TOKEN = '\u{FFFD}';

/** In 'auto' mode: up to this many distinct characters keep a full character vocabulary. */
export const AUTO_MAX_CHARS = 8000;
/** In 'auto' mode: a capped character vocabulary must cover this share of the text, else bytes. */
export const AUTO_MIN_COVERAGE = 0.995;

export interface VocabularyJSON {
  mode: VocabularyMode;
  /** Character mode: the token of each id (UNKNOWN_TOKEN first when capped). */
  tokens?: string[];
  capped?: boolean;
}

export interface VocabularyOptions {
  mode?: VocabularyChoice;
  /** Character mode: keep the most frequent `maxSize - 1` characters plus the unknown token. */
  maxSize?: number;
}

export interface Encoded {
  ids: Int32Array;
  /** Characters that had no token, with counts (skipped, or mapped to the unknown token). */
  unknown: Map<string, number>;
}

/** A text's token ids: bytes at byte level, 16 bits for vocabularies of up to 65,536 tokens, else 32. */
export type TokenIds = Uint8Array | Uint16Array | Int32Array;

export class Vocabulary {
  private readonly index: Map<string, number>;

  private constructor(readonly mode: VocabularyMode, readonly tokens: readonly string[], readonly capped: boolean) {
    this.index = new Map(tokens.map((t, i) => [t, i]));
  }

  /** Builds a vocabulary for `text` and says which mode was chosen and why. */
  static fromText(text: string, options: VocabularyOptions = {}): { vocabulary: Vocabulary; reason: string } {
    const choice = options.mode ?? 'auto';
    if (options.maxSize !== undefined && (!Number.isInteger(options.maxSize) || options.maxSize < 2)) {
      throw new CataloguedError(message('vocab-max-size', { got: String(options.maxSize) }));
    }
    if (choice === 'byte') return { vocabulary: Vocabulary.bytes(), reason: 'byte level requested: 256 UTF-8 byte tokens' };
    const counts = new Map<string, number>();
    let total = 0;
    for (const ch of text.normalize('NFC')) {
      counts.set(ch, (counts.get(ch) ?? 0) + 1);
      total++;
    }
    const byFrequency = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    const cap = options.maxSize ?? (choice === 'auto' ? AUTO_MAX_CHARS : Infinity);
    if (byFrequency.length <= cap) {
      const tokens = byFrequency.map(([c]) => c).sort();
      return { vocabulary: new Vocabulary('char', tokens, false), reason: `character level: ${tokens.length} distinct characters` };
    }
    const kept = byFrequency.slice(0, cap - 1);
    const coverage = kept.reduce((n, [, c]) => n + c, 0) / total;
    const pct = (coverage * 100).toFixed(2);
    if (choice === 'auto' && options.maxSize === undefined && coverage < AUTO_MIN_COVERAGE) {
      return {
        vocabulary: Vocabulary.bytes(),
        reason: `byte level: ${byFrequency.length} distinct characters, and the ${cap - 1} most frequent cover only ${pct}% of the text`,
      };
    }
    const tokens = [UNKNOWN_TOKEN, ...kept.map(([c]) => c).sort()];
    return {
      vocabulary: new Vocabulary('char', tokens, true),
      reason: `character level capped at ${cap}: ${byFrequency.length} distinct characters, the ${cap - 1} most frequent cover ${pct}%, the rest map to ${JSON.stringify(UNKNOWN_TOKEN)}`,
    };
  }

  static bytes(): Vocabulary {
    return new Vocabulary('byte', [], false);
  }

  static fromJSON(json: VocabularyJSON): Vocabulary {
    if (json.mode === 'byte') return Vocabulary.bytes();
    if (json.mode !== 'char' || !Array.isArray(json.tokens) || json.tokens.length === 0) {
      throw new Error('vocabulary: expected mode "char" with a non-empty token list, or mode "byte"');
    }
    if (new Set(json.tokens).size !== json.tokens.length) throw new Error('vocabulary: duplicate tokens');
    return new Vocabulary('char', json.tokens, json.capped === true);
  }

  toJSON(): VocabularyJSON {
    return this.mode === 'byte' ? { mode: 'byte' } : { mode: 'char', tokens: [...this.tokens], capped: this.capped };
  }

  get size(): number {
    return this.mode === 'byte' ? 256 : this.tokens.length;
  }

  /**
   * Text to ids. A character without a token maps to the unknown token when the
   * vocabulary has one (`onUnknown: 'unk'`, the default), else it is skipped; either way
   * it is counted in `unknown` so the caller can say which characters were affected.
   */
  encode(text: string, options: { onUnknown?: 'unk' | 'skip' } = {}): Encoded {
    const { ids, unknown } = this.encodeText(text, options);
    return { ids: ids instanceof Int32Array ? ids : Int32Array.from(ids), unknown };
  }

  /**
   * A whole text to ids, held in the narrowest array the vocabulary allows (bytes at byte
   * level, 16 bits up to 65,536 tokens, else 32): a 24-million-character text takes 48 MB
   * instead of 96, and no array of numbers is built on the way.
   */
  encodeText(text: string, options: { onUnknown?: 'unk' | 'skip' } = {}): { ids: TokenIds; unknown: Map<string, number> } {
    const normalised = text.normalize('NFC');
    const unknown = new Map<string, number>();
    if (this.mode === 'byte') return { ids: new TextEncoder().encode(normalised), unknown };
    const useUnk = this.capped && (options.onUnknown ?? 'unk') === 'unk';
    // At most one id per UTF-16 unit; trimmed below when astral characters or skips leave room.
    const ids = this.tokens.length <= 0x10000 ? new Uint16Array(normalised.length) : new Int32Array(normalised.length);
    let n = 0;
    for (const ch of normalised) {
      const id = this.index.get(ch);
      if (id !== undefined) {
        ids[n++] = id;
        continue;
      }
      unknown.set(ch, (unknown.get(ch) ?? 0) + 1);
      if (useUnk) ids[n++] = 0;
    }
    return { ids: n < ids.length ? ids.slice(0, n) : ids, unknown };
  }

  /** Ids to text; byte ids that do not form valid UTF-8 become U+FFFD. */
  decode(ids: ArrayLike<number>): string {
    if (this.mode === 'byte') return new TextDecoder().decode(Uint8Array.from(ids as ArrayLike<number>));
    let out = '';
    for (let i = 0; i < ids.length; i++) out += this.tokens[ids[i]] ?? UNKNOWN_TOKEN;
    return out;
  }

  /** A decoder for a stream of ids, holding back bytes of a character until it is complete. */
  streamDecoder(): (id: number) => string {
    if (this.mode === 'char') return (id) => this.tokens[id] ?? UNKNOWN_TOKEN;
    const decoder = new TextDecoder();
    const one = new Uint8Array(1);
    return (id) => {
      one[0] = id;
      return decoder.decode(one, { stream: true });
    };
  }
}

/** Describes characters for a message: `"é" (U+00E9) x2, "😀" (U+1F600)`. */
export function describeCharacters(chars: Map<string, number>, limit = 8): string {
  const list = [...chars].slice(0, limit).map(([c, n]) => {
    const cp = c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    return `${JSON.stringify(c)} (U+${cp})${n > 1 ? ` x${n}` : ''}`;
  });
  return list.join(', ') + (chars.size > limit ? ` and ${chars.size - limit} more` : '');
}
