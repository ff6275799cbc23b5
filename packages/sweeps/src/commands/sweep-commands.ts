/** The `dkl sweep …` and `dkl worker` commands as functions (the CLI wiring is in index.ts). */
import { ArgumentError } from '@dkl/core';
import { formatTable } from '@dkl/cli';
import { runSweepLocally } from '../local/run-local.js';
import { planSweep, sweepDirectory, type SweepPlan } from '../plan.js';
import { cellSummaryTable, trialRecords, trialsCsv, writeSweepReport } from '../report.js';
import { collectStatuses, countStatuses, type TrialStatus } from '../status.js';
import { readStoredPlan, type StoredPlan } from '../sweep-dir.js';
import { readSweepFile } from '../sweep-file.js';

export interface SweepCommandOptions {
  /** Sweep directory (default: `sweeps/<name>` next to the sweep file). */
  readonly dir?: string;
  readonly out?: (text: string) => void;
  readonly log?: (line: string) => void;
}

const printer = (o: SweepCommandOptions) => o.out ?? ((t: string) => process.stdout.write(`${t}\n`));
const show = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' ? String(Number(v.toPrecision(6))) : JSON.stringify(v));

/** The trial table of a plan. */
export function planTable(plan: SweepPlan | StoredPlan): string {
  const keys = plan.parameterKeys;
  return formatTable(['#', 'trial id', ...keys, 'seed'], plan.trials.map((t, i) => [String(i), t.id, ...keys.map((k) => show(t.parameters[k])), String(t.seed)]));
}

/** `dkl sweep plan`: resolves and validates every trial, prints the table. */
export async function sweepPlanCommand(file: string, options: SweepCommandOptions = {}): Promise<SweepPlan> {
  const plan = await planSweep(file, options.dir ? { dir: options.dir } : {});
  const out = printer(options);
  out(`sweep ${plan.name}: ${plan.trials.length} trials, ${plan.threads} thread(s) each, directory ${plan.dir}`);
  out(planTable(plan));
  return plan;
}

/** `dkl sweep run --workers N`: all trials on this machine; resolves with the number of failed trials. */
export async function sweepRunCommand(file: string, options: SweepCommandOptions & { workers: number; env?: NodeJS.ProcessEnv; freshProcesses?: boolean }): Promise<number> {
  if (!Number.isInteger(options.workers) || options.workers < 1) throw new ArgumentError('--workers', `must be a positive integer, got ${options.workers}`);
  const plan = await planSweep(file, options.dir ? { dir: options.dir } : {});
  const log = options.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  log(`[sweep] ${plan.name}: ${plan.trials.length} trials, ${options.workers} worker(s) x ${plan.threads} thread(s), in ${plan.dir}`);
  const result = await runSweepLocally(plan, { workers: options.workers, log, ...(options.env ? { env: options.env } : {}), ...(options.freshProcesses ? { reuseProcesses: false } : {}) });
  if (result.skipped) log(`[sweep] ${result.skipped} trial(s) had completed already`);
  const statuses = statusesOf(readStoredPlan(plan.dir)!, plan.dir);
  printer(options)(cellSummaryTable(statuses));
  printer(options)(`report: ${await writeSweepReport(readStoredPlan(plan.dir)!, plan.dir, statuses)}`);
  return countStatuses(statuses).failed;
}

/** The stored plan of a sweep file's directory, planning it (and validating) if it never ran. */
async function storedPlan(file: string, dir?: string): Promise<{ plan: StoredPlan; dir: string }> {
  const sweep = readSweepFile(file);
  const sweepDir = sweepDirectory(file, sweep.name, dir);
  const stored = readStoredPlan(sweepDir);
  if (stored) return { plan: stored, dir: sweepDir };
  const plan = await planSweep(file, dir ? { dir } : {});
  return { plan: { name: plan.name, file: plan.file, threads: plan.threads, parameterKeys: plan.parameterKeys, trials: plan.trials.map((t) => ({ id: t.id, cellLabel: t.cellLabel, cell: t.cell, parameters: t.parameters, seed: t.seed })) }, dir: sweepDir };
}

function statusesOf(plan: StoredPlan, dir: string, queue?: Awaited<ReturnType<typeof import('../queue/queue-status.js').queueStates>>): TrialStatus[] {
  return collectStatuses(plan, dir, queue);
}

