/**
 * Runs in progress, remembered outside the worker so that a window reload or a crash does
 * not lose them: one small JSON file per run in the extension's storage (what to train on,
 * with which settings, into which folders, by which extension host). A run that ends
 * removes its record; a record whose extension host is gone is an interrupted run, which
 * the next activation offers to resume from its latest checkpoint (`<run>-last`).
 *
 * Two small marks beside a record say more than the pid can: `.closed`, written while the
 * window closes (a reload starts the new extension host while the old one may still be
 * alive for seconds, so its pid alone would hide the run), and `.stopped`, for a run the
 * student stopped: it is not offered at startup, but it can be resumed on request (the Stop
 * message, the outcome card, the Models view).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
// Bounded, regular-file-only reads and the liveness of a process; neither module loads TensorFlow.js.
import { processAlive } from '../engine/io/processes';
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
/** Beside a record: its extension host was shutting down (a reload, a closed window) while the run trained. */
const CLOSED_SUFFIX = '.closed';
/** Beside a record: the student stopped the run; it can be resumed on request, not offered at startup. */
const STOPPED_SUFFIX = '.stopped';
/** Stopped runs kept resumable (each record may hold its text); older ones are forgotten, their checkpoints stay. */
const MAX_STOPPED = 10;

/** What startup finds: runs to offer now, and runs whose extension host is still alive (a reload's old host going down, or another window). */
export interface RunScan {
  interrupted: RunRecord[];
  /** Names of runs whose host is alive: `closing` when it was marked as shutting down. */
  alive: Array<{ name: string; closing: boolean }>;
}

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
      for (const suffix of [STEP_SUFFIX, CLOSED_SUFFIX, STOPPED_SUFFIX]) fs.rmSync(path.join(this.root, `${f}${suffix}`), { force: true });
    }
  }

  /**
   * Marks a running run's host as shutting down. Synchronous: it is written from `deactivate`,
   * which VS Code follows at once with disposing everything.
   */
  markClosed(record: Pick<RunRecord, 'name' | 'pid'>): void {
    fs.writeFileSync(`${this.file(record)}${CLOSED_SUFFIX}`, new Date().toISOString());
  }

  /** Marks a run as stopped by the student: kept, resumable on request, not offered at startup. */
  markStopped(record: Pick<RunRecord, 'name' | 'pid'>): void {
    fs.writeFileSync(`${this.file(record)}${STOPPED_SUFFIX}`, new Date().toISOString());
    // Each stopped record may hold a selection's text: keep the newest few.
    for (const old of this.stopped().slice(MAX_STOPPED)) this.remove(old.name);
  }

  /** Stopped runs that can still be resumed (their latest weights exist), newest first; records whose weights are gone are removed. */
  stopped(): RunRecord[] {
    const out: RunRecord[] = [];
    for (const f of this.recordFiles()) {
      if (!fs.existsSync(path.join(this.root, `${f}${STOPPED_SUFFIX}`))) continue;
      const r = this.readRecord(f);
      if (!r) continue;
      if (fs.existsSync(path.join(r.lastDir, 'seqlab.json'))) out.push(r);
      else this.remove(r.name); // its model was deleted or renamed: nothing to resume from
    }
    return out.sort((a, b) => b.started.localeCompare(a.started));
  }

  /**
   * The runs that can be resumed: stopped, or interrupted (and not `running`, the run this host
   * trains now, whose record has its pid), with their latest weights on disk.
   */
  resumable(running: string | undefined): RunRecord[] {
    return [...this.stopped(), ...this.scan().interrupted.filter((r) => r.name !== running && fs.existsSync(path.join(r.lastDir, 'seqlab.json')))];
  }

  /** The resumable run whose best or latest checkpoint is `dir`. */
  resumableAt(dir: string, running: string | undefined): RunRecord | undefined {
    const at = path.resolve(dir);
    return this.resumable(running).find((r) => path.resolve(r.outDir) === at || path.resolve(r.lastDir) === at);
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
      const step = Number(readRegularFile(`${this.file(record)}${STEP_SUFFIX}`, { en: 'the run\'s step', zh: '训练进度' }, 64).toString('utf8'));
      return Number.isInteger(step) && step >= 0 ? step : undefined;
    } catch {
      return undefined;
    }
  }

  /** The record of the run `name`, whichever extension host wrote it. */
  get(name: string): RunRecord | undefined {
    const f = this.filesOf(name)[0];
    return f ? this.readRecord(f) : undefined;
  }

  private filesOf(name: string): string[] {
    if (!fs.existsSync(this.root)) return [];
    return fs.readdirSync(this.root).filter((f) => RECORD.exec(f)?.[1] === name);
  }

  /**
   * Records whose extension host is gone, newest first, and the names of those whose host is
   * alive; unreadable records are skipped, stopped ones left out (they are resumed on request).
   * For activation, before this host starts a run: a record with this host's own pid is an
   * earlier host's (a container restarted after an out-of-memory kill runs it with the same pid again).
   */
  scan(): RunScan {
    const interrupted: RunRecord[] = [];
    const alive: RunScan['alive'] = [];
    for (const f of this.recordFiles()) {
      if (fs.existsSync(path.join(this.root, `${f}${STOPPED_SUFFIX}`))) continue;
      const m = RECORD.exec(f)!;
      if (Number(m[2]) !== process.pid && processAlive(Number(m[2]))) {
        alive.push({ name: m[1], closing: fs.existsSync(path.join(this.root, `${f}${CLOSED_SUFFIX}`)) }); // not read: a live run's text may be large
        continue;
      }
      const r = this.readRecord(f);
      if (r) interrupted.push(r);
    }
    return { interrupted: interrupted.sort((a, b) => b.started.localeCompare(a.started)), alive };
  }

  /** The records of the runs `names`, read whether their host is alive or not. */
  read(names: string[]): RunRecord[] {
    return names.map((n) => this.get(n)).filter((r): r is RunRecord => r !== undefined);
  }

  private recordFiles(): string[] {
    if (!fs.existsSync(this.root)) return [];
    return fs.readdirSync(this.root).filter((f) => RECORD.test(f));
  }

  private readRecord(f: string): RunRecord | undefined {
    const file = path.join(this.root, f);
    try {
      // A record may hold a long selection: parsed once per version of the file (the Models view asks on every refresh).
      const stat = fs.statSync(file);
      const stamp = `${stat.size}:${stat.mtimeMs}:${stat.ino}`;
      const cached = this.parsed.get(f);
      if (cached?.stamp === stamp) return cached.record;
      const r = JSON.parse(readRegularFile(file, { en: 'the run record', zh: '训练记录' }, MAX_RECORD_BYTES).toString('utf8')) as RunRecord;
      const record = typeof r.name === 'string' && typeof r.pid === 'number' ? r : undefined;
      this.parsed.set(f, { stamp, record });
      return record;
    } catch {
      return undefined; // a damaged record is not a run to resume
    }
  }

  private readonly parsed = new Map<string, { stamp: string; record: RunRecord | undefined }>();
}
