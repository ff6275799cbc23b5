/** Runs one trial in a child process with its thread count, watching its progress and classifying its end. */
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { readJsonFile, trialFiles, workerName, writeJsonFile, type TrialSpec, type TrialState } from './trial-files.js';
import { forkTrialProcess, type TrialMessage, type TrialSpawner } from './trial-spawner.js';

/** What a running trial has reached: its last finished epoch and that epoch's metrics. */
export interface TrialProgress {
  readonly epoch: number;
  readonly step: number;
  /** Train means (`train.total`...) and evaluation metrics (`test.top1`...). */
  readonly metrics: Readonly<Record<string, number>>;
}

export interface TrialOutcome {
  readonly status: 'done' | 'failed';
  /** A failure worth retrying (the process was killed, or crashed before the run could report): not the run's own failure. */
  readonly transient: boolean;
  readonly error?: string;
  /** Final metrics (`test.top1`...) of a completed run. */
  readonly metrics: Readonly<Record<string, number>>;
  readonly epoch: number;
  readonly wallTimeMs: number;
}

export interface RunTrialOptions {
  readonly cacheDir: string;
  readonly onProgress?: (progress: TrialProgress) => void;
  /** The run directory's lock may belong to a process on another host that lost the trial (a stalled job): take it over. */
  readonly takeOverForeignLock?: boolean;
  /** Attempt number, for trial-state.json. */
  readonly attempt?: number;
  readonly log?: (line: string) => void;
  /** Extra environment of the trial process (tests: DKL_BACKEND, DKL_FAULTS). */
  readonly env?: NodeJS.ProcessEnv;
  /** Called with the child's pid once it runs. */
  readonly onSpawn?: (pid: number) => void;
  /**
   * Where the trial process comes from: a spawner's (its `env`, not this one's, applies), or a new
   * process when not given.
   */
  readonly spawner?: TrialSpawner;
  /** With a spawner that does not reuse processes: another trial follows this one, so load its process now (default true). */
  readonly ahead?: boolean;
}

/** The last epoch-end record of metrics.jsonl and the evaluations of that epoch. */
export function readProgress(metricsFile: string): TrialProgress | undefined {
  if (!existsSync(metricsFile)) return undefined;
  let last: TrialProgress | undefined;
  for (const line of readFileSync(metricsFile, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    let record: { type?: string; epoch?: number; step?: number; metrics?: Record<string, number>; split?: string };
    try {
      record = JSON.parse(line);
    } catch {
      continue; // a line being written
    }
    if (record.type === 'epoch-end' && record.epoch !== undefined) {
      const train = Object.fromEntries(Object.entries(record.metrics ?? {}).map(([k, v]) => [`train.${k}`, v]));
      last = { epoch: record.epoch, step: record.step ?? 0, metrics: train };
    } else if (record.type === 'eval-end' && last && record.epoch === last.epoch && record.split) {
      const evals = Object.fromEntries(Object.entries(record.metrics ?? {}).map(([k, v]) => [`${record.split}.${k}`, v]));
      last = { ...last, metrics: { ...last.metrics, ...evals } };
    }
  }
  return last;
}

/** Final metrics of a run directory's summary: `split.metric` of its last epoch. */
export function summaryMetrics(summary: { history?: Array<{ eval?: Record<string, Record<string, number>> }> } | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [split, metrics] of Object.entries(summary?.history?.at(-1)?.eval ?? {})) for (const [k, v] of Object.entries(metrics)) out[`${split}.${k}`] = v;
  return out;
}

async function writeState(file: string, state: Omit<TrialState, 'worker' | 'updatedAt'>): Promise<void> {
  await writeJsonFile(file, { ...state, worker: workerName(), updatedAt: new Date().toISOString() });
}

/**
 * Runs the trial of `runDir` (its `sweep-trial.json` written) in a child process with
 * OMP_NUM_THREADS = its thread count, writes `trial-state.json` and `trial.log`, reports
 * progress each finished epoch, and resolves with the outcome; it never rejects for a failed run.
 */
