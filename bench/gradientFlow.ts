// The gradient-flow playground's compute time: each cell at the defaults and at the largest
// sizes (hidden 256, length 300), warm (the first computation of each setting discarded),
// median of 7, in one process as the engine worker keeps it.
// Usage: node --import tsx bench/gradientFlow.ts
import { computeFlow } from '../engine/experiments/gradientFlow';
import { FLOW_CELLS } from '../engine/experiments/gradientFlowMath';

const base = { hidden: 64, seqLen: 100, init: 'uniform', gain: 1, forgetBias: 0, inputScale: 1, normalization: 'none', clip: 0, seed: 1, seeds: 1 } as const;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const [label, size] of [['defaults (hidden 64, length 100)', {}], ['largest (hidden 256, length 300)', { hidden: 256, seqLen: 300 }]] as const) {
  for (const cell of FLOW_CELLS) {
    const config = { ...base, ...size, cell };
    computeFlow(config);
    const times = Array.from({ length: 7 }, (_, i) => computeFlow({ ...config, seed: 2 + i }).seconds * 1000);
    console.log(`${label.padEnd(34)} ${cell.padEnd(12)} median ${median(times).toFixed(1)} ms (min ${Math.min(...times).toFixed(1)}, max ${Math.max(...times).toFixed(1)})`);
  }
}
