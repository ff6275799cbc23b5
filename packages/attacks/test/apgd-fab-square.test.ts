import * as fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { apgd, dlrLoss, dlrTargetedLoss, fab, pgd, projectOntoHyperplaneLinf, square, squareP, type ForwardFn } from '../src/index.js';
import { accuracy, correct, distances, equalTensors, trainedNet } from './helpers.js';

const EPS = 0.08;
const { forward, x, y } = await trainedNet(64);

function inBall(adv: tf.Tensor, eps = EPS): void {
  const d = distances(adv, x);
  expect(d.linf).toBeLessThanOrEqual(eps + 1e-6);
  expect(d.min).toBeGreaterThanOrEqual(0);
  expect(d.max).toBeLessThanOrEqual(1);
}

describe('apgd', () => {
  it('APGD-CE stays in the ball and is at least as strong as PGD with the same budget', () => {
    const before = tf.memory().numTensors;
    for (const steps of [10, 20]) {
      const a = apgd(forward, x, y, { eps: EPS, steps, seed: 1 });
      const p = pgd(forward, x, y, { norm: 'linf', eps: EPS, stepSize: EPS / 4, steps, seed: 1 });
      inBall(a);
      // Margin-free aggregate: robust accuracy over the whole batch, same points and budget.
      expect(accuracy(forward, a, y)).toBeLessThanOrEqual(accuracy(forward, p, y));
      tf.dispose([a, p]);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('returns already misclassified examples unchanged and is deterministic per seed', () => {
    const clean = correct(forward, x, y);
    const a = apgd(forward, x, y, { eps: EPS, steps: 10, seed: 5, loss: 'dlr' });
    const b = apgd(forward, x, y, { eps: EPS, steps: 10, seed: 5, loss: 'dlr' });
    expect(equalTensors(a, b)).toBe(true);
    const av = a.dataSync();
    const xv = x.dataSync();
    const dim = 48;
    clean.forEach((ok, i) => {
      if (!ok) for (let j = 0; j < dim; j++) expect(av[i * dim + j]).toBe(xv[i * dim + j]);
    });
    inBall(a);
    tf.dispose([a, b]);
  });

  it('L2 APGD stays in the L2 ball', () => {
    const a = apgd(forward, x, y, { norm: 'l2', eps: 0.4, steps: 10 });
    const d = distances(a, x);
    expect(d.l2).toBeLessThanOrEqual(0.4 + 1e-5);
    expect(d.min).toBeGreaterThanOrEqual(0);
    expect(d.max).toBeLessThanOrEqual(1);
    expect(accuracy(forward, a, y)).toBeLessThan(accuracy(forward, x, y));
    a.dispose();
  });

  it('APGD-T (targeted DLR over the top-k classes) is at least as strong as one untargeted DLR run', () => {
    const t = apgd(forward, x, y, { eps: EPS, steps: 10, targeted: true, nTargetClasses: 3 });
    const u = apgd(forward, x, y, { eps: EPS, steps: 10, loss: 'dlr' });
    inBall(t);
    expect(accuracy(forward, t, y)).toBeLessThan(accuracy(forward, x, y));
    expect(accuracy(forward, t, y)).toBeLessThanOrEqual(accuracy(forward, u, y) + 2 / 64);
    tf.dispose([t, u]);
  });

  it('DLR losses are invariant to shifting and scaling the logits and need enough classes', () => {
    const z = tf.tensor2d([[2, 1, 0.5, -1], [0, 3, 1, 2]]);
    const labels = tf.tensor1d([0, 2], 'int32');
    const targets = tf.tensor1d([1, 3], 'int32');
    const a = Array.from(dlrLoss(z, labels).dataSync());
    const b = Array.from(dlrLoss(z.mul(3).add(7), labels).dataSync());
    a.forEach((v, i) => expect(b[i]).toBeCloseTo(v, 5));
    // Example 0: -(2 - 1) / (2 - 0.5); example 1: -(1 - 3) / (3 - 1).
    expect(a[0]).toBeCloseTo(-1 / 1.5, 5);
    expect(a[1]).toBeCloseTo(1, 5);
    const t = Array.from(dlrTargetedLoss(z, labels, targets).dataSync());
    // -(z_y - z_t) / (z1 - (z3 + z4) / 2)
    expect(t[0]).toBeCloseTo(-(2 - 1) / (2 - (0.5 - 1) / 2), 5);
    expect(t[1]).toBeCloseTo(-(1 - 2) / (3 - (1 + 0) / 2), 5);
    const two = tf.zeros([1, 2]);
    expect(() => dlrLoss(two, tf.tensor1d([0], 'int32'))).toThrow(/'loss'.*3 classes/);
    tf.dispose([z, labels, targets, two]);
  });
});

describe('fab (targeted, L-inf)', () => {
  it('projects onto the hyperplane inside the box with the smallest L-inf step', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: 0, max: 1, noNaN: true }), { minLength: 2, maxLength: 8 }),
        fc.array(fc.float({ min: -2, max: 2, noNaN: true }), { minLength: 8, maxLength: 8 }),
        fc.float({ min: -1, max: 1, noNaN: true }),
        (tv, wv, shift) => {
          const t = Float32Array.from(tv);
          const w = Float32Array.from(wv.slice(0, t.length));
          const wt = t.reduce((acc, v, i) => acc + v * w[i]!, 0);
          const c = wt + shift;
          const d = projectOntoHyperplaneLinf(t, w, c);
          for (let i = 0; i < t.length; i++) {
            expect(t[i]! + d[i]!).toBeGreaterThanOrEqual(-1e-6);
            expect(t[i]! + d[i]!).toBeLessThanOrEqual(1 + 1e-6);
          }
          // The most the box allows in the direction of the plane.
          const reach = t.reduce((acc, v, i) => acc + Math.abs(w[i]!) * (w[i]! * Math.sign(shift) > 0 ? 1 - v : v), 0);
          const feasible = reach >= Math.abs(shift) + 1e-4;
          const moved = d.reduce((acc, v, i) => acc + v * w[i]!, 0);
          if (feasible) expect(moved).toBeCloseTo(shift, 3);
          // No feasible point has a smaller L-inf norm: shrinking d by 1% cannot reach the plane.
          const lambda = d.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
          const capped = t.reduce((acc, v, i) => acc + Math.abs(w[i]!) * Math.min(0.99 * lambda, w[i]! * Math.sign(shift) > 0 ? 1 - v : v), 0);
          if (feasible && lambda > 1e-4) expect(capped).toBeLessThan(Math.abs(shift) + 1e-6);
        },
      ),
      { numRuns: 200, seed: 42 },
    );
  });

  it('finds the exact L-inf budget when the faces bind one after another (sorted-breakpoint walk as reference)', () => {
    // 3072 coordinates whose faces lie at every distance: the budget λ passes thousands of them.
    const d = 3072;
    const t = Float32Array.from({ length: d }, (_, i) => ((i * 7919) % d) / d);
    const w = Float32Array.from({ length: d }, (_, i) => (i % 3 === 0 ? -1 : 1) * (0.5 + (i % 5) / 10));
    const wt = t.reduce((acc, v, i) => acc + v * w[i]!, 0);
    for (const shift of [1, 300, -200, 1e6]) {
      const d1 = projectOntoHyperplaneLinf(t, w, wt + shift);
      // Reference: walk the rooms in ascending order until g(λ) = Σ |w_i| min(λ, room_i) reaches |shift|.
      const s = Math.sign(shift);
      const rooms = Array.from(t, (v, i) => (w[i]! * s > 0 ? 1 - v : v));
      const order = rooms.map((_, i) => i).sort((a, b) => rooms[a]! - rooms[b]!);
      let weight = w.reduce((acc, v) => acc + Math.abs(v), 0);
      let reached = 0;
      let previous = 0;
      let lambda = Infinity;
      for (const i of order) {
        const at = reached + weight * (rooms[i]! - previous);
        if (at >= Math.abs(shift)) {
          lambda = previous + (Math.abs(shift) - reached) / weight;
          break;
        }
        [reached, previous, weight] = [at, rooms[i]!, weight - Math.abs(w[i]!)];
      }
      d1.forEach((v, i) => expect(Math.abs(v), `shift ${shift}, coordinate ${i}`).toBeCloseTo(Math.min(lambda, rooms[i]!), 6));
    }
  });

  it('finds misclassified points inside the eps ball only', () => {
    const before = tf.memory().numTensors;
    const adv = fab(forward, x, y, { eps: EPS, steps: 20, nTargetClasses: 3 });
    inBall(adv);
    const clean = correct(forward, x, y);
    const after = correct(forward, adv, y);
    expect(after.filter(Boolean).length).toBeLessThan(clean.filter(Boolean).length);
    // Changed examples are adversarial; the others are returned clean.
    const d = tf.tidy(() => tf.max(tf.abs(adv.sub(x)), [1, 2, 3]));
    Array.from(d.dataSync()).forEach((v, i) => {
      if (v > 0) expect(after[i]).toBe(false);
    });
    tf.dispose([adv, d]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('square (L-inf)', () => {
  it('halves the square area on the reference schedule', () => {
    expect(squareP(0.8, 0, 5000)).toBe(0.8);
    expect(squareP(0.8, 10, 5000)).toBe(0.8);
    expect(squareP(0.8, 11, 5000)).toBe(0.4);
    expect(squareP(0.8, 51, 5000)).toBe(0.2);
    expect(squareP(0.8, 4500, 5000)).toBeCloseTo(0.8 / 128);
    expect(squareP(0.8, 9000, 10000)).toBeCloseTo(0.8 / 512);
    expect(squareP(0.8, 250, 500, true)).toBeCloseTo(0.8 / 128); // 250/500 of 10k = 5000
  });

  it('stays in the ball, lowers accuracy with forward passes only, and is seeded', () => {
    const before = tf.memory().numTensors;
    const a = square(forward, x, y, { eps: EPS, queries: 200, seed: 3 });
    const b = square(forward, x, y, { eps: EPS, queries: 200, seed: 3 });
    inBall(a);
    expect(equalTensors(a, b)).toBe(true);
    expect(accuracy(forward, a, y)).toBeLessThan(accuracy(forward, x, y));
    // A model without gradients (rounded inputs) is still attacked by the black-box search.
    const rounded: ForwardFn = (input) => tf.tidy(() => forward(tf.round(input.mul(64)).div(64)));
    const c = square(rounded, x, y, { eps: EPS, queries: 200, seed: 3 });
    expect(accuracy(rounded, c, y)).toBeLessThan(accuracy(rounded, x, y));
    tf.dispose([a, b, c]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
