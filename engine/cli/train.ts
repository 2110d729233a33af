/** `seqlab train FILE|GLOB... --out DIR [options]`, and the training run the demo shares. */
import { Command, Option } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { initBackend, type BackendName } from '../core/backend';
import { jsonForTerminal } from '../io/safeText';
import type { CorpusSource } from '../text/corpus';
import { trainFromRequest, type TrainSummary } from '../train/session';
import type { TrainEvent } from '../train/trainer';
import { OVERFITTING_RISES } from '../core/curve';
import { EXIT_DIVERGED, EXIT_INTERRUPTED, formatSeconds, interruptSignal, logLine, printJSON, showLoss } from './output';
import { addTrainConfigOptions, backendOption, folderName, intBetween, positive, programPath, trainConfigOf, workersOption } from './options';
import { MAX_TORCH_PROCESSES, TORCH_DEVICES, TORCH_PRECISIONS, type TorchDeviceChoice, type TorchPrecision } from '../core/names';
import { decideEngine } from '../torch/choose';
import { pathPythons, pythonFromPath } from '../torch/python';
import { parseTrainConfig } from '../train/config';

/** The flags of a run besides the training config's own (see options.ts). */
export interface RunFlags {
  out?: string; resume?: string; keep?: 'best' | 'last'; workers?: number | 'auto';
  backend?: BackendName; json?: boolean; units?: 'nats' | 'bits';
  python?: string; device?: TorchDeviceChoice; processes?: number; precision?: TorchPrecision; torchTimeout?: number;
  /** The training config's flags, by commander's property names. */
  [configFlag: string]: unknown;
}

/** Runs training with a progress bar (a terminal) or a line per evaluation (a pipe); returns the summary. */
export async function runTraining(source: CorpusSource, flags: RunFlags): Promise<TrainSummary> {
  // First: a Ctrl+C while the backend starts or a Python is probed stops the run, rather than killing the process mid-way.
  const signal = interruptSignal();
  const backend = await initBackend(flags.backend);
  const config = trainConfigOf(flags);
  const sized = parseTrainConfig(config);
  const pythons = flags.python ? [pythonFromPath(flags.python, '--python')] : pathPythons();
  const decision = await decideEngine(sized.engine, pythons);
  if (sized.engine !== 'builtin') logLine(decision.reason);
  const torch = decision.torch ? { python: decision.torch.python.command, pythonArgs: decision.torch.python.args, device: flags.device ?? 'auto', processes: flags.processes ?? 1, precision: flags.precision ?? 'fp32', ...(flags.torchTimeout ? { timeoutSeconds: flags.torchTimeout } : {}) } : undefined;
  const run = trainFromRequest({
    source, config, outDir: flags.out, keep: flags.keep, resumeFrom: flags.resume, workers: flags.workers ?? 'auto', engine: decision.engine, torch,
  }, signal, { onLog: (line) => logLine(`pytorch: ${line}`) });
  // The bar measures time against the budget when there is one (the budget, or patience, ends a default run), else steps.
  const bar = process.stderr.isTTY && !flags.json
    ? new SingleBar({ format: ' {bar} {percentage}% | step {step} | loss {loss} | val {val} | {cps} chars/s | {pass} | at most {eta} left', hideCursor: true, stream: process.stderr }, Presets.shades_classic)
    : undefined;
  let budget = 0;
  let started = false;
  for (;;) {
    const next = await run.next();
    if (next.done) {
      bar?.stop();
      return next.value;
    }
    const e: TrainEvent = next.value;
    if (e.kind === 'progress') {
      if (!started) {
        started = true;
        logLine(decision.engine === 'pytorch' ? `engine: PyTorch, ${e.workers === 1 ? 'one process' : `${e.workers} data-parallel processes`}` : `backend ${backend.name} (${backend.reason})${backend.kernels ? `; SeqLab wasm kernels ${backend.kernels}` : ''}; ${e.workers === 1 ? 'one thread' : `${e.workers} data-parallel worker threads`}`);
        budget = e.budgetSeconds ?? 0;
        bar?.start(budget > 0 ? budget : e.totalSteps, 0, { step: 0, loss: '-', val: '-', cps: '-', pass: '-', eta: '--' });
      }
      const payload = { step: e.step, loss: e.step === 0 ? '-' : showLoss(e.trainLossMean, flags.units), val: showLoss(e.valLoss, flags.units), cps: Math.round(e.charsPerSecond), pass: passText(e.passes), eta: formatSeconds(e.etaSeconds) };
      if (bar) {
        bar.update(budget > 0 ? Math.min(budget, Math.round(e.elapsedSeconds)) : e.step, payload);
      } else if (e.evaluated && !flags.json) {
        logLine(`step ${e.step}  train ${payload.loss}  val ${payload.val} ${flags.units ?? 'nats'}/char  ${payload.cps} chars/s  ${formatSeconds(e.elapsedSeconds)} elapsed, at most ${payload.eta} left`);
      }
    } else if (e.kind === 'sample' && !flags.json && !bar) {
      logLine(`sample at step ${e.step}: ${jsonForTerminal(JSON.stringify(e.text.slice(0, 100)))}`);
    }
  }
}

/** What helps a run that overfits, as measured by bench/overfitting.mjs (the walkthrough states the same figures). */
const OVERFITTING_ADVICE = 'What helps, measured once on a 27k-character Chinese text in 2-minute runs: twice the text reached 3.24 nats/char instead of 3.51 and began to overfit at step 450 instead of 325; a smaller model (--hidden 64) reached the same 3.50 and began only at step 625; --layers 2 --dropout 0.3 did not overfit within the 2 minutes, but reached only 3.76.';

