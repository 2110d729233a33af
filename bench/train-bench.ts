/**
 * `npm run bench`: training throughput of SeqLab's CharLM against PyTorch's, in the
 * same run. Rounds alternate (SeqLab, PyTorch, SeqLab, ...) so that both see the same
 * machine load; each figure is the median over rounds of characters per second, and
 * the ratio is SeqLab / PyTorch. PyTorch runs in `bench/torch_reference.py` with one
 * thread (the reference), when `/usr/bin/python3` has torch. Rows marked "2 workers"
 * train data-parallel on two worker threads (engine/parallel), since wasm has no threads
 * under Node; PyTorch stays at one thread there too.
 *
 * Options: --backend wasm|cpu|tensorflow  --rounds N (default 5)  --steps N per round (3)
 *          --only NAME (a config name below)  --json (one JSON line at the end)
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { tf, initBackend, type BackendName } from '../engine/backend';
import { CharLM, type CellType } from '../engine/charlm';
import { DataParallelTrainer } from '../engine/parallel/trainer';
import { sample, sampleText } from '../engine/sample';
import { Vocabulary } from '../engine/text/vocabulary';

interface BenchConfig { name: string; cell: CellType; vocab: number; embed: number; hidden: number; layers: number; batch: number; seqLen: number; workers?: number }

const CONFIGS: BenchConfig[] = [
  { name: 'A: LSTM 1x256, batch 32', cell: 'lstm', vocab: 96, embed: 64, hidden: 256, layers: 1, batch: 32, seqLen: 64 },
  { name: 'A, 2 workers', cell: 'lstm', vocab: 96, embed: 64, hidden: 256, layers: 1, batch: 32, seqLen: 64, workers: 2 },
  { name: 'GRU 1x256, batch 32', cell: 'gru', vocab: 96, embed: 64, hidden: 256, layers: 1, batch: 32, seqLen: 64 },
  { name: 'GRU, 2 workers', cell: 'gru', vocab: 96, embed: 64, hidden: 256, layers: 1, batch: 32, seqLen: 64, workers: 2 },
  { name: 'LSTM 2x256, batch 32', cell: 'lstm', vocab: 96, embed: 64, hidden: 256, layers: 2, batch: 32, seqLen: 64 },
  { name: 'LSTM 2x256, 2 workers', cell: 'lstm', vocab: 96, embed: 64, hidden: 256, layers: 2, batch: 32, seqLen: 64, workers: 2 },
  { name: 'LSTM 1x256, batch 1', cell: 'lstm', vocab: 96, embed: 64, hidden: 256, layers: 1, batch: 1, seqLen: 64 },
];

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
    const proc = spawn(python, [script], { env: { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' } });
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

export interface BenchOptions { backend?: BackendName; rounds: number; steps: number; only?: string; json: boolean }

export async function runBench(values: BenchOptions): Promise<void> {
  const backend = await initBackend(values.backend);
  const rounds = values.rounds;
  const stepsPerRound = values.steps;
  const torch = TorchReference.start();
  console.log(`SeqLab training benchmark: backend ${backend.name}, ${rounds} interleaved rounds of ${stepsPerRound} steps, Adam, clip 5`);
  if (typeof torch === 'string') console.log(`PyTorch reference skipped: ${torch}`);
  const results: Array<Record<string, unknown>> = [];
  for (const cfg of CONFIGS.filter((c) => !values.only || c.name.startsWith(values.only!))) {
    const chars = cfg.batch * cfg.seqLen;
    const model = new CharLM({ vocabSize: cfg.vocab, embeddingSize: cfg.embed, hiddenSize: cfg.hidden, numLayers: cfg.layers, cell: cfg.cell, seed: 0 });
    model.setOptimizer({ learningRate: 2e-3, clipNorm: 5 });
    const windows = tf.randomUniformInt([cfg.batch, cfg.seqLen + 1], 0, cfg.vocab, 1) as tf.Tensor2D;
    const rows = windows.dataSync() as Int32Array;
    const parallel = cfg.workers ? await DataParallelTrainer.create(model, { learningRate: 2e-3, clipNorm: 5 }, { workers: cfg.workers, backend: backend.name }) : undefined;
    const step = async () => {
      if (parallel) await parallel.trainStep(rows.slice(), cfg.batch, cfg.seqLen + 1);
      else model.trainStep(windows);
    };
    await step(); // warm-up: kernels compiled, optimizer state allocated
    let torchInfo = '';
    if (typeof torch !== 'string') {
      const r = await torch.ask({ cmd: 'setup', ...cfg, threads: 1 });
      torchInfo = `torch ${String(r.torch)}`;
      await torch.ask({ cmd: 'round', steps: 1 });
    }
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const t0 = performance.now();
      for (let s = 0; s < stepsPerRound; s++) await step();
      ours.push((chars * stepsPerRound) / ((performance.now() - t0) / 1000));
      if (typeof torch !== 'string') {
        const reply = await torch.ask({ cmd: 'round', steps: stepsPerRound });
        theirs.push((chars * stepsPerRound) / (reply.seconds as number));
      }
    }
    windows.dispose();
    model.dispose();
    await parallel?.dispose();
    const row: Record<string, unknown> = { config: cfg.name, seqlabCharsPerSecond: Math.round(median(ours)) };
    let line = `${cfg.name.padEnd(26)} SeqLab ${String(row.seqlabCharsPerSecond).padStart(7)} chars/s`;
    if (theirs.length) {
      row.torchCharsPerSecond = Math.round(median(theirs));
      row.ratio = Number((median(ours) / median(theirs)).toFixed(3));
      line += `   PyTorch (1 thread) ${String(row.torchCharsPerSecond).padStart(7)} chars/s   ratio ${(row.ratio as number).toFixed(2)}   ${torchInfo}`;
    }
    console.log(line);
    results.push(row);
  }
  if (typeof torch !== 'string') torch.stop();
  if (!values.only || 'sampling'.startsWith(values.only)) results.push(...(await benchSampling(rounds)));
  if (values.json) console.log(JSON.stringify({ backend: backend.name, rounds, stepsPerRound, results }));
}

