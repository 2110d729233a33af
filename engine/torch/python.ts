/**
 * Finding a Python with PyTorch, and asking it what it has: the version, the devices. No
 * TensorFlow.js, no vscode: the extension host (the run form, "Select Python for PyTorch")
 * and the command line both use it. Interpreters are run with an argument list, never
 * through a shell, so a path with spaces or quotes is only a path.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as z from 'zod/mini';
import { message, renderMessage, type EngineMessage } from '../core/messages';
import { privateWorkFolder, pythonEnvironment, removeWorkFolder } from './isolation';

/** An interpreter as a command: the executable and its leading arguments (`py -3` on Windows). */
export interface PythonCommand {
  command: string;
  args: string[];
  /** Where it was found, for the user: "the seqlab.python setting", "PATH", ... */
  source: string;
}

/** A probe's text: its catalogue message (`say`) and its English (`message`, for logs). */
const said = (m: EngineMessage) => ({ message: renderMessage(m, 'en'), say: m });

/** Oldest PyTorch the engine runs on (engine/torch/engine.py says the same). */
export const MIN_TORCH = [1, 10] as const;

/** What an interpreter has, as the probe found it. */
export type TorchProbe =
  | { ok: true; python: PythonCommand; executable: string; pythonVersion: string; torch: string; cuda: string | null; devices: TorchDevice[] }
  | { ok: false; python: PythonCommand; reason: 'no-python' | 'no-torch' | 'old-torch' | 'crashed'; message: string; say?: EngineMessage; executable?: string; pythonVersion?: string; torch?: string };

export interface TorchDevice {
  kind: 'cpu' | 'cuda' | 'mps';
  name: string;
}

const PROBE = `
import json, platform, sys
out = {"executable": sys.executable, "python": platform.python_version()}
try:
    import torch
except Exception as err:
    out["error"] = f"{type(err).__name__}: {err}"
else:
    out["torch"] = torch.__version__
    out["cuda"] = torch.version.cuda
    devices = [{"kind": "cpu", "name": platform.processor() or platform.machine() or "CPU"}]
    try:
        devices += [{"kind": "cuda", "name": torch.cuda.get_device_name(i)} for i in range(torch.cuda.device_count())]
    except Exception:
        pass
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        devices.append({"kind": "mps", "name": "Apple GPU (MPS)"})
    out["devices"] = devices
print(json.dumps(out))
`;

const ProbeOutput = z.object({
  executable: z.string(), python: z.string(), error: z.optional(z.string()), torch: z.optional(z.string()), cuda: z.optional(z.nullable(z.string())),
  devices: z.optional(z.array(z.object({ kind: z.enum(['cpu', 'cuda', 'mps']), name: z.string() }))),
});

/** "1.13.0a0+git..." -> [1, 13]. */
export function torchVersion(version: string): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(version);
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

export const isOldTorch = (version: string) => {
  const [major, minor] = torchVersion(version);
  return major < MIN_TORCH[0] || (major === MIN_TORCH[0] && minor < MIN_TORCH[1]);
};

/**
 * Why `file` cannot be an interpreter before anything runs: a folder, or a file that is not
 * executable. Null when it may be one (or is a bare command name, looked up on PATH).
 */
function notAProgram(file: string, name: string): string | null {
  if (!path.isAbsolute(file) && !file.includes('/') && !file.includes('\\')) return null;
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    return null; // ENOENT is reported by the spawn as 'not found'
  }
  if (st.isDirectory()) return `${name} is a folder, not a program: choose the interpreter inside it (for a virtual environment, bin/python3 or Scripts\\python.exe)`;
  if (!st.isFile()) return `${name} is not a regular file: choose a Python interpreter`;
  if (process.platform !== 'win32') {
    try {
      fs.accessSync(file, fs.constants.X_OK);
    } catch {
      return `${name} cannot be run (it is not executable: chmod +x it, or choose another Python)`;
    }
  }
  return null;
}

/**
 * Runs the probe in `python` (importing torch can take seconds the first time), from a private
 * empty working folder (isolation.ts): nothing in the current folder is imported.
 */
