/** `dkl sweep run`: the trials on this machine, N trial processes at a time, no Redis. */
import { cpus } from 'node:os';
import { trialDir, type PlannedTrial, type SweepPlan } from '../plan.js';
import { runTrial, type TrialOutcome } from '../run-trial.js';
import { prepareSweepDir, sweepFiles } from '../sweep-dir.js';
import { readJsonFile, trialFiles } from '../trial-files.js';
import { TrialSpawner } from '../trial-spawner.js';

export interface LocalRunOptions {
  /** Trial processes at a time (default 1). */
  readonly workers?: number;
  /** Attempts of a trial whose failure is transient (its process was killed; default 2). */
  readonly attempts?: number;
  readonly log?: (line: string) => void;
  readonly env?: NodeJS.ProcessEnv;
  /** Run later trials in the processes of completed ones (default true; see `TrialSpawner`). */
  readonly reuseProcesses?: boolean;
}

export interface LocalRunResult {
  readonly ran: number;
  /** Trials already completed in the sweep directory (skipped). */
  readonly skipped: number;
  readonly outcomes: ReadonlyMap<string, TrialOutcome>;
}

const completed = (dir: string) => readJsonFile<{ status: string }>(trialFiles(dir).summary)?.status === 'completed';

/**
 * Runs every trial of `plan` that has not completed, `workers` at a time, each in its own
 * process with the sweep's thread count. A trial that fails does not stop the others.
 */
export async function runSweepLocally(plan: SweepPlan, options: LocalRunOptions = {}): Promise<LocalRunResult> {
  const log = options.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const workers = Math.max(1, options.workers ?? 1);
  const attempts = Math.max(1, options.attempts ?? 2);
  if (workers * plan.threads > cpus().length) log(`[sweep] warning: ${workers} workers x ${plan.threads} thread(s) exceeds the ${cpus().length} cores: trials will be slower (their results do not change)`);
  await prepareSweepDir(plan);
  const pending = plan.trials.filter((t) => !completed(trialDir(plan.dir, t.id)));
  const outcomes = new Map<string, TrialOutcome>();
  let next = 0;
  // Completed trials' processes run later ones (without reuse, the next trial's process loads while the current ones run).
  const spawner = new TrialSpawner({ ...(options.env ? { env: options.env } : {}), ...(options.reuseProcesses !== undefined ? { reuse: options.reuseProcesses } : {}) });
  // The first trials' processes load side by side before any trial trains.
  spawner.prestart(plan.threads, Math.min(workers, pending.length));
  const runOne = async (trial: PlannedTrial): Promise<void> => {
    const dir = trialDir(plan.dir, trial.id);
    for (let attempt = 1; ; attempt++) {
      log(`[sweep] trial ${trial.id} (${trial.cellLabel}, seed ${trial.seed}) started${attempt > 1 ? `, attempt ${attempt}` : ''}`);
      // Load a process ahead only while some trial is still to start.
      const outcome = await runTrial(dir, { cacheDir: sweepFiles(plan.dir).cache, attempt, log, spawner, ahead: next < pending.length });
      outcomes.set(trial.id, outcome);
      const top1 = Object.entries(outcome.metrics).find(([k]) => k.endsWith('.top1'));
      log(`[sweep] trial ${trial.id} ${outcome.status}${outcome.error ? `: ${outcome.error}` : top1 ? `: ${top1[0]} ${(top1[1] * 100).toFixed(2)}%` : ''}`);
      if (outcome.status === 'done' || !outcome.transient || attempt >= attempts) return;
    }
  };
  const lane = async (): Promise<void> => {
    while (next < pending.length) await runOne(pending[next++]!);
  };
  try {
    await Promise.all(Array.from({ length: Math.min(workers, pending.length) }, lane));
  } finally {
    spawner.close();
  }
  return { ran: pending.length, skipped: plan.trials.length - pending.length, outcomes };
}
