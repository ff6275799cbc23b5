import { existsSync } from 'node:fs';
import { resolveConfig } from '../config/load-config.js';
import { executeRun, type ExecutedRun } from '../run/execute.js';
import { readJson, runFiles, type RunSummary } from '../run/run-directory.js';
import { summarizeRun } from './train-command.js';

/**
 * `dkl resume <run-dir>`: continue a stopped, failed or killed run from its newest readable
 * snapshot, exactly where it was taken. A run that completed (summary and report written) is left
 * alone: it prints "nothing to resume" and returns undefined.
 */
export async function resumeCommand(
  runDir: string,
  options: { runsDir: string; cacheDir: string; progress?: boolean; initBackend?: boolean; out?: (t: string) => void; log?: (l: string) => void },
): Promise<ExecutedRun | undefined> {
  const out = options.out ?? ((t) => process.stdout.write(`${t}\n`));
  const files = runFiles(runDir);
  const summary = existsSync(files.summary) ? readJson<RunSummary>(files.summary) : undefined;
  if (summary?.status === 'completed' && existsSync(files.report)) {
    out(`nothing to resume: ${runDir} completed ${summary.epoch} epochs (${summary.step} steps)`);
    return undefined;
  }
  const config = resolveConfig(readJson<Record<string, unknown>>(files.config));
  const run = await executeRun(config, { ...options, resumeDir: runDir });
  out(summarizeRun(run));
  return run;
}
