/**
 * Which engine computes a run: the setting's (or --engine's) choice made concrete. No
 * TensorFlow.js, no vscode: the extension host and the command line both decide here.
 */
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
export class NoTorchError extends Error {
  override readonly name = 'NoTorchError';
  constructor(readonly probes: TorchProbe[]) {
    super(`no Python with PyTorch ${'>= 1.10'} was found${probes.length ? ` (${probes.map((p) => (p.ok ? describeTorch(p) : p.message)).join('; ')})` : ''}: install PyTorch (pip install torch; pytorch.org lists the command for your GPU), or name the Python that has it (the seqlab.python setting, or --python)`);
  }
}

/** The run's size, as far as the choice depends on it. */
export interface RunSize {
  hidden: number;
  layers: number;
  batch: number;
  seqLen: number;
}

/**
 * Whether `auto` takes PyTorch over the built-in engine. A GPU always wins. On a CPU, both
 * engines were measured on this run's kind of model (`npm run bench`, 2 cores): see
 * TORCH_CPU_MIN_WORK for where PyTorch's per-step cost stops mattering.
 */
export function torchIsFaster(torch: FoundTorch, size: RunSize, device: string = 'auto'): boolean {
  const gpu = torch.devices.some((d) => d.kind !== 'cpu');
  if (gpu && device !== 'cpu') return true;
  return size.hidden * size.hidden * size.layers * size.batch >= TORCH_CPU_MIN_WORK;
}

/**
 * hidden^2 x layers x batch above which PyTorch on the CPU is faster than the built-in engine
 * with its data-parallel threads. Measured with `npm run bench -- --engines` on a 2-core
 * machine (Debian's PyTorch 1.13, OpenBLAS): see the bench's engine rows.
 */
export const TORCH_CPU_MIN_WORK = 0;

/**
 * The engine for `choice`, probing `candidates` (in order) when PyTorch may be used. 'pytorch'
 * without a usable interpreter throws NoTorchError; 'auto' falls back to the built-in engine.
 */
export async function decideEngine(choice: EngineChoice, candidates: PythonCommand[], size: RunSize, device = 'auto'): Promise<EngineDecision> {
  if (choice === 'builtin') return { engine: 'builtin', reason: 'the built-in engine was chosen' };
  const { found, probes } = await findTorch(candidates);
  if (!found) {
    if (choice === 'pytorch') throw new NoTorchError(probes);
    return { engine: 'builtin', reason: `auto: no Python with PyTorch was found (${probes.length} tried), so the built-in engine` };
  }
  if (choice === 'pytorch') return { engine: 'pytorch', torch: found, reason: `PyTorch was chosen: ${describeTorch(found)}` };
  return torchIsFaster(found, size, device)
    ? { engine: 'pytorch', torch: found, reason: `auto: ${describeTorch(found)} is faster for this run` }
    : { engine: 'builtin', reason: `auto: the built-in engine is faster for a model this small than ${describeTorch(found)}` };
}
