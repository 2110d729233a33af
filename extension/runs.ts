/**
 * Runs in progress, remembered outside the worker so that a window reload or a crash does
 * not lose them: one small JSON file per run in the extension's storage (what to train on,
 * with which settings, into which folders, by which extension host). A run that ends
 * removes its record; a record whose extension host is gone is an interrupted run, which
 * the next activation offers to resume from its latest checkpoint (`<run>-last`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
// Bounded, regular-file-only reads and the liveness of a process; neither module loads TensorFlow.js.
import { processAlive } from '../engine/checkpoint/folder';
import { readRegularFile } from '../engine/io/files';

/** What a run trains on; `file`: the file a selection was taken from (it names the run). */
export type RunSource = { kind: 'text'; text: string; name: string; file?: string } | { kind: 'files'; patterns: string[]; cwd?: string };

export interface RunRecord {
  /** The run's folder name (the best checkpoint); the latest weights go to `<name>-last` beside it. */
  name: string;
  outDir: string;
  lastDir: string;
  source: RunSource;
  origin: string;
  characters: number;
  config: Record<string, unknown>;
  /** Data-parallel workers of the run: a resume uses the same count, so it continues exactly. */
  workers?: 'auto' | number;
  /** The extension host that trains it: when it is gone, the run was interrupted. */
  pid: number;
  started: string;
}

/** A selection is kept in the record to resume on it: 50 million characters at most, as training. */
const MAX_RECORD_BYTES = 200 * 1024 * 1024;
/** Beside a record, the step its run has reached: `<run name>.<pid>.json.step`. */
const STEP_SUFFIX = '.step';
/** `<run name>.<pid>.json` */
const RECORD = /^(.+)\.(\d+)\.json$/;

export class RunRecords {
  constructor(private readonly root: string) {}

  /** `<name>.<pid>.json`: the pid in the name lets startup skip live runs without reading their text. */
  private file(record: Pick<RunRecord, 'name' | 'pid'>): string {
    return path.join(this.root, `${record.name}.${record.pid}.json`);
  }

  /** Written atomically (a temporary file renamed over), so a crash never leaves half a record. */
  write(record: RunRecord): void {
    fs.mkdirSync(this.root, { recursive: true });
    this.remove(record.name); // a resumed run's old record, and the step it noted
    const tmp = `${this.file(record)}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(record));
    fs.renameSync(tmp, this.file(record));
  }

  remove(name: string): void {
    for (const f of this.filesOf(name)) {
      fs.rmSync(path.join(this.root, f), { force: true });
      fs.rmSync(path.join(this.root, `${f}${STEP_SUFFIX}`), { force: true });
    }
  }

  /**
   * Notes the step a run has reached, in a small file beside its record (the record holds
   * the text, which is not rewritten as the run goes): an interrupted run can then say how
   * far it got, beside the step of the checkpoint it resumes from.
   */
  /**
   * Notes the step a run has reached. Asynchronous: a write that waits on a busy disk (the
   * worker saving a checkpoint at the same moment) must not stall the extension host.
   */
  async noteStep(record: Pick<RunRecord, 'name' | 'pid'>, step: number): Promise<void> {
    const file = `${this.file(record)}${STEP_SUFFIX}`;
    await fs.promises.writeFile(`${file}.tmp`, String(step));
    await fs.promises.rename(`${file}.tmp`, file);
  }

  /** The step a run had reached when last noted, or undefined. */
  reachedStep(record: Pick<RunRecord, 'name' | 'pid'>): number | undefined {
    try {
      const step = Number(readRegularFile(`${this.file(record)}${STEP_SUFFIX}`, 'the run\'s step', 64).toString('utf8'));
      return Number.isInteger(step) && step >= 0 ? step : undefined;
    } catch {
      return undefined;
    }
  }

  /** The record of the run `name`, whichever extension host wrote it. */
  get(name: string): RunRecord | undefined {
    const f = this.filesOf(name)[0];
    if (!f) return undefined;
    try {
      return JSON.parse(readRegularFile(path.join(this.root, f), 'the run record', MAX_RECORD_BYTES).toString('utf8')) as RunRecord;
    } catch {
      return undefined;
    }
  }

  private filesOf(name: string): string[] {
    if (!fs.existsSync(this.root)) return [];
    return fs.readdirSync(this.root).filter((f) => RECORD.exec(f)?.[1] === name);
  }

  /**
   * Records whose extension host is gone, newest first; unreadable records are skipped. For
   * activation, before this host starts a run: a record with this host's own pid is an earlier
   * host's (a container restarted after an out-of-memory kill runs it with the same pid again).
   */
  interrupted(): RunRecord[] {
    if (!fs.existsSync(this.root)) return [];
    const out: RunRecord[] = [];
    for (const f of fs.readdirSync(this.root)) {
      const m = RECORD.exec(f);
      if (!m || (Number(m[2]) !== process.pid && processAlive(Number(m[2])))) continue; // a live run: not read at all
      try {
        const r = JSON.parse(readRegularFile(path.join(this.root, f), 'the run record', MAX_RECORD_BYTES).toString('utf8')) as RunRecord;
        if (typeof r.name === 'string' && typeof r.pid === 'number') out.push(r);
      } catch {
        // a damaged record is not a run to resume
      }
    }
    return out.sort((a, b) => b.started.localeCompare(a.started));
  }
}
