/**
 * Crash-test harness: real `dkl` processes killed (SIGKILL) or failed at named points through the
 * `DKL_FAULTS` hook of @dkl/core, and a comparison of everything a run directory shows with
 * wall-clock numbers taken out.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { readSnapshotFile } from '@dkl/core';
import { expect } from 'vitest';
import { stringify } from 'yaml';
import type { RunConfigInput } from '../../src/index.js';
import { readRunReportData } from '../../src/run/write-report.js';

const BIN = resolve(__dirname, '../../dist/bin.js');

export type TrainerKind = 'supervised' | 'distillation' | 'adversarial' | 'fixmatch' | 'mean-teacher';
export type Backend = 'dkl-native' | 'cpu' | 'wasm';

/**
 * 2 epochs of 4 steps on 4x4 synthetic images, 2 evaluation batches, a snapshot every `steps` steps
 * (keep 2). The adversarial run uses PGD random starts, AWP and AdamW.
 */
export function crashConfig(trainer: TrainerKind, backend: Backend, snapshotSteps = 3, trainSize = 32): RunConfigInput {
  const schedule = { name: 'multistep' as const, lr: 0.05, milestones: [2] };
  const optimizer = { name: 'sgd' as const, momentum: 0.9, weightDecay: 5e-4 };
  const base: RunConfigInput = {
    name: `crash-${trainer}`,
    seed: 5,
    backend: { prefer: [backend] },
    data: {
      dataset: { name: 'synthetic', options: { shape: [4, 4, 3], numClasses: 4, trainSize, testSize: 16, seed: 2 } },
      train: { split: 'train', batchSize: 8, workers: 0 },
      eval: { test: { split: 'test', batchSize: 8, workers: 0 } },
    },
    models: { student: { name: 'tiny_cnn' } },
    trainer: { type: 'supervised', epochs: 2 },
    optimizer,
    schedule,
    plugins: [{ name: 'checkpoint', options: { every: { steps: snapshotSteps }, keep: 2 } }],
  };
  if (trainer === 'distillation') {
    return {
      ...base,
      models: { student: { name: 'tiny_cnn' }, teacher: { name: 'tiny_cnn' }, teacherTraining: { epochs: 1, optimizer, schedule } },
      trainer: { type: 'distillation', epochs: 2, losses: [{ name: 'ikl', options: { classPrior: true } }] },
      plugins: [...base.plugins!, { name: 'class-prior', options: { temperature: 4 } }],
    };
  }
  if (trainer === 'fixmatch' || trainer === 'mean-teacher') {
    // 4 labels per class (4 steps of 4 per epoch), the other 64 examples unlabelled in batches of
    // 12 (5 per pass: the stream's passes end at steps 5 and 10, across the epochs), IKL
    // consistency with the class prior from pseudo-labelled unlabelled logits.
    const weak = [{ kind: 'random-flip' }, { kind: 'random-crop', padding: 1 }];
    const views: Record<string, { transforms: Array<{ kind: string } & Record<string, unknown>> }> =
      trainer === 'fixmatch'
        ? { weak: { transforms: weak }, strong: { transforms: [...weak, { kind: 'rand-augment', N: 2, M: 10 }, { kind: 'cutout', size: 2 }] } }
        : { student: { transforms: weak }, teacher: { transforms: weak } };
    const consistency = { name: 'ikl', options: { classPrior: true, ceWeight: 0, warmup: 1 } };
    return {
      ...base,
      data: {
        ...base.data,
        dataset: { name: 'synthetic', options: { shape: [4, 4, 3], numClasses: 4, trainSize: 80, testSize: 16, seed: 2 } },
        train: { split: 'train', batchSize: 4, workers: 0, subset: { perClass: 4 }, transforms: weak },
        unlabelled: { batchSize: 12, workers: 0, views },
      },
      trainer:
        trainer === 'fixmatch'
          ? { type: 'fixmatch', epochs: 2, threshold: 0.3, consistency, distributionAlignment: { momentum: 0.9 } }
          : { type: 'mean-teacher', epochs: 2, emaDecay: 0.9, consistency, consistencyWeight: 2, rampUpEpochs: 1 },
      plugins: [...base.plugins!, { name: 'class-prior', options: { source: 'unlabelledTeacherLogits', temperature: 2 } }],
    };
  }
  if (trainer === 'adversarial') {
    // PGD with random starts, AWP from epoch 1 (its perturbation is in the weights across the
    // update that a crash may interrupt) and AdamW (its moments and step count must resume).
    return {
      ...base,
      optimizer: { name: 'adamw', weightDecay: 5e-4 },
      schedule: { ...schedule, lr: 0.01 },
      trainer: {
        type: 'adversarial',
        epochs: 2,
        losses: [{ name: 'ce', options: {} }],
        attack: { epsilon: 0.03, steps: 2, stepSize: 0.015, randomStart: 'normal' },
        awp: { gamma: 0.005, warmupEpochs: 1, proxyLearningRate: 0.01 },
      },
    };
  }
  return base;
}

