import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { SeededRng } from '@dkl/core';
import { describe, expect, it } from 'vitest';
import {
  apgd,
  AUTO_ATTACK_VERSIONS,
  autoAttack,
  checkedFlags,
  etaRectangles,
  fab,
  metaPseudoGaussianPert,
  projectOntoHyperplaneL2,
  square,
  squareL2Side,
  type ForwardFn,
} from '../src/index.js';
import { accuracy, correct, distances, equalTensors, tempDir, trainedNet } from './helpers.js';

// The L2 Square attack tiles h // 5 squares: 8x8 images.
const SHAPE: [number, number, number] = [8, 8, 3];
const EPS = 0.6;
const { forward, x, y } = await trainedNet(40, { shape: SHAPE, lr: 0.1 }); // lr 0.5 diverges on 192 inputs
const dir = await tempDir('dkl-attacks-l2-');

/** Per-example L2 distances in float64 over the stored float32 pixels. */
function l2Distances(adv: tf.Tensor, x0: tf.Tensor): number[] {
  const a = adv.dataSync();
  const b = x0.dataSync();
  const n = x0.shape[0]!;
  const dim = b.length / n;
  return Array.from({ length: n }, (_, j) => {
    let s = 0;
    for (let i = j * dim; i < (j + 1) * dim; i++) s += (a[i]! - b[i]!) ** 2;
    return Math.sqrt(s);
  });
}

/** The reference's bisection view of projection_l2: g(λ) = Σ w_i clip(λ w_i, -t_i, 1 - t_i) = r, solved by 200 halvings. */
function bisectionProjection(t: Float32Array, w: Float32Array, c: number): Float64Array {
  let wt = 0;
  for (let i = 0; i < t.length; i++) wt += w[i]! * t[i]!;
  const s = c - wt >= 0 ? 1 : -1;
  const step = (lambda: number) => Float64Array.from(t, (ti, i) => Math.min(Math.max(lambda * s * w[i]!, -ti), 1 - ti));
  const g = (lambda: number) => step(lambda).reduce((acc, d, i) => acc + s * w[i]! * d, 0);
  const r = Math.abs(c - wt);
  let lo = 0;
  let hi = 1e6;
  for (let k = 0; k < 200; k++) {
    const mid = (lo + hi) / 2;
    if (g(mid) < r) lo = mid;
    else hi = mid;
  }
  return step(hi);
}

describe('FAB L2 projection (projection_l2)', () => {
  it('gives the minimal-L2 step onto the hyperplane inside the box, as the bisection over the KKT multiplier', () => {
    const rng = new SeededRng(3);
    for (let trial = 0; trial < 40; trial++) {
      const d = 2 + rng.int(30);
      const t = Float32Array.from({ length: d }, () => rng.float());
      const w = Float32Array.from({ length: d }, () => (rng.bernoulli(0.1) ? 0 : rng.normal()));
      let wt = 0;
      for (let i = 0; i < d; i++) wt += w[i]! * t[i]!;
      const c = wt + rng.normal(0, trial < 30 ? 0.5 : 20); // the last ones are mostly out of the box's reach
      const ours = projectOntoHyperplaneL2(t, w, c);
      const reference = bisectionProjection(t, w, c);
      for (let i = 0; i < d; i++) {
        expect(ours[i]!, `trial ${trial} coordinate ${i}`).toBeCloseTo(reference[i]!, 4);
        expect(t[i]! + ours[i]!).toBeGreaterThanOrEqual(-1e-6);
        expect(t[i]! + ours[i]!).toBeLessThanOrEqual(1 + 1e-6);
        if (w[i] === 0) expect(ours[i]).toBe(0);
      }
    }
  });

  it('is the plain projection -(w·t - c) w / ||w||² when the box does not bind, and zero on the plane', () => {
    const t = Float32Array.from([0.5, 0.5, 0.5]);
    const w = Float32Array.from([1, -2, 0.5]);
    const d = projectOntoHyperplaneL2(t, w, 0.2);
    const wt = 0.5 - 1 + 0.25;
    const scale = (0.2 - wt) / (1 + 4 + 0.25);
    d.forEach((v, i) => expect(v).toBeCloseTo(scale * w[i]!, 6));
    expect(Array.from(projectOntoHyperplaneL2(t, w, wt))).toEqual([0, 0, 0]);
  });
});

