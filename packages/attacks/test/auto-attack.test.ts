import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { apgd, autoAttack, checkSquareStronger, fab, fgsm, pgd, runAttackPlan, square, type AttackStage, type AutoAttackOptions, type ForwardFn } from '../src/index.js';
import { accuracy, asClassifier, tempDir, trainedNet } from './helpers.js';

const EPS = 0.08;
// Small budgets keep the suite fast; the algorithms are those of the standard version.
const BUDGET = { apgdSteps: 20, nTargetClasses: 3, fabSteps: 20, squareQueries: 150 } as const;
const { net, forward, x, y } = await trainedNet(48);
const dir = await tempDir('dkl-attacks-');

const quiet = (warnings: string[]) => (m: string) => warnings.push(m);

describe('autoAttack', () => {
  it('standard suite: accuracy after each attack is monotone and below every single attack; no leaks', async () => {
    const before = tf.memory().numTensors;
    const warnings: string[] = [];
    const model = asClassifier(net);
    const result = await autoAttack(model, x, y, { norm: 'linf', eps: EPS, version: 'standard', batchSize: 20, ...BUDGET, onWarning: quiet(warnings) });
    expect(tf.memory().numTensors).toBe(before);
    expect(model.trainingFlags.length).toBeGreaterThan(0);
    expect(model.trainingFlags.every((t) => t === false)).toBe(true);
    expect(Object.keys(result.perAttack)).toEqual(['apgd-ce', 'apgd-t', 'fab-t', 'square']);
    expect(result.cleanAccuracy).toBeCloseTo(accuracy(forward, x, y), 6);
    const seq = [result.cleanAccuracy, ...Object.values(result.perAttack)];
    for (let i = 1; i < seq.length; i++) expect(seq[i]!).toBeLessThanOrEqual(seq[i - 1]!);
    expect(result.robustAccuracy).toBe(seq.at(-1));
    expect(result.robustAccuracy).toBeLessThan(result.cleanAccuracy);

    const single: Record<string, tf.Tensor> = {
      fgsm: fgsm(forward, x, y, { eps: EPS }),
      pgd20: pgd(forward, x, y, { norm: 'linf', eps: EPS, stepSize: EPS / 4, steps: 20 }),
      apgdCe: apgd(forward, x, y, { eps: EPS, steps: 20 }),
      apgdT: apgd(forward, x, y, { eps: EPS, steps: 20, targeted: true, nTargetClasses: 3 }),
      fabT: fab(forward, x, y, { eps: EPS, steps: 20, nTargetClasses: 3 }),
      square: square(forward, x, y, { eps: EPS, queries: 150 }),
    };
    for (const [name, adv] of Object.entries(single)) {
      expect(result.robustAccuracy, name).toBeLessThanOrEqual(accuracy(forward, adv, y));
      adv.dispose();
    }
    // The clean model has useful gradients and deterministic logits: no check fires
    // (Square may still be reported as stronger; that check is exercised below).
    expect(warnings.filter((w) => !w.startsWith('Square'))).toEqual([]);
  });

  it('is deterministic for a seed', async () => {
    const opts: AutoAttackOptions = { norm: 'linf', eps: EPS, version: 'custom', attacks: ['apgd-ce', 'square'], batchSize: 16, ...BUDGET, seed: 4, onWarning: () => undefined };
    const a = await autoAttack(forward, x, y, opts);
    const b = await autoAttack(forward, x, y, opts);
    expect(b.robustFlags).toEqual(a.robustFlags);
    expect(b.perAttack).toEqual(a.perAttack);
  });

  it('resumes from the state file, skipping finished attacks', async () => {
    const statePath = path.join(dir, 'aa-state.json');
    let calls = 0;
    const counting: ForwardFn = (input) => {
      calls++;
      return forward(input);
    };
    const base = { norm: 'linf' as const, eps: EPS, version: 'custom' as const, batchSize: 48, ...BUDGET, onWarning: () => undefined, statePath };
    const first = await autoAttack(counting, x, y, { ...base, attacks: ['apgd-ce'] });
    const state = JSON.parse(await fs.readFile(statePath, 'utf8'));
    expect(state.finished).toEqual([{ attack: 'apgd-ce', robustAccuracy: first.robustAccuracy, seconds: first.perAttackSeconds['apgd-ce'] }]);
    expect((await fs.readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    calls = 0;
    const ended: Array<[string, boolean]> = [];
    const second = await autoAttack(counting, x, y, { ...base, attacks: ['apgd-ce', 'square'], onAttackEnd: (a, _acc, resumed) => ended.push([a, resumed]) });
    const callsWithSquare = calls;
    expect(second.resumed).toEqual(['apgd-ce']);
    expect(ended).toEqual([['apgd-ce', true], ['square', false]]);
    expect(second.perAttack['apgd-ce']).toBe(first.robustAccuracy);
    expect(second.robustAccuracy).toBeLessThanOrEqual(first.robustAccuracy);
    // Square starts from the flags APGD-CE left: it never revives an example.
    second.robustFlags.forEach((ok, i) => {
      if (!first.robustFlags[i]) expect(ok).toBe(false);
    });

    calls = 0;
    const third = await autoAttack(counting, x, y, { ...base, attacks: ['apgd-ce', 'square'] });
    expect(third.resumed).toEqual(['apgd-ce', 'square']);
    expect(third.robustAccuracy).toBe(second.robustAccuracy);
    // Only the sanity checks run: a handful of calls instead of an attack's hundreds.
    expect(calls).toBeLessThan(10);
    expect(callsWithSquare).toBeGreaterThan(50);

    await expect(autoAttack(counting, x, y, { ...base, eps: 0.1, attacks: ['apgd-ce'] })).rejects.toThrow(/aa-state\.json.*eps 0\.08/);
  });

  it("counts each attack's seconds over every invocation of a resumed evaluation", async () => {
    const statePath = path.join(dir, 'timed-state.json');
    const BATCH_MS = 40;
    let failAt = 2; // the first invocation dies while attacking batch 2 (a kill, as far as the state file knows)
    let attacked = 0;
    const slow: AttackStage = {
      name: 'slow',
      robustFlags: async (_forward, xs) => {
        if (attacked++ === failAt) throw new Error('killed');
        await new Promise((r) => setTimeout(r, BATCH_MS));
        return new Array<boolean>(xs.shape[0]!).fill(true);
      },
    };
    const plan = { stages: [slow], settings: {} };
    const options = { norm: 'linf' as const, eps: EPS, batchSize: 8, statePath };
    const batches = Math.ceil((await runAttackPlan(forward, x, y, { stages: [], settings: {} }, { norm: 'linf', eps: EPS, batchSize: 8 })).cleanAccuracy * x.shape[0]! / 8);
    expect(batches).toBeGreaterThan(3);
    await expect(runAttackPlan(forward, x, y, plan, options)).rejects.toThrow('killed');
    failAt = -1;
    attacked = 0;
    const resumed = await runAttackPlan(forward, x, y, plan, options);
    expect(resumed.resumedBatches).toBe(2);
    expect(attacked).toBe(batches - 2);
    // The two batches of the first invocation count too: all of them, not only the resumed ones.
    const seconds = resumed.perAttackSeconds['slow']!;
    expect(seconds).toBeGreaterThanOrEqual((batches * BATCH_MS) / 1000 - 0.005);
    const state = JSON.parse(await fs.readFile(statePath, 'utf8'));
    expect(state.finished).toEqual([{ attack: 'slow', robustAccuracy: resumed.robustAccuracy, seconds }]);
    expect(resumed.totalSeconds).toBeCloseTo(state.cleanSeconds + seconds, 9);

    // A state file written before times were kept: the unknown stays unknown instead of counting from zero.
    const { cleanSeconds: _clean, ...older } = state;
    await fs.writeFile(statePath, JSON.stringify({ ...older, finished: [{ attack: 'slow', robustAccuracy: resumed.robustAccuracy }] }));
    const fromOlder = await runAttackPlan(forward, x, y, plan, options);
    expect(fromOlder.perAttackSeconds).toEqual({ slow: undefined });
    expect(fromOlder.totalSeconds).toBeUndefined();
  });

  it('warns when the model has zero input gradients', async () => {
    const warnings: string[] = [];
    const rounded: ForwardFn = (input) => forward(tf.round(input.mul(4)).div(4));
    await autoAttack(rounded, x, y, { norm: 'linf', eps: EPS, version: 'custom', attacks: ['apgd-ce'], batchSize: 48, apgdSteps: 5, onWarning: quiet(warnings) });
    expect(warnings.some((w) => /48 points with zero gradient/.test(w))).toBe(true);
  });

  it('warns on softmax outputs and on randomised outputs', async () => {
    const warnings: string[] = [];
    const probs: ForwardFn = (input) => tf.softmax(forward(input));
    await autoAttack(probs, x, y, { norm: 'linf', eps: EPS, version: 'custom', attacks: ['apgd-ce'], batchSize: 48, apgdSteps: 2, onWarning: quiet(warnings) });
    expect(warnings.some((w) => /sums to 1/.test(w))).toBe(true);
    expect(warnings.some((w) => /randomised/.test(w))).toBe(false);

    const noisyWarnings: string[] = [];
    let seed = 0;
    const noisy: ForwardFn = (input) => forward(input.add(tf.randomUniform(input.shape, -0.01, 0.01, 'float32', seed++)));
    await autoAttack(noisy, x, y, { norm: 'linf', eps: EPS, version: 'custom', attacks: ['apgd-ce'], batchSize: 48, apgdSteps: 2, onWarning: quiet(noisyWarnings) });
    expect(noisyWarnings.some((w) => /randomised/.test(w))).toBe(true);
  });

  it('warns when the black-box Square attack beats the white-box attacks', () => {
    const warnings: string[] = [];
    expect(checkSquareStronger({ 'apgd-ce': 0.5, 'apgd-t': 0.45, square: 0.3 }, quiet(warnings))).toBe(true);
    expect(warnings[0]).toMatch(/Square.*15\.00%/);
    expect(checkSquareStronger({ 'apgd-ce': 0.5, 'apgd-t': 0.45, square: 0.449 }, quiet(warnings))).toBe(false);
    expect(checkSquareStronger({ 'apgd-ce': 0.5 }, quiet(warnings))).toBe(false);
  });

  it('rejects bad options with errors naming them', async () => {
    const base = { norm: 'linf' as const, eps: EPS, batchSize: 8 };
    await expect(autoAttack(forward, x, y, { ...base, version: 'custom', attacks: [] })).rejects.toThrow(/'attacks'/);
    await expect(autoAttack(forward, x, y, { ...base, version: 'custom', attacks: ['pgd' as never] })).rejects.toThrow(/'attacks\[0\]'.*unknown attack 'pgd'/);
    await expect(autoAttack(forward, x, y, { ...base, version: 'custom', attacks: ['apgd-ce', 'apgd-ce'] })).rejects.toThrow(/'attacks'.*twice/);
    await expect(autoAttack(forward, x, y, { ...base, batchSize: 0 })).rejects.toThrow(/'batchSize'/);
    await expect(autoAttack(forward, x, y, { ...base, version: 'fast' as never })).rejects.toThrow(/'version'/);
    await expect(autoAttack(forward, x, y, { ...base, apgdSteps: 0 })).rejects.toThrow(/'apgdSteps'/);
  });
});
