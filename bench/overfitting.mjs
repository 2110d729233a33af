// What helps a run that overfits: the default run on the generated 27k-character Chinese
// text (which overfits: its validation loss turns up after its best step), against the same
// run with more text, with dropout, and with a smaller model. Each once, seed 1234; the
// walkthrough and the CLI's advice state these figures.
// Usage: npm run build && node bench/overfitting.mjs
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chineseText } from '../test/support/chineseText.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

function run(label, text, flags) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-overfitting-'));
  try {
    fs.writeFileSync(path.join(dir, 'poems.txt'), text);
    const started = Date.now();
    const r = spawnSync(process.execPath, [path.join(root, 'dist', 'cli.js'), 'train', 'poems.txt', '--out', 'model', '--json', ...flags], { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    const s = JSON.parse(r.stdout.trim().split('\n').pop());
    return {
      run: label, characters: [...text].length, seconds: Number(((Date.now() - started) / 1000).toFixed(0)), reason: s.reason, steps: s.steps,
      bestValLoss: Number(s.bestValLoss.toFixed(3)), bestStep: s.bestStep, finalValLoss: Number(s.valLoss.toFixed(3)),
      riseAfterBest: Number((s.valLoss - s.bestValLoss).toFixed(3)), overfittingFrom: s.overfitting?.fromStep ?? null,
      unigram: Number(s.baselines.unigram.toFixed(3)), uniform: Number(s.baselines.uniform.toFixed(3)),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const text = chineseText();
const rows = [
  run('default', text, []),
  run('more text (2x)', chineseText({ length: 2 * [...text].length }), []),
  // Dropout acts between recurrent layers (as torch.nn.LSTM's): two layers without and with it.
  run('2 layers', text, ['--layers', '2']),
  run('2 layers, dropout 0.3', text, ['--layers', '2', '--dropout', '0.3']),
  run('hidden 64', text, ['--hidden', '64']),
];
for (const r of rows) console.log(JSON.stringify(r));
