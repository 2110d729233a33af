/**
 * The gradient-flow playground's web worker (dist/webview/flowWorker.js, started by the
 * Experiments panel): each request is one setting computed and summarised by the engine's
 * own code (engine/experiments/gradientFlow.ts, plain TypeScript without TensorFlow.js), off
 * the panel's thread, so a large setting (a second at hidden 256, length 300) never stalls a
 * slider. The panel sends the next request only after this one's reply.
 */
import { previewFlow } from '../engine/experiments/gradientFlow';
import type { FlowWorkerReply, FlowWorkerRequest } from './protocol';

const post = (reply: FlowWorkerReply) => (self as unknown as { postMessage(m: FlowWorkerReply): void }).postMessage(reply);

self.onmessage = (e: MessageEvent<FlowWorkerRequest>) => {
  const { seq, config, lang } = e.data;
  try {
    const out = previewFlow(config, lang);
    post({ seq, output: { name: 'gradient-flow', config, headline: out.headline, table: out.table, figures: out.figures, result: out.result } });
  } catch (err) {
    post({ seq, error: (err as Error).message });
  }
};
