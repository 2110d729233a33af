// Mutation test of the code whose bugs the ordinary tests once let through: sampling,
// checkpoint ownership and locking, quoting and escaping, the export, resume. Each mutant
// changes one operator or constant on one line of a named region (=== to !==, < to <=,
// && to ||, / to *, true to false, a negation dropped, a `continue`/`break`/`return`
// removed, ...), outside strings and comments; the region's tests run against it
// (after a rebuild when they run the bundles), and a mutant that no test notices
// "survives". The exported train.py gets hand-written mutants, checked by the PyTorch
// export test. The source is restored after each mutant, also on Ctrl+C.
//
// Usage: node scripts/mutants.mjs [--only NAME] [--list] [--json FILE]
// Exit code 1 when a mutant survives. Slow (minutes per region); not part of npm test.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { mutantsOf as mutantsIn } from './mutantGen.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const node = process.execPath;
const unit = (files, pattern) => [node, '--import', 'tsx', '--test', ...(pattern ? ['--test-name-pattern', pattern] : []), ...files];

/** Regions: a file, where the region starts and ends (first lines matching), and the tests that must notice a change there. */
const REGIONS = [
  { name: 'chooseToken', file: 'engine/model/sample.ts', from: /^export function chooseToken/, to: /^}/, test: unit(['test/engine/sample.test.ts'], 'chooseToken') },
  { name: 'ownership', file: 'engine/checkpoint/folder.ts', from: /^function classifyTarget/, to: /^}/, test: unit(['test/engine/checkpointFolder.test.ts'], 'ownership|own file names|refuses') },
  { name: 'remove-owned', file: 'engine/checkpoint/folder.ts', from: /^function removeOwnedFolder/, to: /^}/, test: unit(['test/engine/checkpointFolder.test.ts']) },
  { name: 'refusal-to-remove', file: 'engine/checkpoint/folder.ts', from: /^export function refusalToRemove/, to: /^}/, test: unit(['test/engine/checkpointFolder.test.ts'], 'own file names') },
  { name: 'lock', file: 'engine/checkpoint/lock.ts', from: /^const isStale/, to: /^function explainLockError/, test: unit(['test/engine/lock.test.ts'], 'folder lock'), build: false },
  { name: 'safe-text', file: 'engine/io/safeText.ts', from: /^const CONTROL =/, to: /(?!)/, test: unit(['test/engine/hostileNames.test.ts'], 'quoting and escaping') },
  { name: 'export-readme', file: 'engine/export/torchProject.ts', from: /^export function commandTextFile/, to: /^  const vocab =/, test: unit(['test/engine/hostileNames.test.ts', 'test/engine/export.test.ts']), build: true },
  { name: 'resume', file: 'engine/train/session.ts', from: /^  let resumeState =/, to: /^  const saveTo =/, test: unit(['test/engine/train.test.ts', 'test/engine/parallel.test.ts'], 'resume|Resume|latest weights') },
];

/** Hand-written mutants of the exported train.py: the bugs that would make it continue a different run. */
const PYTHON_MUTANTS = [
  { name: 'train.py ignores the saved optimiser state', find: /^(\s*)(opt\.load_state_dict\(.*\))$/m, replace: '$1pass  # $2' },
  { name: 'train.py does not clip', find: /torch\.nn\.utils\.clip_grad_norm_\(/, replace: '(lambda *a, **k: torch.tensor(0.0))(' },
  { name: 'train.py draws batches from another seed', find: /Random\((.*?)\)/, replace: 'Random(($1) + 1)' },
];

const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const jsonOut = args.includes('--json') ? args[args.indexOf('--json') + 1] : undefined;
const regions = REGIONS.filter((r) => !only || r.name === only);
const originals = new Map();
const restore = () => {
  for (const [file, text] of originals) fs.writeFileSync(path.join(root, file), text);
};
process.on('SIGINT', () => {
  restore();
  process.exit(130);
});

function run(command, timeout = 300_000) {
  const r = spawnSync(command[0], command.slice(1), { cwd: root, encoding: 'utf8', timeout, env: { ...process.env, SEQLAB_MUTANT: '1' } });
  return { ok: r.status === 0, timedOut: r.signal !== null, output: `${r.stdout}\n${r.stderr}` };
}
const build = () => run([node, 'scripts/build.mjs']);

const results = [];
try {
  for (const region of regions) {
    const mutants = mutantsIn(root, region);
    if (args.includes('--list')) {
      for (const m of mutants) console.log(`${m.file}:${m.line}  ${m.original}  ->  ${m.mutated}`);
      continue;
    }
    const file = path.join(root, region.file);
    originals.set(region.file, fs.readFileSync(file, 'utf8'));
    const needsBuild = region.build ?? region.test.some((a) => /hostile|export|catalogue|lock|cli/.test(a));
    if (needsBuild) build();
    const baseline = run(region.test);
    if (!baseline.ok) throw new Error(`${region.name}: the tests fail before any mutation:\n${baseline.output.slice(-2000)}`);
    // A name pattern that matches no test passes without testing anything: refuse it.
    const ran = Number(/^# pass (\d+)/m.exec(baseline.output)?.[1] ?? 0);
    if (ran === 0) throw new Error(`${region.name}: no test ran (the name pattern matches none)`);
    console.log(`${region.name}: ${mutants.length} mutants, ${ran} tests`);
    let killed = 0;
    for (const m of mutants) {
      fs.writeFileSync(file, m.source);
      if (needsBuild && !build().ok) {
        killed++; // does not even build: not a mutant a test needs to catch
        continue;
      }
      const r = run(region.test);
      const survived = r.ok;
      if (!survived) killed++;
      results.push({ region: m.region, file: m.file, line: m.line, original: m.original, mutated: m.mutated, survived });
      if (survived) console.log(`SURVIVED ${m.file}:${m.line}  ${m.original}  ->  ${m.mutated}`);
    }
    fs.writeFileSync(file, originals.get(region.file));
    originals.delete(region.file); // restored: a later edit of the file must not be undone at exit
    console.log(`${region.name}: ${killed} of ${mutants.length} mutants killed`);
  }
  if ((!only || only === 'train.py') && !args.includes('--list')) {
    const file = path.join(root, 'engine/export/torch/train.py');
    const original = fs.readFileSync(file, 'utf8');
    originals.set('engine/export/torch/train.py', original);
    let killed = 0;
    for (const m of PYTHON_MUTANTS) {
      if (!m.find.test(original)) {
        console.log(`(train.py mutant "${m.name}" does not apply: its pattern is not in train.py)`);
        continue;
      }
      fs.writeFileSync(file, original.replace(m.find, m.replace));
      build();
      const r = run(['/usr/bin/python3', 'test/interop/check_torch_export.py'], 600_000);
      if (!r.ok) killed++;
      results.push({ region: 'train.py', file: 'engine/export/torch/train.py', line: 0, original: m.name, mutated: m.name, survived: r.ok });
      if (r.ok) console.log(`SURVIVED ${m.name}`);
    }
    fs.writeFileSync(file, original);
    originals.delete('engine/export/torch/train.py');
    console.log(`train.py: ${killed} of ${PYTHON_MUTANTS.length} mutants killed`);
  }
} finally {
  restore();
  if (!args.includes('--list')) build();
}
if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify(results, null, 1));
const survivors = results.filter((r) => r.survived);
console.log(`${results.length - survivors.length} killed, ${survivors.length} survived`);
process.exitCode = survivors.length ? 1 : 0;
