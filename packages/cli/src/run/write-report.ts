import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '@dkl/core';
import type { RunReportData } from '../report/report-data.js';
import { renderComparisonReport, renderGroupedComparisonReport, renderRunReport } from '../report/index.js';
import { readJson, runFiles, type RunSummary } from './run-directory.js';

/** Reads what a report shows from a run directory. */
export function readRunReportData(runDir: string): RunReportData {
  const files = runFiles(runDir);
  const summary = readJson<RunSummary>(files.summary);
  const prior = existsSync(files.classPrior) ? readJson<{ matrix: number[][]; classNames: string[] | null }>(files.classPrior) : undefined;
  const last = summary.history.at(-1);
  const headline: Record<string, number> = {};
  for (const [split, metrics] of Object.entries(last?.eval ?? {})) for (const [k, v] of Object.entries(metrics)) headline[`${split}.${k}`] = v;
  return {
    name: path.basename(runDir),
    status: summary.status,
    config: readJson<unknown>(files.config),
    backend: summary.backend,
    startedAt: summary.startedAt,
    wallTimeMs: summary.wallTimeMs,
    ...(summary.setupMs !== undefined ? { setupMs: summary.setupMs } : {}),
    history: summary.history,
    ...(prior ? { classPrior: { matrix: prior.matrix, ...(prior.classNames ? { classNames: prior.classNames } : {}) } } : {}),
    summary: headline,
    ...(summary.error ? { error: summary.error } : {}),
  };
}

/** Writes `<runDir>/report.html`. */
export async function writeRunReport(runDir: string): Promise<string> {
  const file = runFiles(runDir).report;
  await writeFileAtomic(file, renderRunReport(readRunReportData(runDir)));
  return file;
}

/** Writes a comparison report of several runs to `file`. */
export async function writeComparisonReport(runDirs: readonly string[], file: string): Promise<string> {
  await writeFileAtomic(file, renderComparisonReport(runDirs.map(readRunReportData)));
  return file;
}

/** A parameter cell's run directories (the seeds of one setting). */
export interface RunDirGroup {
  readonly label: string;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly runDirs: readonly string[];
}

/** Writes the grouped comparison report (one curve and table row per cell) to `file`. */
export async function writeGroupedComparisonReport(groups: readonly RunDirGroup[], file: string, options: { title?: string } = {}): Promise<string> {
  const data = groups.map((g) => ({ label: g.label, parameters: g.parameters, runs: g.runDirs.map(readRunReportData) }));
  await writeFileAtomic(file, renderGroupedComparisonReport(data, options));
  return file;
}
