import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdamW, attackBudget, cosineSchedule, createOptimizer, createSchedule, linearWarmup, multiStepSchedule, Sgd } from '../src/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Runs `steps` updates with constant gradients g on w0; returns the weights after each step. */
function trajectory(make: () => Sgd | AdamW, w0: number[], grads: number[][], lr: number): number[][] {
  const opt = make();
  const w = tf.variable(tf.tensor1d(w0));
  const out: number[][] = [];
  for (const g of grads) {
    const gt = tf.tensor1d(g);
    opt.apply([w], [gt], lr);
    gt.dispose();
    out.push(Array.from(w.dataSync()));
  }
  opt.dispose();
  w.dispose();
  return out;
}

describe('SGD (PyTorch semantics)', () => {
  const grads = [[1, -2], [0.5, 0.5], [-1, 3]];

  it('momentum + weight decay matches a float64 hand computation of torch.optim.SGD', () => {
    const lr = 0.1, m = 0.9, wd = 0.01;
    const w = [1, 2];
    let buf: number[] | undefined;
    const expected: number[][] = [];
    for (const g of grads) {
      const d = g.map((gi, i) => gi + wd * w[i]!);
      buf = buf ? buf.map((b, i) => m * b + d[i]!) : d;
      for (let i = 0; i < 2; i++) w[i] = w[i]! - lr * buf[i]!;
      expected.push([...w]);
    }
    const got = trajectory(() => new Sgd({ momentum: m, weightDecay: wd }), [1, 2], grads, lr);
    got.forEach((row, s) => row.forEach((v, i) => expect(v).toBeCloseTo(expected[s]![i]!, 5)));
  });

  it('nesterov uses g + momentum * buf', () => {
    const lr = 0.1, m = 0.9;
    const w = [1, 2];
    let buf: number[] | undefined;
    for (const g of grads) {
      buf = buf ? buf.map((b, i) => m * b + g[i]!) : [...g];
      for (let i = 0; i < 2; i++) w[i] = w[i]! - lr * (g[i]! + m * buf[i]!);
    }
    const got = trajectory(() => new Sgd({ momentum: m, nesterov: true }), [1, 2], grads, lr).at(-1)!;
    got.forEach((v, i) => expect(v).toBeCloseTo(w[i]!, 5));
    expect(() => new Sgd({ nesterov: true })).toThrow(/nesterov/);
  });

  it('AdamW matches torch.optim.AdamW (decoupled decay, bias correction)', () => {
    const lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.1;
    const w = [1, 2];
    const m = [0, 0], v = [0, 0];
    grads.forEach((g, t) => {
      for (let i = 0; i < 2; i++) {
        w[i] = w[i]! * (1 - lr * wd);
        m[i] = b1 * m[i]! + (1 - b1) * g[i]!;
        v[i] = b2 * v[i]! + (1 - b2) * g[i]! ** 2;
        const bc1 = 1 - b1 ** (t + 1), bc2 = 1 - b2 ** (t + 1);
        w[i] = w[i]! - (lr / bc1) * (m[i]! / (Math.sqrt(v[i]!) / Math.sqrt(bc2) + eps));
      }
    });
    const got = trajectory(() => new AdamW({ weightDecay: wd }), [1, 2], grads, lr).at(-1)!;
    got.forEach((val, i) => expect(val).toBeCloseTo(w[i]!, 5));
  });

  it('restores slots from state so training continues identically', () => {
    const a = new Sgd({ momentum: 0.9 });
    const w = tf.variable(tf.tensor1d([1, 2]));
    a.apply([w], [tf.tensor1d([1, 1])], 0.1);
    const state = a.getState();
    const b = new Sgd({ momentum: 0.9 });
    const w2 = tf.variable(w.clone());
    b.setState([w2], state);
    a.apply([w], [tf.tensor1d([0.5, -1])], 0.1);
    b.apply([w2], [tf.tensor1d([0.5, -1])], 0.1);
    expect(Array.from(w2.dataSync())).toEqual(Array.from(w.dataSync()));
    expect(() => createOptimizer({ name: 'sgd', momentum: -1 })).toThrow(/optimizer\.momentum/);
    expect(() => createOptimizer({ name: 'rmsprop' } as never)).toThrow(/optimizer\.name/);
  });

  it("options: PyTorch's defaults in the constructors, the recipe's in a run config; bad values name the key", () => {
    expect(new Sgd().options).toEqual({ momentum: 0, nesterov: false, weightDecay: 0, dampening: 0 });
    expect(new AdamW().options).toEqual({ beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01 });
    const fromConfig = createOptimizer({ name: 'sgd' }) as Sgd;
    expect(fromConfig.options).toEqual({ momentum: 0.9, nesterov: false, weightDecay: 5e-4, dampening: 0 });
    expect((createOptimizer({ name: 'sgd', dampening: 0.5 }) as Sgd).options.dampening).toBe(0.5);
    expect(() => new AdamW({ beta1: 1 })).toThrow(/adamw\.beta1/);
    expect(() => new Sgd({ weightDecay: -1 })).toThrow(/sgd\.weightDecay/);
    expect(() => new Sgd({ momentm: 0.9 } as never)).toThrow(/momentm/);
    expect(() => createOptimizer({ name: 'adamw', momentum: 0.9 } as never)).toThrow(/momentum/);
  });
});

