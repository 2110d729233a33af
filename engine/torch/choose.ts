/**
 * Which engine computes a run: the setting's (or --engine's) choice made concrete. No
 * TensorFlow.js, no vscode: the extension host and the command line both decide here.
 */
import { CataloguedError, message } from '../core/messages';
import type { EngineChoice, EngineName } from '../core/names';
import { describeTorch, findTorch, type PythonCommand, type TorchProbe } from './python';

export type FoundTorch = Extract<TorchProbe, { ok: true }>;

export interface EngineDecision {
  engine: EngineName;
  /** The interpreter, when the engine is PyTorch. */
  torch?: FoundTorch;
  /** Why, in a sentence for the log and the form. */
  reason: string;
}

/** PyTorch was asked for and no interpreter has it: the message lists what was tried and why each failed. */
export class NoTorchError extends CataloguedError {
  override readonly name = 'NoTorchError';
  constructor(readonly probes: TorchProbe[]) {
    // One interpreter the user named (--python, the setting): its own reason is the message; a search lists what it tried.
    const named = probes.length === 1 && !probes[0].ok && probes[0].python.source !== 'PATH' ? probes[0] : null;
    super(named
      ? message('no-torch-named', { said: named.message, source: named.python.source, ...(named.say ? { say: [named.say] } : {}) })
      : message('no-torch', { tried: probes.map((p) => (p.ok ? describeTorch(p) : p.message)), found: probes.map((p) => [p.python.command, ...p.python.args].join(' ')) }));
  }
}

/**
 * `auto` takes PyTorch whenever a usable one is found: on this project's 2-core test machine
 * (Debian's PyTorch 1.13 on the CPU, `seqlab train --steps 300`), the PyTorch engine was faster
 * at every size measured, from the UI tests' LSTM 1x32 at batch 16 (64.4k against 25.7k
 * chars/s) through the default 1x128 (43.9k against 27.5k) to 1x256 (30.0k against 14.7k) and
 * an 8,000-character vocabulary on a 24-million-character text (9.4k against 3.4k); a GPU only
 * widens that. Its cost is a Python start of about 3 s before the first step, small against
 * the default 2-minute budget.
 */
/**
 * The engine for `choice`, probing `candidates` (in order) when PyTorch may be used. 'pytorch'
 * without a usable interpreter throws NoTorchError; 'auto' falls back to the built-in engine.
 */
export async function decideEngine(choice: EngineChoice, candidates: PythonCommand[], probeWith?: (python: PythonCommand) => Promise<TorchProbe>): Promise<EngineDecision> {
  if (choice === 'builtin') return { engine: 'builtin', reason: 'the built-in engine was chosen' };
  const { found, probes } = await findTorch(candidates, probeWith);
  if (!found) {
    if (choice === 'pytorch') throw new NoTorchError(probes);
    return { engine: 'builtin', reason: `auto: no Python with PyTorch was found (${probes.length} tried), so the built-in engine` };
  }
  return { engine: 'pytorch', torch: found, reason: `${choice === 'auto' ? 'auto found' : 'PyTorch was chosen:'} ${describeTorch(found)}` };
}
