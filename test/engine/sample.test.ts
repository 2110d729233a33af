/** Sampling: the fast batch-1 path against the module, options, streaming, cancelling. */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../engine';
import { CharLM, type CellType } from '../../engine/model/charlm';
import { chooseToken, sample, sampleText, type SampleSummary } from '../../engine/model/sample';
import { Vocabulary } from '../../engine/text/vocabulary';

const TEXT = 'the quick brown fox jumps over the lazy dog\n';
const vocabulary = Vocabulary.fromText(TEXT).vocabulary;

async function collect(gen: AsyncGenerator<string, SampleSummary>): Promise<{ pieces: string[]; summary: SampleSummary }> {
  const pieces: string[] = [];
  for (;;) {
    const n = await gen.next();
    if (n.done) return { pieces, summary: n.value };
    pieces.push(n.value);
  }
}

describe('sampling', () => {
  before(async () => {
    await initBackend('wasm');
  });

  for (const [cell, normalization] of [['lstm', 'none'], ['gru', 'none'], ['rnn-tanh', 'none'], ['rnn-relu', 'none'], ['lstm', 'layer']] as const) {
    it(`greedy tokens of the fast path are the argmax of the module's logits (${cell}, ${normalization})`, async () => {
      const m = new CharLM({ vocabSize: vocabulary.size, embeddingSize: 6, hiddenSize: 12, numLayers: 2, cell: cell as CellType, normalization, seed: 3 });
      const prompt = 'the quick';
      const text = await sampleText(m, vocabulary, prompt, { length: 25, temperature: 0 });
      assert.equal([...text].length, 25);
      const ids = Array.from(vocabulary.encode(prompt + text).ids);
      const argmax = tf.tidy(() => {
        m.eval();
        const logits = m.forward(tf.tensor2d([ids.slice(0, -1)], [1, ids.length - 1], 'int32')).logits;
        return Array.from(tf.argMax(logits, 1).dataSync());
      });
      assert.deepEqual(argmax.slice(prompt.length - 1), ids.slice(prompt.length));
      m.dispose();
    });
  }

  it('top-k 1 is greedy; a seed repeats a sample; no tensors are left behind', async () => {
    const m = new CharLM({ vocabSize: vocabulary.size, embeddingSize: 6, hiddenSize: 12, seed: 5 });
    const before = tf.memory().numTensors;
    const greedy = await sampleText(m, vocabulary, 'the', { length: 30, temperature: 0 });
    assert.equal(await sampleText(m, vocabulary, 'the', { length: 30, temperature: 1.5, topK: 1, seed: 9 }), greedy);
    const a = await sampleText(m, vocabulary, 'the', { length: 30, temperature: 1, topP: 0.9, seed: 4 });
    assert.equal(await sampleText(m, vocabulary, 'the', { length: 30, temperature: 1, topP: 0.9, seed: 4 }), a, 'a seed repeats a sample');
    assert.notEqual(await sampleText(m, vocabulary, 'the', { length: 30, temperature: 1, topP: 0.9, seed: 5 }), a, 'another seed draws another');
    // A nucleus so small that only the most likely character is in it: greedy, whatever the seed and temperature.
    assert.equal(await sampleText(m, vocabulary, 'the', { length: 30, temperature: 2, topP: 1e-9, seed: 4 }), greedy);
    assert.equal(tf.memory().numTensors, before);
    m.dispose();
  });

  it('a prompt longer than the context keeps its end: the characters nearest the continuation', async () => {
    const m = new CharLM({ vocabSize: vocabulary.size, embeddingSize: 6, hiddenSize: 12, seed: 5 });
    const start = 'the lazy dog jumps';
    const end = 'over the quick fox';
    const long = start + end;
    const cut = end.length; // the context: exactly the end's characters
    const options = { length: 30, temperature: 0, maxPromptTokens: cut };
    const fromLong = await sampleText(m, vocabulary, long, options);
    assert.equal(fromLong, await sampleText(m, vocabulary, end, options), 'the continuation of the whole prompt is the continuation of its end');
    // The other side: what the start alone continues to differs here, so keeping the start would be seen.
    assert.notEqual(await sampleText(m, vocabulary, start, { ...options, maxPromptTokens: start.length }), fromLong);
    m.dispose();
  });

  it('stops before a stop string, holding back what might start one', async () => {
    const m = new CharLM({ vocabSize: vocabulary.size, embeddingSize: 6, hiddenSize: 12, seed: 5 });
    const greedy = await sampleText(m, vocabulary, 'the', { length: 30, temperature: 0 });
    const stop = greedy.slice(5, 7);
    const cut = greedy.indexOf(stop);
    const { pieces, summary } = await collect(sample(m, vocabulary, 'the', { length: 30, temperature: 0, stop: [stop] }));
    assert.equal(summary.stopReason, 'stop');
    assert.equal(pieces.join(''), greedy.slice(0, cut));
    assert.equal(summary.text, greedy.slice(0, cut));
    m.dispose();
  });

  it('holds back exactly a stop string\'s length less one character: the stream lags the tokens by that much, no more', async () => {
    const m = new CharLM({ vocabSize: vocabulary.size, embeddingSize: 6, hiddenSize: 12, seed: 5 });
    const greedy = await sampleText(m, vocabulary, 'the', { length: 30, temperature: 0 });
    // No stop string: every token is yielded as it comes, one character each.
    const free = await collect(sample(m, vocabulary, 'the', { length: 30, temperature: 0 }));
    assert.deepEqual(free.pieces, [...greedy]);
    // Stop strings of 3 and 1 characters that never come (Q is not in the vocabulary): the longest decides, 2 are held back.
    // The first piece comes with the third token, one character a token after it, and the last 2 when the sample ends.
    const held = await collect(sample(m, vocabulary, 'the', { length: 30, temperature: 0, stop: ['QQQ', 'Q'] }));
    assert.deepEqual(held.pieces, [...[...greedy].slice(0, 28), greedy.slice(28)]);
    assert.equal(held.summary.stopReason, 'length');
    assert.equal(held.summary.text, greedy);
    // A stop string of one character holds nothing back.
    assert.deepEqual((await collect(sample(m, vocabulary, 'the', { length: 30, temperature: 0, stop: ['Q'] }))).pieces, [...greedy]);
    m.dispose();
  });

  it('counts the prompt\'s known characters with a capped vocabulary, whether unknown ones map to its unknown token or are skipped', async () => {
    // Capped at 6: the unknown token and the 5 most frequent characters (" ", "e", "h", "o", "r"); "the ZEBRA" has 3 of them.
    const capped = Vocabulary.fromText(TEXT, { maxSize: 6 }).vocabulary;
    assert.ok(capped.capped);
    const m = new CharLM({ vocabSize: capped.size, embeddingSize: 6, hiddenSize: 12, seed: 5 });
    const unk = await collect(sample(m, capped, 'the ZEBRA', { length: 3 }));
    assert.equal(unk.summary.knownCharacters, 3, 'the 6 unknown characters became unknown tokens: 9 ids, 3 known');
    assert.match(unk.summary.warnings[0], /were mapped to the unknown token: /);
    const skip = await collect(sample(m, capped, 'the ZEBRA', { length: 3, onUnknown: 'skip' }));
    assert.equal(skip.summary.knownCharacters, 3, 'the 6 unknown characters were skipped: 3 ids, 3 known');
    assert.match(skip.summary.warnings[0], /were skipped: /);
    assert.deepEqual([...skip.summary.unknownCharacters].sort(), ['A', 'B', 'E', 'R', 'Z', 't']);
    m.dispose();
  });

  it('names prompt characters outside the vocabulary instead of failing', async () => {
    const m = new CharLM({ vocabSize: vocabulary.size, embeddingSize: 6, hiddenSize: 12, seed: 5 });
    const { summary } = await collect(sample(m, vocabulary, 'the ZEBRA', { length: 3 }));
    assert.match(summary.warnings[0], /were skipped: "Z" \(U\+005A\), "E" \(U\+0045\), "B" \(U\+0042\), "R" \(U\+0052\), "A" \(U\+0041\)/);
    // What the editor's warning names: the unknown characters and how many the model knew ("the " is 4).
    assert.deepEqual([...summary.unknownCharacters].sort(), ['A', 'B', 'E', 'R', 'Z']);
    assert.equal(summary.knownCharacters, 4);
    const none = await collect(sample(m, vocabulary, 'ZZZ', { length: 3 }));
    assert.deepEqual([none.summary.unknownCharacters, none.summary.knownCharacters], [['Z'], 0]);
    const empty = await collect(sample(m, vocabulary, '', { length: 3 }));
    assert.match(empty.summary.warnings[0], /starts from a line break/);
    await assert.rejects(collect(sample(m, vocabulary, 'the', { topP: 0 })), /topP must be in \(0, 1\]/);
    m.dispose();
  });

  it('says when its first token came, within the time the whole sample took (a survivor of the mutation run)', async () => {
    const m = new CharLM({ vocabSize: vocabulary.size, embeddingSize: 6, hiddenSize: 12, seed: 5 });
    const started = performance.now();
    const { summary } = await collect(sample(m, vocabulary, 'the', { length: 5 }));
    const elapsed = performance.now() - started;
    assert.ok(summary.firstTokenMs !== null && summary.firstTokenMs >= 0 && summary.firstTokenMs <= elapsed, `first token at ${summary.firstTokenMs} ms of ${elapsed}`);
    m.dispose();
  });

  it('tokens per second: none for one token, a positive rate over the tokens after the first', async () => {
    const m = new CharLM({ vocabSize: vocabulary.size, embeddingSize: 6, hiddenSize: 12, seed: 5 });
    const one = (await collect(sample(m, vocabulary, 'the', { length: 1, temperature: 0 }))).summary;
    assert.deepEqual([one.tokens, one.tokensPerSecond], [1, null]);
    const five = (await collect(sample(m, vocabulary, 'the', { length: 5, temperature: 0 }))).summary;
    assert.ok(five.tokens === 5 && five.tokensPerSecond !== null && Number.isFinite(five.tokensPerSecond) && five.tokensPerSecond > 0, `${five.tokensPerSecond}`);
    m.dispose();
  });

  it('a normalised model (stepped through the module) leaves no tensors behind either', async () => {
    const m = new CharLM({ vocabSize: vocabulary.size, embeddingSize: 6, hiddenSize: 12, numLayers: 2, cell: 'lstm', normalization: 'layer', seed: 3 });
    const before = tf.memory().numTensors;
    await sampleText(m, vocabulary, 'the quick', { length: 10, temperature: 0 });
    assert.equal(tf.memory().numTensors, before);
    m.dispose();
  });

  it('names the unknown prompt characters most frequent first; an empty stop string is no stop', async () => {
    const m = new CharLM({ vocabSize: vocabulary.size, embeddingSize: 6, hiddenSize: 12, seed: 5 });
    const { summary } = await collect(sample(m, vocabulary, 'the X QQ ZZZ', { length: 3 }));
    assert.deepEqual(summary.unknownCharacters, ['Z', 'Q', 'X']);
    const greedy = await sampleText(m, vocabulary, 'the', { length: 20, temperature: 0 });
    const empty = await collect(sample(m, vocabulary, 'the', { length: 20, temperature: 0, stop: [''] }));
    assert.deepEqual([empty.summary.text, empty.summary.stopReason], [greedy, 'length']);
    m.dispose();
  });

  it('is cancelled between tokens', async () => {
    const m = new CharLM({ vocabSize: vocabulary.size, embeddingSize: 6, hiddenSize: 12, seed: 5 });
    const controller = new AbortController();
    const gen = sample(m, vocabulary, 'the', { length: 1000 }, controller.signal);
    let n = 0;
    let summary: SampleSummary | undefined;
    for (;;) {
      const next = await gen.next();
      if (next.done) {
        summary = next.value;
        break;
      }
      if (++n === 5) controller.abort();
    }
    assert.equal(summary.stopReason, 'cancelled');
    assert.ok(summary.tokens <= 6);
    m.dispose();
  });

  it('streams whole characters from a byte-level model: a character comes out when its last byte does', async () => {
    const bytes = Vocabulary.bytes();
    const decode = bytes.streamDecoder();
    const pieces = Array.from(Buffer.from('中a😀'), (b) => decode(b));
    assert.deepEqual(pieces, ['', '', '中', 'a', '', '', '', '😀']);
    const m = new CharLM({ vocabSize: 256, embeddingSize: 6, hiddenSize: 12, seed: 2 });
    const { pieces: sampled, summary } = await collect(sample(m, bytes, '中文', { length: 60, temperature: 1, seed: 1 }));
    assert.equal(sampled.join(''), summary.text, 'the stream is the text');
    m.dispose();
  });

  /** The distribution chooseToken draws from: the share of u in [0, 1) that picks each token. */
  const drawn = (logits: number[], o: { temperature: number; topK: number; topP: number }) => {
    const N = 200_000;
    const counts = new Array(logits.length).fill(0);
    for (let k = 0; k < N; k++) counts[chooseToken(logits, o, (k + 0.5) / N)]++;
    return counts.map((c) => c / N);
  };
  /** softmax(logits / T) restricted to `keep` (indices), renormalised: the distribution by hand. */
  const expected = (logits: number[], T: number, keep: number[]) => {
    const w = logits.map((l, i) => (keep.includes(i) ? Math.exp(l / T) : 0));
    const total = w.reduce((a, b) => a + b, 0);
    return w.map((x) => x / total);
  };
  const close = (got: number[], want: number[], what: string) =>
    got.forEach((g, i) => assert.ok(Math.abs(g - want[i]) < 1e-4, `${what}: token ${i} drawn with ${g.toFixed(5)}, expected ${want[i].toFixed(5)}`));

  it('chooseToken draws from softmax(logits / T) at every temperature', () => {
    const logits = [2, 1, 0.5, -1];
    for (const T of [0.5, 1, 2]) close(drawn(logits, { temperature: T, topK: 0, topP: 1 }), expected(logits, T, [0, 1, 2, 3]), `T ${T}`);
    // By hand for T = 0.5: weights e^4, e^2, e^1, e^-2.
    const w = [Math.exp(4), Math.exp(2), Math.exp(1), Math.exp(-2)];
    const total = w.reduce((a, b) => a + b, 0);
    close(drawn(logits, { temperature: 0.5, topK: 0, topP: 1 }), w.map((x) => x / total), 'T 0.5 by hand');
  });

  it('chooseToken with top-k keeps the k most likely, with top-p the smallest set reaching p, renormalised', () => {
    const logits = [0.5, 2, -1, 1]; // order by likelihood: 1, 3, 0, 2
    close(drawn(logits, { temperature: 1, topK: 2, topP: 1 }), expected(logits, 1, [1, 3]), 'top-k 2');
    close(drawn(logits, { temperature: 0.7, topK: 3, topP: 1 }), expected(logits, 0.7, [1, 3, 0]), 'top-k 3 at T 0.7');
    // At T = 1 the probabilities are 0.610, 0.224, 0.136, 0.030: p = 0.8 needs the first two, 0.85 three.
    const p = expected(logits, 1, [0, 1, 2, 3]);
    assert.ok(p[1] < 0.8 && p[1] + p[3] > 0.8 && p[1] + p[3] < 0.85, `${p}`);
    close(drawn(logits, { temperature: 1, topK: 0, topP: 0.8 }), expected(logits, 1, [1, 3]), 'top-p 0.8');
    close(drawn(logits, { temperature: 1, topK: 0, topP: 0.85 }), expected(logits, 1, [1, 3, 0]), 'top-p 0.85');
    close(drawn(logits, { temperature: 1, topK: 0, topP: 0.5 }), [0, 1, 0, 0], 'top-p below the first: the most likely alone');
    // Both: top-k first, then top-p of what is left (renormalised) at T = 2.
    const k3 = expected(logits, 2, [1, 3, 0]);
    assert.ok(k3[1] + k3[3] >= 0.7 && k3[1] < 0.7, `${k3}`);
    close(drawn(logits, { temperature: 2, topK: 3, topP: 0.7 }), expected(logits, 2, [1, 3]), 'top-k 3 then top-p 0.7 at T 2');
  });

  it('chooseToken at the edges: ties, top-k 1, huge logits, a set reaching p exactly, u on a boundary, rounding', () => {
    // Greedy picks the first of equal maxima, as torch.argmax does.
    assert.equal(chooseToken([1, 3, 3, 2], { temperature: 0, topK: 0, topP: 1 }, 0.5), 1);
    // Top-k 1 is greedy at any temperature.
    close(drawn([0.5, 2, -1, 1], { temperature: 1, topK: 1, topP: 1 }), [0, 1, 0, 0], 'top-k 1');
    // Logits far from 0 (a confident model): shifted by the largest before exp, so nothing overflows.
    const big = [1000, 999, 0];
    const e = 1 / (1 + Math.E);
    close(drawn(big, { temperature: 1, topK: 0, topP: 1 }), [1 - e, e, 0], 'logits near 1000');
    close(drawn([-1000, -999, -2000], { temperature: 0.5, topK: 0, topP: 1 }), expected([0, 1, -1000], 0.5, [0, 1, 2]), 'logits near -1000');
    close(drawn([1000, 0], { temperature: 1, topK: 0, topP: 1 }), [1, 0], 'a gap of 1000: shifted by the largest, not by another');
    // Four equal tokens: 0.25 each, exactly. Top-p 0.5 is reached by two of them: two are kept, not three.
    close(drawn([0, 0, 0, 0], { temperature: 1, topK: 0, topP: 0.5 }), [0.5, 0.5, 0, 0], 'top-p reached exactly');
    // Top-p 0 (or anything below the first token's share) keeps the most likely token.
    assert.equal(chooseToken([0.5, 2, -1], { temperature: 1, topK: 0, topP: 0 }, 0.99), 1);
    // u picks token k on [sum of the shares before k, that sum plus its share): boundaries belong to the next token.
    assert.equal(chooseToken([0, 0, 0, 0], { temperature: 1, topK: 0, topP: 1 }, 0), 0);
    assert.equal(chooseToken([0, 0, 0, 0], { temperature: 1, topK: 0, topP: 1 }, 0.25), 1);
    assert.equal(chooseToken([0, 0, 0, 0], { temperature: 1, topK: 0, topP: 1 }, 0.75), 3);
    // Ten shares of 0.1 add up to 1 - 2^-53: the largest u below 1 falls past them, onto the last token.
    assert.equal(chooseToken(new Array(10).fill(0), { temperature: 1, topK: 0, topP: 1 }, 1 - 2 ** -53), 9);
  });

  it('chooseToken: temperature 0 is argmax; top-p keeps the smallest set reaching p', () => {
    const logits = [Math.log(0.5), Math.log(0.3), Math.log(0.2)];
    assert.equal(chooseToken(logits, { temperature: 0, topK: 0, topP: 1 }, 0.99), 0);
    assert.equal(chooseToken(logits, { temperature: 1, topK: 0, topP: 1 }, 0.79), 1);
    assert.equal(chooseToken(logits, { temperature: 1, topK: 0, topP: 0.7 }, 0.99), 1); // {0, 1} kept
    assert.equal(chooseToken(logits, { temperature: 1, topK: 0, topP: 0.4 }, 0.99), 0); // {0} kept
  });
});