async function currentStatuses(file: string, options: SweepCommandOptions & { redis?: string }): Promise<{ plan: StoredPlan; dir: string; statuses: TrialStatus[] }> {
  const { plan, dir } = await storedPlan(file, options.dir);
  const queue = options.redis ? await (await import('../queue/queue-status.js')).queueStates(plan.name, options.redis) : undefined;
  return { plan, dir, statuses: statusesOf(plan, dir, queue) };
}

/** `dkl sweep status`: counts and one line per trial (status, worker, epoch, error). */
export async function sweepStatusCommand(file: string, options: SweepCommandOptions & { redis?: string; json?: boolean }): Promise<TrialStatus[]> {
  const { plan, statuses } = await currentStatuses(file, options);
  const out = printer(options);
  if (options.json) {
    out(JSON.stringify({ trials: statuses.map(({ runDir: _r, ...s }) => s) }, null, 2));
    return statuses;
  }
  const counts = countStatuses(statuses);
  out(`sweep ${plan.name}: ${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')}`);
  out(formatTable(['trial id', 'status', 'cell', 'seed', 'worker', 'epoch', 'error'], statuses.map((s) => [s.id, s.status, s.cellLabel, String(s.seed), s.worker ?? '', s.epoch !== undefined ? String(s.epoch) : '', s.error ?? ''])));
  return statuses;
}

export type ReportFormat = 'table' | 'json' | 'csv';

/** `dkl sweep report`: the per-cell table / json / csv on stdout and `report.html` in the sweep directory. */
export async function sweepReportCommand(file: string, options: SweepCommandOptions & { redis?: string; format?: string }): Promise<{ statuses: TrialStatus[]; html: string }> {
  const format = (options.format ?? 'table') as ReportFormat;
  if (!['table', 'json', 'csv'].includes(format)) throw new ArgumentError('--format', `must be table, json or csv, got '${options.format}'`);
  const { plan, dir, statuses } = await currentStatuses(file, options);
  const html = await writeSweepReport(plan, dir, statuses);
  const out = printer(options);
  if (format === 'json') out(JSON.stringify({ trials: trialRecords(statuses) }, null, 2));
  else if (format === 'csv') out(trialsCsv(plan, statuses));
  else {
    out(`sweep ${plan.name}: ${Object.entries(countStatuses(statuses)).map(([k, v]) => `${v} ${k}`).join(', ')}`);
    out(cellSummaryTable(statuses));
    out(`report: ${html}`);
  }
  return { statuses, html };
}

/** `dkl sweep submit`: enqueue the trials in Redis. */
export async function sweepSubmitCommand(file: string, options: SweepCommandOptions & { redis: string }): Promise<{ added: number; existing: number }> {
  const plan = await planSweep(file, options.dir ? { dir: options.dir } : {});
  const { submitSweep } = await import('../queue/submit.js');
  const result = await submitSweep(plan, options.redis);
  printer(options)(`sweep ${plan.name}: ${result.added} trial(s) added to queue ${result.queue}, ${result.existing} already there; directory ${plan.dir}`);
  return result;
}

/** `dkl worker`: serves every submitted sweep until SIGINT / SIGTERM. */
export async function workerCommand(options: { redis: string; concurrency: number; lockMs?: number; freshProcesses?: boolean; prestartThreads?: number; log?: (l: string) => void }): Promise<void> {
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) throw new ArgumentError('--concurrency', `must be a positive integer, got ${options.concurrency}`);
  if (options.prestartThreads !== undefined && (!Number.isInteger(options.prestartThreads) || options.prestartThreads < 0)) throw new ArgumentError('--prestart-threads', `must be a non-negative integer, got ${options.prestartThreads}`);
  const { startSweepWorker } = await import('../queue/worker.js');
  const worker = await startSweepWorker({
    redis: options.redis,
    concurrency: options.concurrency,
    ...(options.lockMs ? { lockDurationMs: options.lockMs } : {}),
    ...(options.freshProcesses ? { reuseProcesses: false } : {}),
    ...(options.prestartThreads !== undefined ? { prestartThreads: options.prestartThreads } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  await new Promise<void>((done) => {
    const stop = (signal: string) => {
      (options.log ?? ((l: string) => process.stderr.write(`${l}\n`)))(`[worker] ${signal}: stopping (running trials are abandoned and resume elsewhere)`);
      void worker.close(true).finally(done);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}
