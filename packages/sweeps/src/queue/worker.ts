/**
 * `dkl worker`: pulls trials from every sweep registered in Redis and runs each in a child
 * process. A worker killed mid-trial leaves its job stalled once its lock expires; BullMQ hands
 * the job to another worker, whose trial process resumes the run from its newest snapshot.
 */
import { existsSync } from 'node:fs';
import { ArgumentError } from '@dkl/core';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { trialDir } from '../plan.js';
import { runTrial, type TrialProgress } from '../run-trial.js';
import { sweepFiles } from '../sweep-dir.js';
import { trialFiles, workerName } from '../trial-files.js';
import { TrialSpawner } from '../trial-spawner.js';
import { assertRedisReachable, parseRedisUrl } from './redis.js';
import { registeredSweeps, SWEEPS_CHANNEL, withRedis, type RegisteredSweep } from './registry.js';
import type { TrialJobData } from './submit.js';

/** A running trial's job progress. */
export interface TrialJobProgress extends TrialProgress {
  readonly worker: string;
}

/** A completed trial's job result. */
export interface TrialResult {
  readonly metrics: Readonly<Record<string, number>>;
  readonly epoch: number;
  readonly wallTimeMs: number;
  readonly worker: string;
}

export interface SweepWorkerOptions {
  readonly redis: string;
  /** Trials at a time, per sweep (default 1). */
  readonly concurrency?: number;
  /** BullMQ job lock: a worker silent this long has stalled and loses its trial (default 30 s). */
  readonly lockDurationMs?: number;
  /** How often to look for newly submitted sweeps (default 2 s; submissions are also announced, and served at once). */
  readonly rescanMs?: number;
  readonly log?: (line: string) => void;
  /** Extra environment of the trial processes. */
  readonly env?: NodeJS.ProcessEnv;
  /** Run later trials in the processes of completed ones (default true; see `TrialSpawner`). */
  readonly reuseProcesses?: boolean;
  /**
   * Thread count of the trial processes loaded when the worker starts, one per `concurrency`, so
   * its first trials start at once (default 1, a sweep's default `threads`; 0 loads none). A trial
   * with another thread count gets a fresh process.
   */
  readonly prestartThreads?: number;
}

export interface SweepWorker {
  /** Sweeps served so far. */
  readonly sweeps: () => readonly string[];
  /** Stops taking trials; `force` also abandons running ones (they stall and go to another worker). */
  close(force?: boolean): Promise<void>;
}

const visible = (sweep: RegisteredSweep): boolean => existsSync(sweepFiles(sweep.dir).plan);

function notVisible(sweep: RegisteredSweep): ArgumentError {
  return new ArgumentError('sweep directory', `${sweepFiles(sweep.dir).plan} (sweep '${sweep.name}') is not visible from this machine: every worker must see the shared sweep directory ${sweep.dir} at that path`);
}

/**
 * Starts a worker: checks Redis within seconds, refuses to start if a registered sweep's
 * directory is not visible here (naming the path), then serves every registered sweep's queue.
 */
export async function startSweepWorker(options: SweepWorkerOptions): Promise<SweepWorker> {
  const log = options.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  await assertRedisReachable(options.redis);
  const connection = parseRedisUrl(options.redis);
  const lockDuration = options.lockDurationMs ?? 30_000;
  const me = workerName();
  const initial = await withRedis(connection, registeredSweeps);
  const hidden = initial.find((s) => !visible(s));
  if (hidden) throw notVisible(hidden);
  const workers = new Map<string, Worker<TrialJobData, TrialResult>>();
  const skipped = new Set<string>();
  // Completed trials' processes run later ones (without reuse, the next trial's process loads while the current one runs).
  const spawner = new TrialSpawner({ ...(options.env ? { env: options.env } : {}), ...(options.reuseProcesses !== undefined ? { reuse: options.reuseProcesses } : {}) });
  const prestartThreads = options.prestartThreads ?? 1;
  if (prestartThreads > 0) spawner.prestart(prestartThreads, options.concurrency ?? 1);

  const processTrial = async (job: Job<TrialJobData, TrialResult>): Promise<TrialResult> => {
    const runDir = trialDir(job.data.sweepDir, job.data.trialId);
    if (!existsSync(trialFiles(runDir).spec)) throw new UnrecoverableError(`${trialFiles(runDir).spec} is not visible from ${me}: the sweep directory must be shared`);
    const handedOver = job.attemptsStarted > 1 || job.stalledCounter > 0;
    log(`[worker] ${job.data.sweep}: trial ${job.data.trialId} started${handedOver ? ` (attempt ${job.attemptsStarted}, resuming from its last snapshot if it has one)` : ''}`);
    const outcome = await runTrial(runDir, {
      cacheDir: sweepFiles(job.data.sweepDir).cache,
      attempt: job.attemptsStarted,
      takeOverForeignLock: handedOver,
      log,
      spawner,
      onProgress: (p) => void job.updateProgress({ worker: me, ...p }).catch(() => undefined),
    });
    log(`[worker] ${job.data.sweep}: trial ${job.data.trialId} ${outcome.status}${outcome.error ? `: ${outcome.error}` : ''}`);
    if (outcome.status === 'done') return { metrics: outcome.metrics, epoch: outcome.epoch, wallTimeMs: outcome.wallTimeMs, worker: me };
    // The run's own failure is final; a killed process is retried (BullMQ attempts).
    if (!outcome.transient) throw new UnrecoverableError(outcome.error ?? 'trial failed');
    throw new Error(outcome.error ?? 'trial process failed');
  };

  const serve = (sweep: RegisteredSweep): void => {
    if (workers.has(sweep.queue)) return;
    if (!visible(sweep)) {
      if (!skipped.has(sweep.name)) log(`[worker] not serving sweep '${sweep.name}': ${notVisible(sweep).message}`);
      skipped.add(sweep.name);
      return;
    }
    const worker = new Worker<TrialJobData, TrialResult>(sweep.queue, processTrial, {
      connection,
      concurrency: options.concurrency ?? 1,
      lockDuration,
      stalledInterval: Math.max(1000, Math.round(lockDuration / 2)),
      maxStalledCount: 2,
      name: me,
    });
    worker.on('error', (error) => log(`[worker] ${sweep.queue}: ${error.message}`));
    workers.set(sweep.queue, worker);
    log(`[worker] ${me} serving sweep '${sweep.name}' (queue ${sweep.queue}, ${sweep.dir})`);
  };

  initial.forEach(serve);
  if (initial.length === 0) log(`[worker] ${me}: no sweep submitted yet; waiting for one`);
  // A submission announces its sweep; the periodic scan below covers announcements missed while Redis was away.
  const announcements = new Redis({ ...connection });
  announcements.on('error', () => undefined); // reconnects and resubscribes by itself
  announcements.on('message', (_channel: string, message: string) => {
    try {
      serve(JSON.parse(message) as RegisteredSweep);
    } catch {
      // not a sweep: ignore
    }
  });
  await announcements.subscribe(SWEEPS_CHANNEL);
  let scanning = false;
  const rescan = setInterval(() => {
    if (scanning) return;
    scanning = true;
    withRedis(connection, registeredSweeps)
      .then((sweeps) => sweeps.forEach(serve))
      .catch(() => undefined) // Redis away: the workers reconnect by themselves
      .finally(() => (scanning = false));
  }, options.rescanMs ?? 2000);

  return {
    sweeps: () => [...workers.keys()],
    async close(force = false) {
      clearInterval(rescan);
      announcements.disconnect();
      spawner.close();
      await Promise.all([...workers.values()].map((w) => w.close(force)));
    },
  };
}
