// The two engines on the chapter's workload: `seqlab train` on a generated 24-million-character
// Chinese text (13,118 distinct characters, the size of section 3.5's news corpus), once on the
// built-in engine (auto workers) and once on the PyTorch engine, each for the same time budget.
// Reports, per engine: the time from start to the first step (reading, encoding, the first
// validation pass), the speed, how much of one pass over the text it saw, and the time to a
// target validation loss: the built-in run's best, which the PyTorch run is timed to reach.
// Usage: npm run build && node bench/largeTextEngines.mjs [--characters N] [--minutes M] [--python PATH]
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { largeText } from './largeTextMemory.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const CHARACTERS = Number(arg('--characters', 24_000_000));
const MINUTES = Number(arg('--minutes', 3));
const PYTHON = arg('--python', '/usr/bin/python3');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-engines-'));
const file = path.join(dir, 'news.txt');
fs.writeFileSync(file, largeText(CHARACTERS));
console.log(`text: ${CHARACTERS.toLocaleString('en')} characters, ${(fs.statSync(file).size / 2 ** 20).toFixed(0)} MiB; ${MINUTES} minutes per engine, default model (LSTM 1x128), patience off`);

async function run(engine) {
  const out = path.join(dir, engine);
  const started = Date.now();
  const child = spawn(process.execPath, [path.join(root, 'dist', 'cli.js'), 'train', file, '--out', out, '--engine', engine, '--python', PYTHON,
    '--minutes', String(MINUTES), '--patience', '0', '--sample-interval', '0', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  let firstStep = null;
  child.stderr.on('data', (d) => {
    stderr += d;
    if (firstStep === null && /backend |engine: PyTorch/.test(stderr)) firstStep = (Date.now() - started) / 1000;
  });
  child.stdout.on('data', (d) => (stdout += d));
  const code = await new Promise((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`${engine}: exit ${code}\n${stderr}`);
  const s = JSON.parse(stdout.trim().split('\n').pop());
  const meta = JSON.parse(fs.readFileSync(path.join(out, 'seqlab.json'), 'utf8'));
  const history = (meta.training.run ?? meta.training.state).history;
  return { engine, summary: s, firstStep, history };
}

/** Seconds of training until the validation loss first reached `target` (null: never). */
function timeTo(history, target) {
  const hit = history.find((h) => h.valLoss <= target);
  return hit ? hit.seconds : null;
}

const results = [];
for (const engine of ['builtin', 'pytorch']) {
  const r = await run(engine);
  results.push(r);
  const s = r.summary;
  console.log(`${engine.padEnd(8)} first step after ${r.firstStep?.toFixed(1)} s; ${s.steps} steps, ${Math.round(s.charsPerSecond).toLocaleString('en')} chars/s on ${s.engine === 'pytorch' ? `PyTorch (${s.device}, ${s.processes} process)` : `${s.workers} worker threads`}; ` +
    `${(100 * s.passes).toFixed(2)}% of one pass (a pass: ${(s.passSeconds / 3600).toFixed(1)} h); validation loss ${s.initialValLoss.toFixed(3)} -> best ${s.bestValLoss.toFixed(3)}`);
}
const target = results[0].summary.bestValLoss;
for (const r of results) {
  const t = timeTo(r.history, target);
  console.log(`time to the built-in run's best validation loss (${target.toFixed(3)} nats/char): ${r.engine} ${t === null ? 'not reached' : `${t.toFixed(0)} s`}`);
}
console.log(JSON.stringify({ characters: CHARACTERS, minutes: MINUTES, target, runs: results.map((r) => ({ engine: r.engine, firstStepSeconds: r.firstStep, steps: r.summary.steps, charsPerSecond: Math.round(r.summary.charsPerSecond), passes: r.summary.passes, bestValLoss: r.summary.bestValLoss, secondsToTarget: timeTo(r.history, target) })) }));
fs.rmSync(dir, { recursive: true, force: true });
