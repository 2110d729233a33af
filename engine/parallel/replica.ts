/** Worker-thread entry of one data-parallel replica; see protocol.ts. */
import { parentPort } from 'node:worker_threads';
import { tf, initBackend } from '../backend';
import { CharLM } from '../charlm';
import type { FromReplica, ToReplica } from './protocol';

let model: CharLM | undefined;

function reply(msg: FromReplica, transfer: ArrayBuffer[] = []): void {
  parentPort!.postMessage(msg, transfer as never);
}

parentPort!.on('message', async (msg: ToReplica) => {
  try {
    if (msg.type === 'init') {
      const info = await initBackend(msg.backend);
      model = new CharLM(msg.model);
      model.loadStateDict(msg.weights);
      model.setOptimizer(msg.optimizer);
      reply({ type: 'ready', inReplyTo: msg.id, backend: info.name });
    } else if (!model) {
      throw new Error(`replica got '${msg.type}' before 'init'`);
    } else if (msg.type === 'gradients') {
      const windows = tf.tensor2d(msg.windows, [msg.rows, msg.width], 'int32');
      const { loss, grads } = model.computeGradients(windows);
      windows.dispose();
      reply({ type: 'gradients', inReplyTo: msg.id, loss, grads }, [grads.buffer as ArrayBuffer]);
    } else if (msg.type === 'apply') {
      reply({ type: 'applied', inReplyTo: msg.id, gradNorm: model.applyGradients(msg.grads, msg.learningRate) });
    } else {
      throw new Error(`unknown request ${JSON.stringify((msg as { type?: unknown }).type)}`);
    }
  } catch (err) {
    reply({ type: 'error', inReplyTo: (msg as { id?: number }).id ?? -1, message: (err as Error).message });
  }
});
