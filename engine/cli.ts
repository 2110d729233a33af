/**
 * `seqlab`: the engine on the command line. Runs in-process (no worker thread needed).
 *
 *   seqlab demo                       train on the built-in corpus for about a minute, then continue a prompt
 *   seqlab train FILE|GLOB... --out DIR [options]
 *   seqlab sample --model DIR --prompt TEXT [options]
 *   seqlab probe --model DIR --text TEXT [--json]
 *   seqlab bench [--only NAME] [--rounds N]
 *
 * Exit codes: 0 done; 1 bad input or failure (the message says what to do); 3 training
 * diverged (the best checkpoint is kept); 130 interrupted (Ctrl+C; the checkpoint is kept).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { BACKEND_NAMES, initBackend, type BackendName } from './core/backend';
import { CELL_TYPES } from './model/charlm';
import { loadCheckpoint } from './train/checkpointing';
import { readRegularFile } from './io/files';
import { jsonForTerminal, shellCommand, terminalSafe } from './io/safeText';
import { EXPERIMENTS, findExperiment, runExperiment } from './experiments';
import { sig3 } from './experiments/common';
import { inLang, langFromEnv, LANGS, type Lang } from './experiments/lang';
import { exportTorchProject } from './export/torchProject';
import { probe, type Matrix } from './model/probe';
import { sample } from './model/sample';
import { generateCorpus } from './text/generated-corpus';
import type { CorpusSource } from './text/corpus';
import { OPTIMIZER_NAMES } from './train/optim';
import { trainFromRequest, type TrainSummary } from './train/session';
import type { TrainConfigInput } from './train/config';
import type { TrainEvent } from './train/trainer';
import { runBench } from '../bench/train-bench';

const EXIT_FAILED = 1;
const EXIT_DIVERGED = 3;
const EXIT_INTERRUPTED = 130;

const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`${name} must be a whole number.`);
  return n;
};
const num = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number.`);
  return n;
};

/** A whole number of at least `min`. */
const intAtLeast = (name: string, min: number) => (v: string) => {
  const n = int(name)(v);
  if (n < min) throw new InvalidArgumentError(`${name} must be at least ${min}.`);
  return n;
};
/** A number above 0. */
const positive = (name: string, example: string) => (v: string) => {
  const n = num(name)(v);
  if (n <= 0) throw new InvalidArgumentError(`${name} must be more than 0, such as ${example}.`);
  return n;
};
/** A folder name that is not empty (an empty --out would resolve to the current folder, or to no saving at all). */
const folderName = (name: string, example: string) => (v: string) => {
  if (!v.trim()) throw new InvalidArgumentError(`${name} needs a folder name, such as ${example}.`);
  return v;
};

const backendOption = () => new Option('--backend <name>', 'compute backend (default: the fastest available)').choices(BACKEND_NAMES);

/**
 * Writes to stdout (model text with its control characters replaced: a token must not
 * drive the terminal), waiting when the pipe is full, so a slow reader (or `| head`) never
 * makes the process buffer what it generates.
 */
async function writeOut(text: string): Promise<void> {
  if (!process.stdout.write(terminalSafe(text))) await new Promise<void>((resolve) => process.stdout.once('drain', resolve));
}

/**
 * A closed pipe (`seqlab sample ... | head -c 100`) ends the command quietly with exit 0,
 * as Unix tools do, instead of a stack trace.
 */
function quietOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(0);
      throw err;
    });
  }
}

/** A line on stderr; names and model text in it cannot drive the terminal. */
function logLine(line: string): void {
  process.stderr.write(terminalSafe(line) + '\n');
}

/** One JSON line on stdout, its C1 controls escaped (the value is unchanged). */
function printJSON(value: unknown): void {
  console.log(jsonForTerminal(JSON.stringify(value)));
}

/** Ctrl+C cancels the job cleanly (the second one exits at once). */
function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  process.once('SIGINT', () => {
    process.stderr.write('\nstopping (Ctrl+C again to quit at once)...\n');
    controller.abort();
    process.once('SIGINT', () => process.exit(EXIT_INTERRUPTED));
  });
  return controller.signal;
}

