import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ClassPriorStore, describeBackend, initBackend, type BackendInfo, type ComputePrecision } from '@dkl/core';
import type { RunResult } from '@dkl/trainers';
import type { RunConfig } from '../config/run-config.js';
import { validateAgainstRegistries } from './validate.js';
import { writeRunReport } from './write-report.js';
import { createApplication } from './application.js';
import { assembleRun } from './assemble.js';
import { readLatestSnapshot } from './latest-snapshot.js';
import { createRunDirectory, runFiles, writeJson, type RunSummary } from './run-directory.js';
import { acquireRunLock } from './run-lock.js';

export interface ExecuteOptions {
  readonly runsDir: string;
  readonly cacheDir: string;
  /** Continue the run in this directory from its newest readable snapshot. */
  readonly resumeDir?: string;
  /** Start a new run in exactly this directory (created if missing) instead of a new one under `runsDir` (sweeps name trial directories by trial id). */
  readonly runDir?: string;
  readonly progress?: boolean;
  readonly log?: (line: string) => void;
  /** Initialise the backend (default true; tests that picked one already pass false). */
  readonly initBackend?: boolean;
  /**
   * With `initBackend: false`: the backend the caller initialised (what `initBackend` returned).
   * Its precision keys the teacher cache and it is written to backend.json; without it the run
   * counts as fp32 on whatever backend is active.
   */
  readonly backendInfo?: BackendInfo;
}

export interface ExecutedRun {
  readonly runDir: string;
  readonly result: RunResult;
  readonly summary: RunSummary;
  readonly backend: string;
}

/** Trains (or resumes) one configured run and writes its run directory. */
export async function executeRun(written: RunConfig, options: ExecuteOptions): Promise<ExecutedRun> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const backendInfo: BackendInfo | undefined = options.initBackend === false ? options.backendInfo : await initBackend({
        ...(written.backend.prefer ? { prefer: written.backend.prefer } : {}),
        // Always set (DKL_NATIVE_PRECISION still wins): a process that runs several runs, as a
        // sweep's reused trial process does, must not keep the previous run's precision.
        precision: written.backend.precision ?? 'fp32',
        log,
      });
  const backend = backendInfo ? describeBackend(backendInfo) : `[dkl] backend ${tf.getBackend()}`;
  const app = await createApplication(written.packages);
  // Refused before a run directory exists; kept with every default filled in.
  const config = validateAgainstRegistries(app, written);
  const runDir = options.resumeDir ?? (options.runDir ? (mkdirSync(options.runDir, { recursive: true }), options.runDir) : createRunDirectory(options.runsDir, config.name));
  const files = runFiles(runDir);
  // One process per run directory: a second `dkl resume` of a running run refuses here.
  const lock = acquireRunLock(runDir, options.resumeDir ? 'dkl resume' : 'dkl train', log);
  try {
    if (!options.resumeDir) {
      await writeJson(files.config, config);
      await writeJson(files.backend, backendInfo ?? { name: tf.getBackend() });
    }
    log(`[dkl] run directory ${runDir}`);
    return await trainAndFinish(app, config, runDir, backend, { ...options, log, precision: backendInfo?.precision ?? 'fp32', ...(backendInfo ? { threads: backendInfo.threads } : {}) });
  } finally {
    lock.release();
  }
}

/** Trains or resumes the assembled run, then writes summary.json, class-prior.json and report.html. */
async function trainAndFinish(
  app: Awaited<ReturnType<typeof createApplication>>,
  config: RunConfig,
  runDir: string,
  backend: string,
  options: ExecuteOptions & { log: (line: string) => void; precision: ComputePrecision; threads?: number },
): Promise<ExecutedRun> {
  const { log } = options;
  const files = runFiles(runDir);
  const startedAt = new Date().toISOString();
  const started = performance.now();
  const run = await assembleRun(app, config, { runDir, cacheDir: options.cacheDir, log, backend: tf.getBackend(), precision: options.precision, ...(options.threads !== undefined ? { threads: options.threads } : {}), ...(options.progress !== undefined ? { progress: options.progress } : {}) });
  // Teacher training (or loading) and data preparation happen in assembleRun: reported apart from the student's time.
  const setupMs = performance.now() - started;
  let result: RunResult;
  try {
    if (options.resumeDir) {
      const snapshot = await readLatestSnapshot(path.join(runDir, 'checkpoints'), log);
      log(`[dkl] resuming from ${snapshot.file}`);
      try {
        result = await run.trainer.run({ resumeFrom: { meta: snapshot.meta, tensors: snapshot.tensors } });
      } finally {
        tf.dispose(Object.values(snapshot.tensors));
      }
    } else {
      result = await run.trainer.run();
    }
    const summary: RunSummary = {
      status: result.status,
      startedAt,
      wallTimeMs: performance.now() - started,
      setupMs,
      backend,
      epoch: result.epoch,
      step: result.step,
      history: result.history,
      ...(result.reason ? { reason: result.reason } : {}),
      ...(result.error ? { error: result.error.message } : {}),
    };
    await writeJson(files.summary, summary);
    const prior = app.container.get<ClassPriorStore>(ClassPriorStore).get();
    if (prior) await writeJson(files.classPrior, { matrix: prior.arraySync(), classNames: run.classNames ?? null });
    await writeRunReport(runDir);
    return { runDir, result, summary, backend };
  } finally {
    await run.dispose();
  }
}