describe('Square L2 helpers (eta_rectangles, meta_pseudo_gaussian_pert, p_selection)', () => {
  it('eta_rectangles nests rectangles weighted 1/(k+1)^2 with unit norm', () => {
    const e = etaRectangles(3, 3);
    expect(e[4]! / e[0]!).toBeCloseTo(5, 10); // centre 1 + 1/4, ring 1/4
    expect(Array.from(e).reduce((a, v) => a + v * v, 0)).toBeCloseTo(1, 12);
    const wide = etaRectangles(2, 5); // rows 0..1: the first rectangle is row 1, column 2
    expect(wide[1 * 5 + 2]).toBe(Math.max(...wide));
  });

  it('the pseudo-Gaussian bump is positive on one half and negative on the other, unit norm, sometimes transposed', () => {
    const rng = new SeededRng(1);
    const seen = new Set<string>();
    for (let k = 0; k < 20; k++) {
      const p = metaPseudoGaussianPert(5, rng);
      expect(Array.from(p).reduce((a, v) => a + v * v, 0)).toBeCloseTo(1, 12);
      const rowsSplit = p[0]! > 0 && p[4 * 5]! < 0; // rows 0-1 positive, 2-4 negative
      const colsSplit = p[0]! > 0 && p[4]! < 0;
      expect(rowsSplit !== colsSplit).toBe(true);
      seen.add(rowsSplit ? 'rows' : 'cols');
    }
    expect(seen.size).toBe(2);
  });

  it('the square side is max(round(sqrt(p·h·w)), 3), made odd', () => {
    expect(squareL2Side(0.8, 32, 32, 3)).toBe(29); // sqrt(819.2) = 28.6
    expect(squareL2Side(0.8 / 512, 32, 32, 3)).toBe(3);
    expect(squareL2Side(0.8 / 4, 32, 32, 3)).toBe(15); // sqrt(204.8) = 14.3 -> 14 -> 15
  });
});

