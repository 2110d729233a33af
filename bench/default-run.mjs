// What a default run does: `seqlab train` with no options (the same defaults as the
// extension's Train on Selection) on a generated 27k-character Chinese text, timed.
// Usage: npm run build && node bench/default-run.mjs [--workers ...passed through]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chineseText } from '../test/support/chineseText.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-default-run-'));
const text = chineseText();
fs.writeFileSync(path.join(dir, 'poems.txt'), text);
const started = Date.now();
const r = spawnSync(process.execPath, [path.join(root, 'dist', 'cli.js'), 'train', 'poems.txt', '--out', 'model', '--json', ...process.argv.slice(2)], { cwd: dir, encoding: 'utf8' });
const seconds = (Date.now() - started) / 1000;
if (r.status !== 0) {
  console.error(r.stderr);
  process.exit(1);
}
const s = JSON.parse(r.stdout.trim().split('\n').pop());
console.log(JSON.stringify({
  text: `${[...text].length} characters, ${new Set(text).size} distinct`, seconds: Number(seconds.toFixed(1)), reason: s.reason, steps: s.steps,
  initialValLoss: Number(s.initialValLoss.toFixed(3)), bestValLoss: Number(s.bestValLoss.toFixed(3)), drop: Number((s.initialValLoss - s.bestValLoss).toFixed(3)),
  charsPerSecond: Math.round(s.charsPerSecond), vocabSize: s.vocabSize, message: s.message,
}));
fs.rmSync(dir, { recursive: true, force: true });
