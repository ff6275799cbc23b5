import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evalCommand, executeRun, resolveConfig } from '../src/index.js';
import { inPixelSpace } from '../src/commands/robust-eval.js';
import { tinyRunConfig } from './helpers/tiny-run-config.js';

const previousBackend = process.env['DKL_BACKEND'];
beforeAll(() => {
  process.env['DKL_BACKEND'] = 'cpu'; // evalCommand picks its own backend, as the CLI does
});
afterAll(() => {
  if (previousBackend === undefined) delete process.env['DKL_BACKEND'];
  else process.env['DKL_BACKEND'] = previousBackend;
});

const runConfig = (transforms: unknown[] = []) =>
  resolveConfig(
    tinyRunConfig({
      name: 'eval-me',
      seed: 1,
      dataset: { shape: [8, 8, 3], numClasses: 4, trainSize: 64, testSize: 32, seed: 1 },
      train: { batchSize: 32, transforms },
      eval: { test: { split: 'test', batchSize: 32, transforms } },
      optimizer: { name: 'sgd', momentum: 0.9 },
      schedule: { name: 'constant', lr: 0.05 },
    }),
  );

describe('dkl eval', () => {
  it('attacks pixels in [0, 1] when the split normalises: the normalisation runs inside the model', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dkl-eval-norm-'));
    const run = await executeRun(runConfig([{ kind: 'normalize', mean: [0.5, 0.4, 0.3], std: [0.25, 0.2, 0.3] }]), { runsDir: dir, cacheDir: join(dir, 'cache'), progress: false, log: () => undefined });
    const metrics = await evalCommand(run.runDir, { attack: 'pgd', limit: 32, epsilon: 0.03, checkpoint: 'last', out: () => undefined, log: () => undefined });
    // Same 32 examples, same model: the clean accuracy seen by the attack equals the normalised evaluation's.
    expect(metrics['attacked_examples']).toBe(32);
    expect(Math.abs(metrics['clean_attacked_subset']! - metrics['top1']!)).toBeLessThanOrEqual(1 / 32);
    expect(metrics['robust_pgd']).toBeLessThanOrEqual(metrics['clean_attacked_subset']!);
  }, 120_000);

  it('refuses to attack a split whose normalize is not its last transform, naming it', () => {
    const model = { forward: () => ({ logits: undefined }) } as never;
    expect(() => inPixelSpace([{ kind: 'normalize', mean: [0.5], std: [0.5] }, { kind: 'random-flip' }], model, 'data.eval.test')).toThrow(/data\.eval\.test\.transforms\[0\].*last transform/);
    expect(inPixelSpace([{ kind: 'pad-resize', to: [8, 8, 3] }, { kind: 'normalize', mean: [0.5], std: [0.5] }], model, 'x').transforms).toEqual([{ kind: 'pad-resize', to: [8, 8, 3] }, { kind: 'to-float' }]);
  });

  it('prints clean top-1/top-5 and an attacked row whose top-5 cell is "-", never NaN', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dkl-eval-'));
    const run = await executeRun(runConfig(), { runsDir: dir, cacheDir: join(dir, 'cache'), progress: false, log: () => undefined });
    const lines: string[] = [];
    const metrics = await evalCommand(run.runDir, { attack: 'pgd', limit: 8, epsilon: 0.03, checkpoint: 'last', out: (t) => lines.push(...t.split('\n')), log: () => undefined });
    const text = lines.join('\n');
    expect(text).not.toMatch(/NaN/);
    const attacked = lines.find((l) => l.startsWith('pgd (n=8)'));
    expect(attacked, text).toBeDefined();
    expect(attacked!.trim().split(/\s+/).at(-1)).toBe('-');
    const clean = lines.find((l) => l.startsWith('clean'))!.trim().split(/\s+/);
    expect(Number(clean[2])).toBeCloseTo(100 * metrics['top5']!, 1);
    expect(metrics['robust_pgd']).toBeLessThanOrEqual(metrics['clean_attacked_subset']!);

    // Any registered attack runs by name with its own options; a bad name or option fails first, naming it.
    const apgd = await evalCommand(run.runDir, { attack: 'apgd-ce', attackOptions: { apgdSteps: 3 }, limit: 8, epsilon: 0.5, checkpoint: 'last', out: () => undefined, log: () => undefined });
    expect(apgd['attacked_examples']).toBe(8);
    expect(apgd['robust_apgd-ce']).toBeLessThanOrEqual(apgd['clean_attacked_subset']!);
    await expect(evalCommand(run.runDir, { attack: 'pgdd', checkpoint: 'last', out: () => undefined, log: () => undefined })).rejects.toThrow(/attack\.name.*unknown attack 'pgdd' \(known: fgsm, pgd, cw/);
    await expect(evalCommand(run.runDir, { attack: 'pgd', attackOptions: { steps: -1 }, checkpoint: 'last', out: () => undefined, log: () => undefined })).rejects.toThrow(/attack\.steps/);
  }, 180_000);
});