export async function runTrial(runDir: string, options: RunTrialOptions): Promise<TrialOutcome> {
  const files = trialFiles(runDir);
  const spec = readJsonFile<TrialSpec>(files.spec);
  if (!spec) return { status: 'failed', transient: false, error: `${files.spec} is missing: cannot see the trial's run directory`, metrics: {}, epoch: 0, wallTimeMs: 0 };
  const attempts = options.attempt ?? 1;
  const lock = readJsonFile<{ hostname?: string }>(files.lock);
  if (options.takeOverForeignLock && lock?.hostname && lock.hostname !== hostname()) {
    options.log?.(`[sweep] ${files.lock}: held by ${lock.hostname}, whose worker lost the trial (stalled); taking it over`);
    rmSync(files.lock, { force: true });
  }
  await writeState(files.state, { status: 'running', attempts });
  const started = performance.now();
  const logStream = createWriteStream(files.log, { flags: 'a' });
  let child: ChildProcess;
  let tail = '';
  if (options.spawner) {
    const spawned = options.spawner.take(spec.threads, options.ahead ?? true);
    child = spawned.child;
    for (const d of spawned.early) {
      logStream.write(d);
      tail = (tail + d.toString()).slice(-4000);
    }
    void spawned.ready.then(() => child.connected && child.send({ type: 'trial-start', runDir, cacheDir: options.cacheDir } satisfies TrialMessage));
  } else {
    child = forkTrialProcess(spec.threads, options.env, [runDir, options.cacheDir]);
  }
  options.onSpawn?.(child.pid!);
  child.stdout!.pipe(logStream, { end: false });
  const onStderr = (d: Buffer) => {
    if (!logStream.writableEnded) logStream.write(d);
    tail = (tail + d.toString()).slice(-4000);
  };
  child.stderr!.on('data', onStderr);
  let reported = -1;
  const poll = setInterval(() => {
    const progress = readProgress(files.metrics);
    if (progress && progress.epoch !== reported) {
      reported = progress.epoch;
      options.onProgress?.(progress);
      void writeState(files.state, { status: 'running', attempts, epoch: progress.epoch }).catch(() => undefined);
    }
  }, 500);
  // The trial reports its exit code over IPC before exiting (or before waiting for its next trial); whichever comes first settles it.
  type Exit = { code: number | null; signal: NodeJS.Signals | null };
  let settle!: (exit: Exit) => void;
  const ended = new Promise<Exit>((done) => (settle = done));
  const onError = () => settle({ code: null, signal: null });
  const onMessage = (message: TrialMessage) => {
    if (message?.type === 'trial-done' && typeof message.code === 'number') settle({ code: message.code, signal: null });
  };
  const onExit = (code: number | null, signal: NodeJS.Signals | null) => settle({ code, signal });
  child.on('error', onError).on('message', onMessage).on('exit', onExit);
  if (child.exitCode !== null || child.signalCode !== null) settle({ code: child.exitCode, signal: child.signalCode }); // a waiting process that died before it was taken
  const exit = await ended;
  child.off('error', onError).off('message', onMessage).off('exit', onExit);
  child.stderr!.off('data', onStderr);
  clearInterval(poll);
  // The epochs the last poll missed (a short trial may end between two polls).
  const last = readProgress(files.metrics);
  if (last && last.epoch !== reported) options.onProgress?.(last);
  child.stdout!.unpipe(logStream); // the process may still be exiting: nothing more goes to the log
  await new Promise<void>((done) => logStream.end(done));
  const summary = readJsonFile<{ status: string; error?: string; epoch: number; history: [] }>(files.summary);
  const wallTimeMs = performance.now() - started;
  const lastLine = tail.trim().split('\n').filter((l) => l.startsWith('dkl: ')).at(-1) ?? tail.trim().split('\n').at(-1) ?? '';
  let outcome: TrialOutcome;
  if (exit.code === 0 && summary?.status === 'completed') {
    outcome = { status: 'done', transient: false, metrics: summaryMetrics(summary), epoch: summary.epoch, wallTimeMs };
  } else if (exit.code === 1 && summary && summary.status !== 'completed') {
    // The run itself failed (non-finite loss, a plugin error): the same every time.
    outcome = { status: 'failed', transient: false, error: summary.error ?? `run ${summary.status}`, metrics: {}, epoch: summary.epoch, wallTimeMs };
  } else if (exit.code === 2) {
    outcome = { status: 'failed', transient: false, error: lastLine.replace(/^dkl: /, ''), metrics: {}, epoch: 0, wallTimeMs };
  } else {
    const how = exit.signal ? `killed by ${exit.signal}` : `exited with code ${exit.code}`;
    outcome = { status: 'failed', transient: true, error: `trial process ${how}${lastLine ? `: ${lastLine.replace(/^dkl: /, '')}` : ''}`, metrics: {}, epoch: readProgress(files.metrics)?.epoch ?? 0, wallTimeMs };
  }
  // A completed trial's process waits for another (a spawner reuses it); any other stops here.
  if (outcome.status === 'done' && exit.code === 0 && exit.signal === null && options.spawner) options.spawner.giveBack(child, spec.threads);
  else if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await writeState(files.state, { status: outcome.status, attempts, epoch: outcome.epoch, ...(outcome.error ? { error: outcome.error } : {}) });
  return outcome;
}
