// Each experiment at its defaults, run by SeqLab (`seqlab experiment NAME`, its worker threads on
// every core) and by its exported PyTorch script (`python3 NAME.py`, PyTorch's own threads), in
// the same run: wall seconds of each and their ratio. Needs `npm run build` and a python3 with
// PyTorch (/usr/bin/python3 on Debian).
//   node bench/experimentScripts.mjs [NAME ...]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const cli = path.join(root, 'dist', 'cli.js');
const python = process.env.PYTHON ?? '/usr/bin/python3';
const names = process.argv.slice(2).length ? process.argv.slice(2)
  : ['vanishing-gradients', 'exploding-gradients', 'normalization', 'long-range-memory', 'lstm-vs-gru', 'cell-walkthrough', 'bidirectional-leak', 'gradient-flow'];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-bench-scripts-'));

function timed(command, args) {
  const started = performance.now();
  const r = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')}: ${r.stderr.slice(-500)}`);
  return (performance.now() - started) / 1000;
}

console.log(`${os.cpus().length} cores; seconds at each experiment's defaults`);
console.log(['experiment', 'SeqLab (s)', 'PyTorch script (s)', 'script / SeqLab'].join('\t'));
for (const name of names) {
  const file = path.join(dir, `${name}.py`);
  timed(process.execPath, [cli, 'experiment', name, '--export-torch', file]);
  const seqlab = timed(process.execPath, [cli, 'experiment', name, '--json']);
  const torch = timed(python, [file, '--json']);
  console.log([name, seqlab.toFixed(1), torch.toFixed(1), (torch / seqlab).toFixed(2)].join('\t'));
}
fs.rmSync(dir, { recursive: true, force: true });
