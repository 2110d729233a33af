/**
 * `npm run bench`: training throughput of SeqLab's CharLM against PyTorch's, in the
 * same run. Rounds alternate (SeqLab with 1, 2 and auto workers, then PyTorch with 1 and
 * 2 threads) so that all see the same machine load; each figure is the median over
 * rounds of characters per second, and the ratio is SeqLab / PyTorch's best thread count
 * here. PyTorch runs in `bench/torch_reference.py` when `/usr/bin/python3` has torch.
 * Workers are data-parallel replicas on worker threads (engine/parallel), since wasm
 * has no threads under Node.
 *
 * Options: --backend wasm|cpu|tensorflow  --rounds N (default 5)  --steps N per round (3)
 *          --only NAME (a config name below)  --json (one JSON line at the end)
 *          --profile (one step of each config, time per kernel class)
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { tf, initBackend, type BackendName } from '../engine/core/backend';
import { CharLM, type CellType } from '../engine/model/charlm';
import { sample, sampleText } from '../engine/model/sample';
import { DataParallelStepper, workersFor } from '../engine/train/dataParallel';
import { Vocabulary } from '../engine/text/vocabulary';
import { applyFlatGradients, createOptimizer, LocalStepper, lossAndGradients, type StepRules, type Stepper } from '../engine/train/stepper';
import { TORCH_ENVIRONMENT, TorchStepper } from '../engine/train/torchStepper';

interface BenchConfig { name: string; cell: CellType; vocab: number; embed: number; hidden: number; layers: number; batch: number; seqLen: number }

const CONFIGS: BenchConfig[] = [
  { name: 'A: LSTM 1x256, batch 32', cell: 'lstm', vocab: 96, embed: 64, hidden: 256, layers: 1, batch: 32, seqLen: 64 },
  { name: 'Chinese: LSTM 1x256, V 2500', cell: 'lstm', vocab: 2500, embed: 64, hidden: 256, layers: 1, batch: 32, seqLen: 64 },
  { name: 'GRU 1x256, batch 32', cell: 'gru', vocab: 96, embed: 64, hidden: 256, layers: 1, batch: 32, seqLen: 64 },
  { name: 'LSTM 2x256, batch 32', cell: 'lstm', vocab: 96, embed: 64, hidden: 256, layers: 2, batch: 32, seqLen: 64 },
  { name: 'LSTM 1x256, batch 1', cell: 'lstm', vocab: 96, embed: 64, hidden: 256, layers: 1, batch: 1, seqLen: 64 },
];

const RULES: StepRules = { optimizer: { name: 'adam' }, clip: { clipNorm: 5, clipValue: 0 } };
const LR = 2e-3;

class TorchReference {
  private readonly lines: AsyncIterator<string>;

  private constructor(private readonly proc: ChildProcessWithoutNullStreams) {
    this.lines = readline.createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
  }

  static start(): TorchReference | string {
    const python = '/usr/bin/python3';
    if (!fs.existsSync(python)) return 'no /usr/bin/python3';
    const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
    if (probe.status !== 0) return 'PyTorch is not installed (apt-get install python3-torch libopenblas0-pthread)';
    const script = path.join(__dirname, '..', 'bench', 'torch_reference.py');
    // The PyTorch engine's environment (OpenMP and allocator settings): the engine's overhead is then the protocol's and the rules'.
    const proc = spawn(python, [script], { env: { ...TORCH_ENVIRONMENT, ...process.env } });
    proc.stderr.on('data', (d) => process.stderr.write(d));
    return new TorchReference(proc);
  }

  async ask(msg: object): Promise<Record<string, unknown>> {
    this.proc.stdin.write(JSON.stringify(msg) + '\n');
    const { value, done } = await this.lines.next();
    if (done) throw new Error('the PyTorch reference process exited');
    const reply = JSON.parse(value) as Record<string, unknown>;
    if (reply.error) throw new Error(String(reply.error));
    return reply;
  }

  stop(): void {
    this.proc.stdin.end();
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Sampling at batch 1, hidden 256: latency to the first character and characters per second after it. */
async function benchSampling(rounds: number): Promise<Array<Record<string, unknown>>> {
  const text = Array.from({ length: 96 }, (_, i) => String.fromCodePoint(32 + i)).join('');
  const vocabulary = Vocabulary.fromText(text).vocabulary;
  const rows: Array<Record<string, unknown>> = [];
  for (const cell of ['lstm', 'gru'] as const) {
    const model = new CharLM({ vocabSize: vocabulary.size, embeddingSize: 64, hiddenSize: 256, cell, seed: 0 });
    await sampleText(model, vocabulary, 'warm up', { length: 20 });
    const first: number[] = [];
    const speed: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const gen = sample(model, vocabulary, 'The prompt of a user, about sixty characters long, ends here.', { length: 500, seed: r });
      let next = await gen.next();
      while (!next.done) next = await gen.next();
      first.push(next.value.firstTokenMs!);
      speed.push(next.value.tokensPerSecond!);
    }
    model.dispose();
    const row = { config: `sampling ${cell.toUpperCase()} 1x256, batch 1`, firstTokenMs: Number(median(first).toFixed(1)), charsPerSecond: Math.round(median(speed)) };
    console.log(`${row.config.padEnd(34)} first character after ${row.firstTokenMs} ms, then ${row.charsPerSecond} chars/s`);
    rows.push(row);
  }
  return rows;
}