/** What a run did, on stderr (and as one JSON line with --json); the exit code says how it ended. */
export function reportTraining(s: TrainSummary, json: boolean, showCheckpoint = true, units: 'nats' | 'bits' = 'nats'): void {
  logLine(`${s.message}. Vocabulary: ${s.vocabSize} (${s.vocabularyReason}); corpus: ${s.corpus}, ${s.corpusCharacters} characters.`);
  logLine(`computed by ${s.engine.description}`);
  logLine(`validation loss ${showLoss(s.initialValLoss, units)} -> ${showLoss(s.valLoss, units)} ${units}/char (best ${showLoss(s.bestValLoss, units)} at step ${s.bestStep}); ${Math.round(s.charsPerSecond)} chars/s`);
  if (s.steps > 0) {
    logLine(s.passes < 1
      ? `it trained on ${passText(s.passes)}${s.passSeconds ? `; one pass takes about ${formatSeconds(s.passSeconds)} at this speed (--minutes ${Math.ceil(s.passSeconds / 60)} would see all of it once)` : ''}`
      : `it went over the text ${s.passes.toFixed(1)} times`);
  }
  const belowUnigram = s.bestValLoss === null ? '' : s.bestValLoss < s.baselines.unigram
    ? `; the best is ${showLoss(s.baselines.unigram - s.bestValLoss, units)} below the unigram baseline`
    : `; the best is not below the unigram baseline yet: the model has not learned more than which characters are common`;
  logLine(`baselines: uniform (ln V) ${showLoss(s.baselines.uniform, units)}, unigram ${showLoss(s.baselines.unigram, units)} ${units}/char${belowUnigram}`);
  if (s.overfitting) logLine(`overfitting from step ${s.overfitting.fromStep}: the validation loss rose for ${OVERFITTING_RISES} evaluations while the training loss fell (seen at step ${s.overfitting.seenAt}). ${OVERFITTING_ADVICE}`);
  if (s.checkpoint && showCheckpoint) logLine(`checkpoint: ${s.checkpoint}`);
  if (json) {
    printJSON({
      reason: s.reason, steps: s.steps, trainLoss: s.trainLoss, valLoss: s.valLoss, bestValLoss: s.bestValLoss, bestStep: s.bestStep,
      initialValLoss: s.initialValLoss, charsPerSecond: s.charsPerSecond, vocabSize: s.vocabSize, vocabularyReason: s.vocabularyReason,
      checkpoint: s.checkpoint, corpus: s.corpus, corpusCharacters: s.corpusCharacters, message: s.message, workers: s.workers,
      engine: s.engine.name, device: s.engine.device, processes: s.engine.processes, passes: s.passes, passSeconds: s.passSeconds,
      baselines: s.baselines, overfitting: s.overfitting,
    });
  }
  if (s.reason === 'diverged') process.exitCode = EXIT_DIVERGED;
  if (s.reason === 'cancelled') process.exitCode = EXIT_INTERRUPTED;
}

export function trainCommand(): Command {
  const command = new Command('train')
    .description('train a character model on text files (names or globs); writes the checkpoint into --out')
    .argument('<files...>', 'text files or glob patterns (e.g. "notes/**/*.md")')
    .requiredOption('--out <dir>', 'checkpoint folder (the best validation loss is kept)', folderName('--out', 'my-model'));
  addTrainConfigOptions(command);
  return command
    .addOption(new Option('--keep <which>', 'which weights the checkpoint keeps').choices(['best', 'last']).default('best'))
    .option('--resume <dir>', 'continue training from this checkpoint', folderName('--resume', 'my-model'))
    .option('--workers <n>', 'data-parallel worker threads: "auto" (one per core, at most 8, at least 4 windows of the batch each) or a number; 1 = one thread. The same seed and workers give the same run', workersOption, 'auto')
    .addOption(new Option('--units <unit>', 'show losses in nats or bits per character (--json is always nats)').choices(['nats', 'bits']).default('nats'))
    .addOption(backendOption())
    .option('--python <path>', 'the Python with PyTorch for --engine pytorch or auto (default: the first python3, then python, on PATH that has PyTorch)', programPath('--python', '/usr/bin/python3'))
    .addOption(new Option('--device <name>', 'where PyTorch computes: auto (CUDA, then Apple MPS, then CPU), cpu, cuda or mps').choices(TORCH_DEVICES).default('auto'))
    .option('--processes <n>', `data-parallel PyTorch processes, 1 to ${MAX_TORCH_PROCESSES} (torch.distributed: gloo on CPUs, at most one per core; nccl with a GPU each); the step is the full batch's whatever the count`, intBetween('--processes', 1, MAX_TORCH_PROCESSES), 1)
    .option('--torch-timeout <seconds>', 'give up on the PyTorch engine when it takes longer than this to start or to answer any request (default: 3 minutes to start, 10 minutes for the first request of a kind, then 20x the slowest seen and at least 1 minute)', positive('--torch-timeout', '120'))
    .addOption(new Option('--precision <p>', 'the PyTorch engine\'s arithmetic: fp32 (the built-in engine\'s), or mixed precision under autocast: bf16 (CUDA or CPU), fp16 (CUDA, with a gradient scaler); changes the losses slightly, see docs/guide.md').choices(TORCH_PRECISIONS).default('fp32'))
    .option('--json', 'print one JSON object with the results as the last line of stdout')
    .action(async (files: string[], flags: RunFlags) => {
      reportTraining(await runTraining({ kind: 'files', patterns: files }, flags), flags.json === true, true, flags.units);
    });
}

/** "1.2% of one pass" or "3.4 passes": how far into its text a run is. */
function passText(passes: number): string {
  return passes < 1 ? `${(100 * passes).toFixed(passes < 0.1 ? 2 : 1)}% of one pass over the text` : `${passes.toFixed(1)} passes`;
}
