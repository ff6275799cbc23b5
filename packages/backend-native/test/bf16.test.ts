// bf16 precision: every bf16 kernel against the fp32 cpu backend within a
// bound derived from bf16's rounding, exactness where inputs are bf16 numbers,
// rounding to nearest (no drift towards zero), the precision switch and its ISA
// fallback, and 100 resnet8 training steps tracking fp32.
//
// Tolerance per op. bf16 keeps 8 significant bits, so rounding an fp32 operand
// to bf16 changes it by at most 2^-8 of its magnitude; a product of two rounded
// operands by at most ~2^-7 of |a||b|. The kernels accumulate in fp32, so each
// output of a convolution (forward, backward-data, backward-weights) or a
// matmul may differ from fp32 by at most 2^-7 times the same op applied to the
// operands' absolute values (e.g. |y - y32| <= 2^-7 * conv(|x|, |w|)), plus
// fp32 rounding. Bias and fused activations (1-Lipschitz) run in fp32 after it.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

import * as tf from '@tensorflow/tfjs';
import { sgdUpdate } from '@dkl/core';
import { createModel } from '@dkl/models';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

import { NATIVE_BACKEND_NAME, NativeBackend, loadAddon, nativePrecision, setNativePrecision } from '../src/index.js';
import { applyPrecisionEnv } from '../src/precision.js';
import { addonBuilt, arr, type Arr, randomArray, runOn, setup } from './helpers.js';

/** What bf16 operand rounding may cost, relative to the op on absolute values (two operands of 2^-8 each). */
const BF16_BOUND = 2 ** -7;

