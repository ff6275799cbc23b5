import { existsSync } from 'node:fs';
import { CheckpointError } from '@dkl/core';
import { resolveConfig } from '../config/load-config.js';
import { executeRun, type ExecutedRun } from '../run/execute.js';
import { readJson, runFiles } from '../run/run-directory.js';
import { summarizeRun } from './train-command.js';

/** `dkl resume <run-dir>`: continue a stopped or killed run from `checkpoints/last.ckpt`. */
export async function resumeCommand(
  runDir: string,
  options: { runsDir: string; cacheDir: string; progress?: boolean; out?: (t: string) => void; log?: (l: string) => void },
): Promise<ExecutedRun> {
  const files = runFiles(runDir);
  if (!existsSync(files.lastCheckpoint)) throw new CheckpointError(files.lastCheckpoint, 'does not exist: the run has no checkpoint to resume from');
  const config = resolveConfig(readJson<Record<string, unknown>>(files.config));
  const run = await executeRun(config, { ...options, resumeDir: runDir });
  (options.out ?? ((t) => process.stdout.write(`${t}\n`)))(summarizeRun(run));
  return run;
}