export function writeConfig(dir: string, config: RunConfigInput, name = 'run.yaml'): string {
  const file = join(dir, name);
  writeFileSync(file, stringify(config));
  return file;
}

export interface DklExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly pid: number;
}

/** Runs `dkl <args>` as a real process on `backend`, with `faults` in DKL_FAULTS. */
export function dkl(args: readonly string[], options: { cwd: string; backend: Backend; faults?: string; onSpawn?: (pid: number) => void }): Promise<DklExit> {
  return new Promise((done, fail) => {
    const env = { ...process.env, DKL_BACKEND: options.backend, DKL_FAULTS: options.faults ?? '' };
    const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', fail);
    options.onSpawn?.(child.pid!);
    child.on('close', (code, signal) => done({ code, signal, stdout, stderr, pid: child.pid! }));
  });
}

/** `dkl train` with global options placed before the command. */
export const train = (config: string, runsDir: string, cacheDir: string) => ['--runs-dir', runsDir, '--cache-dir', cacheDir, '--no-progress', 'train', config];
export const resume = (runDir: string, cacheDir: string) => ['--cache-dir', cacheDir, '--no-progress', 'resume', runDir];

/** The only run directory below `runsDir`. */
export function onlyRun(runsDir: string): string {
  const runs = readdirSync(runsDir);
  if (runs.length !== 1) throw new Error(`expected one run in ${runsDir}, found ${runs.join(', ') || 'none'}`);
  return join(runsDir, runs[0]!);
}

const TIMING_KEYS = new Set(['time', 'startedAt', 'wallTimeMs', 'setupMs', 'durationMs', 'imagesPerSecond']);
/** JSON without timings; the run directory (and its name, the run id) replaced by `<run>`. */
const untimed = (text: string, runDir: string) =>
  JSON.parse(text.replaceAll(runDir, '<run>').replaceAll(basename(runDir), '<run>'), (k, v) => (TIMING_KEYS.has(k) ? undefined : v));

/** Model variables of a snapshot as one hash per tensor. */
async function weightsOf(file: string): Promise<Record<string, string>> {
  const snapshot = await readSnapshotFile(file);
  const out: Record<string, string> = {};
  for (const [name, t] of Object.entries(snapshot.tensors)) {
    if (name.startsWith('model/')) out[name] = createHash('sha256').update(Buffer.from((t.dataSync() as Float32Array).buffer)).digest('hex');
    t.dispose();
  }
  return out;
}

/**
 * What a finished run directory shows, timings aside: summary.json, metrics.jsonl, metrics.csv
 * (without the images/s column), the class prior, the report's data and the final weights.
 */
