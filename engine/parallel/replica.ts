/** Worker-thread entry of one data-parallel replica; see protocol.ts. */
import { parentPort } from 'node:worker_threads';
import { tf, initBackend, memoryBytes } from '../core/backend';
import { namedArrays } from '../checkpoint/safetensors';
import { CharLM } from '../model/charlm';
import type { Optimizer } from '../train/optim';
import { applyFlatGradients, createOptimizer, evaluateLoss, lossAndGradients, type OptimizerConfig } from '../train/step';
import type { FromReplica, ToReplica } from './protocol';

let replica: { model: CharLM; optimizer: Optimizer; config: OptimizerConfig } | undefined;

function reply(msg: FromReplica, transfer: ArrayBuffer[] = []): void {
  parentPort!.postMessage(msg, transfer as never);
}

parentPort!.on('message', async (msg: ToReplica) => {
  try {
    if (msg.type === 'init') {
      const info = await initBackend(msg.backend);
      const model = new CharLM(msg.model);
      model.loadStateDict(msg.weights);
      const optimizer = createOptimizer(model, msg.optimizer);
      optimizer.loadState(msg.optimizerState, msg.optimizerStep);
      replica = { model, optimizer, config: msg.optimizer };
      reply({ type: 'ready', inReplyTo: msg.id, backend: info.name, memoryBytes: memoryBytes() });
    } else if (!replica) {
      throw new Error(`replica got '${msg.type}' before 'init'`);
    } else if (msg.type === 'gradients') {
      const windows = tf.tensor2d(msg.windows, [msg.rows, msg.width], 'int32');
      try {
        const { loss, grads } = lossAndGradients(replica.model, windows);
        reply({ type: 'gradients', inReplyTo: msg.id, loss, grads }, [grads.buffer as ArrayBuffer]);
      } finally {
        windows.dispose();
      }
    } else if (msg.type === 'apply') {
      const gradNorm = applyFlatGradients(replica.model, replica.optimizer, msg.grads, msg.learningRate, replica.config);
      reply({ type: 'applied', inReplyTo: msg.id, gradNorm, memoryBytes: memoryBytes() });
    } else if (msg.type === 'evaluate') {
      const windows = tf.tensor2d(msg.windows, [msg.rows, msg.width], 'int32');
      try {
        reply({ type: 'evaluated', inReplyTo: msg.id, loss: evaluateLoss(replica.model, windows, msg.chunk) });
      } finally {
        windows.dispose();
      }
    } else if (msg.type === 'state') {
      reply({
        type: 'state', inReplyTo: msg.id, weights: namedArrays(replica.model.stateDict()),
        optimizerState: namedArrays(replica.optimizer.stateTensors()), optimizerStep: replica.optimizer.stepCount,
      });
    } else {
      throw new Error(`unknown request ${JSON.stringify((msg as { type?: unknown }).type)}`);
    }
  } catch (err) {
    reply({ type: 'error', inReplyTo: (msg as { id?: number }).id ?? -1, message: (err as Error).message });
  }
});