const cpuHasBf16 = (() => {
  try {
    return /\bavx512_bf16\b|\bamx_bf16\b/.test(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return false;
  }
})();
const bf16Native = addonBuilt && loadAddon().info().bf16;
if (addonBuilt && !bf16Native) {
  console.warn(`[@dkl/backend-native] oneDNN's ISA here is ${loadAddon().info().isa} (no AVX512_BF16): skipping the bf16 kernel tests; the fallback test still runs`);
}

const abs = (a: Arr): Arr => ({ values: a.values.map(Math.abs), shape: a.shape });

/** Runs `f` on dkl-native in bf16. */
async function runBf16(inputs: Arr[], f: (...ts: tf.Tensor[]) => tf.Tensor | tf.Tensor[]): Promise<Arr[]> {
  expect(setNativePrecision('bf16')).toBe('bf16');
  try {
    return await runOn(NATIVE_BACKEND_NAME, inputs, f);
  } finally {
    setNativePrecision('fp32');
  }
}

/**
 * Asserts |got - ref| <= BF16_BOUND * bound (+ fp32 slack) for every output, and returns the
 * largest |got - ref| / bound seen (to show that bf16 rounding really happened).
 */
function expectWithinBf16(got: Arr[], ref: Arr[], bound: Arr[]): number {
  let worstAll = 0;
  got.forEach((g, k) => {
    const r = ref[k]!, b = bound[k]!;
    expect(g.shape).toEqual(r.shape);
    let worst = 0;
    for (let i = 0; i < g.values.length; ++i) {
      const mag = b.values[i]!;
      const err = Math.abs(g.values[i]! - r.values[i]!);
      const allowed = BF16_BOUND * mag * (1 + 2 ** -10) + 1e-6 * (1 + mag);
      expect(err, `output ${k} index ${i}: ${g.values[i]} vs ${r.values[i]} (magnitude ${mag})`).toBeLessThanOrEqual(allowed);
      const ratio = mag > 0 ? err / mag : 0;
      worst = Math.max(worst, ratio);
    }
    worstAll = Math.max(worstAll, worst);
  });
  return worstAll;
}

/** Value and input gradients of `f` for the upstream gradient given as the last tensor. */
function withGrads(f: (...ts: tf.Tensor[]) => tf.Tensor) {
  return (...ts: tf.Tensor[]): tf.Tensor[] => {
    const { value, grads } = tf.valueAndGrads((...a: tf.Tensor[]) => f(...a))(ts.slice(0, -1), ts[ts.length - 1]!);
    return [value, ...grads];
  };
}

/**
 * bf16 on dkl-native vs fp32 on cpu for `f` and its gradients; the bound is the same computation
 * on the absolute values of every input (and of the upstream gradient).
 */
async function checkBf16(inputs: Arr[], f: (...ts: tf.Tensor[]) => tf.Tensor, seed: number, gradients = true): Promise<number> {
  const g = gradients ? withGrads(f) : (...ts: tf.Tensor[]) => f(...ts);
  const all = gradients ? [...inputs, arr((await runOn('cpu', inputs, f))[0]!.shape, seed)] : inputs;
  const ref = await runOn('cpu', all, g);
  const bound = await runOn('cpu', all.map(abs), g);
  const got = await runBf16(all, g);
  return expectWithinBf16(got, ref, bound);
}

/** Values that bf16 holds exactly: multiples of 1/8 in [-2, 2]. */
function bf16Exact(shape: number[], seed: number): Arr {
  const a = arr(shape, seed, -2, 2);
  return { values: a.values.map((v) => Math.round(v * 8) / 8), shape };
}

const convCases: Array<{ x: number[]; w: number[]; strides: number; pad: 'same' | 'valid' }> = [
  { x: [2, 9, 9, 16], w: [3, 3, 16, 32], strides: 1, pad: 'same' },
  { x: [2, 10, 10, 32], w: [3, 3, 32, 16], strides: 2, pad: 'same' },
  { x: [3, 8, 8, 3], w: [3, 3, 3, 16], strides: 1, pad: 'same' },
  { x: [2, 7, 9, 5], w: [3, 2, 5, 6], strides: 2, pad: 'valid' },
  { x: [2, 8, 8, 32], w: [1, 1, 32, 64], strides: 2, pad: 'valid' },
];

describe('precision switch', () => {
  it('refuses an unknown precision, naming the argument or the variable', () => {
    const addon = { info: () => ({ bf16: true, isa: 'AVX512_CORE_BF16' }) } as unknown as ReturnType<typeof loadAddon>;
    expect(() => setNativePrecision('fp16' as 'bf16', addon)).toThrow(/argument 'precision': must be one of fp32, bf16, got "fp16"/);
    expect(() => applyPrecisionEnv(addon, { DKL_NATIVE_PRECISION: 'half' })).toThrow(/DKL_NATIVE_PRECISION.*must be one of fp32, bf16, got 'half'/);
    expect(nativePrecision()).toBe('fp32');
  });
});

describe.skipIf(!addonBuilt)('bf16 fallback without AVX512_BF16', () => {
  it('reports what oneDNN can use here, consistently with /proc/cpuinfo', () => {
    const info = loadAddon().info();
    expect(info.isa).toMatch(/^[A-Z0-9_]+$/);
    expect(info.bf16).toBe(cpuHasBf16);
  });

  it('with ONEDNN_MAX_CPU_ISA=AVX512_CORE, DKL_NATIVE_PRECISION=bf16 prints one line and runs fp32 kernels', () => {
    const dist = new URL('../dist/index.js', import.meta.url).href;
    const script = [
      `import { registerNativeBackend, setNativePrecision, loadAddon } from ${JSON.stringify(dist)};`,
      'const info = await registerNativeBackend();',
      'const again = setNativePrecision("bf16");',
      'const impls = loadAddon().convImpls(Int32Array.from([2, 8, 8, 32, 8, 8, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0]), 0);',
      'console.log(JSON.stringify({ precision: info.precision, isa: info.isa, again, impls }));',
    ].join('\n');
    const env = { ...process.env, ONEDNN_MAX_CPU_ISA: 'AVX512_CORE', DKL_NATIVE_PRECISION: 'bf16' };
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { precision: string; isa: string; again: string; impls: { forward: string } };
    expect(out).toMatchObject({ precision: 'fp32', isa: 'AVX512_CORE', again: 'fp32' });
    expect(out.impls.forward).not.toMatch(/bf16/);
    const lines = r.stderr.split('\n').filter((l) => l.includes('[dkl-native]'));
    expect(lines).toEqual(["[dkl-native] precision bf16 requested, but oneDNN's CPU ISA here is AVX512_CORE (no AVX512_BF16): running fp32"]);
  });
});

describe.skipIf(!bf16Native)('bf16 kernels vs the fp32 cpu backend', () => {
  beforeAll(setup);
  afterEach(() => {
    setNativePrecision('fp32');
  });

  it('picks oneDNN bf16 implementations for all three convolution passes', () => {
    const params = Int32Array.from([2, 8, 8, 32, 8, 8, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
    const bf16 = loadAddon().convImpls(params, 1), fp32 = loadAddon().convImpls(params, 0);
    for (const pass of ['forward', 'backwardData', 'backwardWeights'] as const) {
      expect(bf16[pass]).toMatch(/bf16/);
      expect(fp32[pass]).not.toMatch(/bf16/);
    }
  });

  convCases.forEach((c, i) => {
    it(`conv2d ${JSON.stringify(c)}: forward, backward-data, backward-weights within 2^-7 of the magnitude`, async () => {
      const worst = await checkBf16([arr(c.x, 40 + i), arr(c.w, 50 + i)], (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.strides, c.pad), 60 + i);
      // The error is bf16-sized, not fp32-sized: the bf16 kernels really ran.
      expect(worst).toBeGreaterThan(2 ** -16);
    });
  });

  it('fused conv2d (bias + relu, bias + elu) forward within 2^-7 of the magnitude', async () => {
    for (const activation of ['relu', 'elu'] as const) {
      const inputs = [arr([2, 8, 8, 16], 1), arr([3, 3, 16, 16], 2), arr([16], 3)];
      const f = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: 1, pad: 'same', bias: b, activation });
      const ref = await runOn('cpu', inputs, f);
      // Bias adds no rounding and relu / elu are 1-Lipschitz: the bound is that of the bare convolution.
      const bound = await runOn('cpu', inputs.slice(0, 2).map(abs), (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same'));
      const got = await runBf16(inputs, f);
      expect(expectWithinBf16(got, ref, bound)).toBeGreaterThan(2 ** -16);
    }
  });

  it('convolutions accumulate and write in fp32: bf16-exact operands give the fp32 bits', async () => {
    const inputs = [bf16Exact([2, 8, 8, 32], 7), bf16Exact([3, 3, 32, 32], 8)];
    const dy = bf16Exact([2, 8, 8, 32], 9);
    const g = withGrads((x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same'));
    const ref = await runOn('cpu', [...inputs, dy], g);
    const got = await runBf16([...inputs, dy], g);
    // Sums of up to 288 products of multiples of 1/8 reach ~10^3 with steps of 1/64: exact in
    // fp32, not representable in bf16 (8 significant bits), so any bf16 accumulation or output shows.
    expect(ref[0]!.values.some((v) => Math.abs(v) > 64 && v !== Math.round(v))).toBe(true);
    got.forEach((o, k) => expect(Array.from(o.values)).toEqual(Array.from(ref[k]!.values)));
  });

  // tfjs has no gradient for a broadcast batch, so that case checks the forward pass only.
  const matCases: Array<{ a: number[]; b: number[]; ta: boolean; tb: boolean; grads?: false }> = [
    { a: [7, 33], b: [33, 10], ta: false, tb: false },
    { a: [33, 7], b: [33, 10], ta: true, tb: false },
    { a: [7, 33], b: [10, 33], ta: false, tb: true },
    { a: [3, 5, 17], b: [3, 17, 6], ta: false, tb: false },
    { a: [1, 5, 17], b: [4, 17, 6], ta: false, tb: false, grads: false },
  ];
  matCases.forEach((c, i) => {
    it(`matMul ${JSON.stringify(c)}: value and gradients within 2^-7 of the magnitude`, async () => {
      const worst = await checkBf16([arr(c.a, 70 + i), arr(c.b, 80 + i)], (a, b) => tf.matMul(a, b, c.ta, c.tb), 90 + i, c.grads ?? true);
      expect(worst).toBeGreaterThan(2 ** -16);
    });
  });

  it('fused matMul (bias + relu) within 2^-7 of the magnitude; bf16-exact operands give the fp32 bits', async () => {
    const inputs = [arr([16, 64], 11), arr([64, 10], 12), arr([10], 13)];
    const f = (a: tf.Tensor, b: tf.Tensor, bias: tf.Tensor) => tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, bias, activation: 'relu' });
    const bound = await runOn('cpu', inputs.slice(0, 2).map(abs), (a, b) => tf.matMul(a, b));
    expectWithinBf16(await runBf16(inputs, f), await runOn('cpu', inputs, f), bound);
    const exact = [bf16Exact([16, 256], 14), bf16Exact([256, 10], 15)];
    const mm = (a: tf.Tensor, b: tf.Tensor) => tf.matMul(a, b);
    const ref = await runOn('cpu', exact, mm);
    expect(Array.from((await runBf16(exact, mm))[0]!.values)).toEqual(Array.from(ref[0]!.values));
  });

  it('tfjs sees float32 tensors; fp32 after bf16 gives the fp32 bits again', async () => {
    const inputs = [arr([2, 8, 8, 16], 21), arr([3, 3, 16, 16], 22)];
    const f = (x: tf.Tensor, w: tf.Tensor) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same');
    const before = await runOn(NATIVE_BACKEND_NAME, inputs, f);
    setNativePrecision('bf16');
    await tf.setBackend(NATIVE_BACKEND_NAME);
    const y = tf.tidy(() => f(tf.tensor(inputs[0]!.values, inputs[0]!.shape), tf.tensor(inputs[1]!.values, inputs[1]!.shape)));
    expect(y.dtype).toBe('float32');
    expect(y.dataSync()).toBeInstanceOf(Float32Array);
    const bf16 = Float32Array.from(y.dataSync() as Float32Array);
    y.dispose();
    setNativePrecision('fp32');
    const after = await runOn(NATIVE_BACKEND_NAME, inputs, f);
    expect(Array.from(after[0]!.values)).toEqual(Array.from(before[0]!.values));
    expect(Array.from(bf16)).not.toEqual(Array.from(before[0]!.values));
  });

  // The bounds above hold for truncation as well as for rounding to nearest, but truncation shrinks
  // every operand (by ~2^-8 of its magnitude on average), so every product and sum comes out
  // smaller by ~0.5 %, step after step of training. Round-to-nearest-even has no such drift: the
  // signed error, summed over an output, averages out.
  it('rounds operands to nearest: conv and matMul outputs and gradients show no drift, unlike truncated operands', async () => {
    const truncated = (a: Arr): Arr => {
      const bits = new Uint32Array(Float32Array.from(a.values).buffer).map((b) => b & 0xffff0000);
      return { values: new Float32Array(bits.buffer), shape: a.shape };
    };
    /** Sum of (got - ref) * sign(ref) over sum |ref|, per output: the relative drift of got towards or away from zero. */
    const drift = (got: Arr[], ref: Arr[]): number[] => got.map((g, k) => {
      let signed = 0, magnitude = 0;
      ref[k]!.values.forEach((r, i) => {
        signed += (g.values[i]! - r) * Math.sign(r);
        magnitude += Math.abs(r);
      });
      return signed / magnitude;
    });
    const cases: Array<{ name: string; inputs: Arr[]; f: (...ts: tf.Tensor[]) => tf.Tensor }> = [
      { name: 'conv2d', inputs: [arr([8, 16, 16, 32], 31), arr([3, 3, 32, 32], 32)], f: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same') },
      { name: 'matMul', inputs: [arr([128, 256], 33), arr([256, 64], 34)], f: (a, b) => tf.matMul(a, b) },
    ];
    for (const c of cases) {
      const g = withGrads(c.f);
      const all = [...c.inputs, arr((await runOn('cpu', c.inputs, c.f))[0]!.shape, 35)];
      const ref = await runOn(NATIVE_BACKEND_NAME, all, g);
      const bf16 = drift(await runBf16(all, g), ref);
      const chopped = drift(await runOn(NATIVE_BACKEND_NAME, all.map(truncated), g), ref);
      // value, then each input's gradient: forward, backward-data and backward-weights passes
      bf16.forEach((d, k) => expect(Math.abs(d), `${c.name} output ${k}: drift ${d} in bf16`).toBeLessThan(2.5e-4));
      chopped.forEach((d, k) => expect(d, `${c.name} output ${k}: drift ${d} with truncated operands`).toBeLessThan(-2e-3));
    }
  });
});

// ---- training -------------------------------------------------------------------

const CLASSES = 10, BATCH = 16, STEPS = 100, SIZE = 32 * 32 * 3;
/**
 * Fixed per-class patterns plus noise, a fresh batch each step, and a quarter of the labels
 * drawn at random: the loss falls, but stays away from zero (where a relative comparison would
 * measure noise).
 */
const templates = Array.from({ length: CLASSES }, (_, c) => randomArray(SIZE, 1000 + c));

function batch(step: number): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const classes = Array.from(randomArray(BATCH, 5000 + step, 0, CLASSES), (v) => Math.floor(v));
  const noise = randomArray(BATCH * SIZE, 7000 + step);
  const values = new Float32Array(BATCH * SIZE);
  classes.forEach((label, n) => {
    for (let i = 0; i < SIZE; ++i) values[n * SIZE + i] = templates[label]![i]! + 0.5 * noise[n * SIZE + i]!;
  });
  const flip = randomArray(2 * BATCH, 9000 + step, 0, 1);
  const labels = classes.map((c, n) => (flip[n]! < 0.25 ? Math.floor(flip[BATCH + n]! * CLASSES) : c));
  return { x: tf.tensor4d(values, [BATCH, 32, 32, 3]), y: tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), CLASSES).toFloat() as tf.Tensor2D) };
}

