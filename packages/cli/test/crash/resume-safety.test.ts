import { existsSync, mkdtempSync, readdirSync, readFileSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { readSnapshotFile } from '@dkl/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { crashConfig, dkl, observable, onlyRun, resume, train, writeConfig } from './harness.js';

const backend = 'dkl-native' as const; // the default backend
const dir = mkdtempSync(join(tmpdir(), 'dkl-resume-safety-'));
const cache = join(dir, 'cache');
// 2 epochs of 8 steps, a snapshot every 5 steps (5, 10, 15 and a final one), keep 2.
const config = writeConfig(dir, crashConfig('supervised', backend, 5, 64));
let reference: Awaited<ReturnType<typeof observable>>;

beforeAll(async () => {
  await tf.setBackend('cpu'); // only for reading snapshots in this process
  const run = await dkl(train(config, join(dir, 'reference'), cache), { cwd: dir, backend });
  expect(run.code, run.stderr).toBe(0);
  reference = await observable(onlyRun(join(dir, 'reference')));
}, 120_000);

const stepOf = async (file: string) => {
  const snapshot = await readSnapshotFile<{ step: number }>(file);
  tf.dispose(Object.values(snapshot.tensors));
  return snapshot.meta.step;
};

describe('dkl resume is safe to repeat', () => {
  it('killed at step 12 with every: { steps: 5 }: a concurrent resume is refused, the resumed run equals the uninterrupted one, a finished run has nothing to resume', async () => {
    const killed = await dkl(train(config, join(dir, 'killed'), cache), { cwd: dir, backend, faults: 'step:kill@12' });
    expect(killed.signal).toBe('SIGKILL');
    const runDir = onlyRun(join(dir, 'killed'));
    expect(existsSync(join(runDir, 'summary.json'))).toBe(false);
    expect(await stepOf(join(runDir, 'checkpoints', 'last.ckpt'))).toBe(10);

    // A resume that is still running (paused after its first step) holds the lock...
    let holderPid = 0;
    const holder = dkl(resume(runDir, cache), { cwd: dir, backend, faults: 'step:pause@1', onSpawn: (pid) => (holderPid = pid) });
    const lockFile = join(runDir, 'run.lock');
    const lockedBy = () => {
      try {
        return (JSON.parse(readFileSync(lockFile, 'utf8')) as { pid: number }).pid;
      } catch {
        return 0; // absent, or created and not yet filled
      }
    };
    for (let waited = 0; lockedBy() !== holderPid; waited += 50) {
      if (waited > 60_000) throw new Error('the first resume never took the lock');
      await new Promise((r) => setTimeout(r, 50));
    }
    // ...so a second one refuses, naming the holder.
    const second = await dkl(resume(runDir, cache), { cwd: dir, backend });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`checkpoint ${lockFile}: is held by process ${holderPid} (dkl resume, since `);
    process.kill(holderPid, 'SIGKILL');
    expect((await holder).signal).toBe('SIGKILL');

    const resumed = await dkl(resume(runDir, cache), { cwd: dir, backend });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`stale lock of process ${holderPid} (dkl resume`);
    expect(resumed.stderr).toContain(`resuming from ${join(runDir, 'checkpoints', 'snapshot-000002.ckpt')}`);
    const got = await observable(runDir);
    expect(got.summary).toEqual(reference.summary);
    expect(got).toEqual(reference);

    const finalSummary = readFileSync(join(runDir, 'summary.json'), 'utf8');
    const again = await dkl(resume(runDir, cache), { cwd: dir, backend });
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(`nothing to resume: ${runDir} completed 2 epochs (16 steps)\n`);
    expect(readFileSync(join(runDir, 'summary.json'), 'utf8')).toBe(finalSummary); // untouched
  }, 180_000);

  it('a full disk at the third snapshot fails the run naming the file and keeps the earlier snapshots; with the newest then damaged, resume falls back to the previous one', async () => {
    const failed = await dkl(train(config, join(dir, 'enospc'), cache), { cwd: dir, backend, faults: 'write/snapshot-:ENOSPC@3' });
    const runDir = onlyRun(join(dir, 'enospc'));
    const third = join(runDir, 'checkpoints', 'snapshot-000003.ckpt');
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain(`error: plugin 'checkpoint': checkpoint ${third}: could not be written: ENOSPC`);
    const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({ status: 'failed', step: 15 });
    expect(summary.error).toContain(third);
    expect(readdirSync(join(runDir, 'checkpoints')).sort()).toEqual(['last.ckpt', 'snapshot-000001.ckpt', 'snapshot-000002.ckpt']);
    expect(await stepOf(join(runDir, 'checkpoints', 'last.ckpt'))).toBe(10);

    const newest = join(runDir, 'checkpoints', 'snapshot-000002.ckpt');
    const previous = join(runDir, 'checkpoints', 'snapshot-000001.ckpt');
    truncateSync(newest, 2000);
    const resumed = await dkl(resume(runDir, cache), { cwd: dir, backend });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`[dkl] warning: ${newest} is damaged (checkpoint ${newest}: is truncated`);
    expect(resumed.stderr).toContain(`; resuming from the previous snapshot ${previous}`);
    expect(await observable(runDir)).toEqual(reference);
  }, 180_000);

  it('a permission error at the second snapshot fails the run naming the file and leaves the first snapshot intact', async () => {
    const failed = await dkl(train(config, join(dir, 'eacces'), cache), { cwd: dir, backend, faults: 'write/snapshot-:EACCES@2' });
    const runDir = onlyRun(join(dir, 'eacces'));
    const second = join(runDir, 'checkpoints', 'snapshot-000002.ckpt');
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain(`checkpoint ${second}: could not be written: EACCES`);
    expect(JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8'))).toMatchObject({ status: 'failed', step: 10 });
    expect(readdirSync(join(runDir, 'checkpoints')).sort()).toEqual(['last.ckpt', 'snapshot-000001.ckpt']);
    expect(await stepOf(join(runDir, 'checkpoints', 'snapshot-000001.ckpt'))).toBe(5);
  }, 120_000);
});