export function probePython(python: PythonCommand, timeoutMs = 60_000): Promise<TorchProbe> {
  const name = [python.command, ...python.args].join(' ');
  const refused = notAProgram(python.command, name);
  if (refused) return Promise.resolve({ ok: false, python, reason: 'crashed', message: refused });
  let cwd: string;
  try {
    cwd = privateWorkFolder('py');
  } catch (err) {
    return Promise.resolve({ ok: false, python, reason: 'crashed', message: `${name} was not run: no private working folder could be made in the temp folder (${(err as Error).message})` });
  }
  return new Promise<TorchProbe>((resolve) => {
    execFile(python.command, [...python.args, '-c', PROBE], { cwd, env: pythonEnvironment(), timeout: timeoutMs, windowsHide: true, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      const code = (err as NodeJS.ErrnoException | null)?.code;
      if (code === 'ENOENT') {
        resolve({ ok: false, python, reason: 'no-python', ...said(message('probe-not-found', { python: name })) });
        return;
      }
      if (code === 'EACCES' || code === 'ENOEXEC' || code === 'EISDIR') {
        resolve({ ok: false, python, reason: 'crashed', message: `${name} cannot be run (${code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a folder' : 'not a program this system can start'}): choose a Python interpreter` });
        return;
      }
      if (code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
        resolve({ ok: false, python, reason: 'crashed', message: `${name} printed more than 1 MB instead of answering as Python does: is it a Python interpreter?` });
        return;
      }
      const line = stdout.trim().split('\n').pop() ?? '';
      let parsed: z.infer<typeof ProbeOutput> | null = null;
      try {
        const result = ProbeOutput.safeParse(JSON.parse(line));
        if (result.success) parsed = result.data;
      } catch {
        parsed = null;
      }
      if (!parsed) {
        const said = (stderr || stdout).trim().split('\n').slice(-2).join(' ').slice(0, 300);
        const why = err?.killed
          ? `did not answer within ${timeoutMs < 10_000 ? Math.round(timeoutMs / 100) / 10 : Math.round(timeoutMs / 1000)} s`
          : `did not answer as Python does (${err ? `exit ${err.code ?? err.signal ?? 'error'}` : 'exit 0'}; ${said ? `it printed: ${said}` : 'it printed nothing'}): is it a Python interpreter?`;
        resolve({ ok: false, python, reason: 'crashed', message: `${name} ${why}` });
        return;
      }
      const known = { executable: parsed.executable, pythonVersion: parsed.python };
      if (parsed.torch === undefined) {
        resolve({ ok: false, python, reason: 'no-torch', ...known, ...said(message('probe-no-torch', { version: parsed.python, executable: parsed.executable, error: parsed.error ?? 'import torch failed' })) });
        return;
      }
      if (isOldTorch(parsed.torch)) {
        resolve({ ok: false, python, reason: 'old-torch', ...known, torch: parsed.torch, ...said(message('probe-old-torch', { torch: parsed.torch, executable: parsed.executable, min: MIN_TORCH.join('.') })) });
        return;
      }
      resolve({ ok: true, python, ...known, torch: parsed.torch, cuda: parsed.cuda ?? null, devices: parsed.devices ?? [{ kind: 'cpu', name: 'CPU' }] });
    });
  }).finally(() => removeWorkFolder(cwd));
}

/**
 * Interpreters on PATH, in order: every `python3`, then every `python` (each folder of PATH,
 * so a virtual environment's shim does not hide the system's Python), then `py -3` on Windows.
 */
export function pathPythons(env: NodeJS.ProcessEnv = process.env): PythonCommand[] {
  const windows = process.platform === 'win32';
  const exts = windows ? (env.PATHEXT ?? '.EXE').split(';').filter(Boolean) : [''];
  // Absolute folders only: an empty or relative entry ('.', 'bin') names the current folder, which may be a cloned repository's.
  const dirs = (env.PATH ?? env.Path ?? '').split(path.delimiter).filter((dir) => dir && path.isAbsolute(dir));
  const found: PythonCommand[] = [];
  const seen = new Set<string>();
  for (const name of ['python3', 'python']) {
    for (const dir of dirs) {
      for (const ext of exts) {
        const file = path.join(dir, name + ext.toLowerCase());
        let real: string;
        try {
          if (!fs.statSync(file).isFile()) continue;
          real = fs.realpathSync(file);
        } catch {
          continue;
        }
        // Shims (pyenv's) resolve to one script for many interpreters: keep each file found, but each real target once.
        const key = real.includes('shims') ? file : real;
        if (seen.has(key)) continue;
        seen.add(key);
        found.push({ command: file, args: [], source: 'PATH' });
      }
    }
  }
  if (windows) found.push({ command: 'py', args: ['-3'], source: 'the py launcher' });
  return found;
}

/**
 * The first interpreter with a usable PyTorch among `candidates` (in order), with every probe
 * made (by `probeWith`: a host that keeps probes passes its own); `found` is null when none
 * has one, and the probes say why.
 */
export async function findTorch(candidates: PythonCommand[], probeWith: (python: PythonCommand) => Promise<TorchProbe> = probePython): Promise<{ found: Extract<TorchProbe, { ok: true }> | null; probes: TorchProbe[] }> {
  const probes: TorchProbe[] = [];
  for (const candidate of candidates) {
    const probe = await probeWith(candidate);
    probes.push(probe);
    if (probe.ok) return { found: probe, probes };
  }
  return { found: null, probes };
}

/** "PyTorch 2.4.0 on CUDA, NVIDIA RTX 4060 · Python 3.12.1 at /usr/bin/python3". */
export function describeTorch(probe: Extract<TorchProbe, { ok: true }>): string {
  const gpu = probe.devices.find((d) => d.kind === 'cuda') ?? probe.devices.find((d) => d.kind === 'mps');
  const where = gpu ? `${gpu.kind === 'cuda' ? 'CUDA' : 'MPS'}, ${gpu.name}` : 'CPU';
  return `PyTorch ${probe.torch} on ${where} · Python ${probe.pythonVersion} at ${probe.executable}`;
}

/** The user's own choice of interpreter (a setting, --python) as a command. */
export function pythonFromPath(file: string, source: string): PythonCommand {
  // A path with a folder in it is made absolute here: the interpreter starts in a private working folder, where a relative one names nothing.
  const command = /[\\/]/.test(file) ? path.resolve(file) : file;
  return { command, args: [], source };
}
