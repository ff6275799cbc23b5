/** The sweeps a Redis holds (hash `dkl:sweeps`: name -> where its directory is), so workers find every queue. */
import { Redis } from 'ioredis';
import type { RedisConnection } from './redis.js';

export const SWEEPS_KEY = 'dkl:sweeps';
/** Pub/sub channel announcing each registration: workers serve a new sweep at once instead of at their next scan. */
export const SWEEPS_CHANNEL = 'dkl:sweeps:registered';

export interface RegisteredSweep {
  readonly name: string;
  /** The shared sweep directory, as the submitting machine sees it (all workers must see it there too). */
  readonly dir: string;
  readonly queue: string;
}

/** BullMQ queue of a sweep. */
export const queueName = (sweep: string): string => `dkl-sweep-${sweep}`;

export async function withRedis<T>(connection: RedisConnection, use: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({ ...connection, maxRetriesPerRequest: 3 });
  redis.on('error', () => undefined); // reported through the failing command
  try {
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}

export async function registerSweep(redis: Redis, sweep: RegisteredSweep): Promise<void> {
  await redis.hset(SWEEPS_KEY, sweep.name, JSON.stringify(sweep));
  await redis.publish(SWEEPS_CHANNEL, JSON.stringify(sweep));
}

export async function registeredSweeps(redis: Redis): Promise<RegisteredSweep[]> {
  const all = await redis.hgetall(SWEEPS_KEY);
  return Object.values(all).map((v) => JSON.parse(v) as RegisteredSweep);
}
