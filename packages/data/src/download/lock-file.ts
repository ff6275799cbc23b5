/**
 * An exclusive lock file (`open(..., 'wx')`) so two processes downloading the same dataset never
 * write the same files: the second waits for the first. A lock whose owner process is gone (same
 * host, pid no longer alive) is stale and taken over.
 */
import { open, readFile, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { DataError } from '@dkl/core';

/** Options of {@link acquireLock}. */
export interface LockOptions {
  /** Give up after this many ms (default 2 hours: a slow first download may hold the lock that long). */
  readonly timeoutMs?: number;
  /** Poll interval (default 200 ms). */
  readonly pollMs?: number;
  /** Called once when the lock is held by someone else and we start waiting. */
  readonly onWait?: (owner: string) => void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function staleOwner(path: string): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return false; // released between our open and read: just retry
  }
  const [pid, host] = text.split('\n');
  // An empty file is a lock being written right now, unless it stayed empty (its writer died between open and write).
  if (text === '') return Date.now() - (await stat(path).then((s) => s.mtimeMs, () => Date.now())) > 10_000;
  // A foreign host's pid cannot be checked.
  return pid !== undefined && /^\d+$/.test(pid) && host === hostname() && !alive(Number(pid));
}

/** Waits until `path` can be created exclusively; resolves to a release function. */
export async function acquireLock(path: string, options: LockOptions = {}): Promise<() => Promise<void>> {
  const timeoutMs = options.timeoutMs ?? 2 * 3600_000;
  const deadline = Date.now() + timeoutMs;
  let waiting = false;
  for (;;) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(`${process.pid}\n${hostname()}\n`);
      await handle.close();
      return () => rm(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (await staleOwner(path)) {
      await rm(path, { force: true });
      continue;
    }
    if (!waiting) {
      waiting = true;
      options.onWait?.((await readFile(path, 'utf8').catch(() => '')).split('\n')[0] ?? '?');
    }
    if (Date.now() > deadline) throw new DataError(path, `lock still held after ${(timeoutMs / 1000).toFixed(1)} s; remove it if no download is running`);
    await new Promise((r) => setTimeout(r, options.pollMs ?? 200));
  }
}