/** Trains resnet8 from the same seed for STEPS steps of SGD (momentum 0.9, wd 5e-4); returns the losses and tensor counts. */
function trainResnet8(precision: 'fp32' | 'bf16'): { losses: number[]; tensors: number[] } {
  expect(setNativePrecision(precision)).toBe(precision);
  const model = createModel('resnet8', { numClasses: CLASSES, seed: 3 });
  const vars = model.trainableVariables as tf.Variable[];
  const bufs: Array<tf.Tensor | null> = vars.map(() => null);
  const losses: number[] = [], tensors: number[] = [];
  try {
    for (let step = 0; step < STEPS; ++step) {
      const { x, y } = batch(step);
      const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, model.forward(x, { training: true }).logits) as tf.Scalar, vars);
      vars.forEach((v, i) => {
        const r = sgdUpdate(v, grads[v.name]!, bufs[i]!, { learningRate: 0.01, momentum: 0.9, dampening: 0, weightDecay: 5e-4, nesterov: false });
        v.assign(r.w);
        r.w.dispose();
        bufs[i]?.dispose();
        bufs[i] = r.buf ?? null;
      });
      losses.push(value.dataSync()[0]!);
      tf.dispose([value, x, y, ...Object.values(grads)]);
      tensors.push(tf.memory().numTensors);
    }
  } finally {
    tf.dispose(bufs.filter((b): b is tf.Tensor => b !== null));
    model.dispose();
    setNativePrecision('fp32');
  }
  return { losses, tensors };
}

