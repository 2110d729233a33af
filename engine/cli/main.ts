/**
 * `seqlab`: the engine on the command line. Runs in-process (no worker thread needed).
 * One file per command in this folder; this one joins them.
 *
 *   seqlab demo                       train on the built-in corpus for 200 steps, then continue a prompt
 *   seqlab train FILE|GLOB... --out DIR [options]
 *   seqlab sample --model DIR --prompt TEXT [options]
 *   seqlab probe --model DIR --text TEXT [--json]
 *   seqlab export-torch --model DIR --out DIR
 *   seqlab experiment [NAME] [--set key=value...] [--json]
 *
 * The benchmark is its own entry (bench/main.ts, `npm run bench`), so that the PyTorch
 * side it spawns is not part of `seqlab`.
 *
 * Exit codes: 0 done; 1 bad input or failure (the message says what to do); 3 training
 * diverged (the best checkpoint is kept); 130 interrupted (Ctrl+C; the checkpoint is kept).
 */
import { Command } from 'commander';
import { chapterCommand } from './chapter';
import { demoCommand } from './demo';
import { experimentCommand } from './experiment';
import { exportTorchCommand } from './exportTorch';
import { EXIT_FAILED, guardStdout, logLine, quietOnClosedPipe } from './output';
import { terminalSafe } from '../io/safeText';
import { probeCommand } from './probe';
import { sampleCommand } from './sample';
import { trainCommand } from './train';
import { allowRelaxedSimd } from '../core/seqlabKernels';
import { langFromEnv, langOf, type Lang } from '../core/lang';
import { errorText } from '../core/messages';

/** The language of the command's messages: its `--lang` (chapter, experiment), else the environment's. */
function cliLang(argv: string[]): Lang {
  const i = argv.findIndex((a) => a === '--lang' || a.startsWith('--lang='));
  const value = i < 0 ? undefined : argv[i].startsWith('--lang=') ? argv[i].slice('--lang='.length) : argv[i + 1];
  return value ? langOf(value) : langFromEnv(process.env);
}

export function buildProgram(): Command {
  const program = new Command('seqlab')
    .description('Train, sample and inspect character-level RNN, LSTM and GRU models (PyTorch-compatible).')
    .showHelpAfterError('(run with --help for usage)')
    // An error names the argument it refuses, which may hold anything: its control characters are replaced.
    .configureOutput({ outputError: (str, write) => write(`seqlab: ${terminalSafe(str.replace(/^error: /, ''))}`) });
  for (const command of [trainCommand(), demoCommand(), sampleCommand(), exportTorchCommand(), probeCommand(), experimentCommand(), chapterCommand()]) {
    // Each command reports its own errors as the program does.
    program.addCommand(command.showHelpAfterError('(run with --help for usage)').configureOutput(program.configureOutput()));
  }
  return program;
}

export async function main(argv = process.argv): Promise<void> {
  quietOnClosedPipe();
  guardStdout();
  // The seqlab command owns its process: it may turn on relaxed SIMD for its wasm kernels (Node 20).
  allowRelaxedSimd();
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    // A catalogued message (engine/core/messages.ts) in the command's --lang, else LC_ALL / LC_MESSAGES / LANG.
    logLine(`seqlab: ${errorText(err, cliLang(argv))}`);
    process.exitCode = EXIT_FAILED;
  }
}

if (require.main === module) void main();
