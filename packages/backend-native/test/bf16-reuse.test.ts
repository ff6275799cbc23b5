// Reuse of bf16 operand copies across convolution calls (native/bf16_copies.h):
// training with reuse gives the same bits as converting every operand anew, a
// filter replaced by the SGD update (in a recycled buffer) or an array written
// from outside is converted again, and nothing is left behind.
import * as tf from '@tensorflow/tfjs';
import { sgdUpdate } from '@dkl/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

import { NATIVE_BACKEND_NAME, NativeBackend, loadAddon, setNativePrecision } from '../src/index.js';
import { addonBuilt, randomArray, setup } from './helpers.js';

const bf16Native = addonBuilt && loadAddon().info().bf16;
if (addonBuilt && !bf16Native) {
  console.warn(`[@dkl/backend-native] oneDNN's ISA here is ${loadAddon().info().isa} (no AVX512_BF16): skipping the bf16 copy reuse tests`);
}

const backend = (): NativeBackend => tf.backend() as NativeBackend;

/** A small conv net: 3x3 16 -> 16 (relu) -> 3x3 stride 2 16 -> 32 (relu) -> 1x1 32 -> 16, mean squared. */
const SHAPES: Array<[number, number, number, number]> = [[3, 3, 16, 16], [3, 3, 16, 32], [1, 1, 32, 16]];

function net(x: tf.Tensor4D, ws: tf.Tensor[]): tf.Scalar {
  const a = tf.relu(tf.conv2d(x, ws[0] as tf.Tensor4D, 1, 'same'));
  const b = tf.relu(tf.conv2d(a, ws[1] as tf.Tensor4D, 2, 'same'));
  return tf.mean(tf.square(tf.conv2d(b, ws[2] as tf.Tensor4D, 1, 'same')));
}

interface Run {
  losses: number[];
  weights: Float32Array[];
  tensors: number[];
  /** Kept copies after each step (all operands of a step are disposed by then). */
  sources: number[];
  parked: number[];
  converted: number;
  reused: number;
}

/** STEPS steps of SGD with momentum on `net` in bf16, with or without reusing the bf16 copies. */
function train(reuse: boolean, steps = 4): Run {
  const b = backend();
  b.bf16CopyReuse = reuse;
  expect(setNativePrecision('bf16')).toBe('bf16');
  const vars: tf.Variable[] = SHAPES.map((s, i) => {
    const init = tf.tensor4d(randomArray(s.reduce((p, q) => p * q), 40 + i, -0.3, 0.3), s);
    const v = tf.variable(init);
    init.dispose();
    return v;
  });
  const bufs: Array<tf.Tensor | null> = vars.map(() => null);
  const run: Run = { losses: [], weights: [], tensors: [], sources: [], parked: [], converted: 0, reused: 0 };
  const start = b.addon.bf16CopyStats();
  try {
    for (let step = 0; step < steps; ++step) {
      const x = tf.tensor4d(randomArray(4 * 16 * 16 * 16, 60 + step), [4, 16, 16, 16]);
      const { value, grads } = tf.variableGrads(() => net(x, vars), vars);
      vars.forEach((v, i) => {
        const r = sgdUpdate(v, grads[v.name]!, bufs[i]!, { learningRate: 0.05, momentum: 0.9, dampening: 0, weightDecay: 5e-4, nesterov: false });
        v.assign(r.w);
        r.w.dispose();
        bufs[i]?.dispose();
        bufs[i] = r.buf ?? null;
      });
      run.losses.push(value.dataSync()[0]!);
      tf.dispose([value, x, ...Object.values(grads)]);
      run.tensors.push(tf.memory().numTensors);
      const s = b.addon.bf16CopyStats();
      run.sources.push(s.sources);
      run.parked.push(s.parkedBytes);
    }
    run.weights = vars.map((v) => Float32Array.from(v.dataSync() as Float32Array));
  } finally {
    tf.dispose([...vars, ...bufs.filter((t): t is tf.Tensor => t !== null)]);
    setNativePrecision('fp32');
    b.bf16CopyReuse = true;
  }
  const end = b.addon.bf16CopyStats();
  run.converted = end.converted - start.converted;
  run.reused = end.reused - start.reused;
  return run;
}

