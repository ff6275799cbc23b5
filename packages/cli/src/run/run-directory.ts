import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CheckpointError, writeFileAtomic } from '@dkl/core';
import type { EpochRecord } from '@dkl/trainers';

/** What `summary.json` in a run directory holds. */
export interface RunSummary {
  readonly status: 'completed' | 'stopped' | 'failed' | 'running';
  readonly startedAt: string;
  readonly wallTimeMs: number;
  /** Of `wallTimeMs`, the part before the student's first step: teacher training or loading, data preparation. */
  readonly setupMs?: number;
  readonly backend: string;
  readonly epoch: number;
  readonly step: number;
  readonly history: readonly EpochRecord[];
  readonly reason?: string;
  readonly error?: string;
}

function stamp(date: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}${p(date.getMonth() + 1)}${p(date.getDate())}-${p(date.getHours())}${p(date.getMinutes())}${p(date.getSeconds())}`;
}

/** Creates `<runsDir>/<timestamp>-<name>` (with a numeric suffix if it exists). */
export function createRunDirectory(runsDir: string, name: string, now = new Date()): string {
  const base = path.join(runsDir, `${stamp(now)}-${name}`);
  let dir = base;
  for (let i = 2; existsSync(dir); i++) dir = `${base}-${i}`;
  mkdirSync(dir, { recursive: true });
  return dir;
}

export async function writeJson(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

export function readJson<T>(file: string): T {
  if (!existsSync(file)) throw new CheckpointError(file, 'does not exist: is this a dkl run directory?');
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (error) {
    throw new CheckpointError(file, `is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}

/** Files of a run directory. */
export const runFiles = (runDir: string) => ({
  config: path.join(runDir, 'config.json'),
  backend: path.join(runDir, 'backend.json'),
  summary: path.join(runDir, 'summary.json'),
  classPrior: path.join(runDir, 'class-prior.json'),
  report: path.join(runDir, 'report.html'),
  lastCheckpoint: path.join(runDir, 'checkpoints', 'last.ckpt'),
  bestCheckpoint: path.join(runDir, 'checkpoints', 'best.ckpt'),
});