export async function observable(runDir: string) {
  const csv = readFileSync(join(runDir, 'metrics.csv'), 'utf8').trim().split('\n').map((line) => line.split(','));
  const speed = csv[0]!.indexOf('train_imagesPerSecond');
  const { name: _name, startedAt: _s, wallTimeMs: _w, setupMs: _setup, ...report } = readRunReportData(runDir);
  return {
    summary: untimed(readFileSync(join(runDir, 'summary.json'), 'utf8'), runDir),
    metrics: readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((line) => untimed(line, runDir)),
    csv: csv.map((row) => row.filter((_, i) => i !== speed)),
    classPrior: existsSync(join(runDir, 'class-prior.json')) ? readFileSync(join(runDir, 'class-prior.json'), 'utf8') : null,
    report: untimed(JSON.stringify(report), runDir),
    reportWritten: existsSync(join(runDir, 'report.html')),
    weights: await weightsOf(join(runDir, 'checkpoints', 'last.ckpt')),
  };
}

/** One link of a crash chain: the process's faults and what must hold when it has died. */
export interface ChainLink {
  readonly faults: string;
  /** Name of the point, for messages. */
  readonly point: string;
}

/**
 * Every named point of the suite in one chain: `dkl train` dies at the first, each `dkl resume`
 * at the next, each continuing from what the previous one left (hit counts are per process).
 * With 2 epochs of 4 steps and snapshots every 3 steps (3, 6, final):
 */
export const FULL_CHAIN: readonly ChainLink[] = [
  { point: 'mid-epoch after step 4', faults: 'step:kill@4' }, // snapshot 1 (step 3) exists
  { point: 'during evaluation', faults: 'eval-batch:kill@1' }, // from step 3: epoch 1 ends, dies in its evaluation
  { point: 'after epoch-end, before evaluation', faults: 'epoch-end:kill@2' }, // from step 3: passes epoch 1, snapshot 2 (step 6), dies at epoch 2's end
  { point: 'between a snapshot temp write and its rename', faults: 'rename/snapshot-:kill@1' }, // from step 6: the final snapshot never lands
  { point: 'during the summary write', faults: 'rename/summary.json:kill@1' }, // from step 6: final snapshot lands, summary does not
  { point: 'during the report write', faults: 'rename/report.html:kill@1' }, // from the final snapshot: summary lands, report does not
];

/**
 * The uninterrupted run, then the same run killed at every link of `chain` in turn and resumed
 * to the end: what the two run directories show must be equal.
 */
export async function runCrashChain(trainer: TrainerKind, backend: Backend, chain: readonly ChainLink[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), `dkl-crash-${trainer}-`));
  const cache = join(dir, 'cache'); // a distillation teacher is trained once, by the reference run
  const config = writeConfig(dir, crashConfig(trainer, backend));
  const reference = await dkl(train(config, join(dir, 'reference'), cache), { cwd: dir, backend });
  expect(reference.stderr).not.toMatch(/dkl: /);
  expect(reference.code).toBe(0);

  const first = await dkl(train(config, join(dir, 'crashed'), cache), { cwd: dir, backend, faults: chain[0]!.faults });
  expect(first.signal, `killed ${chain[0]!.point}`).toBe('SIGKILL');
  const runDir = onlyRun(join(dir, 'crashed'));
  expect(JSON.parse(readFileSync(join(runDir, 'run.lock'), 'utf8')).pid).toBe(first.pid); // left behind by the kill
  for (const link of chain.slice(1)) {
    const killed = await dkl(resume(runDir, cache), { cwd: dir, backend, faults: link.faults });
    expect(killed.stderr).toMatch(/stale lock of process \d+/);
    expect(killed.signal, `killed ${link.point}\n${killed.stderr}`).toBe('SIGKILL');
  }
  const finished = await dkl(resume(runDir, cache), { cwd: dir, backend });
  expect(finished.code, finished.stderr).toBe(0);
  expect(existsSync(join(runDir, 'run.lock'))).toBe(false);
  expect(await observable(runDir)).toEqual(await observable(onlyRun(join(dir, 'reference'))));
}
