/**
 * Many machines, on one: a real redis-server and real `dkl worker` processes. A 2x3 grid with 2
 * seeds completes while Redis is killed and restarted, every trial exactly once; resubmitting adds
 * nothing; a worker killed mid-trial (with its trial process, as when its machine dies) loses the
 * trial to another worker, which resumes it to the same final bits as an uninterrupted run;
 * unreachable Redis and an invisible sweep directory are clear errors within seconds.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planSweep, trialDir, trialFiles } from '../src/index.js';
import { dkl, startDkl, TEST_ENV, tinyBase, waitFor, writeSweep, type Running } from './fixtures.js';
import { freePort, RedisServer } from './redis-server.js';

let redis: RedisServer;
const root = mkdtempSync(join(tmpdir(), 'dkl-sweep-redis-'));
const workers: Running[] = [];

beforeAll(async () => {
  redis = await RedisServer.start();
});

afterAll(async () => {
  if (process.env['DKL_TEST_DEBUG']) for (const w of workers) process.stderr.write(`--- worker ${w.child.pid}\n${w.output()}\n`);
  for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
  await redis?.stop();
  rmSync(root, { recursive: true, force: true });
});

const worker = (extra: readonly string[] = [], env = TEST_ENV, detached = false): Running => {
  const w = startDkl(['worker', '--redis', redis.url, '--lock-ms', '4000', ...extra], { env, detached });
  workers.push(w);
  return w;
};

const stopWorker = async (w: Running) => {
  w.child.kill('SIGTERM');
  await w.exited;
};

interface JsonTrial {
  id: string;
  status: string;
  parameters: Record<string, unknown>;
  seed: number;
  metrics: Record<string, number>;
}

async function report(file: string): Promise<JsonTrial[]> {
  const out = await dkl(['sweep', 'report', file, '--redis', redis.url, '--format', 'json']);
  expect(out.code, out.stderr).toBe(0);
  return (JSON.parse(out.stdout) as { trials: JsonTrial[] }).trials;
}

describe('sweeps on BullMQ with a real redis-server', () => {
  it('a 2x3 grid with 2 seeds completes on two workers through a Redis kill and restart, every trial once; resubmitting adds none', async () => {
    const file = writeSweep(join(root, 'grid'), { name: 'grid', parameters: { 'optimizer.weightDecay': { grid: [5e-4, 1e-3] }, 'schedule.lr': { grid: [0.05, 0.1, 0.2] } }, seeds: [0, 1] });
    const plan = await planSweep(file);
    const submit = await dkl(['sweep', 'submit', file, '--redis', redis.url]);
    expect(submit.code, submit.stderr).toBe(0);
    expect(submit.stdout).toMatch(/12 trial\(s\) added to queue dkl-sweep-grid, 0 already there/);
    const a = worker();
    const b = worker();
    // Kill Redis once some trials are done and others are queued or running.
    const done = () => plan.trials.filter((t) => JSON.parse(readFileSafe(trialFiles(trialDir(plan.dir, t.id)).summary) ?? '{}').status === 'completed').length;
    await waitFor(() => done() >= 2, 120_000, 'two completed trials');
    expect(done()).toBeLessThan(12);
    await redis.kill();
    await new Promise((r) => setTimeout(r, 1500));
    await redis.restart();
    // Polled in Redis directly (a `dkl sweep report` process per poll would slow the trials down); the report is checked below.
    const queue = new Queue('dkl-sweep-grid', { connection: { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null } });
    await waitFor(async () => (await queue.getJobCounts('completed')).completed === 12, 180_000, 'every trial done');
    await queue.close();
    const trials = await report(file);
    expect(trials.map((t) => t.status)).toEqual(Array(12).fill('done'));
    expect(trials.map((t) => t.id).sort()).toEqual(plan.trials.map((t) => t.id).sort());
    for (const t of trials) {
      const planned = plan.trials.find((p) => p.id === t.id)!;
      expect(t.parameters).toEqual(planned.parameters);
      expect(t.seed).toBe(planned.seed);
      expect(t.metrics['test.top1']).toBeGreaterThanOrEqual(0);
      expect(t.metrics['test.top1']).toBeLessThanOrEqual(1);
      // Exactly once: one run-start in the trial's metrics log, one completed summary.
      const starts = readFileSync(join(trialDir(plan.dir, t.id), 'metrics.jsonl'), 'utf8').split('\n').filter((l) => l.includes('"type":"run-start"'));
      expect(starts).toHaveLength(1);
    }
    // Both workers took trials (a worker's name is host:pid in trial-state.json).
    const ranBy = new Set(plan.trials.map((t) => (JSON.parse(readFileSync(trialFiles(trialDir(plan.dir, t.id)).state, 'utf8')) as { worker: string }).worker.split(':')[1]));
    expect(ranBy).toEqual(new Set([String(a.child.pid), String(b.child.pid)]));

    const again = await dkl(['sweep', 'submit', file, '--redis', redis.url]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/0 trial\(s\) added to queue dkl-sweep-grid, 12 already there/);
    const client = new Redis(redis.url);
    const counts = await client.zcard('bull:dkl-sweep-grid:completed');
    const waiting = await client.llen('bull:dkl-sweep-grid:wait');
    client.disconnect();
    expect(counts).toBe(12);
    expect(waiting).toBe(0);

    const table = await dkl(['sweep', 'report', file, '--redis', redis.url]);
    expect(table.stdout).toMatch(/weightDecay=0\.001, lr=0\.2\s+2\/2\s+[\d.]+ ± [\d.]+\s+[\d.]+% ± [\d.]+/);
    const csv = await dkl(['sweep', 'report', file, '--format', 'csv']);
    const lines = csv.stdout.trim().split('\n');
    expect(lines).toHaveLength(13);
    expect(lines[0]).toMatch(/^id,status,seed,optimizer\.weightDecay,schedule\.lr,test\.loss,test\.top1,test\.top5,/);
    const html = readFileSync(join(plan.dir, 'report.html'), 'utf8');
    expect(html).toContain('class="band"');
    expect(html).toContain('data-chart="parameter-heatmap"');
    await Promise.all([stopWorker(a), stopWorker(b)]);
  });

  it('a worker killed mid-trial loses the trial to another, which resumes it to the bits of an uninterrupted run', async () => {
    const base = tinyBase({ epochs: 3, trainSize: 64 });
    const file = writeSweep(join(root, 'kill'), { name: 'kill', parameters: { 'schedule.lr': { grid: [0.1] } }, seeds: [3] }, base);
    const plan = await planSweep(file);
    const dir = trialDir(plan.dir, plan.trials[0]!.id);
    expect((await dkl(['sweep', 'submit', file, '--redis', redis.url])).code).toBe(0);
    // Worker A's trial process stops after step 7 (a snapshot was written at step 6): then its machine dies.
    const a = worker([], { ...TEST_ENV, DKL_FAULTS: 'step/7:pause' }, true);
    const snapshots = () => (existsSync(join(dir, 'checkpoints')) ? readdirSync(join(dir, 'checkpoints')).filter((f) => f.endsWith('.ckpt')) : []);
    await waitFor(() => snapshots().length >= 2, 120_000, 'worker A past its second snapshot (step 6)');
    await new Promise((r) => setTimeout(r, 1000)); // paused at step 7 for a minute
    expect(existsSync(join(dir, 'summary.json'))).toBe(false);
    process.kill(-a.child.pid!, 'SIGKILL');
    await a.exited;
    const b = worker();
    await waitFor(() => JSON.parse(readFileSafe(join(dir, 'summary.json')) ?? '{}').status === 'completed', 120_000, 'the trial completed by worker B');
    expect(b.output()).toMatch(/resuming from its last snapshot/);
    // Resumed, not restarted: B's trial process read a snapshot; one run-start in the metrics log.
    expect(readFileSync(trialFiles(dir).log, 'utf8')).toMatch(/\[dkl\] resuming from .*\.ckpt/);
    expect(readFileSync(join(dir, 'metrics.jsonl'), 'utf8').split('\n').filter((l) => l.includes('"type":"run-start"'))).toHaveLength(1);
    expect(JSON.parse(readFileSync(trialFiles(dir).state, 'utf8')).worker).toMatch(new RegExp(`:${b.child.pid}$`));
    // The same trial, uninterrupted, in another sweep directory.
    const serial = await dkl(['sweep', 'run', file, '--workers', '1', '--dir', join(root, 'kill-serial')]);
    expect(serial.code, serial.stderr).toBe(0);
    const serialDir = trialDir(join(root, 'kill-serial'), plan.trials[0]!.id);
    const untimed = (f: string) => JSON.parse(readFileSync(f, 'utf8'), (k, v) => (['time', 'startedAt', 'wallTimeMs', 'setupMs', 'durationMs', 'imagesPerSecond', 'backend'].includes(k) ? undefined : v));
    const resumed = untimed(join(dir, 'summary.json'));
    expect(resumed.status).toBe('completed');
    expect(resumed.history).toHaveLength(3);
    expect(resumed).toEqual(untimed(join(serialDir, 'summary.json')));
    const trials = await report(file);
    expect(trials).toHaveLength(1);
    expect(trials[0]!.metrics).toEqual(resumed.history[2].eval.test && Object.fromEntries(Object.entries(resumed.history[2].eval.test as Record<string, number>).map(([k, v]) => [`test.${k}`, v])));
    // Progress (epoch, metrics) went to the job; the final metrics are its result.
    const queue = new Queue('dkl-sweep-kill', { connection: { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null } });
    const job = await queue.getJob(plan.trials[0]!.id);
    await queue.close();
    expect(job!.progress).toMatchObject({ worker: expect.stringMatching(new RegExp(`:${b.child.pid}$`)), epoch: 3, metrics: { 'test.top1': trials[0]!.metrics['test.top1'] } });
    expect(job!.returnvalue).toMatchObject({ epoch: 3, metrics: trials[0]!.metrics });
    await stopWorker(b);
  });

  it('an idle worker serves a sweep as soon as it is submitted (announced on Redis), not at its next scan', async () => {
    // The built package: the worker forks dist/trial-process.js next to itself.
    const { startSweepWorker } = (await import(join(__dirname, '../dist/index.js'))) as typeof import('../src/index.js');
    const logs: string[] = [];
    const w = await startSweepWorker({ redis: redis.url, rescanMs: 3_600_000, log: (l) => logs.push(l), env: TEST_ENV });
    try {
      const file = writeSweep(join(root, 'announced'), { name: 'announced', parameters: { 'schedule.lr': { grid: [0.1] } }, seeds: [0, 1] }, tinyBase({ epochs: 1 }));
      expect((await dkl(['sweep', 'submit', file, '--redis', redis.url])).code).toBe(0);
      const queue = new Queue('dkl-sweep-announced', { connection: { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null } });
      await waitFor(async () => (await queue.getJobCounts('completed')).completed === 2, 120_000, 'both trials done');
      await queue.close();
      expect(logs.some((l) => l.includes("serving sweep 'announced'"))).toBe(true);
    } finally {
      await w.close();
    }
  });

  it('an unreachable Redis is a clear error within seconds; a worker that cannot see a sweep directory refuses to start naming it', async () => {
    const closed = await freePort();
    const started = Date.now();
    const out = await dkl(['worker', '--redis', `redis://127.0.0.1:${closed}`]);
    expect(Date.now() - started).toBeLessThan(30_000); // process start included; the check itself gives up after 5 s
    expect(out.code).toBe(2);
    expect(out.stderr).toContain(`cannot reach Redis at redis://127.0.0.1:${closed}`);
    const submit = await dkl(['sweep', 'submit', writeSweep(join(root, 'nowhere'), { name: 'nowhere' }), '--redis', `redis://127.0.0.1:${closed}`]);
    expect(submit.code).toBe(2);
    expect(submit.stderr).toContain('cannot reach Redis');

    // Database 1 of the same server: a sweep registered from a machine whose directory is not here.
    const client = new Redis(`${redis.url}/1`);
    await client.hset('dkl:sweeps', 'elsewhere', JSON.stringify({ name: 'elsewhere', dir: '/mnt/not-mounted/sweeps/elsewhere', queue: 'dkl-sweep-elsewhere' }));
    client.disconnect();
    const refused = await dkl(['worker', '--redis', `${redis.url}/1`]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('/mnt/not-mounted/sweeps/elsewhere/plan.json');
    expect(refused.stderr).toMatch(/not visible from this machine/);
  });
});

function readFileSafe(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

