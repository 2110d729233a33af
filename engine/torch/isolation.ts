/**
 * Every Python SeqLab starts (the probe, the PyTorch engine and the ranks it spawns) runs
 * from a private, empty working folder of its own, so that nothing in the folder the user
 * (or a cloned repository) happens to be in is imported: `python -c` puts the current folder
 * first on sys.path, and a `platform.py` there would run before SeqLab's code.
 *
 * The rules, stated once:
 * - the working folder is `<tmp>/seqlab-<kind>-<pid>-XXXXXX`, made with mkdtemp (mode 0700,
 *   a fresh name) and removed when the child is done, on every exit path this process sees;
 * - folders of that shape whose pid is no longer a live process (a SeqLab that was killed),
 *   or is this process's but older than it, are removed at the next start; nothing else in
 *   the temp folder is touched;
 * - PYTHONSAFEPATH=1 (Python 3.11+; older ones ignore it) keeps even the script's own or the
 *   working folder off sys.path, and SeqLab's engine adds its own folder itself. Unlike `-I`,
 *   this keeps the user's site-packages, user site included, where their PyTorch lives.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** What a private folder is for: a probe of an interpreter, or a run of the PyTorch engine. */
export type WorkFolderKind = 'py' | 'torch';

const WORK_FOLDER = /^seqlab-(py|torch)-(\d+)-[A-Za-z0-9]{6}$/;

/** A new private, empty folder for one child process (the caller removes it with removeWorkFolder). */
export function privateWorkFolder(kind: WorkFolderKind, tmp = os.tmpdir()): string {
  return fs.mkdtempSync(path.join(tmp, `seqlab-${kind}-${process.pid}-`));
}

export function removeWorkFolder(folder: string): void {
  try {
    fs.rmSync(folder, { recursive: true, force: true });
  } catch {
    // already gone, or the temp folder went read-only: nothing to lose
  }
}

/** When this process started, in wall-clock milliseconds. */
const startedAt = Date.now() - process.uptime() * 1000;

/** Whether `pid` names a live process (EPERM: alive, someone else's). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the private folders left by SeqLab processes that are gone (killed before they could
 * clean up). Returns the folders removed. Only real folders of ours (not links, owned by this
 * user) whose pid is not a live process.
 */
export function removeStaleWorkFolders(tmp = os.tmpdir()): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(tmp);
  } catch {
    return [];
  }
  const removed: string[] = [];
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  for (const name of names) {
    const m = WORK_FOLDER.exec(name);
    if (!m) continue;
    const pid = Number(m[2]);
    const folder = path.join(tmp, name);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(folder);
      if (!st.isDirectory() || (uid !== undefined && st.uid !== uid)) continue;
    } catch {
      continue;
    }
    // Our own pid: ours if made since this process started; older, an earlier process's (a container restarted with the same pid).
    if (pid === process.pid ? st.mtimeMs >= startedAt : alive(pid)) continue;
    removeWorkFolder(folder);
    removed.push(folder);
  }
  return removed;
}

/** The environment of a Python SeqLab starts: the user's, with `extra` under it (the user's own settings win) and the safe-path rule over it. */
export function pythonEnvironment(extra: Record<string, string> = {}, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...extra, ...env, PYTHONSAFEPATH: '1', PYTHONUNBUFFERED: '1', PYTHONIOENCODING: 'utf-8' };
}
