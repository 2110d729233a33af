/**
 * An experiment as one standalone PyTorch script: `seqlab experiment NAME --export-torch FILE`
 * and the panels' "Open as PyTorch Script". The scripts live beside this file
 * (engine/export/scripts, copied to dist/experiment-scripts by the build); what they share
 * (SeqLab's generators, its built-in text, its models' initial weights) is kept once in
 * seqlab_common.py and written into each script here, so the file needs nothing but PyTorch.
 * The settings the user chose become the defaults of the script's options. No TensorFlow.js
 * and no experiment here (the extension host uses it): the settings come checked, by
 * `experimentScript` in engine/experiments (the command line) or by the panel's form.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The experiments with a PyTorch script, and its file. */
export const EXPERIMENT_SCRIPTS: Readonly<Record<string, string>> = {
  'vanishing-gradients': 'vanishing_gradients.py',
  'gradient-flow': 'gradient_flow.py',
  'exploding-gradients': 'exploding_gradients.py',
  'lstm-vs-gru': 'lstm_vs_gru.py',
  'cell-walkthrough': 'cell_walkthrough.py',
  'bidirectional-leak': 'bidirectional_leak.py',
  'long-range-memory': 'long_range_memory.py',
  'normalization': 'normalization.py',
};

const COMMON = 'seqlab_common.py';
const INLINE = /^from seqlab_common import \*.*$/m;
const EXPORTED = /^EXPORTED = \{\}$/m;
const MAIN = /^if __name__ == "__main__":$/m;

export function hasTorchScript(experiment: string): boolean {
  return Object.hasOwn(EXPERIMENT_SCRIPTS, experiment);
}

function scriptFolder(): string {
  for (const candidate of [path.join(__dirname, 'experiment-scripts'), path.join(__dirname, 'scripts')]) {
    if (fs.existsSync(path.join(candidate, COMMON))) return candidate;
  }
  throw new Error('the experiments\' PyTorch scripts are missing (dist/experiment-scripts): run `npm run build`');
}

/** A Python literal for a settings value (numbers, strings, booleans, lists and groups of them: what the schemas allow). */
function pythonLiteral(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonLiteral).join(', ')}]`;
  if (typeof value === 'object' && value !== null) return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${pythonLiteral(v)}`).join(', ')}}`;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string') return JSON.stringify(value); // a JSON string is a Python string literal
  throw new Error(`a setting of type ${typeof value} cannot be written into a script`);
}

export function noScriptMessage(experiment: string): string {
  return `"${experiment}" has no PyTorch script yet; these have one: ${Object.keys(EXPERIMENT_SCRIPTS).join(', ')}`;
}

/**
 * The script's text for `experiment` with `checked` (every setting, already checked against
 * the experiment's schema) as its options' defaults.
 */
export function experimentScriptText(experiment: string, checked: Record<string, unknown>): string {
  if (!hasTorchScript(experiment)) throw new Error(noScriptMessage(experiment));
  const file = EXPERIMENT_SCRIPTS[experiment];
  // The student's own text stays out of the script (it may be a whole file): the script reads it with --text FILE.
  const { text, ...settings } = checked;
  const folder = scriptFolder();
  const source = fs.readFileSync(path.join(folder, file), 'utf8');
  const common = fs.readFileSync(path.join(folder, COMMON), 'utf8');
  if (!INLINE.test(source) || !EXPORTED.test(source) || !MAIN.test(source)) throw new Error(`${file} lacks its markers (the common import line, EXPORTED = {}, the __main__ block)`);
  // The shared part's imports go where its import line was, its code at the end before the
  // __main__ block: the file reads as the experiment first and SeqLab's machinery after.
  const { imports, body } = splitCommon(common);
  const ownText = typeof text === 'string' ? `# SeqLab ran this on your own text (${[...text].length.toLocaleString('en')} characters): save it to a file and pass it with --text FILE.\n` : '';
  const exported = `${ownText}EXPORTED = ${pythonLiteral(settings)}`;
  const header = `${imports}\n# SeqLab's generators, built-in text, model and training loop are at the end of this file (the shared part).`;
  const shared = `# --- the shared part: the same in every SeqLab experiment script (seqlab_common.py) ${'-'.repeat(10)}\n\n${body}\n\n# --- end of the shared part ${'-'.repeat(63)}\n\n\n`;
  return source.replace(EXPORTED, () => exported).replace(INLINE, () => header).replace(MAIN, (main) => shared + main);
}

/** seqlab_common.py as its import lines and the rest (its docstring becomes the shared part's comment). */
function splitCommon(common: string): { imports: string; body: string } {
  const lines = common.split('\n');
  const docEnd = lines.findIndex((l, i) => i > 0 && l.startsWith('"""'));
  const doc = lines.slice(0, docEnd + 1).join('\n').replace(/^"""|"""$/g, '').split('\n').map((l) => `# ${l}`.trimEnd()).join('\n');
  let k = docEnd + 1;
  while (k < lines.length && (/^(import|from) /.test(lines[k]) || !lines[k].trim())) k++;
  const imports = lines.slice(docEnd + 1, k).join('\n').trim();
  return { imports, body: `${doc}\n\n${lines.slice(k).join('\n').trim()}` };
}

/** The script's usual file name: vanishing_gradients.py. */
export function scriptFileName(experiment: string): string {
  return EXPERIMENT_SCRIPTS[experiment] ?? `${experiment.replace(/-/g, '_')}.py`;
}