export interface BenchOptions { backend?: BackendName; rounds: number; steps: number; only?: string; json: boolean; profile: boolean }

/** The worker counts a config is measured with: 1, 2 and auto (what auto means here), without repeats. */
function workerCounts(batch: number): Array<{ label: string; workers: number }> {
  const auto = workersFor('auto', batch);
  const counts = [...new Set([1, 2, auto].map((n) => workersFor(n, batch)))];
  return counts.map((n) => ({ label: `${n} worker${n === 1 ? '' : 's'}${n === auto ? ` (auto${auto === 1 ? '' : ` on ${auto} cores`})` : ''}`, workers: n }));
}

async function stepsFor(cfg: BenchConfig, workers: number, backend: BackendName): Promise<{ model: CharLM; steps: Stepper }> {
  const model = new CharLM({ vocabSize: cfg.vocab, embeddingSize: cfg.embed, hiddenSize: cfg.hidden, numLayers: cfg.layers, cell: cfg.cell, seed: 0 });
  const optimizer = createOptimizer(model, RULES.optimizer);
  const steps = workers > 1 ? await DataParallelStepper.create(model, optimizer, RULES, { workers, backend }) : new LocalStepper(model, optimizer, RULES.clip);
  return { model, steps };
}

export async function runBench(values: BenchOptions): Promise<void> {
  const backend = await initBackend(values.backend);
  const rounds = values.rounds;
  const stepsPerRound = values.steps;
  const configs = CONFIGS.filter((c) => !values.only || c.name.startsWith(values.only!));
  if (values.profile) {
    for (const cfg of configs) await profileStep(cfg);
    return;
  }
  const torch = TorchReference.start();
  console.log(`SeqLab training benchmark: backend ${backend.name}, ${rounds} interleaved rounds of ${stepsPerRound} steps, Adam, clip 5`);
  if (typeof torch === 'string') console.log(`PyTorch reference skipped: ${torch}`);
  const results: Array<Record<string, unknown>> = [];
  for (const cfg of configs) {
    const chars = cfg.batch * cfg.seqLen;
    const windows = tf.tidy(() => tf.randomUniformInt([cfg.batch, cfg.seqLen + 1], 0, cfg.vocab, 1).dataSync() as Int32Array);
    const runs: Array<{ label: string; workers: number; model: CharLM; steps: Stepper; speeds: number[] }> = [];
    for (const { label, workers } of workerCounts(cfg.batch)) {
      const { model, steps } = await stepsFor(cfg, workers, backend.name);
      await steps.step(windows, cfg.batch, cfg.seqLen + 1, LR); // warm-up: kernels compiled, optimizer state allocated
      runs.push({ label, workers, model, steps, speeds: [] as number[] });
    }
    if (typeof torch !== 'string') {
      // SeqLab's PyTorch engine (the same step over its line protocol), against the plain loop below with as many threads.
      const model = new CharLM({ vocabSize: cfg.vocab, embeddingSize: cfg.embed, hiddenSize: cfg.hidden, numLayers: cfg.layers, cell: cfg.cell, seed: 0 });
      const steps = await TorchStepper.create(model, createOptimizer(model, RULES.optimizer), RULES, 0, { python: { command: '/usr/bin/python3', args: [], source: 'bench' }, device: 'cpu', processes: 1 });
      await steps.step(windows, cfg.batch, cfg.seqLen + 1, LR);
      runs.push({ label: `PyTorch engine (${steps.runtime.threads} thread${steps.runtime.threads === 1 ? '' : 's'})`, workers: -steps.runtime.threads, model, steps, speeds: [] });
    }
    const torchThreads = [1, 2];
    const theirs: Record<number, number[]> = { 1: [], 2: [] };
    let torchInfo = '';
    if (typeof torch !== 'string') {
      const r = await torch.ask({ cmd: 'setup', ...cfg, threads: 1 });
      torchInfo = `torch ${String(r.torch)}`;
      await torch.ask({ cmd: 'round', steps: 1 });
    }
    for (let r = 0; r < rounds; r++) {
      for (const run of runs) {
        const t0 = performance.now();
        for (let s = 0; s < stepsPerRound; s++) await run.steps.step(windows, cfg.batch, cfg.seqLen + 1, LR);
        run.speeds.push((chars * stepsPerRound) / ((performance.now() - t0) / 1000));
      }
      if (typeof torch !== 'string') {
        for (const threads of torchThreads) {
          await torch.ask({ cmd: 'threads', threads });
          const reply = await torch.ask({ cmd: 'round', steps: stepsPerRound });
          theirs[threads].push((chars * stepsPerRound) / (reply.seconds as number));
        }
      }
    }
    const torchBest = theirs[1].length ? Math.max(median(theirs[1]), median(theirs[2])) : undefined;
    const torchBestThreads = theirs[1].length ? (median(theirs[1]) >= median(theirs[2]) ? 1 : 2) : undefined;
    const single = median(runs[0].speeds);
    const builtinAuto = median(runs.filter((r) => r.workers > 0).at(-1)!.speeds);
    for (const run of runs) {
      const speed = median(run.speeds);
      if (run.steps instanceof TorchStepper) {
        const threads = run.steps.runtime.threads;
        const plain = median(theirs[threads] ?? theirs[1]);
        const row = { config: cfg.name, engine: 'pytorch', threads, engineCharsPerSecond: Math.round(speed), plainTorchCharsPerSecond: Math.round(plain), overhead: Number((1 - speed / plain).toFixed(3)), vsBuiltinAuto: Number((speed / builtinAuto).toFixed(2)) };
        console.log(`${cfg.name.padEnd(28)} ${run.label.padEnd(26)} ${String(row.engineCharsPerSecond).padStart(7)} chars/s: ${row.overhead >= 0 ? `${(100 * row.overhead).toFixed(1)}% below` : `${(-100 * row.overhead).toFixed(1)}% above`} a plain PyTorch loop with ${threads} thread${threads === 1 ? '' : 's'} (${row.plainTorchCharsPerSecond}), x${row.vsBuiltinAuto.toFixed(2)} the built-in engine with auto workers`);
        results.push(row);
        await run.steps.dispose();
        run.model.dispose();
        continue;
      }
      const memory = run.steps instanceof DataParallelStepper ? run.steps.memoryBytes : [];
      const row: Record<string, unknown> = { config: cfg.name, workers: run.workers, seqlabCharsPerSecond: Math.round(speed), scaling: Number((speed / single).toFixed(2)) };
      if (memory.length) row.memoryPerReplicaMB = memory.map((b) => Number((b / 2 ** 20).toFixed(1)));
      let line = `${cfg.name.padEnd(28)} ${run.label.padEnd(26)} SeqLab ${String(row.seqlabCharsPerSecond).padStart(7)} chars/s (x${(row.scaling as number).toFixed(2)})`;
      if (torchBest !== undefined) {
        row.torch1ThreadCharsPerSecond = Math.round(median(theirs[1]));
        row.torch2ThreadsCharsPerSecond = Math.round(median(theirs[2]));
        row.torchBestThreads = torchBestThreads;
        row.ratio = Number((speed / torchBest).toFixed(3));
        line += `   PyTorch 1 thread ${String(row.torch1ThreadCharsPerSecond).padStart(6)}, 2 threads ${String(row.torch2ThreadsCharsPerSecond).padStart(6)}   ratio to the best ${(row.ratio as number).toFixed(2)}`;
      }
      if (memory.length) line += `   memory per replica ${(row.memoryPerReplicaMB as number[]).join(', ')} MB`;
      console.log(line);
      results.push(row);
      await run.steps.dispose();
      run.model.dispose();
    }
    if (torchInfo) console.log(`  (${torchInfo}; ratio = SeqLab / the faster of PyTorch's 1 and 2 threads)`);
  }
  if (typeof torch !== 'string') torch.stop();
  if (!values.only || 'sampling'.startsWith(values.only)) results.push(...(await benchSampling(rounds)));
  if (values.json) console.log(JSON.stringify({ backend: backend.name, rounds, stepsPerRound, results }));
}

