/** `seqlab sample --model DIR --prompt TEXT`: continue a prompt, streamed to stdout. */
import { Command } from 'commander';
import { initBackend, type BackendName } from '../core/backend';
import { sample } from '../model/sample';
import { loadCheckpoint } from '../train/checkpointing';
import { interruptSignal, logLine, writeOut } from './output';
import { addGenerationOptions, backendOption, generationOf } from './options';

export function sampleCommand(): Command {
  const command = new Command('sample')
    .description('continue a prompt with a trained model; streams the continuation (without the prompt) to stdout')
    .requiredOption('--model <dir>', 'checkpoint folder')
    .requiredOption('--prompt <text>', 'text to continue');
  // --length, --temperature, --top-k, --top-p, --seed: from the generation schema (model/generationConfig.ts).
  return addGenerationOptions(command)
    .option('--stop <text...>', 'stop before any of these strings')
    .addOption(backendOption())
    .action(async (flags: { model: string; prompt: string; stop?: string[]; backend?: BackendName } & Record<string, unknown>) => {
      await initBackend(flags.backend);
      const { model, vocabulary } = loadCheckpoint(flags.model);
      try {
        const gen = sample(model, vocabulary, flags.prompt, { ...generationOf(flags), stop: flags.stop }, interruptSignal());
        let n = await gen.next();
        for (; !n.done; n = await gen.next()) await writeOut(n.value);
        await writeOut('\n');
        for (const w of n.value.warnings) logLine(`warning: ${w}`);
      } finally {
        model.dispose();
      }
    });
}
