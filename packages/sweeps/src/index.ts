/**
 * @dkl/sweeps: hyperparameter sweeps for dkl. A sweep file names a base run config, the config
 * key paths to vary (`grid` lists, seeded `random` draws) and the seeds; every trial is resolved
 * and validated up front and identified by a hash of its config. Trials run on this machine
 * (`runSweepLocally`, N processes) or on many (`submitSweep` + `startSweepWorker`, BullMQ on
 * Redis), resume from their last snapshot when a worker dies, and are compared per cell.
 * @packageDocumentation
 */
export { sweepFileSchema, sweepFileJsonSchema, parseSweepFile, readSweepFile, type SweepFile, type SweepFileInput, type ParameterSpec } from './sweep-file.js';
export { setKeyPath, hasKeyPath, splitKeyPath } from './key-path.js';
export { expandCells, cellLabel, type Cell } from './sample.js';
export { planSweep, trialId, sweepDirectory, trialDir, type SweepPlan, type PlannedTrial } from './plan.js';
export { prepareSweepDir, readStoredPlan, sweepFiles, type StoredPlan } from './sweep-dir.js';
export { trialFiles, type TrialSpec, type TrialState } from './trial-files.js';
export { runTrial, readProgress, summaryMetrics, type TrialOutcome, type TrialProgress, type RunTrialOptions } from './run-trial.js';
export { TrialSpawner, type SpawnedTrial, type TrialSpawnerOptions } from './trial-spawner.js';
export { runSweepLocally, type LocalRunOptions, type LocalRunResult } from './local/run-local.js';
export { collectStatuses, countStatuses, type TrialStatus, type TrialStatusName, type QueueTrialState } from './status.js';
export { trialRecords, trialsCsv, cellSummaryTable, writeSweepReport, type TrialRecord } from './report.js';
export { parseRedisUrl, assertRedisReachable, type RedisConnection } from './queue/redis.js';
export { queueName, SWEEPS_KEY, type RegisteredSweep } from './queue/registry.js';
export { submitSweep, TRIAL_ATTEMPTS, type TrialJobData, type SubmitResult } from './queue/submit.js';
export { startSweepWorker, type SweepWorker, type SweepWorkerOptions, type TrialJobProgress, type TrialResult } from './queue/worker.js';
export { queueStates } from './queue/queue-status.js';
export { sweepPlanCommand, sweepRunCommand, sweepSubmitCommand, sweepStatusCommand, sweepReportCommand, workerCommand, planTable, type SweepCommandOptions } from './commands/sweep-commands.js';
