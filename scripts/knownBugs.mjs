// The realistic bugs a review once made in SeqLab's code (issue 36), and one it described (an
// optimiser setting left out of engine.py), applied one at a time:
// each must fail at least one of the tests named beside it. A bug that passes them is a gap
// in the tests, not in the code. The source is restored after each bug, also on Ctrl+C.
//
// Usage: node scripts/knownBugs.mjs [--only TEXT] [--list]
// Exit code 1 when a bug passes its tests. Minutes (a rebuild per bug); not part of npm test.
// Bugs in engine/torch/engine.py need Debian's PyTorch (/usr/bin/python3 with torch): they
// are reported as skipped without it.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const node = process.execPath;
const unit = (files, pattern) => [node, '--import', 'tsx', '--test', ...(pattern ? ['--test-name-pattern', pattern] : []), ...files.map((f) => `test/engine/${f}.test.ts`)];
const interop = (script) => ['/usr/bin/python3', `test/interop/${script}.py`];

/** Each bug: where, the text it changes (exactly once), what it becomes, and the tests that must notice. */
export const KNOWN_BUGS = [
  { name: 'the GEMM\'s column blocks skip 8 columns', file: 'wasm/kernels.ts', find: 'for (let jb = 0; jb < P8; jb += blockColumns) {', replace: 'for (let jb = 0; jb < P8; jb += blockColumns + 8) {', test: unit(['seqlabKernels'], 'product'), build: true },
  { name: 'sigmoid computed as 1 - 1/(1 + e^x): 0 below about -17', file: 'wasm/kernels.ts', find: 'return f32x4.div(one, f32x4.add(one, expV(f32x4.neg(x))));', replace: 'return f32x4.sub(one, f32x4.div(one, f32x4.add(one, expV(x))));', test: unit(['seqlabKernels'], 'tanh and sigmoid'), build: true },
  { name: 'allSeeds turned into "any seed"', file: 'engine/chapter/claims.ts', find: 'a.every((x, i) => better(x, b[i]))', replace: 'a.some((x, i) => better(x, b[i]))', test: unit(['claimRules']) },
  { name: 'the tanh-over-sigmoid comparison flipped', file: 'engine/chapter/claims.ts', find: 'const larger = allSeeds(tanh, sig, (a, b) => a > b);', replace: 'const larger = allSeeds(tanh, sig, (a, b) => a < b);', test: unit(['claimRules']) },
  { name: 'a dead process\'s stale lock reported as live', file: 'engine/checkpoint/lock.ts', find: ': !processAlive(info.pid));', replace: ': false);', test: unit(['lock']) },
  { name: 'releaseLocksOfThread ignores which thread', file: 'engine/checkpoint/lock.ts', find: 'info.thread === thread && writtenByThisProcess(info)', replace: 'writtenByThisProcess(info)', test: unit(['lock']) },
  { name: 'powershellQuote no longer doubles U+201B', file: 'engine/io/safeText.ts', find: "arg.replace(/['\\u2018\\u2019\\u201a\\u201b]/g", replace: "arg.replace(/['\\u2018\\u2019\\u201a]/g", test: unit(['hostileNames']) },
  { name: 'bidi isolates U+2066-2069 let through', file: 'engine/io/safeText.ts', find: 'const BIDI = /[\\u202a-\\u202e\\u2066-\\u2069]/g;', replace: 'const BIDI = /[\\u202a-\\u202e]/g;', test: unit(['hostileNames']) },
  { name: 'the PyTorch engine sends the loss as the gradient norm', file: 'engine/torch/engine.py', find: '"gradNorm": finite(norm)', replace: '"gradNorm": finite(loss)', test: interop('check_torch_engine'), torch: true, build: true },
  { name: 'the PyTorch engine\'s replies all carry id 0', file: 'engine/torch/engine.py', find: 'send({"type": "stepped", "id": req_id,', replace: 'send({"type": "stepped", "id": 0,', test: interop('check_torch_engine'), torch: true, build: true },
  { name: 'the PyTorch engine leaves out an optimiser setting (weight decay: it trains with the default)', file: 'engine/torch/engine.py', find: ', "weightDecay": init["weightDecay"]}', replace: '}', test: interop('check_torch_engine'), torch: true, build: true },
  { name: 'seed ranges printed high-low', file: 'engine/experiments/seeds.ts', find: 'const [lo, hi] = [show(Math.min(...values)), show(Math.max(...values))];', replace: 'const [lo, hi] = [show(Math.max(...values)), show(Math.min(...values))];', test: unit(['seedRanges']) },
  { name: 'resume forgets the elapsed time (the budget restarts)', file: 'engine/train/trainer.ts', find: 'const elapsedBefore = state.elapsedSeconds;', replace: 'const elapsedBefore = 0;', test: unit(['train'], 'resume|Resume') },
  { name: 'a long prompt keeps its start instead of its end', file: 'engine/model/sample.ts', find: 'ids = ids.slice(ids.length - o.maxPromptTokens);', replace: 'ids = ids.slice(0, o.maxPromptTokens);', test: unit(['sample']) },
];

