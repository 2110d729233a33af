// The connectivity probe ("what drove this character"): 500 and 2,000 characters with the
// default window (100) on the default model (LSTM, hidden 128, embedding 32) and on larger
// ones, warm, median of 3, on the default backend. Reports the probe alone (the states'
// pass included) and, for scale, one backward pass per prediction on the full text.
// Usage: node --import tsx bench/connectivity.mts [--backend wasm|cpu]
import { initBackend, tf } from '../engine';
import { CharLM } from '../engine/model/charlm';
import { connectivity } from '../engine/model/connectivity';
import { DEMO_CORPUS } from '../engine/text/demoCorpus';
import { Vocabulary } from '../engine/text/vocabulary';

const backend = process.argv.includes('--backend') ? process.argv[process.argv.indexOf('--backend') + 1] : undefined;
await initBackend(backend as 'wasm' | 'cpu' | undefined);
const vocabulary = Vocabulary.fromText(DEMO_CORPUS).vocabulary;
const ids = Array.from(vocabulary.encode(DEMO_CORPUS.repeat(4)).ids);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`backend ${tf.getBackend()}, vocabulary ${vocabulary.size}, window 100`);
for (const [label, config] of [
  ['default model (lstm, hidden 128, 1 layer)', { cell: 'lstm', hiddenSize: 128, numLayers: 1 }],
  ['lstm, hidden 256, 2 layers', { cell: 'lstm', hiddenSize: 256, numLayers: 2 }],
  ['gru, hidden 128, 1 layer', { cell: 'gru', hiddenSize: 128, numLayers: 1 }],
] as const) {
  const model = new CharLM({ vocabSize: vocabulary.size, embeddingSize: 32, seed: 1, ...config });
  model.eval();
  for (const chars of [500, 2000]) {
    const text = ids.slice(0, chars + 1);
    connectivity(model, text.slice(0, -1), text.slice(1), 100);
    const times = Array.from({ length: 3 }, () => {
      const started = performance.now();
      connectivity(model, text.slice(0, -1), text.slice(1), 100);
      return (performance.now() - started) / 1000;
    });
    console.log(`${label.padEnd(44)} ${String(chars).padStart(5)} chars: median ${median(times).toFixed(2)} s (min ${Math.min(...times).toFixed(2)}, max ${Math.max(...times).toFixed(2)})`);
  }
  model.dispose();
}
