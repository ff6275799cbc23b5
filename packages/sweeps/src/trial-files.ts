/** What a trial's run directory holds besides the run itself: its sweep identity and its state. */
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import * as path from 'node:path';
import { writeFileAtomic } from '@dkl/core';
import type { RunConfig } from '@dkl/cli';

/** `sweep-trial.json`: which trial the run directory is (written before it first runs). */
export interface TrialSpec {
  readonly id: string;
  readonly sweep: string;
  readonly cellLabel: string;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly seed: number;
  readonly threads: number;
  readonly config: RunConfig;
}

/** `trial-state.json`: where the trial is, written by whoever runs it. */
export interface TrialState {
  readonly status: 'running' | 'done' | 'failed';
  /** `host:pid` of the process that runs (ran) it. */
  readonly worker: string;
  readonly epoch?: number;
  readonly error?: string;
  readonly attempts: number;
  readonly updatedAt: string;
}

export const trialFiles = (runDir: string) => ({
  spec: path.join(runDir, 'sweep-trial.json'),
  state: path.join(runDir, 'trial-state.json'),
  summary: path.join(runDir, 'summary.json'),
  metrics: path.join(runDir, 'metrics.jsonl'),
  checkpoints: path.join(runDir, 'checkpoints'),
  lock: path.join(runDir, 'run.lock'),
  log: path.join(runDir, 'trial.log'),
});

export const workerName = (): string => `${hostname()}:${process.pid}`;

export function readJsonFile<T>(file: string): T | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export async function writeJsonFile(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}