function hasTorch() {
  return spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
}

function run(command) {
  const [cmd, ...args] = command;
  return spawnSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, FORCE_COLOR: '0' } });
}

function build() {
  const r = run([node, 'scripts/build.mjs']);
  if (r.status !== 0) throw new Error(`build failed:\n${r.stderr}`);
}

function main() {
  const args = process.argv.slice(2);
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : null;
  const bugs = KNOWN_BUGS.filter((b) => !only || b.name.includes(only));
  if (args.includes('--list')) {
    for (const b of bugs) console.log(`${b.name}  (${b.file}; ${b.test.slice(-1)[0]})`);
    return;
  }
  const torch = hasTorch();
  const results = [];
  let restore = null;
  process.on('SIGINT', () => {
    restore?.();
    process.exit(130);
  });
  for (const bug of bugs) {
    if (bug.torch && !torch) {
      results.push({ bug, outcome: 'skipped (no PyTorch at /usr/bin/python3)' });
      continue;
    }
    const file = path.join(root, bug.file);
    const original = fs.readFileSync(file, 'utf8');
    const count = typeof bug.find === 'string' ? original.split(bug.find).length - 1 : (original.match(new RegExp(bug.find.source, bug.find.flags + 'g')) ?? []).length;
    if (count !== 1) {
      results.push({ bug, outcome: `not applied: the text is found ${count} times (the code changed: update the bug)` });
      continue;
    }
    restore = () => fs.writeFileSync(file, original);
    try {
      fs.writeFileSync(file, original.replace(bug.find, bug.replace));
      if (bug.build) build();
      const started = Date.now();
      const r = run(bug.test);
      const seconds = Math.round((Date.now() - started) / 1000);
      // Caught means a test ran and failed: a test file that is missing or does not load is no catch.
      const failed = Number((r.stdout.match(/^# fail (\d+)/m) ?? [])[1] ?? NaN);
      const python = bug.test[0].endsWith('python3');
      const outcome = r.status === 0 ? `PASSED ITS TESTS (${seconds} s)`
        // A check script that ran (it printed a passing check) and then failed: a check said FAIL, or a run it made failed.
        : python ? (/^\s+ok\s/m.test(r.stdout) ? `caught (${/\bFAIL\b/.test(r.stdout) ? `${(r.stdout.match(/\bFAIL\b/g) ?? []).length} checks failed` : `a run failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-1)[0].slice(0, 160)}`}, ${seconds} s)` : `did not run: ${(r.stderr || r.stdout).trim().split('\n').slice(-1)[0]}`)
          : failed > 0 ? `caught (${failed} test${failed === 1 ? '' : 's'} failed, ${seconds} s)` : `did not run: ${(r.stderr || r.stdout).trim().split('\n').slice(-1)[0]}`;
      results.push({ bug, outcome, survived: r.status === 0 });
    } finally {
      restore();
      restore = null;
    }
    console.log(`${results.at(-1).survived ? 'SURVIVED' : 'ok'}  ${bug.name}: ${results.at(-1).outcome}`);
  }
  if (bugs.some((b) => b.build)) build();
  const survived = results.filter((r) => r.survived);
  const caught = results.filter((r) => r.outcome.startsWith('caught')).length;
  console.log(`\n${caught} of ${results.length} known bugs caught; ${survived.length} passed their tests; ${results.length - caught - survived.length} skipped or not applied`);
  for (const r of results.filter((r) => !r.outcome.startsWith('caught'))) console.log(`- ${r.bug.name}: ${r.outcome}`);
  process.exitCode = survived.length || results.some((r) => r.outcome.startsWith('not applied') || r.outcome.startsWith('did not run')) ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) main();
