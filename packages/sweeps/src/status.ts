/** Where each trial of a sweep is: from its run directory, optionally overlaid by its BullMQ job. */
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { trialDir } from './plan.js';
import { summaryMetrics } from './run-trial.js';
import type { StoredPlan } from './sweep-dir.js';
import { readJsonFile, trialFiles, type TrialState } from './trial-files.js';

export type TrialStatusName = 'queued' | 'running' | 'done' | 'failed';

export interface TrialStatus {
  readonly id: string;
  readonly status: TrialStatusName;
  readonly cell: number;
  readonly cellLabel: string;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly seed: number;
  readonly runDir: string;
  /** `host:pid` running (or that ran) it. */
  readonly worker?: string;
  /** Last finished epoch. */
  readonly epoch?: number;
  readonly error?: string;
  /** Final metrics of a completed trial (`test.top1`...); the latest epoch's while running. */
  readonly metrics: Readonly<Record<string, number>>;
}

/** What a queue knows of a trial (see queue/queue-status.ts). */
export interface QueueTrialState {
  readonly status: TrialStatusName;
  readonly worker?: string;
  readonly epoch?: number;
  readonly error?: string;
  readonly metrics?: Readonly<Record<string, number>>;
}

function alive(worker: string): boolean {
  const [host, pid] = worker.split(':');
  if (host !== hostname()) return true; // cannot tell: trust the state file
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch {
    return false;
  }
}

/** Each trial's status from its run directory (and `queue`, the Redis view, when given). */
export function collectStatuses(plan: StoredPlan, sweepDir: string, queue?: ReadonlyMap<string, QueueTrialState>): TrialStatus[] {
  return plan.trials.map((t) => {
    const runDir = trialDir(sweepDir, t.id);
    const files = trialFiles(runDir);
    const base = { id: t.id, cell: t.cell, cellLabel: t.cellLabel, parameters: t.parameters, seed: t.seed, runDir };
    const summary = readJsonFile<{ status: string; error?: string; epoch: number; history: [] }>(files.summary);
    const state = readJsonFile<TrialState>(files.state);
    const fromQueue = queue?.get(t.id);
    if (summary?.status === 'completed') return { ...base, status: 'done', epoch: summary.epoch, metrics: summaryMetrics(summary), ...(state ? { worker: state.worker } : {}) };
    if (fromQueue) {
      return {
        ...base,
        status: fromQueue.status,
        metrics: fromQueue.metrics ?? {},
        ...(fromQueue.worker ? { worker: fromQueue.worker } : {}),
        ...(fromQueue.epoch !== undefined ? { epoch: fromQueue.epoch } : {}),
        ...(fromQueue.error ? { error: fromQueue.error } : {}),
      };
    }
    if (state?.status === 'failed') return { ...base, status: 'failed', worker: state.worker, ...(state.error ? { error: state.error } : {}), ...(state.epoch !== undefined ? { epoch: state.epoch } : {}), metrics: {} };
    if (state?.status === 'running' && alive(state.worker)) return { ...base, status: 'running', worker: state.worker, ...(state.epoch !== undefined ? { epoch: state.epoch } : {}), metrics: {} };
    return { ...base, status: 'queued', metrics: {}, ...(existsSync(files.checkpoints) ? { error: 'interrupted: resumes from its last snapshot when run again' } : {}) };
  });
}

/** Counts per status, in a fixed order. */
export function countStatuses(statuses: readonly TrialStatus[]): Record<TrialStatusName, number> {
  const counts: Record<TrialStatusName, number> = { queued: 0, running: 0, done: 0, failed: 0 };
  for (const s of statuses) counts[s.status]++;
  return counts;
}
