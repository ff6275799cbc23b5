/**
 * Trial processes started before they are needed, and reused. A trial process spends a second or
 * more of CPU loading its modules (tfjs, the native backend, every dkl package) before it reads its
 * run directory. A process whose trial completed is handed back and runs a later trial (Ray Tune's
 * `reuse_actors`): a run leaves no state behind that changes another run's bits (the trial process
 * test checks this against fresh processes), and skipping the reload matters most when every core
 * is busy with trials. A process whose trial failed or was killed is never reused.
 *
 * `prestart` loads processes before the first trial arrives (a worker does so when it starts), so
 * loading is not part of any trial. With reuse off, each `take` also starts loading the next trial's
 * process while the current trial trains. With reuse on it does not: the completed trial's process
 * comes back, and a process loaded ahead would only be used after a failure, while its loading
 * takes CPU from the trials (at a 2-worker start, four loads would share two cores).
 *
 * A waiting process's thread count (OMP_NUM_THREADS, read when the native backend loads) is fixed
 * when it starts: a trial with another count gets a fresh process. Waiting processes exit when
 * their parent dies, like running trials.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const TRIAL_PROCESS = fileURLToPath(new URL('./trial-process.js', import.meta.url));

/** A started trial process; `early` holds what it printed before it was given a trial. */
export interface SpawnedTrial {
  readonly child: ChildProcess;
  readonly early: readonly Buffer[];
  /** Settles once the process is waiting for its trial (or has exited). */
  readonly ready: Promise<void>;
  /** Stops collecting `early`: the caller takes the output streams over. */
  readonly release: () => void;
}

/** Messages between runTrial and a trial process. */
export type TrialMessage = { type: 'ready' } | { type: 'trial-start'; runDir: string; cacheDir: string } | { type: 'trial-done'; code: number };

/**
 * Starts a trial process with `threads` OpenMP threads. V8 collects garbage on the main thread
 * (`--single-threaded-gc`): its parallel collector's helper threads otherwise add ~30 % of a core
 * to a 1-thread trial (tfjs makes much short-lived garbage), so trials sharing a machine would
 * slow each other down; the trial alone also runs a little faster this way.
 */
export function forkTrialProcess(threads: number, env: NodeJS.ProcessEnv | undefined, args: readonly string[] = []): ChildProcess {
  return fork(TRIAL_PROCESS, [...args], {
    env: { ...process.env, ...env, OMP_NUM_THREADS: String(threads) },
    execArgv: [...process.execArgv, '--single-threaded-gc'],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
}

/** Neither exited nor killed, and its IPC channel open (it can still be sent a trial). */
function isAlive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null && child.connected;
}

function start(threads: number, env: NodeJS.ProcessEnv | undefined): SpawnedTrial {
  const child = forkTrialProcess(threads, env);
  const ready = new Promise<void>((done) => {
    const onMessage = (m: TrialMessage) => {
      if (m?.type !== 'ready') return;
      child.off('message', onMessage);
      done();
    };
    child.on('message', onMessage);
    child.once('exit', () => done());
    child.once('error', () => done());
  });
  return collect(child, ready, true);
}

/**
 * Reads what a waiting process prints until `release()` (its trial's log takes the streams over
 * then): kept for a new process (its loading messages belong to its first trial), dropped for a
 * reused one (late output of its previous trial).
 */
function collect(child: ChildProcess, ready: Promise<void>, keepOutput: boolean): SpawnedTrial {
  const early: Buffer[] = [];
  const keep = (d: Buffer) => keepOutput && early.push(d);
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const release = () => {
    child.stdout!.off('data', keep);
    child.stderr!.off('data', keep);
  };
  return { child, early, ready, release };
}

export interface TrialSpawnerOptions {
  /** Extra environment of every trial process. */
  readonly env?: NodeJS.ProcessEnv;
  /** Run later trials in processes whose trial completed (default true); false: one fresh process per trial. */
  readonly reuse?: boolean;
}

/** Hands out trial processes: reused ones first, then prestarted or loaded-ahead ones; `close()` stops the waiting ones. */
export class TrialSpawner {
  /** Loaded processes waiting for a trial: prestarted or started ahead (first), and those handed back after a completed trial (last). */
  private idle: Array<{ threads: number; trial: SpawnedTrial }> = [];
  private closed = false;
  private readonly env: NodeJS.ProcessEnv | undefined;
  readonly reuse: boolean;

  constructor(options: TrialSpawnerOptions = {}) {
    this.env = options.env;
    this.reuse = options.reuse ?? true;
  }

  /**
   * Starts loading trial processes with `threads` threads until `count` are waiting with that
   * thread count (waiting processes of other thread counts stop), so the next trials start at once.
   */
  prestart(threads: number, count = 1): void {
    if (this.closed) return;
    this.keepOnly(threads);
    while (this.idle.length < count) this.idle.unshift({ threads, trial: start(threads, this.env) });
  }

  /**
   * A trial process with `threads` threads: the most recently handed-back or started one if it
   * matches and is alive, else a new one (waiting processes of other thread counts stop). With
   * reuse off, unless `ahead` is false (no trial will follow), another starts loading when none is
   * left waiting.
   */
  take(threads: number, ahead = true): SpawnedTrial {
    this.keepOnly(threads);
    const trial = this.idle.pop()?.trial ?? start(threads, this.env);
    trial.release();
    if (ahead && !this.reuse && !this.closed && this.idle.length === 0) this.idle.push({ threads, trial: start(threads, this.env) });
    return trial;
  }

  /** Stops the waiting processes that are dead or have another thread count; the others keep their order. */
  private keepOnly(threads: number): void {
    this.idle = this.idle.filter((w) => {
      const keep = w.threads === threads && isAlive(w.trial.child);
      if (!keep) w.trial.child.kill('SIGKILL');
      return keep;
    });
  }

  /**
   * Takes back a process whose trial completed (it waits for the next `trial-start`), to be handed
   * out again by `take`; with reuse off, or once closed, it is stopped instead.
   */
  giveBack(child: ChildProcess, threads: number): void {
    if (!this.reuse || this.closed || !isAlive(child)) {
      child.kill('SIGKILL');
      return;
    }
    this.idle.push({ threads, trial: collect(child, Promise.resolve(), false) });
  }

  /** Stops the waiting processes (running trials are not this spawner's to stop). */
  close(): void {
    this.closed = true;
    for (const w of this.idle.splice(0)) w.trial.child.kill('SIGKILL');
  }
}
