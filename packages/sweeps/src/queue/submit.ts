/** `dkl sweep submit`: the sweep's trials as BullMQ jobs, one per trial id, in the sweep's queue. */
import { Queue } from 'bullmq';
import type { SweepPlan } from '../plan.js';
import { prepareSweepDir } from '../sweep-dir.js';
import { assertRedisReachable, parseRedisUrl } from './redis.js';
import { queueName, registerSweep, withRedis } from './registry.js';

/** What a trial's job carries: where to find the trial (its run directory holds the config). */
export interface TrialJobData {
  readonly sweep: string;
  readonly sweepDir: string;
  readonly trialId: string;
}

export interface SubmitResult {
  readonly queue: string;
  /** Trials that got a new job. */
  readonly added: number;
  /** Trials whose job already existed (queued, running, done or failed): not duplicated. */
  readonly existing: number;
}

/** Attempts of a trial whose failure is transient (its process or worker died). */
export const TRIAL_ATTEMPTS = 3;

/**
 * Writes the sweep directory (plan.json, each trial's sweep-trial.json), registers the sweep and
 * adds one job per trial with the trial id as job id: BullMQ ignores an id it already holds, so
 * submitting the same sweep again adds no trial.
 */
export async function submitSweep(plan: SweepPlan, redisUrl: string): Promise<SubmitResult> {
  await assertRedisReachable(redisUrl);
  const connection = parseRedisUrl(redisUrl);
  await prepareSweepDir(plan);
  const name = queueName(plan.name);
  const queue = new Queue<TrialJobData>(name, { connection });
  try {
    await withRedis(connection, (redis) => registerSweep(redis, { name: plan.name, dir: plan.dir, queue: name }));
    const known = await Promise.all(plan.trials.map((t) => queue.getJob(t.id)));
    const fresh = plan.trials.filter((_, i) => !known[i]);
    await queue.addBulk(
      fresh.map((t) => ({
        name: 'trial',
        data: { sweep: plan.name, sweepDir: plan.dir, trialId: t.id },
        opts: { jobId: t.id, attempts: TRIAL_ATTEMPTS, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: false, removeOnFail: false },
      })),
    );
    return { queue: name, added: fresh.length, existing: plan.trials.length - fresh.length };
  } finally {
    await queue.close();
  }
}