/** What a kernel is for, from its name and shapes (the model: embedding, recurrent layers, head, loss). */
function kernelClass(kernel: { name: string; inputShapes: number[][]; outputShapes: number[][] }, cfg: BenchConfig, phase: 'gradients' | 'optimizer'): string {
  if (phase === 'optimizer') return 'optimizer (clip + Adam)';
  const { name, inputShapes, outputShapes } = kernel;
  const out = outputShapes[0] ?? [];
  const last = (shape: number[] | undefined) => shape?.[shape.length - 1];
  if (name === 'SeqLabSoftmaxCrossEntropy') return 'softmax / loss';
  if (name.startsWith('SeqLab') && name !== 'SeqLabGemm') return 'recurrent time loops (SeqLab wasm)';
  if (name === 'BatchMatMul' || name === '_FusedMatMul' || name === 'MatMul' || name === 'SeqLabGemm') {
    const dims = inputShapes.flat();
    if (last(out) === cfg.vocab || inputShapes.some((s) => s[0] === cfg.vocab || last(s) === cfg.vocab)) return 'head products';
    if (dims.includes(cfg.embed) && !(cfg.layers > 1)) return 'input products';
    return 'recurrent products';
  }
  if (['Softmax', 'LogSoftmax', 'Max', 'Exp', 'Log', 'Sum', 'Mean', 'OneHot', 'GatherV2'].includes(name) && (last(out) === cfg.vocab || inputShapes.some((s) => last(s) === cfg.vocab))) return 'softmax / loss';
  if (name === 'GatherV2' || name === 'UnsortedSegmentSum') return 'embedding';
  if (['Slice', 'Concat', 'Reshape', 'Transpose', 'Pack', 'Unpack', 'SplitV', 'Cast', 'Identity', 'Tile', 'ZerosLike', 'Fill'].includes(name)) return 'copies (slice, concat, transpose)';
  return 'elementwise';
}