function formatSeconds(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '--';
  const m = Math.floor(s / 60);
  return m ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.round(s)}s`;
}

interface TrainFlags {
  out?: string; cell?: string; layers?: number; hidden?: number; embed?: number; seqLen?: number; batch?: number; lr?: number;
  clip?: number; steps?: number; minutes?: number; patience?: number; seed?: number; backend?: BackendName; json?: boolean; optimizer?: string;
  dropout?: number; normalization?: string; resume?: string; evalInterval?: number; keep?: 'best' | 'last'; forgetBias?: number;
  units?: 'nats' | 'bits';
  workers?: number | 'auto';
}

function workersOption(value: string): number | 'auto' {
  if (value === 'auto') return 'auto';
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError('--workers must be "auto" or a whole number from 1 to 64.');
  return n;
}

/** A loss (nats/char) as the user asked to read it: nats or bits per character (--units). */
const showLoss = (nats: number | null | undefined, units: 'nats' | 'bits' = 'nats') =>
  nats === null || nats === undefined || !Number.isFinite(nats) ? '-' : (units === 'bits' ? nats / Math.LN2 : nats).toFixed(3);

/** Runs training with a progress bar (a terminal) or a line per evaluation (a pipe); returns the summary. */
async function runTraining(source: CorpusSource, flags: TrainFlags): Promise<TrainSummary> {
  const backend = await initBackend(flags.backend);
  const config: TrainConfigInput = {};
  const set = <K extends keyof TrainConfigInput>(key: K, value: TrainConfigInput[K] | undefined) => {
    if (value !== undefined) config[key] = value;
  };
  set('cell', flags.cell as TrainConfigInput['cell']);
  set('layers', flags.layers); set('hidden', flags.hidden); set('embed', flags.embed); set('seqLen', flags.seqLen);
  set('batch', flags.batch); set('lr', flags.lr); set('clipNorm', flags.clip); set('steps', flags.steps); set('minutes', flags.minutes);
  set('seed', flags.seed); set('optimizer', flags.optimizer as TrainConfigInput['optimizer']); set('dropout', flags.dropout);
  set('normalization', flags.normalization as TrainConfigInput['normalization']); set('evalInterval', flags.evalInterval);
  set('forgetBias', flags.forgetBias); set('patience', flags.patience);
  const log = logLine;
  const run = trainFromRequest({ source, config, outDir: flags.out, keep: flags.keep, resumeFrom: flags.resume, workers: flags.workers ?? 'auto' }, interruptSignal());
  // The bar measures time against the budget when there is one (the budget, or patience, ends a default run), else steps.
  const bar = process.stderr.isTTY && !flags.json
    ? new SingleBar({ format: ' {bar} {percentage}% | step {step} | loss {loss} | val {val} | {cps} chars/s | at most {eta} left', hideCursor: true, stream: process.stderr }, Presets.shades_classic)
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
        log(`backend ${backend.name} (${backend.reason}); ${e.workers === 1 ? 'one thread' : `${e.workers} data-parallel worker threads`}`);
        budget = e.budgetSeconds ?? 0;
        bar?.start(budget > 0 ? budget : e.totalSteps, 0, { step: 0, loss: '-', val: '-', cps: '-', eta: '--' });
      }
      const payload = { step: e.step, loss: showLoss(e.trainLossMean, flags.units), val: showLoss(e.valLoss, flags.units), cps: Math.round(e.charsPerSecond), eta: formatSeconds(e.etaSeconds) };
      if (bar) {
        bar.update(budget > 0 ? Math.min(budget, Math.round(e.elapsedSeconds)) : e.step, payload);
      } else if (e.evaluated && !flags.json) {
        log(`step ${e.step}  train ${payload.loss}  val ${payload.val} ${flags.units ?? 'nats'}/char  ${payload.cps} chars/s  ${formatSeconds(e.elapsedSeconds)} elapsed, at most ${payload.eta} left`);
      }
    } else if (e.kind === 'sample' && !flags.json && !bar) {
      log(`sample at step ${e.step}: ${jsonForTerminal(JSON.stringify(e.text.slice(0, 100)))}`);
    }
  }
}

function reportTraining(s: TrainSummary, json: boolean, showCheckpoint = true, units: 'nats' | 'bits' = 'nats'): void {
  const log = logLine;
  log(`${s.message}. Vocabulary: ${s.vocabSize} (${s.vocabularyReason}); corpus: ${s.corpus}, ${s.corpusCharacters} characters.`);
  log(`validation loss ${showLoss(s.initialValLoss, units)} -> ${showLoss(s.valLoss, units)} ${units}/char (best ${showLoss(s.bestValLoss, units)} at step ${s.bestStep}); ${Math.round(s.charsPerSecond)} chars/s`);
  if (s.checkpoint && showCheckpoint) log(`checkpoint: ${s.checkpoint}`);
  if (json) {
    printJSON({
      reason: s.reason, steps: s.steps, trainLoss: s.trainLoss, valLoss: s.valLoss, bestValLoss: s.bestValLoss, bestStep: s.bestStep,
      initialValLoss: s.initialValLoss, charsPerSecond: s.charsPerSecond, vocabSize: s.vocabSize, vocabularyReason: s.vocabularyReason,
      checkpoint: s.checkpoint, corpus: s.corpus, corpusCharacters: s.corpusCharacters, message: s.message, workers: s.workers,
    });
  }
  if (s.reason === 'diverged') process.exitCode = EXIT_DIVERGED;
  if (s.reason === 'cancelled') process.exitCode = EXIT_INTERRUPTED;
}

/** An experiment's --config file: a JSON object, read bounded (1 MiB is far more than any config). */
function readConfigFile(file: string): Record<string, unknown> {
  const text = readRegularFile(file, 'the config file', 1024 * 1024).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`the config file ${file} is not valid JSON (${(err as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`the config file ${file} must hold a JSON object such as {"steps": 50}`);
  return value as Record<string, unknown>;
}

const matrixToRows = (m: Matrix) => Array.from({ length: m.rows }, (_, r) => Array.from(m.data.subarray(r * m.cols, (r + 1) * m.cols)));

export function buildProgram(): Command {
  const program = new Command('seqlab')
    .description('Train, sample and inspect character-level RNN, LSTM and GRU models (PyTorch-compatible).')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (str, write) => write(`seqlab: ${str.replace(/^error: /, '')}`) });

  program.command('train')
    .description('train a character model on text files (names or globs); writes the checkpoint into --out')
    .argument('<files...>', 'text files or glob patterns (e.g. "notes/**/*.md")')
    .requiredOption('--out <dir>', 'checkpoint folder (the best validation loss is kept)', folderName('--out', 'my-model'))
    .addOption(new Option('--cell <type>', 'recurrent cell').choices(CELL_TYPES))
    .option('--layers <n>', 'recurrent layers', int('--layers'))
    .option('--hidden <n>', 'hidden units per layer', int('--hidden'))
    .option('--embed <n>', 'embedding size', int('--embed'))
    .option('--seq-len <n>', 'characters per training window (backpropagation through time)', int('--seq-len'))
    .option('--batch <n>', 'windows per step', int('--batch'))
    .addOption(new Option('--optimizer <name>', 'optimiser').choices(OPTIMIZER_NAMES))
    .option('--lr <x>', 'learning rate', num('--lr'))
    .option('--clip <x>', 'clip the global gradient norm (0 = off)', num('--clip'))
    .option('--dropout <x>', 'dropout between layers', num('--dropout'))
    .addOption(new Option('--normalization <kind>', 'normalise the gate pre-activations').choices(['none', 'layer', 'batch']))
    .option('--forget-bias <x>', 'LSTM: initial forget-gate bias (1 keeps the cell state open)', num('--forget-bias'))
    .option('--steps <n>', 'at most this many training steps (default 100000: the budget or patience ends a default run)', int('--steps'))
    .option('--minutes <x>', 'time budget in minutes, 0 = none (default 2)', num('--minutes'))
    .option('--patience <n>', 'stop after this many validation passes without a new best, 0 = never (default 8)', int('--patience'))
    .option('--eval-interval <n>', 'steps between validation passes (default 25)', int('--eval-interval'))
    .option('--seed <n>', 'random seed (same seed, same run)', int('--seed'))
    .addOption(new Option('--keep <which>', 'which weights the checkpoint keeps').choices(['best', 'last']).default('best'))
    .option('--resume <dir>', 'continue training from this checkpoint', folderName('--resume', 'my-model'))
    .option('--workers <n>', 'data-parallel worker threads: "auto" (one per core, at most 8, at least 4 windows of the batch each) or a number; 1 = one thread. The same seed and workers give the same run', workersOption, 'auto')
    .addOption(new Option('--units <unit>', 'show losses in nats or bits per character (--json is always nats)').choices(['nats', 'bits']).default('nats'))
    .addOption(backendOption())
    .option('--json', 'print one JSON object with the results as the last line of stdout')
    .action(async (files: string[], flags: TrainFlags) => {
      reportTraining(await runTraining({ kind: 'files', patterns: files }, flags), flags.json === true, true, flags.units);
    });

  program.command('demo')
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

  program.command('sample')
    .description('continue a prompt with a trained model; streams the continuation (without the prompt) to stdout')
    .requiredOption('--model <dir>', 'checkpoint folder')
    .requiredOption('--prompt <text>', 'text to continue')
    .option('--length <n>', 'characters to generate', intAtLeast('--length', 1), 200)
    .option('--temperature <x>', 'softmax temperature (0 = always the most likely)', num('--temperature'), 0.8)
    .option('--top-k <n>', 'sample among the k most likely only (0 = all)', int('--top-k'), 0)
    .option('--top-p <x>', 'sample among the smallest set reaching this probability', num('--top-p'), 1)
    .option('--stop <text...>', 'stop before any of these strings')
    .option('--seed <n>', 'random seed', int('--seed'))
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

  program.command('export-torch')
    .description('write a PyTorch project for a checkpoint: model.py, train.py (DDP under torchrun), sample.py, vocab.json, README.md and the checkpoint')
    .requiredOption('--model <dir>', 'checkpoint folder')
    .requiredOption('--out <dir>', 'a new (or empty) folder for the project', folderName('--out', 'my-model-pytorch'))
    .action((flags: { model: string; out: string }) => {
      const { dir, files } = exportTorchProject(flags.model, flags.out);
      logLine(`wrote ${dir}: ${files.join(', ')}`);
      logLine(`next: ${shellCommand(['cd', dir])} && python3 sample.py --prompt 'Your text' --temperature 0`);
    });

  program.command('probe')
    .description('gate activations, states, surprisal, gradients through time and influence of a model on a text')
    .requiredOption('--model <dir>', 'checkpoint folder')
    .requiredOption('--text <text>', 'the text to probe')
    .option('--json', 'print everything as one JSON object')
    .addOption(backendOption())
    .action(async (flags: { model: string; text: string; json?: boolean; backend?: BackendName }) => {
      await initBackend(flags.backend);
      const { model, vocabulary } = loadCheckpoint(flags.model);
      try {
        const r = probe(model, vocabulary, flags.text);
        for (const w of r.warnings) logLine(`warning: ${w}`);
        if (flags.json) {
          printJSON({
            tokens: r.tokens,
            logits: matrixToRows(r.logits),
            layers: r.layers.map((l) => ({
              layer: l.layer, gates: Object.fromEntries(Object.entries(l.gates).map(([k, m]) => [k, matrixToRows(m)])),
              h: matrixToRows(l.h), ...(l.c ? { c: matrixToRows(l.c) } : {}),
            })),
            surprisal: r.surprisal, gradientNorms: r.gradientNorms.map((g) => Array.from(g)),
            influence: r.influence ? matrixToRows(r.influence) : null, warnings: r.warnings,
          });
          return;
        }
        const show = (token: string) => jsonForTerminal(JSON.stringify(token));
        console.log('pos  char  next  p(next)  bits   top guesses');
        r.surprisal.forEach((s, t) => {
          const top = s.top.slice(0, 3).map((g) => `${show(g.token)} ${g.probability.toFixed(2)}`).join(', ');
          console.log(`${String(t).padStart(3)}  ${show(s.input).padEnd(5)} ${show(s.actual).padEnd(5)} ${s.probability.toFixed(3).padStart(7)}  ${s.bits.toFixed(2).padStart(5)}  ${top}`);
        });
        const mean = r.surprisal.reduce((a, s) => a + s.bits, 0) / r.surprisal.length;
        console.log(`mean surprisal ${mean.toFixed(3)} bits/char; |d loss/d h_t| from the last position: ${Array.from(r.gradientNorms.at(-1)!).map((v) => v.toExponential(1)).join(' ')}`);
      } finally {
        model.dispose();
      }
    });

  program.command('experiment')
    .description('run one of the chapter\'s experiments (no name: list them)')
    .argument('[name]', 'experiment name, e.g. vanishing-gradients')
    .option('--set <key=value...>', 'override a config value (JSON values: --set steps=50 --set cells=[\"lstm\",\"gru\"])')
    .option('--config <file>', 'a JSON file with config values')
    .option('--json', 'print one JSON object (config, result, headline) as the last line of stdout')
    .option('--workers <n>', 'worker threads for the runs (default: one per core; 1 = all in this process); results do not depend on it', (v: string) => {
      const n = int('--workers')(v);
      if (n < 1 || n > 64) throw new InvalidArgumentError('--workers must be between 1 and 64.');
      return n;
    })
    .addOption(backendOption())
    .addOption(new Option('--lang <lang>', 'the language of titles, headlines, tables and figures (default: from LC_ALL, LC_MESSAGES or LANG)').choices([...LANGS]).default(langFromEnv()))
    .action(async (name: string | undefined, flags: { set?: string[]; config?: string; json?: boolean; workers?: number; backend?: BackendName; lang: Lang }) => {
      if (!name) {
        for (const e of EXPERIMENTS) console.log(`${e.name.padEnd(22)} ${inLang(e.title, flags.lang)}`); // our own strings
        return;
      }
      findExperiment(name);
      const config = flags.config ? readConfigFile(flags.config) : {};
      for (const pair of flags.set ?? []) {
        const eq = pair.indexOf('=');
        if (eq < 1) throw new Error(`--set takes key=value, got "${pair}"`);
        const raw = pair.slice(eq + 1);
        let value: unknown;
        try {
          value = JSON.parse(raw);
        } catch {
          value = raw; // a bare string
        }
        config[pair.slice(0, eq)] = value;
      }
      const backend = await initBackend(flags.backend);
      process.stderr.write(`backend ${backend.name}\n`);
      const bar = process.stderr.isTTY && !flags.json ? new SingleBar({ format: ' {bar} {percentage}% | {message}', hideCursor: true, stream: process.stderr }, Presets.shades_classic) : undefined;
      bar?.start(100, 0, { message: '' });
      const started = performance.now();
      const { config: used, output, runs, workers } = await runExperiment(name, config, {
        workers: flags.workers,
        signal: interruptSignal(),
        progress: (fraction, message) => bar?.update(Math.round(fraction * 100), { message }),
        lang: flags.lang,
      });
      bar?.update(100, { message: 'done' });
      bar?.stop();
      const seconds = (performance.now() - started) / 1000;
      if (!flags.json) {
        // Tables as the panel shows them (exact values: --json); generated text in them is terminal-safe.
        const print = (table: typeof output.table) => {
          for (const row of table) console.log(terminalSafe(row.map((v) => (typeof v === 'number' ? sig3(v) : v)).join('\t')));
        };
        if (output.tableTitle) console.log(output.tableTitle);
        print(output.table);
        for (const extra of output.tables ?? []) {
          console.log(`\n${extra.title}`);
          print(extra.table);
        }
      }
      process.stderr.write(`${terminalSafe(output.headline)}\n(${seconds.toFixed(1)} s: ${runs} run${runs === 1 ? '' : 's'} on ${workers} worker thread${workers === 1 ? '' : 's'})\n`);
      // What the panel shows (title, headline, tables, figures with their captions and marks) beside the result.
      if (flags.json) {
        printJSON({
          name, title: inLang(findExperiment(name).title, flags.lang), lang: flags.lang, config: used, headline: output.headline,
          ...(output.tableTitle ? { tableTitle: output.tableTitle } : {}), table: output.table, ...(output.tables ? { tables: output.tables } : {}), figures: output.figures,
          result: output.result, seconds: Number(seconds.toFixed(2)), runs, workers,
        });
      }
    });

  program.command('bench')
    .description('training and sampling throughput, against PyTorch in the same run when /usr/bin/python3 has torch')
    .option('--rounds <n>', 'interleaved rounds (medians are reported)', intAtLeast('--rounds', 1), 5)
    .option('--steps <n>', 'training steps per round', intAtLeast('--steps', 1), 3)
    .option('--only <name>', 'only the configurations whose name starts with this (e.g. "A", "sampling")')
    .option('--json', 'print the results as one JSON line')
    .option('--profile', 'profile one step of each configuration: milliseconds per kernel class (products, elementwise, loss, optimizer, copies) and outside kernels')
    .addOption(backendOption())
    .action(async (flags: { rounds: number; steps: number; only?: string; json?: boolean; profile?: boolean; backend?: BackendName }) => {
      await runBench({ backend: flags.backend, rounds: flags.rounds, steps: flags.steps, only: flags.only, json: flags.json === true, profile: flags.profile === true });
    });

  return program;
}

export async function main(argv = process.argv): Promise<void> {
  quietOnClosedPipe();
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    logLine(`seqlab: ${(err as Error).message}`);
    process.exitCode = EXIT_FAILED;
  }
}

if (require.main === module) void main();