describe.skipIf(!bf16Native)('resnet8 training in bf16', () => {
  beforeAll(setup);

  it(`tracks fp32 within 2 % at each of ${STEPS} steps, with tf.memory() flat`, async () => {
    await tf.setBackend(NATIVE_BACKEND_NAME);
    expect(tf.backend()).toBeInstanceOf(NativeBackend);
    const before = tf.memory().numTensors;
    const fp32 = trainResnet8('fp32');
    const bf16 = trainResnet8('bf16');
    expect(tf.memory().numTensors).toBe(before);
    for (const run of [fp32, bf16]) expect(new Set(run.tensors.slice(1)).size, `tensor counts ${run.tensors.join(' ')}`).toBe(1);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(fp32.losses.slice(-10))).toBeLessThan(0.6 * mean(fp32.losses.slice(0, 10)));
    // ... and bf16 follows it.
    const deviations = fp32.losses.map((l, i) => Math.abs(bf16.losses[i]! - l) / l);
    const worst = Math.max(...deviations);
    console.info(`[bf16] resnet8 ${STEPS} steps: loss ${fp32.losses[0]!.toFixed(4)} -> ${fp32.losses[STEPS - 1]!.toFixed(4)} (fp32), ` +
      `${bf16.losses[0]!.toFixed(4)} -> ${bf16.losses[STEPS - 1]!.toFixed(4)} (bf16); worst step deviation ${(100 * worst).toFixed(3)} %`);
    deviations.forEach((d, i) => expect(d, `step ${i}: fp32 ${fp32.losses[i]} bf16 ${bf16.losses[i]}`).toBeLessThanOrEqual(0.02));
    expect(worst).toBeGreaterThan(0);
  });
});
