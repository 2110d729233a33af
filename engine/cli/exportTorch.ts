/** `seqlab export-torch --model DIR --out DIR`: a PyTorch project that continues the run. */
import { Command } from 'commander';
import { exportTorchProject } from '../export/torchProject';
import { shellCommand } from '../io/safeText';
import { logLine } from './output';
import { folderName } from './options';

export function exportTorchCommand(): Command {
  return new Command('export-torch')
    .description('write a PyTorch project for a checkpoint: model.py, train.py (DDP under torchrun), sample.py, vocab.json, README.md and the checkpoint')
    .requiredOption('--model <dir>', 'checkpoint folder')
    .requiredOption('--out <dir>', 'a new (or empty) folder for the project', folderName('--out', 'my-model-pytorch'))
    .action((flags: { model: string; out: string }) => {
      const { dir, files } = exportTorchProject(flags.model, flags.out);
      logLine(`wrote ${dir}: ${files.join(', ')}`);
      logLine(`next: ${shellCommand(['cd', dir])} && python3 sample.py --prompt 'Your text' --temperature 0`);
    });
}
