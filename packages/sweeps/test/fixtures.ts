/** Tiny sweeps (4x4 synthetic images, tiny_cnn, a few steps) and real `dkl` processes for the tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';

export const DKL_BIN = resolve(__dirname, '../../cli/bin/dkl.mjs');
/** Every trial on the native backend (built by npm run setup), as the CLI's crash tests. */
export const TEST_ENV = { ...process.env, DKL_BACKEND: 'dkl-native', DKL_FAULTS: '' };

/** A run config: `epochs` epochs of trainSize/8 steps, a snapshot every 3 steps. */
export function tinyBase(options: { epochs?: number; trainSize?: number } = {}): Record<string, unknown> {
  return {
    name: 'tiny',
    seed: 5,
    data: {
      dataset: { name: 'synthetic', options: { shape: [4, 4, 3], numClasses: 4, trainSize: options.trainSize ?? 32, testSize: 16, seed: 2 } },
      train: { split: 'train', batchSize: 8, workers: 0 },
      eval: { test: { split: 'test', batchSize: 8, workers: 0 } },
    },
    models: { student: { name: 'tiny_cnn' } },
    trainer: { type: 'supervised', epochs: options.epochs ?? 2 },
    optimizer: { name: 'sgd', momentum: 0.9, weightDecay: 5e-4 },
    schedule: { name: 'multistep', lr: 0.05, milestones: [2] },
    plugins: [{ name: 'checkpoint', options: { every: { steps: 3 }, keep: 2 } }],
  };
}

/** Writes base.yaml and <name>.yaml (the sweep) into `dir`; returns the sweep file. */
export function writeSweep(dir: string, sweep: Record<string, unknown>, base = tinyBase()): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'base.yaml'), stringify(base));
  const file = join(dir, `${String(sweep['name'])}.yaml`);
  writeFileSync(file, stringify({ base: 'base.yaml', ...sweep }));
  return file;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A running `dkl` process with its output collected. */
export interface Running {
  readonly child: ChildProcess;
  readonly exited: Promise<Exit>;
  output(): string;
}

export function startDkl(args: readonly string[], options: { env?: NodeJS.ProcessEnv; detached?: boolean } = {}): Running {
  const child = spawn(process.execPath, [DKL_BIN, '--no-progress', ...args], { env: options.env ?? TEST_ENV, detached: options.detached ?? false, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<Exit>((done) => child.on('close', (code, signal) => done({ code, signal, stdout, stderr })));
  return { child, exited, output: () => stdout + stderr };
}

export const dkl = (args: readonly string[], options: { env?: NodeJS.ProcessEnv } = {}): Promise<Exit> => startDkl(args, options).exited;

/** Polls `check` every 200 ms until it holds or `timeoutMs` passes (then throws with `what`). */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
