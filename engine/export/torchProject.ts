/**
 * Export as a PyTorch project: a folder that trains and samples the model with nothing
 * but Python and PyTorch (model.py, train.py, sample.py, vocab.json, README.md, and the
 * checkpoint itself). The Python files live beside this file (engine/export/torch) and
 * are copied into dist/torch-export by the build. No TensorFlow.js here: the checkpoint's
 * files are copied as they are, after the same checks a load makes.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CheckpointError, META_FILE, MODEL_FILE, OPTIMIZER_FILE, writeFileSynced, type CheckpointFolderContents } from '../checkpoint/folder';
import { readCheckedCheckpointFolder, type CheckpointMeta } from '../checkpoint/format';
import { lockFolder, type FolderLock } from '../checkpoint/lock';
import { isPrintableName, markdownText, powershellQuote, shellQuote } from '../io/safeText';
import { CataloguedError, message } from '../core/messages';
import { generationForPython } from '../model/generationConfig';

export class ExportError extends CataloguedError {
  override readonly name = 'ExportError';
}

const SCRIPTS = ['model.py', 'train.py', 'sample.py'];

/** The Python sources: beside the bundle (dist/torch-export), or in the source tree. */
function scriptFolder(): string {
  for (const candidate of [path.join(__dirname, 'torch-export'), path.join(__dirname, 'torch')]) {
    if (fs.existsSync(path.join(candidate, 'model.py'))) return candidate;
  }
  throw new Error('the PyTorch project templates are missing (dist/torch-export): run `npm run build`');
}

/** The marker sample.py holds where the generation options' defaults and ranges go. */
export const GENERATION_MARKER = 'GENERATION = None  # SEQLAB_GENERATION_OPTIONS';

/** A script as the project gets it: sample.py with SeqLab's generation defaults and ranges written in (model/generationConfig.ts). */
function scriptText(folder: string, name: string): string {
  const text = fs.readFileSync(path.join(folder, name), 'utf8');
  if (name !== 'sample.py') return text;
  if (!text.includes(GENERATION_MARKER)) throw new Error(`${name} has no line "${GENERATION_MARKER}" for the generation options`);
  return text.replace(GENERATION_MARKER, `GENERATION = ${generationForPython()}`);
}

/** sample.py as an exported project gets it (for the tests: its defaults are the schema's). */
export const exportedSampleScript = (): string => scriptText(scriptFolder(), 'sample.py');

export interface TorchExport {
  dir: string;
  files: string[];
}

/**
 * Writes the project for the checkpoint `modelDir` to `outDir`, which must not exist or
 * be empty (nothing is ever overwritten). Written beside it, then renamed into place, so
 * a failed export leaves nothing behind.
 */
export function exportTorchProject(modelDir: string, outDir: string): TorchExport {
  const contents = readCheckedCheckpointFolder(modelDir); // shapes and hashes checked, a consistent read
  const meta = contents.checkedMeta;
  if (meta.model.normalization !== 'none') {
    throw new ExportError(message('export-normalization', { model: modelDir, normalization: meta.model.normalization }));
  }
  if (!outDir.trim()) throw new ExportError(message('export-no-folder', {}));
  const target = path.resolve(outDir);
  const rel = path.relative(target, process.cwd());
  if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))) {
    throw new ExportError(message('export-into-cwd', { target, example: path.join(process.cwd(), 'model-pytorch') }));
  }
  let lock: FolderLock;
  try {
    lock = lockFolder(target, 'export');
  } catch (err) {
    throw err instanceof CheckpointError ? new ExportError(err.message) : err;
  }
  try {
    return writeProject(contents, meta, target);
  } finally {
    lock.release();
  }
}

