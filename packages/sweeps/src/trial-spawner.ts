/**
 * Trial processes started ahead of need. A trial process spends a second or more loading its
 * modules (tfjs, the native backend, every dkl package) before it reads its run directory; the
 * spawner keeps one such process loaded and waiting, so the next trial starts at once, and starts
 * the following one as soon as that is taken (it loads while the current trial trains). The
 * waiting process's thread count (OMP_NUM_THREADS, read when the native backend loads) is fixed
 * when it starts: a trial with another count gets a fresh process. A waiting process exits when
 * its parent dies, like a running trial.
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

function start(threads: number, env: NodeJS.ProcessEnv | undefined): SpawnedTrial {
  const child = forkTrialProcess(threads, env);
  const early: Buffer[] = [];
  const keep = (d: Buffer) => early.push(d);
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const ready = new Promise<void>((done) => {
    child.on('message', (m: TrialMessage) => m?.type === 'ready' && done());
    child.once('exit', () => done());
    child.once('error', () => done());
  });
  const release = () => {
    child.stdout!.off('data', keep);
    child.stderr!.off('data', keep);
  };
  return { child, early, ready, release };
}

/** Hands out trial processes, one loaded ahead; `close()` stops the waiting one. */
export class TrialSpawner {
  private waiting: { threads: number; trial: SpawnedTrial } | undefined;
  private closed = false;

  /** @param env extra environment of every trial process */
  constructor(private readonly env?: NodeJS.ProcessEnv) {}

  /**
   * A trial process with `threads` threads: the waiting one if it matches and is alive, else a
   * new one. Unless `ahead` is false (no trial will follow), another starts loading at once.
   */
  take(threads: number, ahead = true): SpawnedTrial {
    let trial: SpawnedTrial;
    const w = this.waiting;
    this.waiting = undefined;
    if (w && w.threads === threads && w.trial.child.exitCode === null && w.trial.child.signalCode === null && w.trial.child.connected) trial = w.trial;
    else {
      if (w) w.trial.child.kill('SIGKILL');
      trial = start(threads, this.env);
    }
    trial.release();
    if (ahead && !this.closed) this.waiting = { threads, trial: start(threads, this.env) };
    return trial;
  }

  /** Stops the waiting process (running trials are not this spawner's to stop). */
  close(): void {
    this.closed = true;
    this.waiting?.trial.child.kill('SIGKILL');
    this.waiting = undefined;
  }
}
