// The seconds each experiment's defaults take on this machine, the figures SeqLab's estimates
// start from (engine/experiments/measuredSeconds.json) before a run's own pace corrects them.
// Each experiment runs alone, through the command line, with its default worker threads;
// the median of --repeat runs is kept.
// Usage: node scripts/build.mjs && node bench/experimentTimes.mjs [--repeat N] [--write] [NAME ...]
//   --write  replaces engine/experiments/measuredSeconds.json (with the date and the machine)
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const cli = path.join(root, 'dist', 'cli.js');
const args = process.argv.slice(2);
const repeatAt = args.indexOf('--repeat');
const repeat = repeatAt >= 0 ? Number(args[repeatAt + 1]) : 1;
const write = args.includes('--write');
const named = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--repeat');
const file = path.join(root, 'engine', 'experiments', 'measuredSeconds.json');
const known = JSON.parse(fs.readFileSync(file, 'utf8'));
const names = named.length ? named : Object.keys(known.seconds);

const seconds = { ...known.seconds };
console.log(`${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), load ${os.loadavg()[0].toFixed(2)}, Node ${process.version}, ${repeat} run(s) each`);
console.log('experiment | seconds (each run) | median | before');
for (const name of names) {
  const runs = [];
  for (let i = 0; i < repeat; i++) {
    const started = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [cli, 'experiment', name, '--json'], { cwd: os.tmpdir(), encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${name}: exit ${r.status}\n${r.stderr}`);
    runs.push(Number(process.hrtime.bigint() - started) / 1e9);
  }
  const median = [...runs].sort((a, b) => a - b)[Math.floor(runs.length / 2)];
  seconds[name] = Number(median.toFixed(median < 2 ? 2 : 1));
  console.log(`${name} | ${runs.map((s) => s.toFixed(1)).join(', ')} | ${seconds[name]} | ${known.seconds[name] ?? '-'}`);
}
if (write) {
  const machine = `${os.cpus().length} cores, ${os.cpus()[0]?.model.trim()}, Node ${process.version}`;
  fs.writeFileSync(file, `${JSON.stringify({ measured: new Date().toISOString().slice(0, 10), machine, command: 'node bench/experimentTimes.mjs --repeat 3 --write', seconds }, null, 2)}\n`);
  console.log(`written: ${path.relative(root, file)}`);
}
