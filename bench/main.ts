/**
 * `npm run bench` (`node dist/bench.js`): training and sampling throughput, against PyTorch
 * in the same run when /usr/bin/python3 has torch. Its own entry, not a `seqlab` command:
 * the benchmark spawns PyTorch and is for measuring SeqLab, not for using it.
 */
import { Command } from 'commander';
import type { BackendName } from '../engine/core/backend';
import { EXIT_FAILED, logLine, quietOnClosedPipe } from '../engine/cli/output';
import { backendOption, intAtLeast } from '../engine/cli/options';
import { runBench } from './trainBench';
import { allowRelaxedSimd } from '../engine/core/seqlabKernels';

export function buildBench(): Command {
  return new Command('bench')
    .description('training and sampling throughput, against PyTorch in the same run when /usr/bin/python3 has torch')
    .option('--rounds <n>', 'interleaved rounds (medians are reported)', intAtLeast('--rounds', 1), 5)
    .option('--steps <n>', 'training steps per round', intAtLeast('--steps', 1), 3)
    .option('--only <name>', 'only the configurations whose name starts with this (e.g. "A", "sampling")')
    .option('--json', 'print the results as one JSON line')
    .option('--profile', 'profile one step of each configuration: milliseconds per kernel class (products, elementwise, loss, optimizer, copies) and outside kernels')
    .addOption(backendOption())
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (str, write) => write(`bench: ${str.replace(/^error: /, '')}`) })
    .action(async (flags: { rounds: number; steps: number; only?: string; json?: boolean; profile?: boolean; backend?: BackendName }) => {
      await runBench({ backend: flags.backend, rounds: flags.rounds, steps: flags.steps, only: flags.only, json: flags.json === true, profile: flags.profile === true });
    });
}

if (require.main === module) {
  quietOnClosedPipe();
  allowRelaxedSimd(); // as the seqlab command does

  buildBench().parseAsync(process.argv).catch((err: Error) => {
    logLine(`bench: ${err.message}`);
    process.exitCode = EXIT_FAILED;
  });
}
