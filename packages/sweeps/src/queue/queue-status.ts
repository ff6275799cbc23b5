/** The Redis view of a sweep: each trial's job state, worker, epoch, error and final metrics. */
import { Queue } from 'bullmq';
import type { QueueTrialState, TrialStatusName } from '../status.js';
import { assertRedisReachable, parseRedisUrl } from './redis.js';
import { queueName } from './registry.js';
import type { TrialResult, TrialJobProgress } from './worker.js';

const STATE: Record<string, TrialStatusName> = { waiting: 'queued', delayed: 'queued', prioritized: 'queued', 'waiting-children': 'queued', paused: 'queued', active: 'running', completed: 'done', failed: 'failed' };

export async function queueStates(sweep: string, redisUrl: string): Promise<Map<string, QueueTrialState>> {
  await assertRedisReachable(redisUrl);
  const queue = new Queue(queueName(sweep), { connection: parseRedisUrl(redisUrl) });
  try {
    const out = new Map<string, QueueTrialState>();
    for (const [type, status] of Object.entries(STATE)) {
      const jobs = await queue.getJobs([type as 'waiting']);
      for (const job of jobs) {
        if (!job?.id) continue;
        const progress = (typeof job.progress === 'object' ? job.progress : undefined) as TrialJobProgress | undefined;
        const result = job.returnvalue as TrialResult | undefined;
        out.set(job.id, {
          status,
          ...(progress?.worker ? { worker: progress.worker } : {}),
          ...(progress?.epoch !== undefined ? { epoch: progress.epoch } : {}),
          ...(status === 'failed' && job.failedReason ? { error: job.failedReason } : {}),
          ...(status === 'done' && result?.metrics ? { metrics: result.metrics } : {}),
        });
      }
    }
    return out;
  } finally {
    await queue.close();
  }
}
