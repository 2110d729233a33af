/** `seqlab sample --model DIR --prompt TEXT`: continue a prompt, streamed to stdout. */
import { Command } from 'commander';
import { initBackend, type BackendName } from '../core/backend';
import { sample } from '../model/sample';
import { loadCheckpoint } from '../train/checkpointing';
import { interruptSignal, logLine, writeOut } from './output';
import { backendOption, int, intAtLeast, num, seedNumber } from './options';

export function sampleCommand(): Command {
  return new Command('sample')
    .description('continue a prompt with a trained model; streams the continuation (without the prompt) to stdout')
    .requiredOption('--model <dir>', 'checkpoint folder')
    .requiredOption('--prompt <text>', 'text to continue')
    .option('--length <n>', 'characters to generate', intAtLeast('--length', 1), 200)
    .option('--temperature <x>', 'softmax temperature (0 = always the most likely)', num('--temperature'), 0.8)
    .option('--top-k <n>', 'sample among the k most likely only (0 = all)', int('--top-k'), 0)
    .option('--top-p <x>', 'sample among the smallest set reaching this probability', num('--top-p'), 1)
    .option('--stop <text...>', 'stop before any of these strings')
    .option('--seed <n>', 'random seed, a whole number from 0 to 2147483647 (the same seed and settings give the same text)', seedNumber('--seed'))
    .addOption(backendOption())
    .action(async (flags: { model: string; prompt: string; length: number; temperature: number; topK: number; topP: number; stop?: string[]; seed?: number; backend?: BackendName }) => {
      await initBackend(flags.backend);
      const { model, vocabulary } = loadCheckpoint(flags.model);
      try {
        const gen = sample(model, vocabulary, flags.prompt, { length: flags.length, temperature: flags.temperature, topK: flags.topK, topP: flags.topP, stop: flags.stop, seed: flags.seed }, interruptSignal());
        let n = await gen.next();
        for (; !n.done; n = await gen.next()) await writeOut(n.value);
        await writeOut('\n');
        for (const w of n.value.warnings) logLine(`warning: ${w}`);
      } finally {
        model.dispose();
      }
    });
}
