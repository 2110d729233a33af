/**
 * A small seeded generator (mulberry32) for everything the engine draws outside
 * TensorFlow.js: initialisation seeds, dropout seeds, batch positions, sampling.
 * Same seed, same sequence, on every backend and platform.
 */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** The generator's position, to save in a checkpoint; `new Random(0).restore(s)` continues from it. */
  snapshot(): number {
    return this.state;
  }

  restore(state: number): this {
    this.state = state >>> 0;
    return this;
  }

  /** A fresh 31-bit seed, to hand to a TensorFlow.js random op. */
  seed(): number {
    return this.int(0x7fffffff);
  }
}

/** A seed from the clock, for callers who did not ask for reproducibility. */
export function freshSeed(): number {
  return (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) >>> 0;
}
