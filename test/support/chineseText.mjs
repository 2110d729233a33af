// A generated Chinese text for measuring and testing default runs: words of one to three
// characters drawn from a fixed alphabet of CJK characters, Zipf-distributed like real
// words, in clauses and sentences with Chinese punctuation. Deterministic for a seed.
// About the size and alphabet of the 27,265-character Tang-poem selection of issue 8.

/** SeqLab's seeded generator (engine/core/random.ts), for generated texts that are the same on every machine. */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function chineseText({ length = 27_265, alphabet = 2_555, words = 1_500, seed = 1 } = {}) {
  const rand = mulberry32(seed);
  const chars = [];
  const seen = new Set();
  while (chars.length < alphabet) {
    const c = String.fromCodePoint(0x4e00 + Math.floor(rand() * (0x9fa5 - 0x4e00)));
    if (!seen.has(c)) { seen.add(c); chars.push(c); }
  }
  // Every character belongs to some word; word lengths 1, 2, 3 at 20%, 55%, 25%.
  const pool = [...chars];
  const vocab = [];
  for (let w = 0; w < words; w++) {
    const n = rand() < 0.2 ? 1 : rand() < 0.69 ? 2 : 3;
    let word = '';
    for (let i = 0; i < n; i++) word += pool.length ? pool.splice(Math.floor(rand() * pool.length), 1)[0] : chars[Math.floor(rand() ** 2 * chars.length)];
    vocab.push(word);
  }
  const weights = vocab.map((_, k) => 1 / (k + 1) ** 0.9);
  const total = weights.reduce((a, b) => a + b, 0);
  const pick = () => {
    let r = rand() * total;
    for (let k = 0; k < vocab.length; k++) if ((r -= weights[k]) <= 0) return vocab[k];
    return vocab[vocab.length - 1];
  };
  let text = '';
  while ([...text].length < length) {
    const clauses = 1 + Math.floor(rand() * 3);
    for (let c = 0; c < clauses; c++) {
      const n = 3 + Math.floor(rand() * 5);
      for (let i = 0; i < n; i++) text += pick();
      text += c < clauses - 1 ? '，' : rand() < 0.15 ? '？' : '。';
    }
    if (rand() < 0.3) text += '\n';
  }
  return [...text].slice(0, length).join('');
}
