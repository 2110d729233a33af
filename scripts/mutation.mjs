// The mutation score of the folders whose bugs cost most (issue 36): each folder's files are
// mutated one change at a time (scripts/mutantGen.mjs: an operator or a constant, a statement
// removed), its tests run against each mutant, and a mutant no test fails on "survives".
// Every mutant of a folder would take hours on two cores, so a fixed, seeded sample of them
// is run (--per-folder, 24 by default) and the score is given with its 95% interval (Wilson),
// beside the number of mutants it was drawn from. The kernels are rebuilt per mutant.
//
// It works on a private copy of the committed tree (git archive HEAD), never on the working
// tree: other work in the clone is never touched, and a Ctrl+C leaves nothing mutated.
//
// Usage: npm run test:mutation [-- --per-folder N] [--only FOLDER] [--seed S] [--json FILE]
// Not part of npm test or CI (about 40 minutes on two cores at 24 per folder).
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { mutantsOf } from './mutantGen.mjs';

const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const node = process.execPath;
const unit = (...files) => [node, '--import', 'tsx', '--test', ...files.map((f) => `test/engine/${f}`)];

/** Each folder: its files (a whole file is one region), the tests that must notice a change there, and whether a mutant needs a rebuild. */
const FOLDERS = [
  { name: 'engine/io', files: ['engine/io/files.ts', 'engine/io/lines.ts', 'engine/io/safeText.ts'], test: unit('hostileNames.test.ts', 'writeFiles.test.ts', 'torchFailures.test.ts', 'cli.test.ts'), build: true },
  { name: 'engine/checkpoint', files: ['engine/checkpoint/folder.ts', 'engine/checkpoint/format.ts', 'engine/checkpoint/lock.ts', 'engine/checkpoint/safetensors.ts'], test: unit('checkpointFolder.test.ts', 'checkpointFuzz.test.ts', 'lock.test.ts', 'train.test.ts') },
  { name: 'engine/chapter (judge, claims)', files: ['engine/chapter/judge.ts', 'engine/chapter/claims.ts'], test: unit('claimRules.test.ts', 'chapter.test.ts', 'chapterClaimsTable.test.ts') },
  { name: 'engine/train', files: ['engine/train/trainer.ts', 'engine/train/session.ts', 'engine/train/optim.ts', 'engine/train/stepper.ts', 'engine/train/data.ts', 'engine/train/config.ts', 'engine/train/torchStepper.ts', 'engine/train/checkpointing.ts'], test: unit('train.test.ts', 'optim.test.ts', 'stop.test.ts', 'stepBudget.test.ts', 'torchFailures.test.ts', 'settings.test.ts', 'parallel.test.ts'), build: true },
  { name: 'engine/model/sample.ts', files: ['engine/model/sample.ts'], test: unit('sample.test.ts') },
  { name: 'engine/torch', files: ['engine/torch/choose.ts', 'engine/torch/isolation.ts', 'engine/torch/python.ts'], test: unit('torchEngine.test.ts', 'torchFailures.test.ts'), build: true },
  { name: 'wasm kernels', files: ['wasm/kernels.ts'], test: unit('seqlabKernels.test.ts'), build: true },
];

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const perFolder = Number(option('--per-folder', 24));
const seed = Number(option('--seed', 36));
const only = option('--only');
const jsonOut = option('--json');

/** A seeded shuffle (mulberry32): the same sample every time for the same code and seed. */
function sample(items, n, s) {
  let a = s >>> 0;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy.slice(0, n);
}

