/**
 * Trial processes loaded before they are needed (real processes: the built trial-process.js):
 * prestarted ones are handed out and, with reuse on, nothing loads ahead; without reuse the next
 * take gets the process that loaded while the previous trial ran, another thread count gets a
 * fresh one with its own OMP_NUM_THREADS (and V8's single-threaded GC), a waiting process runs the trial it is sent, and one
 * whose parent lets go exits. A completed trial's process runs later trials, to the bits of fresh
 * processes; a failed trial's process is not reused.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Sweeps from '../src/index.js';
import { TEST_ENV, tinyBase, waitFor, writeSweep } from './fixtures.js';

let sweeps: typeof Sweeps;
let TrialSpawner: typeof Sweeps.TrialSpawner;
beforeAll(async () => {
  // The built package: the spawner forks dist/trial-process.js next to itself.
  sweeps = (await import(join(__dirname, '../dist/index.js'))) as typeof Sweeps;
  ({ TrialSpawner } = sweeps);
});
const root = mkdtempSync(join(tmpdir(), 'dkl-sweep-spawner-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Pids of this process's trial-process children. */
const trialChildren = (): number[] =>
  execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes('trial-process.js'))
    .map((l) => Number(l.trim().split(/\s+/)[0]));
const environ = (pid: number): string[] => readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');