function writeProject(contents: CheckpointFolderContents, meta: CheckpointMeta, target: string): TorchExport {
  const existing = fs.lstatSync(target, { throwIfNoEntry: false });
  if (existing && !(existing.isDirectory() && fs.readdirSync(target).length === 0)) {
    throw new ExportError(message('export-exists', { target, notEmpty: existing.isDirectory() }));
  }
  const staging = `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const scripts = scriptFolder();
  try {
    fs.mkdirSync(path.join(staging, 'checkpoint'), { recursive: true });
    for (const name of SCRIPTS) fs.writeFileSync(path.join(staging, name), scriptText(scripts, name));
    // In chunks: an optimizer state of 2 GiB or more (a 3x4096 LSTM's Adam) fails in one write.
    writeFileSynced(path.join(staging, 'checkpoint', MODEL_FILE), contents.model.bytes);
    writeFileSynced(path.join(staging, 'checkpoint', OPTIMIZER_FILE), contents.optimizer.bytes);
    writeFileSynced(path.join(staging, 'checkpoint', META_FILE), JSON.stringify(contents.meta, null, 2) + '\n');
    writeFileSynced(path.join(staging, 'vocab.json'), JSON.stringify(meta.vocabulary, null, 1) + '\n');
    writeFileSynced(path.join(staging, 'README.md'), readme(meta, path.basename(contents.dir)));
    if (existing) fs.rmdirSync(target);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.renameSync(staging, target);
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'EDQUOT' || code === 'EBUSY' || code === 'ENAMETOOLONG') {
      const why = code === 'EBUSY' ? { en: 'the folder is in use by the system, a mount point perhaps; export to a new folder inside it', zh: '该文件夹正被系统使用（也许是挂载点）；请导出到它里面的一个新文件夹' }
        : code === 'ENAMETOOLONG' ? { en: 'a name in the path is longer than the file system allows (255 bytes); choose a shorter folder name', zh: '路径中有一个名字超过了文件系统允许的长度（255 字节）；请换一个短一些的文件夹名' }
        : { en: 'choose a folder on a disk you can write to, with space', zh: '请选择一个可写入且有空间的磁盘上的文件夹' };
      throw new ExportError(message('export-cannot-write', { target, code, why }));
    }
    throw err instanceof CheckpointError ? new ExportError(err.message) : err;
  }
  return { dir: target, files: ['README.md', ...SCRIPTS, 'vocab.json', `checkpoint/${META_FILE}`, `checkpoint/${MODEL_FILE}`, `checkpoint/${OPTIMIZER_FILE}`] };
}

/**
 * The run's text file for the README's commands, when the run trained on one file whose
 * name can stand in a command (one printable line, no folder part); else null. The name
 * comes from seqlab.json, which anyone can edit: it is quoted for each shell, never
 * pasted in as it is.
 */
export function commandTextFile(corpus: string | undefined): string | null {
  if (!corpus || !isPrintableName(corpus, 200) || /[/\\]/.test(corpus) || !/\.\w+$/.test(corpus) || corpus.startsWith('-')) return null;
  return corpus;
}

/** The README. Every name from the checkpoint is escaped for Markdown in prose and quoted for the shell in commands. */
export function readme(meta: CheckpointMeta, folderName: string): string {
  const m = meta.model;
  const c = meta.training.config as Record<string, unknown>;
  const s = meta.training.state;
  const cell = { lstm: '`nn.LSTM`', gru: '`nn.GRU`', 'rnn-tanh': "`nn.RNN(nonlinearity='tanh')`", 'rnn-relu': "`nn.RNN(nonlinearity='relu')`", 'rnn-sigmoid': 'an RNN with the sigmoid (`SigmoidRNN` in model.py)' }[m.cell];
  const file = commandTextFile(meta.training.corpus);
  const text = file ?? 'corpus.txt';
  const name = markdownText(folderName, 120);
  const source = meta.training.corpus ? markdownText(meta.training.corpus, 200) : 'its training text';
  const textNote = file
    ? `The commands name the run's own text file, ${markdownText(file)}; put it beside these files, or give the path of any UTF-8 text file instead.`
    : 'Replace `corpus.txt` in the commands with the path of a UTF-8 text file: the run\'s own text, or any other.';
  const vocab = meta.vocabulary.mode === 'byte' ? '256 UTF-8 byte values' : `${m.vocabSize} characters${meta.vocabulary.capped ? ' (U+FFFD first: the unknown character)' : ''}`;
  return `# ${name}, as a PyTorch project

Exported by SeqLab from the checkpoint ${name} (${source}), step ${s.step},
validation loss ${s.valLoss === null ? '-' : s.valLoss.toFixed(4)} nats per character. It needs Python 3 and PyTorch
(1.10 or newer) and nothing else: the safetensors files are read by \`model.py\` itself.

| file | what it is |
|---|---|
| \`model.py\` | \`CharLM\`: \`nn.Embedding(${m.vocabSize}, ${m.embeddingSize})\` -> ${cell} (${m.embeddingSize} -> ${m.hiddenSize}, ${m.numLayers} layer${m.numLayers === 1 ? '' : 's'}${m.dropout ? `, dropout ${m.dropout}` : ''}) -> \`nn.Linear(${m.hiddenSize}, ${m.vocabSize})\`; the checkpoint reader and writer, the vocabulary, SeqLab's random generator |
| \`train.py\` | continues training from the checkpoint: same optimiser state (${String(c.optimizer ?? 'adam')}, step ${s.optimizerStep}), learning rate ${String(c.lr)}${c.schedule && c.schedule !== 'constant' ? ` (${String(c.schedule)} schedule)` : ''}, clipping ${String(c.clipNorm || 'off')}, batch ${String(c.batch)}, windows of ${String(c.seqLen)} characters, and the same random batches SeqLab would have drawn |
| \`sample.py\` | continues a prompt with SeqLab's sampling options (temperature, top-k, top-p, stop strings, seed) |
| \`vocab.json\` | the vocabulary: ${vocab}, in id order |
| \`checkpoint/\` | the SeqLab checkpoint itself: \`model.safetensors\` (the state_dict, PyTorch's parameter names), \`optimizer.safetensors\`, \`seqlab.json\` |

## Commands

\`\`\`sh
# the most likely continuation of a prompt: SeqLab's own, character for character
python3 sample.py --prompt "Your text" --temperature 0 --length 200

# sampled, reproducibly
python3 sample.py --prompt "Your text" --temperature 0.8 --seed 7

# continue training on a text file (the run's own, or any) for 500 steps; writes the SeqLab checkpoint continued/
python3 train.py --text ${shellQuote(text)} --steps 500 --out continued

# the same on 4 processes with DistributedDataParallel (gloo on CPUs, nccl when CUDA is there)
torchrun --nproc_per_node=4 train.py --text ${shellQuote(text)} --steps 500 --out continued

# sample from the continued model
python3 sample.py --checkpoint continued --prompt "Your text"
\`\`\`

${textNote} On Windows, in PowerShell:

\`\`\`powershell
python train.py --text ${powershellQuote(text)} --steps 500 --out continued
\`\`\`

With PyTorch 1.13 on Python 3.11 (Debian 12's \`python3-torch\`), torchrun's default output
options fail with \`AttributeError: 'NoneType' object has no attribute 'get'\`; add
\`--redirects 1 --tee 1\` after \`--nproc_per_node=4\`. PyTorch 2 does not need them.

\`continued/\` is a SeqLab checkpoint again: \`seqlab sample --model continued\` and SeqLab's
*Load Model…* read it, and SeqLab can resume training from it.

## In your own code

\`\`\`python
import torch
from model import load_checkpoint
model, vocab, meta, optimizer_state = load_checkpoint("checkpoint")
torch.save(model.state_dict(), "model.pt")   # a plain state_dict, if you prefer .pt files
\`\`\`

Token ids are \`vocab.encode(text)\`; the model takes ids of shape (batch, length) and returns
logits of shape (length * batch, ${m.vocabSize}) in time-major order, and its final state.
`;
}
