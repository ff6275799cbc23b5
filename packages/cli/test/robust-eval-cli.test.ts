/**
 * `dkl eval --attack` as a robust evaluation: the state file in the run directory survives a
 * SIGKILL of the real CLI process and the resumed evaluation reports the same numbers as an
 * uninterrupted one; the JSON result carries RobustBench's field names; `--weights averaged`
 * attacks the weight-averaging plugin's weights and fails clearly without that plugin.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evalCommand, executeRun, resolveConfig, type ExecutedRun } from '../src/index.js';

const ENTRY = resolve(__dirname, '../bin/dkl.mjs');
const previousBackend = process.env['DKL_BACKEND'];
let dir: string;
let averagedRun: ExecutedRun;
let plainRun: ExecutedRun;

const config = (name: string, plugins: unknown[]) =>
  resolveConfig({
    name,
    seed: 3,
    backend: { prefer: ['cpu'] },
    data: {
      dataset: { name: 'synthetic', options: { shape: [8, 8, 3], numClasses: 4, trainSize: 128, testSize: 48, seed: 1 } },
      train: { split: 'train', batchSize: 32 },
      eval: { test: { split: 'test', batchSize: 16 } },
    },
    models: { student: { name: 'tiny_cnn' } },
    trainer: { type: 'supervised', epochs: 2 },
    optimizer: { name: 'sgd', momentum: 0.9 },
    schedule: { name: 'constant', lr: 0.1 },
    plugins,
  } as Record<string, unknown>);

beforeAll(async () => {
  process.env['DKL_BACKEND'] = 'cpu';
  await tf.setBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'dkl-robust-eval-'));
  const options = { runsDir: join(dir, 'runs'), cacheDir: join(dir, 'cache'), progress: false, initBackend: false, log: () => undefined } as const;
  averagedRun = await executeRun(config('averaged', [{ name: 'weight-averaging', options: { every: 'epoch', decay: 0.5 } }]), options);
  plainRun = await executeRun(config('plain', []), options);
}, 300_000);

afterAll(() => {
  if (previousBackend === undefined) delete process.env['DKL_BACKEND'];
  else process.env['DKL_BACKEND'] = previousBackend;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The AutoAttack evaluation both processes run: small budgets, 4 batches per attack. */
const AUTOATTACK = ['--attack', 'autoattack', '--version', 'standard', '--norm', 'linf', '--eps', '0.1', '--n-ex', '32', '--batch-size', '8', '--checkpoint', 'last',
  '--attack-option', 'apgdSteps=20', '--attack-option', 'nTargetClasses=2', '--attack-option', 'fabSteps=10', '--attack-option', 'squareQueries=100'];

const cliEnv = { ...process.env, DKL_BACKEND: 'cpu' };

function resultOf(runDir: string): Record<string, unknown> {
  const files = readdirSync(join(runDir, 'robust-eval')).filter((f) => f.endsWith('.json') && !f.endsWith('.state.json'));
  expect(files).toHaveLength(1);
  return JSON.parse(readFileSync(join(runDir, 'robust-eval', files[0]!), 'utf8')) as Record<string, unknown>;
}

function stateOf(runDir: string): { finished: unknown[]; current?: { attack: string; batchesDone: number } } | undefined {
  const robustDir = join(runDir, 'robust-eval');
  if (!existsSync(robustDir)) return undefined;
  const file = readdirSync(robustDir).find((f) => f.endsWith('.state.json'));
  if (!file) return undefined;
  try {
    return JSON.parse(readFileSync(join(robustDir, file), 'utf8'));
  } catch {
    return undefined; // never half-written (rename), but the directory listing may race the rename
  }
}