describe('TrialSpawner', () => {
  it('hands out prestarted processes and, reusing processes, loads none ahead; a prestart of another thread count replaces the waiting ones', async () => {
    const spawner = new TrialSpawner({ env: { DKL_BACKEND: TEST_ENV.DKL_BACKEND } });
    spawner.prestart(1, 2);
    const prestarted = trialChildren();
    expect(prestarted).toHaveLength(2);
    const a = spawner.take(1);
    const b = spawner.take(1);
    expect(new Set([a.child.pid, b.child.pid])).toEqual(new Set(prestarted));
    expect(trialChildren()).toHaveLength(2); // no third process loading ahead: completed trials' processes come back
    await Promise.all([a.ready, b.ready]);
    expect([a.child.exitCode, b.child.exitCode]).toEqual([null, null]); // loaded, waiting for their trials
    spawner.prestart(1); // one waiting: a third process
    expect(trialChildren()).toHaveLength(3);
    const waiting1 = trialChildren().find((pid) => !prestarted.includes(pid))!;
    spawner.prestart(2); // replaces it with a 2-thread one
    await waitFor(() => !trialChildren().includes(waiting1), 30_000, 'the waiting 1-thread process to stop');
    const c = spawner.take(2);
    expect(environ(c.child.pid!)).toContain('OMP_NUM_THREADS=2');
    expect(trialChildren()).toHaveLength(3);
    spawner.close();
    const gone = [a, b, c].map((t) => new Promise<number | null>((r) => t.child.on('exit', r)));
    for (const t of [a, b, c]) t.child.kill('SIGKILL');
    await Promise.all(gone);
    expect(trialChildren()).toEqual([]);
  });

  it('without reuse, hands out the process it loaded ahead; another thread count gets a fresh one; close and a lost parent stop waiting processes', async () => {
    const spawner = new TrialSpawner({ env: { DKL_BACKEND: TEST_ENV.DKL_BACKEND }, reuse: false });
    const a = spawner.take(1);
    await a.ready;
    expect(a.child.exitCode).toBeNull(); // loaded, waiting for its trial
    await waitFor(() => trialChildren().length === 2, 60_000, 'a second trial process loading ahead');
    const ahead = trialChildren().find((pid) => pid !== a.child.pid)!;
    const b = spawner.take(1);
    expect(b.child.pid).toBe(ahead);
    expect(environ(b.child.pid!)).toContain('OMP_NUM_THREADS=1');
    // Garbage collected on the trial's own thread: a 1-thread trial stays near one core.
    expect(readFileSync(`/proc/${b.child.pid}/cmdline`, 'utf8').split('\0')).toContain('--single-threaded-gc');
    const c = spawner.take(2); // the waiting 1-thread process is not used: a fresh one
    expect([a.child.pid, b.child.pid]).not.toContain(c.child.pid);
    expect(environ(c.child.pid!)).toContain('OMP_NUM_THREADS=2');
    await Promise.all([b.ready, c.ready]);
    spawner.close(); // stops the 2-thread process loading ahead
    await waitFor(() => trialChildren().length === 3, 30_000, 'only the three taken processes left');
    expect(new Set(trialChildren())).toEqual(new Set([a.child.pid, b.child.pid, c.child.pid]));

    // A taken process runs the trial it is sent: here a run directory without its trial file.
    let stderr = '';
    a.child.stderr!.on('data', (d: Buffer) => (stderr += d));
    const done = new Promise<unknown>((r) => a.child.on('message', r));
    const exited = new Promise<number | null>((r) => a.child.on('exit', r));
    a.child.send({ type: 'trial-start', runDir: '/nonexistent/trial', cacheDir: '/nonexistent/cache' });
    expect(await done).toEqual({ type: 'trial-done', code: 1 });
    expect(await exited).toBe(1);
    expect(stderr).toContain('/nonexistent/trial/sweep-trial.json is missing or unreadable');
    // Waiting processes whose parent goes away (IPC channel closed) exit.
    const gone = [b, c].map((t) => new Promise<number | null>((r) => t.child.on('exit', r)));
    b.child.disconnect();
    c.child.disconnect();
    expect(await Promise.all(gone)).toEqual([137, 137]);
    expect(trialChildren()).toEqual([]);
  });

  it('runs later trials in the process of a completed one, to the bits of fresh processes; a failed trial ends its process', async () => {
    const file = writeSweep(join(root, 'reuse'), { name: 'reuse', parameters: { 'schedule.lr': { grid: [0.05, 1e30, 0.1] } }, seeds: [0] }, tinyBase({ epochs: 2 }));
    const plan = await sweeps.planSweep(file);
    await sweeps.prepareSweepDir(plan);
    const [first, diverging, third] = plan.trials;
    const spawner = new TrialSpawner({ env: { DKL_BACKEND: TEST_ENV.DKL_BACKEND } });
    const run = async (trial: Sweeps.PlannedTrial) => {
      let pid = 0;
      const outcome = await sweeps.runTrial(sweeps.trialDir(plan.dir, trial.id), { cacheDir: sweeps.sweepFiles(plan.dir).cache, spawner, ahead: false, onSpawn: (p) => (pid = p) });
      return { outcome, pid };
    };
    const a = await run(first!);
    const b = await run(third!);
    expect([a.outcome.status, b.outcome.status]).toEqual(['done', 'done']);
    expect(b.pid).toBe(a.pid); // reused
    expect(trialChildren()).toEqual([a.pid]); // waiting for a next trial
    // Each trial's log holds its own run only.
    const log = (trial: Sweeps.PlannedTrial) => readFileSync(sweeps.trialFiles(sweeps.trialDir(plan.dir, trial.id)).log, 'utf8');
    expect(log(third!)).toContain(sweeps.trialDir(plan.dir, third!.id));
    expect(log(third!)).not.toContain(sweeps.trialDir(plan.dir, first!.id));
    const c = await run(diverging!);
    expect(c.outcome).toMatchObject({ status: 'failed', transient: false });
    expect(c.pid).toBe(a.pid);
    await waitFor(() => trialChildren().length === 0, 30_000, 'the failed trial\'s process to exit');
    const d = await run(first!); // completed already: a fresh process says so at once
    expect(d.pid).not.toBe(a.pid);
    spawner.close();
    await waitFor(() => trialChildren().length === 0, 30_000, 'close() to stop the waiting process');

    // The same trials, each in a fresh process, in another sweep directory: the same bits.
    const freshPlan = await sweeps.planSweep(file, { dir: join(root, 'reuse-fresh') });
    await sweeps.prepareSweepDir(freshPlan);
    const untimed = (dir: string) =>
      JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'), (k, v) => (['startedAt', 'wallTimeMs', 'setupMs', 'durationMs', 'imagesPerSecond', 'time'].includes(k) ? undefined : v));
    for (const trial of [first!, third!]) {
      const dir = sweeps.trialDir(freshPlan.dir, trial.id);
      expect((await sweeps.runTrial(dir, { cacheDir: sweeps.sweepFiles(freshPlan.dir).cache, env: { DKL_BACKEND: TEST_ENV.DKL_BACKEND } })).status).toBe('done');
      expect(untimed(sweeps.trialDir(plan.dir, trial.id))).toEqual(untimed(dir));
    }
  }, 180_000);
});
