/** `seqlab demo`: train a small LSTM on the built-in corpus for about a minute, then continue a prompt. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';
import type { BackendName } from '../core/backend';
import { sample } from '../model/sample';
import { generateCorpus } from '../text/generatedCorpus';
import { loadCheckpoint } from '../train/checkpointing';
import { writeOut } from './output';
import { backendOption, folderName, positive } from './options';
import { reportTraining, runTraining } from './train';

export function demoCommand(): Command {
  return new Command('demo')
    .description('train a small LSTM on the built-in corpus for about a minute, then continue a prompt')
    .option('--minutes <x>', 'training time', positive('--minutes', '1'), 1)
    .option('--out <dir>', 'also keep the checkpoint here', folderName('--out', 'demo-model'))
    .option('--prompt <text>', 'text to continue', 'The forget gate')
    .addOption(backendOption())
    .action(async (flags: { minutes: number; out?: string; prompt: string; backend?: BackendName }) => {
      const out = flags.out ?? fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-demo-'));
      try {
        const summary = await runTraining({ kind: 'text', text: generateCorpus(), name: 'the built-in corpus' }, {
          minutes: flags.minutes, hidden: 256, embed: 48, seqLen: 64, batch: 32, lr: 3e-3, evalInterval: 25, patience: 0, out, backend: flags.backend,
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
