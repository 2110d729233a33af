/**
 * Other processes on this machine: whether one is still running. The lock of a run's folder
 * (checkpoint/lock.ts), a save's leftovers (checkpoint/folder.ts) and the extension's record
 * of runs in progress (extension/runs.ts) each carry a pid, and a dead one's is stale.
 */

/** Whether a process (a saving SeqLab, an extension host) is still running; null = unknown = gone. */
export function processAlive(pid: number | null): boolean {
  if (pid === null) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0); // signal 0: only asks whether the process exists
    return true;
  } catch (err) {
    // EPERM: it exists, as another user's process; ESRCH: there is none.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
