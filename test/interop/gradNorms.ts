/**
 * For check_torch_engine.py: the gradient norm before clipping that each of the first 20 steps
 * reports, on the built-in engine and on the PyTorch engine, for the same run (clipped at 1).
 * Prints {"builtin": [...], "pytorch": [...]}.
 *
 *   node --import tsx test/interop/gradNorms.ts TEXT_FILE PYTHON
 */
import * as fs from 'node:fs';
import { initBackend } from '../../engine/core/backend';
import { trainFromRequest } from '../../engine/train/session';

async function main(): Promise<void> {
  const [textFile, python] = process.argv.slice(2);
  const text = fs.readFileSync(textFile, 'utf8');
  await initBackend('wasm');
  const out: Record<string, number[]> = {};
  for (const engine of ['builtin', 'pytorch'] as const) {
    const norms: number[] = [];
    const run = trainFromRequest({
      source: { kind: 'text', text }, workers: 1, engine, ...(engine === 'pytorch' ? { torch: { python } } : {}),
      config: { steps: 20, evalInterval: 10, seed: 7, progressIntervalMs: 0, sampleInterval: 0, minutes: 0, clipNorm: 1 },
    });
    for (;;) {
      const next = await run.next();
      if (next.done) break;
      if (next.value.kind === 'progress' && next.value.step > 0) norms[next.value.step - 1] = next.value.gradNorm;
    }
    out[engine] = norms;
  }
  process.stdout.write(JSON.stringify(out));
}

void main();
