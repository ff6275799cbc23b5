import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import * as path from 'node:path';
import { CheckpointError } from '@dkl/core';

/** What `run.lock` holds: who is running the run. */
interface LockOwner {
  readonly pid: number;
  readonly hostname: string;
  readonly command: string;
  readonly startedAt: string;
}

/** A held run lock; `release` is idempotent and also runs when the process exits. */
export interface RunLock {
  readonly file: string;
  release(): void;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

function readOwner(file: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(file, 'utf8')) as LockOwner;
    return Number.isInteger(owner.pid) ? owner : undefined;
  } catch {
    return undefined; // vanished, or a lock whose writer died between creating and filling it
  }
}

/**
 * Takes `<runDir>/run.lock` (created exclusively), so two processes never train the same run
 * directory. A lock left by a dead process on this host (a SIGKILLed run) is stale and taken
 * over; `log` says so. A live holder, or one on another host, is a CheckpointError naming it.
 */
export function acquireRunLock(runDir: string, command: string, log: (line: string) => void = () => undefined): RunLock {
  const file = path.join(runDir, 'run.lock');
  const me: LockOwner = { pid: process.pid, hostname: hostname(), command, startedAt: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      try {
        writeSync(fd, `${JSON.stringify(me)}\n`);
      } finally {
        closeSync(fd);
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) {
        throw new CheckpointError(file, `cannot be created: ${(error as Error).message}`, { cause: error });
      }
      const owner = readOwner(file);
      if (owner && owner.pid !== process.pid && (owner.hostname !== me.hostname || isAlive(owner.pid))) {
        const where = owner.hostname === me.hostname ? `process ${owner.pid}` : `process ${owner.pid} on ${owner.hostname}`;
        throw new CheckpointError(file, `is held by ${where} (${owner.command}, since ${owner.startedAt}): the run is already running; wait for it to end${owner.hostname === me.hostname ? '' : ', or delete the lock if that host is down'}`);
      }
      log(`[dkl] ${file}: stale lock of ${owner ? `process ${owner.pid} (${owner.command}, since ${owner.startedAt}), no longer running` : 'a process that died while taking it'}; taking it over`);
      rmSync(file, { force: true });
    }
  }
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    process.off('exit', release);
    if (readOwner(file)?.pid === process.pid) rmSync(file, { force: true });
  };
  process.on('exit', release);
  return { file, release };
}
