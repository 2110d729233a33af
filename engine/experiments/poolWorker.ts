/** Worker-thread entry of the experiment pool; see poolProtocol.ts. */
import { parentPort } from 'node:worker_threads';
import { currentBackend, initBackend } from '../core/backend';
import { findExperiment } from './index';
import { translator } from '../core/lang';
import type { FromPoolWorker, ToPoolWorker } from './poolProtocol';
import { throttledProgress } from './types';

const post = (msg: FromPoolWorker) => parentPort!.postMessage(msg);

parentPort!.on('message', async (msg: ToPoolWorker) => {
  try {
    if (!currentBackend()) await initBackend(msg.backend);
    const experiment = findExperiment(msg.experiment);
    const tr = translator(msg.lang);
    const planned = experiment.plan(msg.config, tr)[msg.index];
    if (!planned) throw new Error(`${msg.experiment} has no run ${msg.index}`);
    const outcome = await experiment.runOne(msg.config, planned.job, {
      progress: throttledProgress((fraction, message) => post({ type: 'progress', index: msg.index, fraction, message })),
      tr,
    });
    post({ type: 'done', index: msg.index, outcome });
  } catch (err) {
    post({ type: 'failed', index: msg.index, message: (err as Error).message });
  }
});