describe('schedules', () => {
  it("multi-step decays like mdistiller's adjust_learning_rate", () => {
    const s = multiStepSchedule(0.05, [150, 180, 210]);
    expect([1, 150, 151, 180, 181, 210, 211, 240].map((e) => +s(e).toPrecision(6))).toEqual([0.05, 0.05, 0.005, 0.005, 0.0005, 0.0005, 0.00005, 0.00005]);
  });

  it('cosine in the PyTorch and IKL-AT variants, and linear warm-up', () => {
    const py = cosineSchedule(0.2, 10);
    expect(py(1)).toBeCloseTo(0.2, 10);
    expect(py(6)).toBeCloseTo(0.1, 10);
    const at = cosineSchedule(0.2, 200, { variant: 'dkl-at' });
    expect(at(1)).toBeCloseTo(0.2 * 0.5 * (1 + Math.cos(Math.PI / 201)), 12);
    expect(at(200)).toBeGreaterThan(0);
    const warm = linearWarmup(() => 1, 4);
    expect([1, 2, 4, 5].map(warm)).toEqual([0.25, 0.5, 1, 1]);
    const fromConfig = createSchedule({ name: 'multistep', lr: 0.1, milestones: [2], warmupEpochs: 0 }, 5);
    expect([1, 2, 3].map(fromConfig).map((v) => +v.toPrecision(6))).toEqual([0.1, 0.1, 0.01]);
    expect(() => createSchedule({ name: 'step' as never, lr: 0.1 }, 5)).toThrow(/schedule\.name/);
  });
});

describe('attack budget', () => {
  it("'high-as-run' is what the authors' scripts ran; 'high-intended' grows 2/3/4/5 steps by quarter", () => {
    const cfg = { epsilon: 8 / 255, epsilonSchedule: 'linear' as const };
    expect(attackBudget({ ...cfg, budget: 'high-as-run' }, 1, 200)).toEqual({ epsilon: 8 / 255 / 200, steps: 5, stepSize: 8 / 255 / 400 });
    const steps = [1, 50, 51, 100, 101, 150, 151, 200].map((e) => attackBudget({ ...cfg, budget: 'high-intended' }, e, 200).steps);
    expect(steps).toEqual([2, 2, 3, 3, 4, 4, 5, 5]);
    expect(attackBudget({ epsilon: 0.5, budget: 'low' }, 3, 10)).toEqual({ epsilon: 0.5, steps: 2, stepSize: 0.5 });
    expect(attackBudget({ epsilon: 0.3, steps: 7, stepSizeRatio: 0.5 }, 3, 10)).toEqual({ epsilon: 0.3, steps: 7, stepSize: 0.15 });
    expect(() => attackBudget({ epsilon: 0.3, steps: 0 }, 1, 1)).toThrow(/attack\.steps/);
  });
});
