/** Worker-thread entry of one data-parallel replica (dataParallel.ts); see replicaProtocol.ts. */
import { parentPort } from 'node:worker_threads';
import { tf, initBackend, memoryBytes } from '../core/backend';
import { namedArrays } from '../checkpoint/safetensors';
import { CharLM } from '../model/charlm';
import type { Optimizer } from './optim';
import { applyFlatGradients, createOptimizer, evaluateLoss, lossAndGradients, type ClipSettings } from './stepper';
import type { FromReplica, ToReplica } from './replicaProtocol';

let replica: { model: CharLM; optimizer: Optimizer; clip: ClipSettings } | undefined;

function reply(msg: FromReplica, transfer: ArrayBuffer[] = []): void {
  parentPort!.postMessage(msg, transfer as never);
}

parentPort!.on('message', async (msg: ToReplica) => {
  try {
    if (msg.type === 'init') {
      const info = await initBackend(msg.backend);
      const model = new CharLM(msg.model);
      model.loadStateDict(msg.weights);
      const optimizer = createOptimizer(model, msg.rules.optimizer);
      optimizer.loadState(msg.optimizerState, msg.optimizerStep);
      replica = { model, optimizer, clip: msg.rules.clip };
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
      const gradNorm = applyFlatGradients(replica.model, replica.optimizer, msg.grads, msg.learningRate, replica.clip);
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