describe('L2 versions of Square and FAB', () => {
  it('Square L2 keeps every example in the L2 ball and [0, 1], lowers accuracy, is seeded, leaks nothing', () => {
    const before = tf.memory().numTensors;
    // Black-box search is slower than the gradient attacks here: a larger radius so that it fools some.
    const eps = 2;
    const a = square(forward, x, y, { norm: 'l2', eps, queries: 300, seed: 5 });
    const b = square(forward, x, y, { norm: 'l2', eps, queries: 300, seed: 5 });
    const c = square(forward, x, y, { norm: 'l2', eps, queries: 300, seed: 6 });
    for (const d of l2Distances(a, x)) expect(d).toBeLessThanOrEqual(eps * (1 + 1e-6));
    const { min, max } = distances(a, x);
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThanOrEqual(1);
    expect(accuracy(forward, a, y)).toBeLessThan(accuracy(forward, x, y));
    expect(equalTensors(a, b)).toBe(true);
    expect(equalTensors(a, c)).toBe(false);
    tf.dispose([a, b, c]);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => square(forward, tf.zeros([1, 4, 4, 3]), tf.tensor1d([0], 'int32'), { norm: 'l2', eps: 1 })).toThrow(/'x'.*5x5/);
  });

  it('FAB-T and untargeted FAB under L2 return only points within eps and fool some examples', () => {
    const before = tf.memory().numTensors;
    const clean = correct(forward, x, y);
    for (const targeted of [true, false]) {
      const adv = fab(forward, x, y, { norm: 'l2', eps: EPS, steps: 20, nTargetClasses: 3, targeted, restarts: 2, seed: 1 });
      const dist = l2Distances(adv, x);
      const fooled = correct(forward, adv, y).map((ok, i) => clean[i] && !ok);
      dist.forEach((d, i) => {
        expect(d, `example ${i}`).toBeLessThanOrEqual(EPS);
        if (d > 0) expect(fooled[i], `moved example ${i} is adversarial`).toBe(true);
      });
      expect(fooled.filter(Boolean).length, `targeted ${targeted}`).toBeGreaterThan(0);
      adv.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('APGD with EOT averages eotIter gradients per step (eotIter times the passes)', () => {
    let calls = 0;
    const counting: ForwardFn = (input) => {
      calls++;
      return forward(input);
    };
    const one = apgd(counting, x, y, { norm: 'l2', eps: EPS, steps: 5, seed: 2 });
    const callsOne = calls;
    calls = 0;
    const three = apgd(counting, x, y, { norm: 'l2', eps: EPS, steps: 5, seed: 2, eotIter: 3 });
    // Clean pass + (steps + 1) gradient passes, each times eotIter.
    expect(callsOne).toBe(1 + 6);
    expect(calls).toBe(1 + 6 * 3);
    for (const d of l2Distances(three, x)) expect(d).toBeLessThanOrEqual(EPS * (1 + 1e-5));
    tf.dispose([one, three]);
    expect(() => apgd(forward, x, y, { eps: EPS, eotIter: 0 })).toThrow(/'eotIter'/);
  });
});

describe('AutoAttack versions', () => {
  const budget = { apgdSteps: 10, nTargetClasses: 3, fabSteps: 10, squareQueries: 60 } as const;

  it('follows the reference set_version: attacks, restarts and EOT per version', () => {
    expect(AUTO_ATTACK_VERSIONS.standard.attacks).toEqual(['apgd-ce', 'apgd-t', 'fab-t', 'square']);
    expect(AUTO_ATTACK_VERSIONS.plus.attacks).toEqual(['apgd-ce', 'apgd-dlr', 'fab', 'square', 'apgd-t', 'fab-t']);
    expect(AUTO_ATTACK_VERSIONS.plus.budget).toMatchObject({ apgdRestarts: 5, fabRestarts: 5, apgdTRestarts: 1, nTargetClasses: 9, squareQueries: 5000 });
    expect(AUTO_ATTACK_VERSIONS.rand.attacks).toEqual(['apgd-ce', 'apgd-dlr']);
    expect(AUTO_ATTACK_VERSIONS.rand.budget).toMatchObject({ apgdRestarts: 1, eotIter: 20 });
  });

  it('L2 standard runs all four attacks, every point checked in the L2 ball; plus runs six', async () => {
    const before = tf.memory().numTensors;
    const standard = await autoAttack(forward, x, y, { norm: 'l2', eps: EPS, batchSize: 16, ...budget, onWarning: () => undefined });
    expect(Object.keys(standard.perAttack)).toEqual(['apgd-ce', 'apgd-t', 'fab-t', 'square']);
    const seq = [standard.cleanAccuracy, ...Object.values(standard.perAttack)];
    for (let i = 1; i < seq.length; i++) expect(seq[i]!).toBeLessThanOrEqual(seq[i - 1]!);
    expect(standard.robustAccuracy).toBeLessThan(standard.cleanAccuracy);
    const plus = await autoAttack(forward, x, y, { norm: 'l2', eps: EPS, version: 'plus', batchSize: 16, ...budget, apgdRestarts: 2, fabRestarts: 2, onWarning: () => undefined });
    expect(Object.keys(plus.perAttack)).toEqual(['apgd-ce', 'apgd-dlr', 'fab', 'square', 'apgd-t', 'fab-t']);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rand is deterministic under a seed, also for a randomised model whose noise is seeded', async () => {
    let draws = 0;
    const noisy: ForwardFn = (input) => tf.tidy(() => forward(input.add(tf.randomNormal(input.shape, 0, 0.02, 'float32', draws++))));
    const run = async (seed: number) => {
      draws = 0;
      return autoAttack(noisy, x, y, { norm: 'linf', eps: 0.08, version: 'rand', batchSize: 20, apgdSteps: 5, eotIter: 4, seed, onWarning: () => undefined });
    };
    const a = await run(7);
    const b = await run(7);
    expect(Object.keys(a.perAttack)).toEqual(['apgd-ce', 'apgd-dlr']);
    expect(b.robustFlags).toEqual(a.robustFlags);
    expect(b.perAttack).toEqual(a.perAttack);
  });

  it('a run interrupted mid-attack resumes at the next batch and gives the same flags as an uninterrupted one', async () => {
    const opts = { norm: 'l2' as const, eps: EPS, batchSize: 8, ...budget, seed: 3, onWarning: () => undefined };
    const whole = await autoAttack(forward, x, y, opts);
    const statePath = path.join(dir, 'resume-state.json');
    const stop = new Error('simulated kill');
    let seen = 0;
    await expect(
      autoAttack(forward, x, y, {
        ...opts,
        statePath,
        onBatchEnd: (attack, batch) => {
          if (attack === 'apgd-t' && batch === 1) throw stop; // after apgd-t's second batch is saved
          seen++;
        },
      }),
    ).rejects.toBe(stop);
    const state = JSON.parse(await fs.readFile(statePath, 'utf8'));
    expect(state.finished.map((f: { attack: string }) => f.attack)).toEqual(['apgd-ce']);
    expect(state.current).toMatchObject({ attack: 'apgd-t', batchesDone: 2 });
    expect(seen).toBeGreaterThan(0);

    const attacked: string[] = [];
    const resumed = await autoAttack(forward, x, y, { ...opts, statePath, onBatchEnd: (attack, batch) => attacked.push(`${attack}/${batch}`) });
    expect(resumed.resumed).toEqual(['apgd-ce']);
    expect(resumed.resumedBatches).toBe(2);
    expect(attacked.filter((a) => a.startsWith('apgd-t/'))[0]).toBe('apgd-t/2'); // batches 0 and 1 are not attacked again
    expect(resumed.robustFlags).toEqual(whole.robustFlags);
    expect(resumed.perAttack).toEqual(whole.perAttack);
    expect(resumed.robustAccuracy).toBe(whole.robustAccuracy);

    // Other settings (here the version's budget) refuse the file, naming it.
    await expect(autoAttack(forward, x, y, { ...opts, statePath, squareQueries: 61 })).rejects.toThrow(/resume-state\.json.*settings/);
  });

  it('checkedFlags refuses a point outside the threat model, naming the attack', () => {
    const outside = tf.tidy(() => x.add(0.3).clipByValue(0, 1));
    expect(() => checkedFlags(forward, x, y, outside, 0.1, 'linf', 'my-attack')).toThrow(/my-attack.*linf distance/);
    const inside = x.clone();
    expect(checkedFlags(forward, x, y, inside, 0.1, 'l2', 'identity')).toEqual(correct(forward, x, y));
    expect(outside.isDisposed && inside.isDisposed).toBe(true);
  });
});
