/** `dkl sweep report`: per-trial records (json / csv), the per-cell table and the grouped HTML comparison. */
import { existsSync } from 'node:fs';
import { cellTable, formatTable, readRunReportData, summarizeGroups, writeGroupedComparisonReport } from '@dkl/cli';
import { sweepFiles, type StoredPlan } from './sweep-dir.js';
import { trialFiles } from './trial-files.js';
import type { TrialStatus } from './status.js';

/** One trial as `--format json` prints it. */
export interface TrialRecord {
  readonly id: string;
  readonly status: TrialStatus['status'];
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly seed: number;
  readonly metrics: Readonly<Record<string, number>>;
}

export function trialRecords(statuses: readonly TrialStatus[]): TrialRecord[] {
  return statuses.map((s) => ({ id: s.id, status: s.status, parameters: s.parameters, seed: s.seed, metrics: s.status === 'done' ? s.metrics : {} }));
}

const csvCell = (v: unknown): string => {
  const text = v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

/** One row per trial: id, status, seed, each parameter, each final metric. */
export function trialsCsv(plan: StoredPlan, statuses: readonly TrialStatus[]): string {
  const metricKeys = [...new Set(statuses.flatMap((s) => (s.status === 'done' ? Object.keys(s.metrics) : [])))].sort();
  const header = ['id', 'status', 'seed', ...plan.parameterKeys, ...metricKeys, 'error'];
  const rows = statuses.map((s) => [s.id, s.status, s.seed, ...plan.parameterKeys.map((k) => s.parameters[k]), ...metricKeys.map((k) => (s.status === 'done' ? s.metrics[k] : undefined)), s.error]);
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\n');
}

/** Trials grouped by cell, in plan order, with the run directories that have a summary. */
function cellGroups(statuses: readonly TrialStatus[]) {
  const cells = new Map<number, { label: string; parameters: Readonly<Record<string, unknown>>; runDirs: string[]; trials: number }>();
  for (const s of statuses) {
    const cell = cells.get(s.cell) ?? cells.set(s.cell, { label: s.cellLabel, parameters: s.parameters, runDirs: [], trials: 0 }).get(s.cell)!;
    cell.trials++;
    if (existsSync(trialFiles(s.runDir).summary) && s.status !== 'running') cell.runDirs.push(s.runDir);
  }
  return [...cells.values()];
}

/** The per-cell table (mean ± std over seeds of the completed trials) as text. */
export function cellSummaryTable(statuses: readonly TrialStatus[]): string {
  const groups = cellGroups(statuses).map((g) => ({ label: g.label, parameters: g.parameters, runs: g.runDirs.map(readRunReportData) }));
  const { header, rows } = cellTable(summarizeGroups(groups));
  // Every cell's trial count, also those without a summary yet.
  const totals = cellGroups(statuses).map((g) => g.trials);
  return formatTable(header, rows.map((r, i) => [r[0]!, `${r[1]!.split('/')[0]}/${totals[i]}`, ...r.slice(2)]));
}

/** Writes `<sweep dir>/report.html`: the grouped comparison of every trial that wrote a summary. */
export async function writeSweepReport(plan: StoredPlan, sweepDir: string, statuses: readonly TrialStatus[]): Promise<string> {
  const groups = cellGroups(statuses).map((g) => ({ label: g.label, parameters: g.parameters, runDirs: g.runDirs }));
  return writeGroupedComparisonReport(groups, sweepFiles(sweepDir).report, { title: `dkl sweep ${plan.name}: ${statuses.length} trials in ${groups.length} cells` });
}
