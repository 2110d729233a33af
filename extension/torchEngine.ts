/**
 * The PyTorch engine from the editor's side: which Python (the seqlab.python setting, the
 * Python extension's active environment, python3 / python / py -3 on PATH, in that order),
 * what it has (probed once, kept until a setting changes), and which engine a run uses.
 * The Python extension is optional: without it, its step is skipped.
 *
 * Every interpreter is the user's: seqlab.python is read from the user's settings only (it
 * has `machine` scope: a folder's settings never name a program), and in Restricted Mode
 * (trust.ts) neither the Python extension's environment (perhaps the repository's own
 * `.venv`) nor any interpreter inside the workspace's folders is a candidate. Nothing is
 * probed before the user asks for PyTorch: the engine setting auto or pytorch, Select
 * Python, or a run that needs it.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { PythonExtension } from '@vscode/python-extension';
import { decideEngine, type EngineDecision, type FoundTorch } from '../engine/torch/choose';
import { describeTorch, pathPythons, probePython, pythonFromPath, type PythonCommand, type TorchProbe } from '../engine/torch/python';
import { langOf } from '../engine/core/lang';
import { renderMessage } from '../engine/core/messages';
import type { EngineChoice } from '../engine/core/names';
import type { TrainConfig } from '../engine/train/config';
import { insideWorkspace } from './trust';

const t = vscode.l10n.t;

/** The Python extension's active interpreter, when it is installed and has one (at most 3 s). */
async function pythonExtensionInterpreter(): Promise<PythonCommand | undefined> {
  if (!vscode.extensions.getExtension('ms-python.python')) return undefined;
  try {
    const api = await Promise.race([PythonExtension.api(), new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 3000))]);
    const active = api.environments.getActiveEnvironmentPath();
    const resolved = await api.environments.resolveEnvironment(active);
    const file = resolved?.executable.uri?.fsPath;
    return file ? { command: file, args: [], source: t('the Python extension\'s environment') } : undefined;
  } catch {
    return undefined;
  }
}

/** The seqlab.python setting as the user set it (user or remote settings: never a folder's). */
export function userPythonSetting(): string {
  const value = vscode.workspace.getConfiguration('seqlab').inspect<string>('python')?.globalValue;
  return typeof value === 'string' ? value.trim() : '';
}

/** Every interpreter to try, in order, without duplicates. */
export async function pythonCandidates(): Promise<PythonCommand[]> {
  const trusted = vscode.workspace.isTrusted;
  const setting = userPythonSetting();
  const list: PythonCommand[] = [];
  if (setting) list.push(pythonFromPath(setting, t('the seqlab.python setting')));
  // The Python extension does not run in Restricted Mode, and its environment may be the repository's own.
  const fromExtension = trusted ? await pythonExtensionInterpreter() : undefined;
  if (fromExtension) list.push(fromExtension);
  list.push(...pathPythons());
  const seen = new Set<string>();
  return list.filter((p) => {
    const key = [p.command, ...p.args].join('\0');
    if (seen.has(key)) return false;
    seen.add(key);
    // In Restricted Mode no program inside the workspace runs, wherever it was found.
    return trusted || !(path.isAbsolute(p.command) && insideWorkspace(p.command));
  });
}

/** What the settings that name an interpreter say now (the user's seqlab.python, the Python extension's default). */
function interpreterSettings(): string {
  return JSON.stringify([userPythonSetting(), vscode.workspace.getConfiguration('python').get('defaultInterpreterPath')]);
}

/**
 * Probes kept by interpreter until a setting that names one changes value (importing torch
 * takes seconds): an event that names the setting without changing what it says starts no
 * probe again. One unfolding of the form probes each candidate once, and the UI scenario
 * counts it (the audit's "21 runs on one unfold" was one run, noted by a marker that wrote
 * the probe's 21-line argument line by line).
 */
export class TorchFinder implements vscode.Disposable {
  private readonly probes = new Map<string, Promise<TorchProbe>>();
  private readonly listener: vscode.Disposable;
  private named = interpreterSettings();

