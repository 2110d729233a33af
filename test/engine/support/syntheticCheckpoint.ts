/**
 * Checkpoint files made without a model (no TensorFlow.js), for the tests of the folder
 * layer: real safetensors, a seqlab.json with SeqLab's format tag and the files' hashes.
 * `serial` goes into the data and the meta, so a reader can tell which save it got.
 */
import { MODEL_FILE, OPTIMIZER_FILE, META_FILE, CHECKPOINT_FORMAT, sha256 } from '../../../engine/checkpoint/folder';
import { encodeSafetensors } from '../../../engine/checkpoint/safetensors';

export function syntheticCheckpoint(serial: number, floats = 16_384): Array<[string, Buffer | string]> {
  const data = new Float32Array(floats).fill(serial);
  const model = encodeSafetensors({ 'embedding.weight': { shape: [floats / 64, 64], data } });
  const optimizer = encodeSafetensors({ 'exp_avg.embedding.weight': { shape: [floats / 64, 64], data }, 'exp_avg_sq.embedding.weight': { shape: [floats / 64, 64], data } });
  const meta = {
    format: CHECKPOINT_FORMAT, version: 1, created: new Date(Date.UTC(2026, 0, 1) + serial).toISOString(), serial,
    files: { [MODEL_FILE]: sha256(model), [OPTIMIZER_FILE]: sha256(optimizer) },
  };
  return [[MODEL_FILE, model], [OPTIMIZER_FILE, optimizer], [META_FILE, JSON.stringify(meta)]];
}
