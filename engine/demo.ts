/**
 * `npm run demo`: trains a small character LSTM on a text that ships with SeqLab and
 * prints the training and validation loss falling, then a continuation of a prompt.
 * Options: --backend wasm|cpu|tensorflow, --steps N, --seed N.
 */
import { parseArgs } from 'node:util';
import { tf, initBackend, type BackendName } from './backend';
import { CharLM } from './charlm';
import { DEMO_CORPUS } from './demo-corpus';
import { Random } from './random';
import { sampleText } from './sample';
import { Vocabulary } from './text/vocabulary';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      backend: { type: 'string' },
      steps: { type: 'string', default: '200' },
      seed: { type: 'string', default: '7' },
    },
  });
  const backend = await initBackend(values.backend as BackendName | undefined);
  const steps = Number(values.steps);
  const seed = Number(values.seed);
  const text = DEMO_CORPUS.normalize('NFC');
  const { vocabulary } = Vocabulary.fromText(text, { mode: 'char' });
  const chars = vocabulary.tokens;
  const ids = vocabulary.encode(text).ids;
  const split = Math.floor(ids.length * 0.9);
  const [trainIds, valIds] = [ids.subarray(0, split), ids.subarray(split)];
  const seqLen = 48;
  const batch = 16;
  console.log(`SeqLab demo: ${text.length} characters, vocabulary ${chars.length}, backend ${backend.name} (${backend.reason})`);

  const model = new CharLM({ vocabSize: chars.length, embeddingSize: 32, hiddenSize: 128, cell: 'lstm', seed });
  model.setOptimizer({ learningRate: 5e-3, clipNorm: 1 });
  const rng = new Random(seed);
  const windowsFrom = (source: Int32Array, starts: number[]) => {
    const data = new Int32Array(starts.length * (seqLen + 1));
    starts.forEach((s, r) => data.set(source.subarray(s, s + seqLen + 1), r * (seqLen + 1)));
    return tf.tensor2d(data, [starts.length, seqLen + 1], 'int32');
  };
  const valWindows = windowsFrom(valIds, Array.from({ length: Math.floor((valIds.length - 1) / seqLen) }, (_, i) => i * seqLen)
    .filter((s) => s + seqLen < valIds.length));
  const validate = () => {
    model.eval();
    const loss = tf.tidy(() => model.loss(valWindows).dataSync()[0]);
    model.train();
    return loss;
  };

  const initialVal = validate();
  console.log(`step    0  validation loss ${initialVal.toFixed(3)} nats/char (uniform guess: ${Math.log(chars.length).toFixed(3)})`);
  const started = performance.now();
  let best = { loss: initialVal, step: 0 };
  for (let step = 1; step <= steps; step++) {
    const starts = Array.from({ length: batch }, () => rng.int(trainIds.length - seqLen - 1));
    const windows = windowsFrom(trainIds, starts);
    const { loss } = model.trainStep(windows);
    windows.dispose();
    if (step % 25 === 0 || step === steps) {
      const seconds = (performance.now() - started) / 1000;
      const cps = (step * batch * seqLen) / seconds;
      const val = validate();
      if (val < best.loss) best = { loss: val, step };
      console.log(`step ${String(step).padStart(4)}  train loss ${loss.toFixed(3)}  validation loss ${val.toFixed(3)}  ${Math.round(cps)} chars/s`);
    }
  }
  // On a text this short the model soon memorises it: training loss keeps falling while
  // validation loss turns up. Both are shown; the best validation step is the one to keep.
  console.log(`best validation loss ${best.loss.toFixed(3)} at step ${best.step} (from ${initialVal.toFixed(3)})`);
  const prompt = 'The forget gate';
  const continuation = await sampleText(model, vocabulary, prompt, { length: 160, temperature: 0.6, seed });
  console.log(`\n${prompt}${continuation}`);
  valWindows.dispose();
  model.dispose();
}

main().catch((err) => {
  console.error(`seqlab demo failed: ${(err as Error).message}`);
  process.exit(1);
});
