// The addon's entry points called directly: the three convolution passes share
// one argument order, and every entry point names the argument it refuses.
import { describe, expect, it } from 'vitest';

import { loadAddon } from '../src/index.js';
import { addonBuilt } from './helpers.js';

// A 1x1 convolution of a [1, 2, 2, 2] NHWC x with a [1, 1, 2, 3] HWIO filter:
// params = [n, ih, iw, ic, oh, ow, oc, kh, kw, sh, sw, dh, dw, pt, pb, pl, pr, groups, act].
const P = 4, IC = 2, OC = 3;
const params = (act = 0): Int32Array => Int32Array.from([1, 2, 2, IC, 2, 2, OC, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, act]);
const x = Float32Array.from([1, -2, 3, 0, -1, 4, 2, 2]);
const w = Float32Array.from([1, -1, 2, 0, 3, -2]);
const dy = Float32Array.from([1, 0, -1, 2, 1, 0, 0, -3, 1, 1, 1, 1]);

/** out[r, c] = sum_k a(r, k) * b(k, c), row-major. */
function contract(rows: number, cols: number, inner: number, a: (r: number, k: number) => number, b: (k: number, c: number) => number): number[] {
  const out: number[] = [];
  for (let r = 0; r < rows; ++r) {
    for (let c = 0; c < cols; ++c) {
      let s = 0;
      for (let k = 0; k < inner; ++k) s += a(r, k) * b(k, c);
      out.push(s);
    }
  }
  return out;
}
const xAt = (p: number, i: number): number => x[p * IC + i]!;
const wAt = (i: number, o: number): number => w[i * OC + o]!;
const dyAt = (p: number, o: number): number => dy[p * OC + o]!;

/** y = x w + bias per pixel, through leaky relu with slope alpha when given. */
function expectedForward(bias: number[], alpha?: number): number[] {
  return contract(P, OC, IC, xAt, wAt).map((s, j) => {
    const t = s + bias[j % OC]!;
    return alpha !== undefined && t < 0 ? alpha * t : t;
  });
}

