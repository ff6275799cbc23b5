/**
 * The process one trial runs in (started by `runTrial` with an IPC channel): trains the trial's
 * run directory from scratch, or resumes it from its newest snapshot (the `dkl resume` logic),
 * or, if it already completed, does nothing. The run directory and cache come as arguments, or,
 * for a process started ahead of need (trial-spawner.ts), in a `trial-start` message once its
 * modules are loaded (it says `ready` then); such a process whose trial completed waits for the
 * next `trial-start` (the spawner reuses it). It exits when its parent dies, so a killed worker
 * leaves no trial running behind. Exit codes as `dkl`: 0 completed, 1 run failed, 2 bad config.
 */
import 'reflect-metadata';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { describeFailure, executeRun, resolveConfig } from '@dkl/cli';
import { readJsonFile, trialFiles, type TrialSpec } from './trial-files.js';
import type { TrialMessage } from './trial-spawner.js';

const orphaned = () => process.exit(137);
process.on('disconnect', orphaned);

/**
 * Tells the worker the outcome over IPC (the run directory is complete by now). A process given
 * its trials over IPC waits for the next one after a completed trial; otherwise it exits at once:
 * draining tfjs, loader threads and the native backend would add a few hundred ms to every
 * trial's "result visible" time.
 */
function finish(code: number, reusable: boolean): void {
  if (reusable && code === 0 && process.send) {
    waitForTrial(); // listening before the worker can send the next trial
    process.send({ type: 'trial-done', code } satisfies TrialMessage);
    return;
  }
  process.off('disconnect', orphaned);
  if (process.send) process.send({ type: 'trial-done', code } satisfies TrialMessage, () => process.exit(code));
  else process.exit(code);
}

async function main(runDir: string | undefined, cacheDir: string | undefined): Promise<number> {
  if (!runDir || !cacheDir) throw new Error('usage: trial-process <run-dir> <cache-dir> (or a trial-start message)');
  const files = trialFiles(runDir);
  const spec = readJsonFile<TrialSpec>(files.spec);
  if (!spec) throw new Error(`${files.spec} is missing or unreadable`);
  const summary = readJsonFile<{ status: string }>(files.summary);
  if (summary?.status === 'completed') return 0;
  const config = resolveConfig(spec.config as unknown as Record<string, unknown>);
  const hasSnapshot = existsSync(files.checkpoints) && readdirSync(files.checkpoints).some((f) => f.endsWith('.ckpt'));
  const log = (line: string) => process.stderr.write(`${line}\n`);
  if (hasSnapshot) {
    const run = await executeRun(config, { runsDir: path.dirname(runDir), cacheDir, resumeDir: runDir, progress: false, log });
    return run.result.status === 'completed' ? 0 : 1;
  }
  // Killed before its first snapshot: start over, without the partial logs of the first attempt.
  for (const entry of readdirSync(runDir)) if (!['sweep-trial.json', 'trial-state.json', 'trial.log', 'run.lock'].includes(entry)) rmSync(path.join(runDir, entry), { recursive: true, force: true });
  const run = await executeRun(config, { runsDir: path.dirname(runDir), cacheDir, runDir, progress: false, log });
  return run.result.status === 'completed' ? 0 : 1;
}

function runThenFinish(runDir: string | undefined, cacheDir: string | undefined, reusable: boolean): void {
  main(runDir, cacheDir).then(
    (code) => finish(code, reusable),
    (error: unknown) => {
      const { code, message } = describeFailure(error);
      process.stderr.write(`${message}\n`);
      finish(code, false);
    },
  );
}

function waitForTrial(): void {
  const onMessage = (m: TrialMessage) => {
    if (m?.type !== 'trial-start') return;
    process.off('message', onMessage);
    runThenFinish(m.runDir, m.cacheDir, true);
  };
  process.on('message', onMessage);
}

const args = process.argv.slice(2);
if (args.length > 0 || !process.send) runThenFinish(args[0], args[1], false);
else {
  waitForTrial();
  process.send({ type: 'ready' } satisfies TrialMessage);
}
