import { flowBackward, flowForward } from './engine/experiments/gradientFlowMath';
for (const forgetBias of [0, 1, 2]) for (const seed of [1, 2, 3]) {
  const s = { hidden: 64, seqLen: 100, init: 'uniform', gain: 1, forgetBias, inputScale: 1, normalization: 'none', seed, cell: 'lstm' } as const;
  const r = flowBackward(flowForward(s as never), 0);
  const d = 30;
  console.log(`fb ${forgetBias} seed ${seed}: |dh| ${r.gradNorm[d].toExponential(2)} |dc| ${r.cellGradNorm![d].toExponential(2)} belt ${r.beltGradNorm![d].toExponential(2)} share ${(r.beltGradNorm![d] / r.cellGradNorm![d]).toFixed(3)}`);
}