/** One bf16 conv2d of x and w on fresh conversions (no copy kept or reused). */
function convAnew(x: tf.Tensor4D, w: tf.Tensor4D): Float32Array {
  const b = backend();
  b.bf16CopyReuse = false;
  try {
    return tf.tidy(() => tf.conv2d(x, w, 1, 'same')).dataSync() as Float32Array;
  } finally {
    b.bf16CopyReuse = true;
  }
}

describe.skipIf(!bf16Native)('bf16 operand copies', () => {
  beforeAll(async () => {
    await setup();
    await tf.setBackend(NATIVE_BACKEND_NAME);
  });
  afterEach(() => {
    setNativePrecision('fp32');
    backend().bf16CopyReuse = true;
  });

  it('training with reuse gives the same bits as converting anew, converting each operand once', () => {
    const before = tf.memory().numTensors;
    const anew = train(false);
    const reused = train(true);
    expect(tf.memory().numTensors).toBe(before);
    expect(reused.losses).toEqual(anew.losses);
    reused.weights.forEach((w, i) => expect(Array.from(w), `weight ${i}`).toEqual(Array.from(anew.weights[i]!)));
    // Without reuse nothing is kept; with it, conversions move to reuses one for one.
    expect(anew.reused).toBe(0);
    expect(reused.reused).toBeGreaterThan(0);
    expect(reused.converted + reused.reused).toBe(anew.converted);
    // Per step and conv: x (forward -> backward-weights) and dy (backward-data -> backward-weights)
    // are converted once; the first conv has no backward-data pass.
    expect(reused.reused).toBeGreaterThanOrEqual(4 * (SHAPES.length + SHAPES.length - 1));
    // The losses moved: the steps really trained.
    expect(reused.losses[3]).not.toBe(reused.losses[0]);
  });

  it('keeps no copy once a step is over, and its parked buffers stop growing', () => {
    const run = train(true, 5);
    expect(new Set(run.tensors).size, `tensor counts ${run.tensors.join(' ')}`).toBe(1);
    expect(run.sources).toEqual([0, 0, 0, 0, 0]);
    expect(backend().addon.bf16CopyStats().bytes).toBe(0);
    expect(run.parked[0]).toBeGreaterThan(0);
    expect(new Set(run.parked.slice(1)).size, `parked bytes ${run.parked.join(' ')}`).toBe(1);
    expect(run.parked[1]).toBe(run.parked[0]);
  });

  it('a copy lives as long as its tensor: kept while the tensor is, released on dispose', () => {
    setNativePrecision('bf16');
    const x = tf.tensor4d(randomArray(2 * 8 * 8 * 16, 1), [2, 8, 8, 16]);
    const w = tf.tensor4d(randomArray(3 * 3 * 16 * 16, 2), [3, 3, 16, 16]);
    const s0 = backend().addon.bf16CopyStats();
    tf.conv2d(x, w, 1, 'same').dispose();
    const s1 = backend().addon.bf16CopyStats();
    expect(s1.sources - s0.sources).toBe(2);
    expect(s1.copies - s0.copies).toBe(2);
    tf.conv2d(x, w, 1, 'same').dispose();
    const s2 = backend().addon.bf16CopyStats();
    expect(s2.reused - s1.reused).toBe(2);
    expect(s2.converted - s1.converted).toBe(0);
    x.dispose();
    expect(backend().addon.bf16CopyStats().sources - s0.sources).toBe(1);
    w.dispose();
    const s3 = backend().addon.bf16CopyStats();
    expect(s3.sources).toBe(s0.sources);
    expect(s3.bytes).toBe(s0.bytes);
  });

  it('a filter replaced by the SGD update in a recycled buffer is converted again', () => {
    setNativePrecision('bf16');
    const b = backend();
    // 9216 elements: past the backend's pooling threshold, so a disposed filter's array is recycled.
    const x = tf.tensor4d(randomArray(2 * 8 * 8 * 32, 3), [2, 8, 8, 32]);
    const g = tf.tensor4d(randomArray(3 * 3 * 32 * 32, 4), [3, 3, 32, 32]);
    const rawOf = (t: tf.Tensor) => b.blockedOf(t)?.values ?? b.f32(t);
    const step = (w: tf.Tensor): tf.Tensor4D => sgdUpdate(w, g, null, { learningRate: 0.5, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false }).w as tf.Tensor4D;
    // Only arrays a native kernel allocated are recycled: w0 is the update of an uploaded filter.
    const init = tf.tensor4d(randomArray(3 * 3 * 32 * 32, 5), [3, 3, 32, 32]);
    const w0 = step(init);
    init.dispose();
    tf.conv2d(x, w0, 1, 'same').dispose(); // keeps a bf16 copy of w0
    const w0Raw = rawOf(w0);
    const w1 = step(w0);
    w0.dispose(); // its array goes back to the pool ...
    const w2 = step(w1); // ... and holds w2's values now
    expect(rawOf(w2)).toBe(w0Raw);
    const y = tf.conv2d(x, w2, 1, 'same');
    const got = y.dataSync() as Float32Array;
    expect(Array.from(got)).toEqual(Array.from(convAnew(x, w2)));
    tf.dispose([x, g, w1, w2, y]);
  });

  it('an array written through dataSync() is converted again', () => {
    setNativePrecision('bf16');
    const x = tf.tensor4d(randomArray(2 * 8 * 8 * 16, 6), [2, 8, 8, 16]);
    const w = tf.tensor4d(randomArray(3 * 3 * 16 * 16, 7), [3, 3, 16, 16]);
    const before = tf.tidy(() => tf.conv2d(x, w, 1, 'same')).dataSync() as Float32Array;
    const values = w.dataSync() as Float32Array;
    values.forEach((v, i) => (values[i] = -2 * v)); // the cpu backend hands out its own array
    expect(w.dataSync()[0]).toBe(values[0]);
    const after = tf.tidy(() => tf.conv2d(x, w, 1, 'same')).dataSync() as Float32Array;
    expect(Array.from(after)).toEqual(Array.from(convAnew(x, w)));
    expect(Array.from(after)).not.toEqual(Array.from(before));
    tf.dispose([x, w]);
  });

  it('DKL_NATIVE_BF16_REUSE=0 turns reuse off; bad source ids are refused by name', () => {
    const saved = process.env['DKL_NATIVE_BF16_REUSE'];
    process.env['DKL_NATIVE_BF16_REUSE'] = '0';
    try {
      expect(new NativeBackend(loadAddon()).bf16CopyReuse).toBe(false);
    } finally {
      if (saved === undefined) delete process.env['DKL_NATIVE_BF16_REUSE'];
      else process.env['DKL_NATIVE_BF16_REUSE'] = saved;
    }
    expect(new NativeBackend(loadAddon()).bf16CopyReuse).toBe(saved !== '0');
    const addon = loadAddon();
    expect(() => addon.releaseBf16Copies(0)).toThrow(/sourceId/);
    expect(() => addon.releaseBf16Copies(1.5)).toThrow(/sourceId/);
    const p = Int32Array.from([1, 4, 4, 16, 4, 4, 16, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0]);
    const x = new Float32Array(256), w = new Float32Array(256), y = new Float32Array(256);
    expect(() => addon.convForward(x, w, y, p, 0, 0, false, 1, -1, 0)).toThrow(/xId/);
  });
});
