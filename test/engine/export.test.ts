/** Export as a PyTorch project: the folder's contents, and what it refuses (the PyTorch side: test/interop). */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../../engine';
import { loadCheckpoint } from '../../engine/train/checkpointing';
import { ExportError, exportTorchProject } from '../../engine/export/torchProject';
import { DEMO_CORPUS } from '../../engine/text/demoCorpus';
import { trainFromRequest } from '../../engine/train/session';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-export-'));

async function train(outDir: string, config: Record<string, unknown> = {}): Promise<void> {
  const run = trainFromRequest({ source: { kind: 'text', text: DEMO_CORPUS }, outDir, keep: 'last', config: { hidden: 16, embed: 8, seqLen: 16, batch: 4, steps: 5, sampleInterval: 0, ...config } });
  for (let next = await run.next(); !next.done; next = await run.next());
}

describe('export as a PyTorch project', () => {
  let root: string;
  let model: string;
  before(async () => {
    await initBackend('wasm');
    root = tmp();
    model = path.join(root, 'model');
    await train(model);
  });

  it('writes the scripts, the vocabulary, a README and the checkpoint itself, which loads', () => {
    const { dir, files } = exportTorchProject(model, path.join(root, 'project'));
    assert.equal(dir, path.join(root, 'project'));
    assert.deepEqual(fs.readdirSync(dir).sort(), ['README.md', 'checkpoint', 'model.py', 'sample.py', 'train.py', 'vocab.json']);
    assert.equal(files.length, 8);
    for (const script of ['model.py', 'train.py', 'sample.py']) assert.ok(fs.readFileSync(path.join(dir, script), 'utf8').includes('import torch'), script);
    const loaded = loadCheckpoint(path.join(dir, 'checkpoint'));
    const original = loadCheckpoint(model);
    try {
      assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'vocab.json'), 'utf8')), original.meta.vocabulary);
      for (const [name, t] of Object.entries(original.model.stateDict())) assert.deepEqual(Array.from(loaded.model.stateDict()[name].dataSync()), Array.from(t.dataSync()), name);
    } finally {
      loaded.model.dispose();
      original.model.dispose();
    }
    const readme = fs.readFileSync(path.join(dir, 'README.md'), 'utf8');
    assert.match(readme, /torchrun --nproc_per_node=4 train\.py/);
    assert.match(readme, /`nn\.LSTM` \(8 -> 16, 1 layer\)/);
    const vocabSize = JSON.parse(fs.readFileSync(path.join(dir, 'vocab.json'), 'utf8')).tokens.length;
    assert.match(readme, new RegExp(`the vocabulary: ${vocabSize} characters, in id order`), 'a character vocabulary is described as such');
    assert.deepEqual(fs.readdirSync(root).sort(), ['model', 'project'], 'no staging folder left');
  });

  it('never writes into a folder that holds anything, and says where to export instead', () => {
    const busy = path.join(root, 'busy');
    fs.mkdirSync(busy);
    fs.writeFileSync(path.join(busy, 'notes.txt'), 'mine');
    assert.throws(() => exportTorchProject(model, busy), (err: Error) => err instanceof ExportError && /already exists and is not empty: export to a new folder, such as .*busy-2/.test(err.message));
    assert.deepEqual(fs.readdirSync(busy), ['notes.txt']);
    const empty = path.join(root, 'empty');
    fs.mkdirSync(empty);
    exportTorchProject(model, empty);
    assert.ok(fs.existsSync(path.join(empty, 'train.py')), 'an empty folder is used');
  });

  it('refuses a model with normalised cells (torch.nn has no twin), and a folder that is not a checkpoint', async () => {
    const normalised = path.join(root, 'normalised');
    await train(normalised, { normalization: 'layer' });
    assert.throws(() => exportTorchProject(normalised, path.join(root, 'n-project')), /uses layer normalisation inside its cells, which torch\.nn\.LSTM, GRU and RNN have no twin for/);
    assert.ok(!fs.existsSync(path.join(root, 'n-project')));
    assert.throws(() => exportTorchProject(root, path.join(root, 'x-project')), /seqlab\.json/);
  });
});
