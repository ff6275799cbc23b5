/** The sweep directory on disk: `plan.json`, one run directory per trial (`trials/<id>`), the teacher cache. */
import { existsSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { trialDir, type SweepPlan } from './plan.js';
import { readJsonFile, trialFiles, writeJsonFile, type TrialSpec } from './trial-files.js';

/** `plan.json`: what workers and `status` need without the sweep file. */
export interface StoredPlan {
  readonly name: string;
  readonly file: string;
  readonly threads: number;
  readonly parameterKeys: readonly string[];
  readonly trials: ReadonlyArray<{ id: string; cellLabel: string; cell: number; parameters: Readonly<Record<string, unknown>>; seed: number }>;
}

export const sweepFiles = (dir: string) => ({ plan: path.join(dir, 'plan.json'), cache: path.join(dir, 'cache'), report: path.join(dir, 'report.html'), trials: path.join(dir, 'trials') });

/** Writes plan.json and each trial's `sweep-trial.json` (kept when present: a trial's files never change). */
export async function prepareSweepDir(plan: SweepPlan): Promise<void> {
  mkdirSync(sweepFiles(plan.dir).trials, { recursive: true });
  const stored: StoredPlan = {
    name: plan.name,
    file: plan.file,
    threads: plan.threads,
    parameterKeys: plan.parameterKeys,
    trials: plan.trials.map((t) => ({ id: t.id, cellLabel: t.cellLabel, cell: t.cell, parameters: t.parameters, seed: t.seed })),
  };
  for (const trial of plan.trials) {
    const dir = trialDir(plan.dir, trial.id);
    const file = trialFiles(dir).spec;
    if (existsSync(file)) continue;
    mkdirSync(dir, { recursive: true });
    const spec: TrialSpec = { id: trial.id, sweep: plan.name, cellLabel: trial.cellLabel, parameters: trial.parameters, seed: trial.seed, threads: plan.threads, config: trial.config };
    await writeJsonFile(file, spec);
  }
  await writeJsonFile(sweepFiles(plan.dir).plan, stored);
}

export function readStoredPlan(dir: string): StoredPlan | undefined {
  return readJsonFile<StoredPlan>(sweepFiles(dir).plan);
}