  constructor(private readonly log: vscode.LogOutputChannel) {
    this.listener = vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration('seqlab.python') && !e.affectsConfiguration('python')) return;
      const now = interpreterSettings();
      if (now === this.named) return;
      this.named = now;
      this.reset();
    });
  }

  /** Forgets every probe (a setting that names an interpreter changed, trust was granted). */
  reset(): void {
    this.probes.clear();
  }

  probe(python: PythonCommand): Promise<TorchProbe> {
    const key = [python.command, ...python.args].join('\0');
    let probe = this.probes.get(key);
    if (!probe) {
      probe = probePython(python).then((p) => {
        this.log.info(p.ok ? `PyTorch found: ${describeTorch(p)} (${python.source})` : `no PyTorch engine in ${python.command}: ${p.message}`);
        return p;
      });
      this.probes.set(key, probe);
    }
    return probe;
  }

  /** All candidates, probed (for the picker). */
  async all(): Promise<TorchProbe[]> {
    return Promise.all((await pythonCandidates()).map((p) => this.probe(p)));
  }

  /** The first candidate with a usable PyTorch, or null. */
  async first(): Promise<FoundTorch | null> {
    for (const python of await pythonCandidates()) {
      const probe = await this.probe(python);
      if (probe.ok) return probe;
    }
    return null;
  }

  /** The engine a run with `config` uses, the choice made concrete (NoTorchError when PyTorch was chosen and none is found). */
  async decide(config: TrainConfig): Promise<EngineDecision> {
    // Through the kept probes: a run does not import torch again to learn what the form already knows.
    return decideEngine(config.engine as EngineChoice, config.engine === 'builtin' ? [] : await pythonCandidates(), (python) => this.probe(python));
  }

  dispose(): void {
    this.listener.dispose();
    this.probes.clear();
  }
}

/** "SeqLab: Select Python for PyTorch…": every interpreter found, with its torch and devices; the pick goes into seqlab.python. */
export async function selectPython(finder: TorchFinder): Promise<void> {
  const probes = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: t('Looking for Python interpreters with PyTorch…') }, () => finder.all());
  type Item = vscode.QuickPickItem & { file?: string; browse?: boolean };
  const item = (p: TorchProbe): Item => ({
    label: `${p.ok ? '$(check)' : '$(circle-slash)'} ${p.executable ?? [p.python.command, ...p.python.args].join(' ')}`,
    description: p.ok ? `PyTorch ${p.torch} · Python ${p.pythonVersion}` : p.pythonVersion ? `Python ${p.pythonVersion}` : '',
    detail: p.ok ? t('{0}; found through {1}', p.devices.map((d) => `${d.kind}: ${d.name}`).join(', '), p.python.source) : probeText(p),
    file: p.ok ? p.executable : undefined,
  });
  // The highlighted first row is one that works: Pythons with PyTorch first, then Browse, then the
  // ones found without a usable PyTorch under their own heading (shown, so the student sees why).
  const usable = probes.filter((p) => p.ok);
  const unusable = probes.filter((p) => !p.ok);
  const items: Item[] = [...usable.map(item), { label: `$(folder-opened) ${t('Browse for a Python interpreter…')}`, browse: true }];
  if (unusable.length) items.push({ label: t('Found without a usable PyTorch'), kind: vscode.QuickPickItemKind.Separator }, ...unusable.map(item));
  const pick = await vscode.window.showQuickPick(items, {
    title: t('Select Python for PyTorch'),
    placeHolder: probes.some((p) => p.ok) ? t('The PyTorch engine runs in the Python you pick') : t('No Python with PyTorch 1.10 or newer was found: install it (pip install torch), or browse for one'),
  });
  if (!pick) return;
  let file = pick.file;
  if (pick.browse) {
    const uri = await vscode.window.showOpenDialog({ canSelectMany: false, title: t('Select Python for PyTorch'), openLabel: t('Use This Python') });
    if (!uri?.[0]) return;
    const probe = await finder.probe(pythonFromPath(uri[0].fsPath, t('the seqlab.python setting')));
    if (!probe.ok) {
      void vscode.window.showErrorMessage(probeText(probe));
      return;
    }
    file = probe.executable;
  }
  if (!file) {
    void vscode.window.showWarningMessage(t('That Python cannot run the PyTorch engine: {0}', pick.detail ?? ''));
    return;
  }
  await vscode.workspace.getConfiguration('seqlab').update('python', file, vscode.ConfigurationTarget.Global);
  void vscode.window.showInformationMessage(t('SeqLab trains with {0} when the engine is pytorch or auto.', file));
}

/**
 * The line under the form's engine field: the PyTorch a run would use, or what to do without
 * one. With the engine `builtin` nothing is probed: no Python runs before the user asks for PyTorch.
 */
export async function engineHint(finder: TorchFinder, engine: EngineChoice): Promise<string> {
  if (engine === 'builtin') return t('The built-in engine trains. To train with PyTorch, choose auto or pytorch here, or run "SeqLab: Select Python for PyTorch…".');
  const found = await finder.first();
  return found
    ? t('pytorch and auto train with {0}', describeTorch(found))
    : t('No Python with PyTorch 1.10 or newer was found: the built-in engine trains. To use PyTorch, install it (pip install torch) and run "SeqLab: Select Python for PyTorch…".');
}

/** Why a Python cannot run the PyTorch engine, in the display language when the probe's message is catalogued. */
function probeText(p: Extract<TorchProbe, { ok: false }>): string {
  return p.say ? renderMessage(p.say, langOf(vscode.env.language)) : p.message;
}