type KernelCall = { name: string; inputShapes: number[][]; outputShapes: number[][]; ms: number };

/**
 * Times every kernel the backend runs (its registered kernel functions, wrapped; wasm
 * kernels are synchronous, so the wall time is the kernel's). tf.profile is not used: it
 * misses the kernels run inside a custom-gradient op, where the fused layers do their work.
 */
function instrumentKernels(calls: KernelCall[]): () => void {
  const configs = tf.getKernelsForBackend(tf.getBackend());
  const originals = configs.map((k) => k.kernelFunc);
  configs.forEach((k, i) => {
    const original = originals[i];
    (k as { kernelFunc: tf.KernelFunc }).kernelFunc = (args) => {
      const t0 = performance.now();
      const out = original(args);
      const ms = performance.now() - t0;
      const outs = Array.isArray(out) ? out : [out];
      calls.push({ name: k.kernelName, inputShapes: Object.values(args.inputs).map((t) => [...(t as tf.TensorInfo).shape]), outputShapes: outs.map((t) => [...t.shape]), ms });
      return out;
    };
  });
  return () => configs.forEach((k, i) => ((k as { kernelFunc: tf.KernelFunc }).kernelFunc = originals[i]));
}

/** One step of `cfg` in this thread, every kernel timed: milliseconds per kernel class, and what is outside kernels. */
async function profileStep(cfg: BenchConfig): Promise<void> {
  const { model, steps } = await stepsFor(cfg, 1, 'wasm');
  const windows = tf.tidy(() => tf.randomUniformInt([cfg.batch, cfg.seqLen + 1], 0, cfg.vocab, 1) as tf.Tensor2D);
  const local = steps as LocalStepper;
  for (let i = 0; i < 2; i++) local.stepTensor(windows, LR); // warm-up
  const byClass = new Map<string, { ms: number; calls: number }>();
  const add = (cls: string, ms: number) => {
    const e = byClass.get(cls) ?? { ms: 0, calls: 0 };
    e.ms += ms;
    e.calls++;
    byClass.set(cls, e);
  };
  const rounds = 3;
  const gradCalls: KernelCall[] = [];
  const applyCalls: KernelCall[] = [];
  let gradMs = 0;
  let applyMs = 0;
  for (let r = 0; r < rounds; r++) {
    let restore = instrumentKernels(gradCalls);
    const t0 = performance.now();
    const { grads } = lossAndGradients(model, windows);
    const t1 = performance.now();
    restore();
    restore = instrumentKernels(applyCalls);
    applyFlatGradients(model, local.optimizer, grads, LR, RULES.clip);
    const t2 = performance.now();
    restore();
    gradMs += t1 - t0;
    applyMs += t2 - t1;
  }
  for (const k of gradCalls) add(kernelClass(k, cfg, 'gradients'), k.ms / rounds);
  for (const k of applyCalls) add(kernelClass(k, cfg, 'optimizer'), k.ms / rounds);
  const step = (gradMs + applyMs) / rounds;
  const inKernels = [...byClass.values()].reduce((a, e) => a + e.ms, 0);
  console.log(`${cfg.name}: one step ${step.toFixed(1)} ms (gradients ${(gradMs / rounds).toFixed(1)}, optimizer ${(applyMs / rounds).toFixed(1)}), mean of ${rounds}`);
  for (const [cls, e] of [...byClass].sort((a, b) => b[1].ms - a[1].ms)) {
    console.log(`  ${cls.padEnd(36)} ${e.ms.toFixed(1).padStart(8)} ms  ${String(Math.round(e.calls / rounds)).padStart(5)} kernel calls  ${((100 * e.ms) / step).toFixed(0).padStart(3)}% of a step`);
  }
  const outside = Math.max(0, step - inKernels);
  console.log(`  ${'outside kernels (JS, dispatch, transfers)'.padEnd(36)} ${outside.toFixed(1).padStart(8)} ms  ${''.padStart(18)} ${((100 * outside) / step).toFixed(0).padStart(3)}% of a step`);
  windows.dispose();
  await steps.dispose();
  model.dispose();
}
