/**
 * Trial processes loaded ahead of need (real processes: the built trial-process.js): the next
 * take gets the process that loaded while the previous trial ran, another thread count gets a
 * fresh one with its own OMP_NUM_THREADS (and V8's single-threaded GC), a waiting process runs the trial it is sent, and one
 * whose parent lets go exits.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type * as Sweeps from '../src/index.js';
import { TEST_ENV, waitFor } from './fixtures.js';

let TrialSpawner: typeof Sweeps.TrialSpawner;
beforeAll(async () => {
  // The built package: the spawner forks dist/trial-process.js next to itself.
  ({ TrialSpawner } = (await import(join(__dirname, '../dist/index.js'))) as typeof Sweeps);
});

/** Pids of this process's trial-process children. */
const trialChildren = (): number[] =>
  execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes('trial-process.js'))
    .map((l) => Number(l.trim().split(/\s+/)[0]));
const environ = (pid: number): string[] => readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');

describe('TrialSpawner', () => {
  it('hands out the process it loaded ahead; another thread count gets a fresh one; close and a lost parent stop waiting processes', async () => {
    const spawner = new TrialSpawner({ DKL_BACKEND: TEST_ENV.DKL_BACKEND });
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
});
