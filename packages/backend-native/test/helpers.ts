import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';

import { isAddonBuilt, registerNativeBackend } from '../src/index.js';

/** Root with apt-get: `npm run setup` installs libdnnl-dev and builds the addon here. */
const canInstallSystemPackages = process.getuid?.() === 0 && spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;

/**
 * Whether the native suites can run. Where the addon could have been built (root + apt-get) its
 * absence fails the suites instead of skipping them; elsewhere they skip with a visible message.
 */
export const addonBuilt = isAddonBuilt();
if (!addonBuilt && canInstallSystemPackages) {
  throw new Error(
    '[@dkl/backend-native] the addon is not built, although this machine can build it (root + apt-get): run npm run setup ' +
      '(tools/setup/system-deps.mjs installs libdnnl-dev and builds it); the native suites refuse to skip here',
  );
}
if (!addonBuilt) {
  console.warn(
    '[@dkl/backend-native] addon not built: skipping native kernel tests ' +
      '(apt-get install -y libdnnl-dev && npm run build:native -w @dkl/backend-native)',
  );
}

/** Deterministic float32 data in [lo, hi) (mulberry32). */
export function randomArray(size: number, seed: number, lo = -1, hi = 1): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(size);
  for (let i = 0; i < size; ++i) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    out[i] = lo + (hi - lo) * u;
  }
  return out;
}

export interface Arr {
  values: Float32Array;
  shape: number[];
}

export function arr(shape: number[], seed: number, lo = -1, hi = 1): Arr {
  return { values: randomArray(shape.reduce((a, b) => a * b, 1), seed, lo, hi), shape };
}

/** Runs `f` on fresh tensors made from `inputs` on `backend` and reads the outputs back. */
export async function runOn(backend: string, inputs: Arr[], f: (...ts: tf.Tensor[]) => tf.Tensor | tf.Tensor[]): Promise<Arr[]> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const outs = tf.tidy(() => [f(...inputs.map((a) => tf.tensor(a.values, a.shape)))].flat());
  const result = outs.map((o) => ({ values: Float32Array.from(o.dataSync() as Float32Array), shape: o.shape }));
  tf.dispose(outs);
  expect(tf.memory().numTensors).toBe(before);
  return result;
}

/** Asserts |a - b| <= tol * max(1, |b|) elementwise, with equal shapes. */
export function expectClose(actual: Arr[], expected: Arr[], tol = 1e-4): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, k) => {
    const e = expected[k]!;
    expect(a.shape).toEqual(e.shape);
    expect(a.values.length).toBe(e.values.length);
    let worst = 0, at = -1;
    for (let i = 0; i < a.values.length; ++i) {
      const ev = e.values[i]!, av = a.values[i]!;
      if (Number.isNaN(ev) || Number.isNaN(av)) {
        expect(Number.isNaN(av), `output ${k} index ${i}: ${av} vs ${ev}`).toBe(Number.isNaN(ev));
        continue;
      }
      const err = Math.abs(av - ev) / Math.max(1, Math.abs(ev));
      if (err > worst) { worst = err; at = i; }
    }
    expect(worst, `output ${k}: worst error ${worst} at ${at}`).toBeLessThanOrEqual(tol);
  });
}

/** Runs `f` on cpu and dkl-native and asserts the outputs agree. */
export async function compareBackends(inputs: Arr[], f: (...ts: tf.Tensor[]) => tf.Tensor | tf.Tensor[], tol = 1e-4): Promise<void> {
  const ref = await runOn('cpu', inputs, f);
  const got = await runOn('dkl-native', inputs, f);
  expectClose(got, ref, tol);
}

/**
 * Compares the value and the gradients of `f` with respect to every input for a
 * random upstream gradient, on both backends.
 */
export async function compareWithGrads(inputs: Arr[], f: (...ts: tf.Tensor[]) => tf.Tensor, seed = 99, tol = 1e-4): Promise<void> {
  const outShape = (await runOn('cpu', inputs, f))[0]!.shape;
  const dy = arr(outShape, seed);
  const g = (...ts: tf.Tensor[]) => {
    const upstream = ts[ts.length - 1]!;
    const xs = ts.slice(0, -1);
    const { value, grads } = tf.valueAndGrads((...a: tf.Tensor[]) => f(...a))(xs, upstream);
    return [value, ...grads];
  };
  await compareBackends([...inputs, dy], g, tol);
}

/** Runs `f` on `backend` and returns every output's dtype, shape and values (exact comparison). */
export async function outputsOn(backend: string, f: () => tf.Tensor | tf.Tensor[]): Promise<Array<{ dtype: string; shape: number[]; values: number[] }>> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const outs = tf.tidy(() => [f()].flat());
  const result = outs.map((o) => ({ dtype: o.dtype, shape: o.shape, values: Array.from(o.dataSync() as ArrayLike<number>) }));
  tf.dispose(outs);
  expect(tf.memory().numTensors).toBe(before);
  return result;
}

/** Runs `f` on cpu and dkl-native and asserts the same dtypes, shapes and values, exactly. */
export async function sameOnBoth(f: () => tf.Tensor | tf.Tensor[]): Promise<void> {
  const cpu = await outputsOn('cpu', f);
  const native = await outputsOn('dkl-native', f);
  expect(native).toEqual(cpu);
}

/** Registers the backend once per test file. */
export async function setup(): Promise<void> {
  await registerNativeBackend();
}