describe('dkl eval robust evaluation', () => {
  it('an AutoAttack evaluation killed with SIGKILL mid-attack resumes and reports the same robust accuracy as an uninterrupted one', async () => {
    const whole = join(dir, 'whole');
    const killed = join(dir, 'killed');
    cpSync(plainRun.runDir, whole, { recursive: true });
    cpSync(plainRun.runDir, killed, { recursive: true });

    const uninterrupted = spawnSync(process.execPath, [ENTRY, 'eval', whole, ...AUTOATTACK], { encoding: 'utf8', env: cliEnv, timeout: 300_000 });
    expect(uninterrupted.status, uninterrupted.stderr).toBe(0);
    const reference = resultOf(whole);

    // Kill as soon as the state file shows a finished batch of an attack that has not finished.
    const child = spawn(process.execPath, [ENTRY, 'eval', killed, ...AUTOATTACK], { env: cliEnv, stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((done) => child.on('exit', (_code, signal) => done(signal)));
    let atKill: ReturnType<typeof stateOf>;
    for (;;) {
      atKill = stateOf(killed);
      if (atKill?.current && atKill.current.batchesDone >= 1 && atKill.finished.length < 4) break;
      if (child.exitCode !== null) throw new Error('the evaluation finished before it could be killed');
      await new Promise((r) => setTimeout(r, 5));
    }
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(existsSync(join(killed, 'robust-eval'))).toBe(true);

    const resumed = spawnSync(process.execPath, [ENTRY, 'eval', killed, ...AUTOATTACK], { encoding: 'utf8', env: cliEnv, timeout: 300_000 });
    expect(resumed.status, resumed.stderr).toBe(0);
    const result = resultOf(killed);
    // The batches recorded before the kill were not attacked again.
    expect((result['resumed_batches'] as number) + (result['resumed_attacks'] as string[]).length).toBeGreaterThan(0);
    expect(resumed.stderr).toMatch(/from the state file|batch/);
    for (const key of ['clean_acc', 'robust_acc', 'autoattack_acc', 'per_attack_acc', 'n_ex', 'eps', 'threat_model', 'version', 'seed']) {
      expect(result[key], key).toEqual(reference[key]);
    }
    expect(Object.keys(result['per_attack_acc'] as object)).toEqual(['apgd-ce', 'apgd-t', 'fab-t', 'square']);
    expect(result).toMatchObject({ threat_model: 'Linf', eps: 0.1, n_ex: 32, attack: 'autoattack', version: 'standard', weights: 'last', dataset: 'synthetic', split: 'test' });
    expect(typeof result['wall_time_s']).toBe('number');
    // Compute time summed over the killed and the resumed invocation: every attack has its seconds.
    const attackSeconds = result['per_attack_time_s'] as Record<string, number>;
    expect(Object.keys(attackSeconds)).toEqual(['apgd-ce', 'apgd-t', 'fab-t', 'square']);
    for (const s of Object.values(attackSeconds)) expect(s).toBeGreaterThan(0);
    expect(result['eval_time_s'] as number).toBeGreaterThan(Object.values(attackSeconds).reduce((a, b) => a + b, 0));
    expect(result['robust_acc']).toBeLessThanOrEqual(result['clean_acc'] as number);
  }, 600_000);

  it('--norm l2 runs the L2 AutoAttack (all four attacks) and a bad --norm / --version is refused by name', () => {
    const args = ['--attack', 'autoattack', '--norm', 'l2', '--eps', '0.5', '--n-ex', '16', '--batch-size', '16', '--checkpoint', 'last',
      '--attack-option', 'apgdSteps=5', '--attack-option', 'nTargetClasses=2', '--attack-option', 'fabSteps=5', '--attack-option', 'squareQueries=20', '--json'];
    const l2 = spawnSync(process.execPath, [ENTRY, 'eval', plainRun.runDir, ...args], { encoding: 'utf8', env: cliEnv, timeout: 300_000 });
    expect(l2.status, l2.stderr).toBe(0);
    const metrics = JSON.parse(l2.stdout.trim().split('\n').at(-1)!);
    expect(metrics['attacked_examples']).toBe(16);
    expect(Object.keys(metrics).filter((k) => k.startsWith('robust_after_'))).toEqual(['robust_after_apgd-ce', 'robust_after_apgd-t', 'robust_after_fab-t', 'robust_after_square']);
    const badNorm = spawnSync(process.execPath, [ENTRY, 'eval', plainRun.runDir, '--attack', 'pgd', '--norm', 'l1'], { encoding: 'utf8', env: cliEnv, timeout: 60_000 });
    expect(badNorm.status).not.toBe(0);
    expect(badNorm.stderr).toMatch(/--norm must be linf or l2, got 'l1'/);
    const badVersion = spawnSync(process.execPath, [ENTRY, 'eval', plainRun.runDir, '--attack', 'autoattack', '--version', 'fast'], { encoding: 'utf8', env: cliEnv, timeout: 60_000 });
    expect(badVersion.status).not.toBe(0);
    expect(badVersion.stderr).toMatch(/attack\.version/);
  }, 300_000);

  it('--weights averaged attacks other weights than last, in its own state and result files; without an averaging plugin it fails clearly', async () => {
    const quiet = { out: () => undefined, log: () => undefined };
    const attack = { attack: 'pgd', attackOptions: { steps: 5 }, epsilon: 0.05, limit: 32 } as const;
    const last = await evalCommand(averagedRun.runDir, { ...attack, weights: 'last', ...quiet });
    const averaged = await evalCommand(averagedRun.runDir, { ...attack, weights: 'averaged', ...quiet });
    expect(averaged['loss']).not.toBe(last['loss']);
    const files = readdirSync(join(averagedRun.runDir, 'robust-eval')).filter((f) => !f.endsWith('.state.json')).sort();
    expect(files).toHaveLength(2);
    expect(files.some((f) => f.includes('_averaged_'))).toBe(true);
    const records = files.map((f) => JSON.parse(readFileSync(join(averagedRun.runDir, 'robust-eval', f), 'utf8')));
    expect(records.map((r) => r.weights).sort()).toEqual(['averaged', 'last']);
    expect(records.every((r) => r.n_ex === 32 && r.attack === 'pgd' && r.robust_acc <= r.clean_acc && !('autoattack_acc' in r))).toBe(true);

    await expect(evalCommand(plainRun.runDir, { ...attack, weights: 'averaged', ...quiet })).rejects.toThrow(/no averaged weights.*'weight-averaging' plugin/);
    const cli = spawnSync(process.execPath, [ENTRY, 'eval', plainRun.runDir, '--attack', 'pgd', '--weights', 'averaged'], { encoding: 'utf8', env: cliEnv, timeout: 60_000 });
    expect(cli.status).not.toBe(0);
    expect(cli.stderr).toMatch(/no averaged weights/);
  }, 300_000);
});
