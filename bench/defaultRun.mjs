// What a default run does: `seqlab train` with no options (the same defaults as the
// extension's Train on Selection) on a generated 27k-character Chinese text, timed.
// Usage: npm run build && node bench/defaultRun.mjs [--workers N|auto ...passed through]
//        node bench/defaultRun.mjs --compare-workers   (1 worker against auto, same text:
//        the wall time each needs to reach the validation loss both reach)
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chineseText } from '../test/support/chineseText.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const text = chineseText();

/** One default run with extra flags; its summary and the evaluations kept in the checkpoint. */
function defaultRun(flags) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-default-run-'));
  try {
    fs.writeFileSync(path.join(dir, 'poems.txt'), text);
    const started = Date.now();
    const r = spawnSync(process.execPath, [path.join(root, 'dist', 'cli.js'), 'train', 'poems.txt', '--out', 'model', '--json', ...flags], { cwd: dir, encoding: 'utf8' });
    const seconds = (Date.now() - started) / 1000;
    if (r.status !== 0) {
      console.error(r.stderr);
      process.exit(1);
    }
    const s = JSON.parse(r.stdout.trim().split('\n').pop());
    const history = JSON.parse(fs.readFileSync(path.join(dir, 'model', 'seqlab.json'), 'utf8')).training.state.history;
    return { seconds, s, history };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const summary = ({ seconds, s }) => ({
  workers: s.workers, seconds: Number(seconds.toFixed(1)), reason: s.reason, steps: s.steps,
  initialValLoss: Number(s.initialValLoss.toFixed(3)), bestValLoss: Number(s.bestValLoss.toFixed(3)), drop: Number((s.initialValLoss - s.bestValLoss).toFixed(3)),
  charsPerSecond: Math.round(s.charsPerSecond), vocabSize: s.vocabSize, message: s.message,
});

if (process.argv.includes('--compare-workers')) {
  const runs = [defaultRun(['--workers', '1']), defaultRun(['--workers', 'auto'])];
  // The target both reach: the higher of the two best validation losses.
  const target = Math.max(...runs.map((r) => r.s.bestValLoss));
  const reachedAt = (history) => history.find((h) => h.valLoss <= target + 1e-12);
  console.log(JSON.stringify({
    text: `${[...text].length} characters, ${new Set(text).size} distinct`, target: Number(target.toFixed(3)),
    runs: runs.map((r) => ({ ...summary(r), reachedTargetAtSeconds: reachedAt(r.history)?.seconds, reachedTargetAtStep: reachedAt(r.history)?.step })),
  }));
} else {
  const run = defaultRun(process.argv.slice(2));
  console.log(JSON.stringify({ text: `${[...text].length} characters, ${new Set(text).size} distinct`, ...summary(run) }));
}
