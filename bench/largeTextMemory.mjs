// Memory for a large text: `seqlab train` on a generated 24-million-character Chinese text
// with 13,118 distinct characters (the size of the chapter's news corpus), with 1 and 2
// workers; reports the process's peak resident memory (VmHWM, all threads) and the time to
// the first step. Linux only (reads /proc).
// Usage: npm run build && node bench/largeTextMemory.mjs [--characters N] [--steps N]
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { mulberry32 } from '../test/support/chineseText.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const CHARACTERS = arg('--characters', 24_000_000);
const DISTINCT = 13_118;
const STEPS = arg('--steps', 10);

/** Characters drawn Zipf-like from DISTINCT CJK code points, with punctuation and line breaks; every character occurs. */
export function largeText(length) {
  const rand = mulberry32(7);
  const alphabet = Array.from({ length: DISTINCT }, (_, i) => String.fromCodePoint(0x4e00 + i));
  const cdf = new Float64Array(DISTINCT);
  let total = 0;
  for (let k = 0; k < DISTINCT; k++) cdf[k] = total += 1 / (k + 1) ** 1.6; // the 7,999 most frequent cover 99.9%, as in real Chinese
  const pick = () => {
    const r = rand() * total;
    let lo = 0;
    let hi = DISTINCT - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < r) lo = mid + 1;
      else hi = mid;
    }
    return alphabet[lo];
  };
  const parts = [alphabet.join('')];
  let n = DISTINCT;
  while (n < length) {
    let clause = '';
    const len = 4 + Math.floor(rand() * 12);
    for (let i = 0; i < len; i++) clause += pick();
    clause += rand() < 0.8 ? '，' : rand() < 0.9 ? '。' : '。\n';
    parts.push(clause);
    n += [...clause].length;
  }
  return parts.join('');
}

function peakRss(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

// Run as a script (not when another bench imports largeText).
if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-large-text-'));
  const file = path.join(dir, 'news.txt');
  let started = Date.now();
  fs.writeFileSync(file, largeText(CHARACTERS));
  console.log(`text: ${CHARACTERS.toLocaleString('en')} characters, ${DISTINCT.toLocaleString('en')} distinct, ${(fs.statSync(file).size / 2 ** 20).toFixed(0)} MiB of UTF-8 (generated in ${((Date.now() - started) / 1000).toFixed(1)} s)`);

  for (const workers of ['1', '2']) {
    started = Date.now();
    const child = spawn(process.execPath, [path.join(root, 'dist', 'cli.js'), 'train', file, '--out', path.join(dir, `m${workers}`), '--steps', String(STEPS), '--eval-interval', String(STEPS), '--minutes', '0', '--workers', workers, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let peak = 0;
    let firstProgress = null;
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d) => {
      stderr += d;
      if (firstProgress === null && /backend /.test(stderr)) firstProgress = (Date.now() - started) / 1000;
    });
    child.stdout.on('data', (d) => (stdout += d));
    const timer = setInterval(() => (peak = Math.max(peak, peakRss(child.pid))), 100);
    const code = await new Promise((resolve) => child.on('exit', resolve));
    clearInterval(timer);
    if (code !== 0) {
      console.error(stderr);
      process.exit(1);
    }
    const s = JSON.parse(stdout.trim().split('\n').pop());
    console.log(`workers ${workers}: peak RSS ${(peak / 2 ** 30).toFixed(2)} GiB; first step after ${firstProgress?.toFixed(1)} s; ${STEPS} steps in ${((Date.now() - started) / 1000).toFixed(1)} s; vocabulary ${s.vocabSize} (${s.vocabularyReason})`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
}
