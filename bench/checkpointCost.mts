// What the periodic checkpoint of the latest weights costs at the default settings: the same
// run of the default model, once saving after every step and once never, alternated three
// times in one process; the difference per step is one save (pulling the weights and the
// optimiser state, writing the folder atomically). Reports it against the step itself and
// against the time rule's default interval (`checkpointSeconds`, 30 s).
// Usage: node --import tsx bench/checkpointCost.mts [--steps N]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend, tf } from '../engine';
import { DEMO_CORPUS } from '../engine/text/demoCorpus';
import { parseTrainConfig } from '../engine/train/config';
import { trainFromRequest } from '../engine/train/session';

const steps = process.argv.includes('--steps') ? Number(process.argv[process.argv.indexOf('--steps') + 1]) : 40;
await initBackend();
const defaults = parseTrainConfig({});
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-bench-ckpt-'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function secondsPerStep(saveEveryStep: boolean, round: number): Promise<number> {
  const outDir = path.join(root, `run-${round}-${saveEveryStep}`);
  const gen = trainFromRequest({
    source: { kind: 'text', text: DEMO_CORPUS.repeat(4) }, outDir, lastDir: `${outDir}-last`,
    config: { steps, evalInterval: 1_000_000, sampleInterval: 0, patience: 0, minutes: 0, checkpointEvery: saveEveryStep ? 1 : 0, checkpointSeconds: 0 },
  });
  let started = 0;
  let first = 0;
  for (;;) {
    const next = await gen.next();
    if (next.done) return (performance.now() - started) / (next.value.steps - first);
    // Timed from the first progress event: the model's build and first evaluation are not a step.
    if (next.value.kind === 'progress' && !started) {
      started = performance.now();
      first = next.value.step;
    }
  }
}

console.log(`backend ${tf.getBackend()}; default model: ${defaults.cell}, hidden ${defaults.hidden}, ${defaults.layers} layer(s), batch ${defaults.batch}, seqLen ${defaults.seqLen}; ${steps} steps a run`);
const never: number[] = [];
const every: number[] = [];
for (let round = 0; round < 3; round++) {
  never.push(await secondsPerStep(false, round));
  every.push(await secondsPerStep(true, round));
}
const step = median(never);
const save = Math.max(0, median(every) - step);
console.log(`step ${step.toFixed(1)} ms (runs: ${never.map((x) => x.toFixed(1)).join(', ')})`);
console.log(`step + save ${median(every).toFixed(1)} ms (runs: ${every.map((x) => x.toFixed(1)).join(', ')})`);
console.log(`one save ≈ ${save.toFixed(1)} ms = ${(save / step).toFixed(2)} steps; at one save per ${defaults.checkpointSeconds} s: ${((100 * save) / (defaults.checkpointSeconds * 1000)).toFixed(3)}% of the run`);
fs.rmSync(root, { recursive: true, force: true });
