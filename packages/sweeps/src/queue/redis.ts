/** Redis connection settings from a `redis://` URL, and a fail-fast reachability check. */
import { ArgumentError } from '@dkl/core';
import { Redis } from 'ioredis';

export interface RedisConnection {
  readonly host: string;
  readonly port: number;
  readonly db?: number;
  readonly username?: string;
  readonly password?: string;
  /** BullMQ workers block on Redis: their commands must wait through a reconnect, not fail. */
  readonly maxRetriesPerRequest: null;
}

/** `redis://[user:password@]host[:port][/db]` -> connection options; anything else names the argument. */
export function parseRedisUrl(url: string, argument = '--redis'): RedisConnection {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ArgumentError(argument, `'${url}' is not a URL: expected redis://host:port`);
  }
  if (parsed.protocol !== 'redis:') throw new ArgumentError(argument, `'${url}' must start with redis:// (e.g. redis://127.0.0.1:6379)`);
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : undefined;
  if (db !== undefined && !Number.isInteger(db)) throw new ArgumentError(argument, `'${url}': the database '${parsed.pathname.slice(1)}' is not a number`);
  return {
    host: parsed.hostname || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 6379,
    maxRetriesPerRequest: null,
    ...(db !== undefined ? { db } : {}),
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
  };
}

/**
 * Connects once and pings within `timeoutMs` (default 5 s), without retrying: an unreachable or
 * refusing Redis is an ArgumentError naming the URL and the cause, instead of a client that
 * retries forever.
 */
export async function assertRedisReachable(url: string, timeoutMs = 5000, argument = '--redis'): Promise<void> {
  const options = parseRedisUrl(url, argument);
  const client = new Redis({ ...options, lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: timeoutMs, retryStrategy: () => null, enableOfflineQueue: false });
  let lastError: Error | undefined;
  client.on('error', (error: Error) => (lastError = error));
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect().then(() => client.ping()),
      new Promise((_, fail) => (timer = setTimeout(() => fail(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs))),
    ]);
  } catch (error) {
    const cause = lastError ?? (error as Error);
    throw new ArgumentError(argument, `cannot reach Redis at ${url}: ${cause.message}`);
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}