/** The 95% Wilson interval of k successes in n. */
function wilson(k, n) {
  if (!n) return [0, 1];
  const z = 1.96;
  const p = k / n;
  const centre = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / (1 + (z * z) / n);
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

// The private copy: the committed tree, the clone's node_modules linked in.
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-mutation-'));
execFileSync('bash', ['-c', `git -C "${repo}" archive HEAD | tar x -C "${root}"`]);
fs.symlinkSync(path.join(repo, 'node_modules'), path.join(root, 'node_modules'));
const cleanUp = () => fs.rmSync(root, { recursive: true, force: true });
process.on('SIGINT', () => {
  cleanUp();
  process.exit(130);
});

function run(command, timeout) {
  const started = Date.now();
  const r = spawnSync(command[0], command.slice(1), { cwd: root, encoding: 'utf8', timeout, env: { ...process.env, SEQLAB_MUTANT: '1' } });
  return { ok: r.status === 0, timedOut: r.signal !== null, seconds: (Date.now() - started) / 1000, output: `${r.stdout}\n${r.stderr}` };
}
const build = () => run([node, 'scripts/build.mjs'], 600_000);

console.log(`mutation run in ${root}: ${perFolder} mutants per folder, seed ${seed}`);
const report = [];
try {
  build();
  for (const folder of FOLDERS.filter((f) => !only || f.name.startsWith(only))) {
    const all = folder.files.flatMap((file) => mutantsOf(root, { name: path.basename(file), file, from: /^/, to: /(?!)/ }));
    const chosen = sample(all, perFolder, seed);
    const baseline = run(folder.test, 1_800_000);
    if (!baseline.ok) throw new Error(`${folder.name}: the tests fail before any mutation:\n${baseline.output.slice(-3000)}`);
    // A mutant that makes the tests hang is killed by a timeout of three times the clean run (the suite's own bounds are in steps).
    const timeout = Math.round(Math.max(60_000, 3 * baseline.seconds * 1000));
    console.log(`${folder.name}: ${all.length} mutants, ${chosen.length} sampled; the clean tests take ${baseline.seconds.toFixed(0)} s`);
    const results = [];
    for (const m of chosen) {
      const file = path.join(root, m.file);
      const original = fs.readFileSync(file, 'utf8');
      fs.writeFileSync(file, m.source);
      try {
        let outcome;
        if (folder.build && !build().ok) outcome = 'does not build';
        else {
          const r = run(folder.test, timeout);
          outcome = r.ok ? 'survived' : r.timedOut ? 'killed (timeout)' : 'killed';
        }
        results.push({ file: m.file, line: m.line, original: m.original, mutated: m.mutated, outcome });
        console.log(`  ${outcome.padEnd(16)} ${m.file}:${m.line}  ${m.original.slice(0, 90)}  ->  ${m.mutated.slice(0, 90)}`);
      } finally {
        fs.writeFileSync(file, original);
      }
    }
    if (folder.build) build();
    // A mutant that does not build is no bug a test must catch: it is left out of the score.
    const judged = results.filter((r) => r.outcome !== 'does not build');
    const killed = judged.filter((r) => r.outcome.startsWith('killed')).length;
    const [low, high] = wilson(killed, judged.length);
    const entry = { folder: folder.name, mutants: all.length, sampled: chosen.length, judged: judged.length, killed, score: judged.length ? killed / judged.length : null, interval: [low, high], survivors: results.filter((r) => r.outcome === 'survived') };
    report.push(entry);
    console.log(`${folder.name}: ${killed} of ${judged.length} killed (${(100 * (entry.score ?? 0)).toFixed(0)}%, 95% interval ${(100 * low).toFixed(0)}-${(100 * high).toFixed(0)}%)`);
  }
} finally {
  cleanUp();
}
console.log('\nfolder | mutants | sampled | killed | score (95% interval)');
for (const r of report) console.log(`${r.folder} | ${r.mutants} | ${r.judged} | ${r.killed} | ${r.score === null ? '-' : `${(100 * r.score).toFixed(0)}% (${(100 * r.interval[0]).toFixed(0)}-${(100 * r.interval[1]).toFixed(0)}%)`}`);
for (const r of report) for (const s of r.survivors) console.log(`SURVIVED ${s.file}:${s.line}  ${s.original}  ->  ${s.mutated}`);
if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify(report, null, 1));
process.exitCode = report.some((r) => r.score !== null && r.score < 0.8) ? 1 : 0;
