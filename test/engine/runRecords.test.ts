/**
 * The run records that let a reload or a crash lose no run (extension/runs.ts, which imports
 * no vscode): which runs startup offers, which it watches, which a student can resume.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RunRecords, type RunRecord } from '../../extension/runs';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-runs-'));

/** A pid that no process has any more: a child that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

function record(root: string, name: string, pid: number, started: string, withLastWeights = true): RunRecord {
  const outDir = path.join(root, 'models', name);
  const lastDir = `${outDir}-last`;
  if (withLastWeights) {
    fs.mkdirSync(lastDir, { recursive: true });
    fs.writeFileSync(path.join(lastDir, 'seqlab.json'), '{}');
  }
  return { name, outDir, lastDir, source: { kind: 'text', text: 'abc', name: 'sel' }, origin: 'sel', characters: 3, config: {}, pid, started };
}

describe('run records', () => {
  it('startup offers runs whose host is gone, watches those whose host lives, and says which are closing', async () => {
    const root = tmp();
    const runs = new RunRecords(path.join(root, 'runs'));
    const alive = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)']);
    try {
      runs.write(record(root, 'gone', deadPid(), '2026-01-01T00:00:01Z'));
      runs.write(record(root, 'other-window', alive.pid!, '2026-01-01T00:00:02Z'));
      const closing = record(root, 'reloading', alive.pid!, '2026-01-01T00:00:03Z');
      runs.write(closing);
      runs.markClosed(closing);
      const scan = runs.scan();
      assert.deepEqual(scan.interrupted.map((r) => r.name), ['gone']);
      assert.deepEqual(scan.alive.sort((a, b) => a.name.localeCompare(b.name)), [{ name: 'other-window', closing: false }, { name: 'reloading', closing: true }]);
      // A record with this process's own pid is an earlier host's (a restarted container reuses pids).
      runs.write(record(root, 'same-pid', process.pid, '2026-01-01T00:00:04Z'));
      assert.deepEqual(runs.scan().interrupted.map((r) => r.name), ['same-pid', 'gone'], 'newest first');
    } finally {
      alive.kill();
    }
  });

  it('a stopped run is not offered at startup but can be resumed; one whose weights are gone is forgotten', () => {
    const root = tmp();
    const runs = new RunRecords(path.join(root, 'runs'));
    const stopped = record(root, 'stopped', deadPid(), '2026-01-01T00:00:01Z');
    runs.write(stopped);
    runs.markStopped(stopped);
    const interrupted = record(root, 'interrupted', deadPid(), '2026-01-01T00:00:02Z');
    runs.write(interrupted);
    assert.deepEqual(runs.scan().interrupted.map((r) => r.name), ['interrupted']);
    assert.deepEqual(runs.stopped().map((r) => r.name), ['stopped']);
    assert.deepEqual(runs.resumable(undefined).map((r) => r.name), ['stopped', 'interrupted']);
    // The run this window trains now is not "interrupted", though its record has this host's pid.
    assert.deepEqual(runs.resumable('interrupted').map((r) => r.name), ['stopped']);
    assert.equal(runs.resumableAt(stopped.outDir, undefined)?.name, 'stopped');
    assert.equal(runs.resumableAt(interrupted.lastDir, undefined)?.name, 'interrupted');
    assert.equal(runs.resumableAt(path.join(root, 'models', 'elsewhere'), undefined), undefined);
    // Its latest weights deleted (the Models view's Delete): nothing to resume from, the record goes.
    fs.rmSync(stopped.lastDir, { recursive: true });
    assert.deepEqual(runs.stopped(), []);
    assert.equal(runs.get('stopped'), undefined);
    // Resumed (a new record for the same run) or discarded: the marks go with the record.
    runs.markClosed(interrupted);
    runs.remove('interrupted');
    assert.deepEqual(fs.readdirSync(path.join(root, 'runs')), []);
  });

  it('keeps the newest ten stopped runs (each may hold its text)', () => {
    const root = tmp();
    const runs = new RunRecords(path.join(root, 'runs'));
    const pid = deadPid();
    for (let i = 0; i < 12; i++) {
      const r = record(root, `run-${String(i).padStart(2, '0')}`, pid, `2026-01-01T00:00:${String(i).padStart(2, '0')}Z`);
      runs.write(r);
      runs.markStopped(r);
    }
    assert.deepEqual(runs.stopped().map((r) => r.name), Array.from({ length: 10 }, (_, i) => `run-${String(11 - i).padStart(2, '0')}`));
    assert.equal(runs.get('run-00'), undefined);
    assert.ok(fs.existsSync(path.join(root, 'models', 'run-00-last')), 'a forgotten record leaves its checkpoint alone');
  });
});