describe.skipIf(!addonBuilt)('native entry points: arguments', () => {
  it('convForward(x, w, y, params, xLayout, wLayout, acceptBlocked, precision, xId, wId, bias, alpha)', () => {
    const addon = loadAddon();
    const y = new Float32Array(P * OC);
    expect(addon.convForward(x, w, y, params(), 0, 0, false)).toBe(0);
    expect(Array.from(y)).toEqual(expectedForward([0, 0, 0]));
    const bias = Float32Array.from([1, -1, 0.5]);
    // act 4 = leaky relu; absent precision and ids are fp32 and no reuse.
    expect(addon.convForward(x, w, y, params(4), 0, 0, false, undefined, undefined, undefined, bias, 0.25)).toBe(0);
    expect(Array.from(y)).toEqual(expectedForward([1, -1, 0.5], 0.25));
    expect(y.some((v) => v < 0)).toBe(true);
  });

  it('convBackwardData(dy, w, dx, params, dyLayout, wLayout, acceptBlocked, precision, dyId, wId)', () => {
    const dx = new Float32Array(P * IC);
    expect(loadAddon().convBackwardData(dy, w, dx, params(), 0, 0, false, 0, 0, 0)).toBe(0);
    // dx = dy w^T per pixel.
    expect(Array.from(dx)).toEqual(contract(P, IC, OC, dyAt, (o, i) => wAt(i, o)));
  });

  it('convBackwardWeights(x, dy, dw, params, xLayout, dyLayout, acceptBlocked, precision, xId, dyId)', () => {
    const dw = new Float32Array(IC * OC);
    expect(loadAddon().convBackwardWeights(x, dy, dw, params(), 0, 0, false, 0, 0, 0)).toBe(0);
    // dw = x^T dy over the pixels.
    expect(Array.from(dw)).toEqual(contract(IC, OC, P, (i, p) => xAt(p, i), dyAt));
  });

  it('the convolution passes name the argument they refuse', () => {
    const addon = loadAddon();
    const y = new Float32Array(P * OC), dx = new Float32Array(P * IC), dw = new Float32Array(IC * OC);
    const notF32 = new Int32Array(8) as unknown as Float32Array;
    const bad = 'x' as unknown as number;
    expect(() => addon.convForward(x, notF32, y, params(), 0, 0, false)).toThrow(/argument 'filter' must be a Float32Array/);
    expect(() => addon.convForward(x, w, y, params(), 0, bad, false)).toThrow(/argument 'wLayout' must be a number/);
    expect(() => addon.convForward(x, w, y, params(), 0, 0, false, 0, -1, 0)).toThrow(/argument 'xId' must be a non-negative integer/);
    expect(() => addon.convForward(x, w, y, params(), 0, 0, false, 0, 0, 0, new Float32Array(2))).toThrow(
      /buffer 'bias' has 2 elements, needs 3/,
    );
    expect(() => addon.convForward(x, w, y, params(), 0, 0, false, 0, 0, 0, null, bad)).toThrow(/argument 'alpha' must be a number/);
    expect(() => addon.convForward(x, w, new Float32Array(11), params(), 0, 0, false)).toThrow(/buffer 'y' has 11 elements/);
    expect(() => addon.convBackwardData(dy, w, dx, params(), bad, 0, false)).toThrow(/argument 'dyLayout' must be a number/);
    expect(() => addon.convBackwardData(dy, w, dx, params(), 0, 0, false, 0, 0, 1.5)).toThrow(/argument 'wId' must be a non-negative integer/);
    expect(() => addon.convBackwardData(dy, w, new Float32Array(7), params(), 0, 0, false)).toThrow(/buffer 'dx' has 7 elements/);
    expect(() => addon.convBackwardData(dy, new Float32Array(5), dx, params(), 0, 0, false)).toThrow(/buffer 'filter' has 5 elements/);
    expect(() => addon.convBackwardWeights(x, dy, dw, Int32Array.from([1, 2]), 0, 0, false)).toThrow(
      /argument 'params' must have 19 elements, got 2/,
    );
    expect(() => addon.convBackwardWeights(x, dy, dw, params(), 0, 0, false, 7)).toThrow(/unknown precision code 7/);
    expect(() => addon.convBackwardWeights(x, dy, dw, params(), 0, 0, false, 0, 0, -2)).toThrow(/argument 'dyId'/);
    expect(() => addon.convBackwardWeights(x, new Float32Array(11), dw, params(), 0, 0, false)).toThrow(/buffer 'dy' has 11 elements/);
    expect(() => addon.convBackwardWeights(x, dy, new Float32Array(5), params(), 0, 0, false)).toThrow(/buffer 'dw' has 5 elements/);
  });

  it('the batch-norm training passes name each buffer they refuse', () => {
    const addon = loadAddon();
    const c = 3, n = 6;
    const full = (): Float32Array => new Float32Array(n), perChannel = (): Float32Array => new Float32Array(c);
    const forward = { x: full(), gamma: perChannel(), beta: perChannel(), y: full(), mean: perChannel(), variance: perChannel() };
    const fwd = (a: typeof forward): void =>
      addon.bnTrainForward(a.x, a.gamma, a.beta, a.y, a.mean, a.variance, c, 1e-5);
    expect(() => fwd(forward)).not.toThrow();
    for (const name of ['gamma', 'beta', 'y', 'mean', 'variance'] as const) {
      expect(() => fwd({ ...forward, [name]: new Float32Array(1) })).toThrow(new RegExp(`buffer '${name}' has 1 elements, needs`));
      expect(() => fwd({ ...forward, [name]: new Int32Array(n) as unknown as Float32Array })).toThrow(
        new RegExp(`argument '${name}' must be a Float32Array`),
      );
    }
    const backward = {
      dy: full(), x: full(), gamma: perChannel(), mean: perChannel(), variance: perChannel().fill(1), dx: full(),
      dgamma: perChannel(), dbeta: perChannel(),
    };
    const bwd = (a: typeof backward): void =>
      addon.bnTrainBackward(a.dy, a.x, a.gamma, a.mean, a.variance, a.dx, a.dgamma, a.dbeta, c, 1e-5);
    expect(() => bwd(backward)).not.toThrow();
    for (const name of ['dy', 'gamma', 'mean', 'variance', 'dx', 'dgamma', 'dbeta'] as const) {
      expect(() => bwd({ ...backward, [name]: new Float32Array(1) })).toThrow(new RegExp(`buffer '${name}' has 1 elements, needs`));
    }
  });
});
