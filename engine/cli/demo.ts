/**
 * `seqlab demo`: train a small LSTM on the built-in corpus, then continue a prompt. Its budget is
 * in steps, not minutes: a minute on a busy machine reached 53 steps and wrote gibberish, and
 * 200 steps of this model write sentences on any machine (validation loss 0.33-0.36 nats per
 * character measured, 12-30 s on 2 cores idle to loaded).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';
import type { BackendName } from '../core/backend';
import { sample } from '../model/sample';
import { generateCorpus } from '../text/generatedCorpus';
import { loadCheckpoint } from '../train/checkpointing';
import { writeOut } from './output';
import { backendOption, folderName, intAtLeast } from './options';
import { reportTraining, runTraining } from './train';

/** Steps of the demo: enough for this model to write sentences of the corpus. */
const DEMO_STEPS = 200;

export function demoCommand(): Command {
  return new Command('demo')
    .description('train a small LSTM on the built-in corpus for 200 steps (about 15-30 s on 2 cores), then continue a prompt')
    .option('--steps <n>', 'training steps', intAtLeast('--steps', 1), DEMO_STEPS)
    .option('--out <dir>', 'also keep the checkpoint here', folderName('--out', 'demo-model'))
    .option('--prompt <text>', 'text to continue', 'The forget gate')
    .addOption(backendOption())
    .action(async (flags: { steps: number; out?: string; prompt: string; backend?: BackendName }) => {
      const out = flags.out ?? fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-demo-'));
      try {
        const summary = await runTraining({ kind: 'text', text: generateCorpus(), name: 'the built-in corpus' }, {
          steps: flags.steps, minutes: 0, hidden: 128, embed: 32, seqLen: 64, batch: 32, lr: 1e-2, evalInterval: 25, patience: 0, out, backend: flags.backend,
        });
        reportTraining(summary, false, flags.out !== undefined);
        if (!summary.checkpoint) return;
        const { model, vocabulary } = loadCheckpoint(summary.checkpoint);
        await writeOut(`\n${flags.prompt}`);
        const gen = sample(model, vocabulary, flags.prompt, { length: 300, temperature: 0.6, seed: 1 });
        for (let n = await gen.next(); !n.done; n = await gen.next()) await writeOut(n.value);
        await writeOut('\n');
        model.dispose();
      } finally {
        if (!flags.out) fs.rmSync(out, { recursive: true, force: true });
      }
    });
}
