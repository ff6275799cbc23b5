import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import {
  NATIVE_BACKEND_NAME,
  NativeBackend,
  addonMissingMessage,
  loadAddon,
  nativeKernelNames,
  registerNativeBackend,
  setNativeThreads,
} from '../src/index.js';
import { addonBuilt, randomArray } from './helpers.js';

describe('addon loading', () => {
  it('names the missing file and the build command when the addon is absent', () => {
    const missing = '/nonexistent/dkl_native.node';
    expect(() => loadAddon(missing)).toThrow(/\/nonexistent\/dkl_native\.node is missing/);
    expect(() => loadAddon(missing)).toThrow(/libdnnl-dev.*npm run build:native -w @dkl\/backend-native/);
    expect(addonMissingMessage(missing)).toContain('not built');
  });

  it('lists the overridden kernels', () => {
    const names = nativeKernelNames();
    for (const k of ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'FusedConv2D', 'DepthwiseConv2dNative',
      'DepthwiseConv2dNativeBackpropInput', 'DepthwiseConv2dNativeBackpropFilter', 'BatchMatMul', '_FusedMatMul',
      'MaxPool', 'AvgPool', 'MaxPoolGrad', 'AvgPoolGrad', 'FusedBatchNorm', 'Add', 'Sum']) {
      expect(names).toContain(k);
    }
  });
});

describe.skipIf(!addonBuilt)('dkl-native backend', () => {
  beforeAll(async () => {
    await registerNativeBackend();
  });

  it('registers idempotently and reports oneDNN and thread facts', async () => {
    const a = await registerNativeBackend();
    const b = await registerNativeBackend();
    expect(a).toEqual(b);
    expect(a.name).toBe(NATIVE_BACKEND_NAME);
    expect(a.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(a.onednnVersion).toMatch(/^2\.\d+\.\d+$/);
    expect(a.threads).toBeGreaterThanOrEqual(1);
    // Every cpu kernel is available on the native backend, plus the fused batch-norm pair.
    const cpu = tf.getKernelsForBackend('cpu').map((k) => k.kernelName).sort();
    const native = tf.getKernelsForBackend(NATIVE_BACKEND_NAME).map((k) => k.kernelName);
    expect(native.filter((k) => !k.startsWith('Dkl')).sort()).toEqual(cpu);
    expect(native).toContain('DklBatchNormTrain');
  });

  it('validates the thread count', () => {
    expect(() => setNativeThreads(0)).toThrow(/threads/);
    const n = (loadAddon().info()).threads;
    expect(setNativeThreads(n)).toBe(n);
  });

  it('rejects buffers too small for the primitive instead of overrunning them', () => {
    const addon = loadAddon();
    const params = Int32Array.from([1, 4, 4, 2, 4, 4, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
    expect(() => addon.convForward(new Float32Array(32), new Float32Array(54), new Float32Array(10), params, 0, 0, false)).toThrow(
      /buffer 'y' has 10 elements/,
    );
    expect(() => addon.binary(0, new Float32Array(2), new Float32Array(3), new Float32Array(3), Int32Array.from([1, 3, 1, 1]))).toThrow(
      /buffer 'a'/,
    );
  });

  it('trains a small conv net for 100 steps without leaking tensors, loss going down', async () => {
    await tf.setBackend(NATIVE_BACKEND_NAME);
    const x = tf.tensor4d(randomArray(8 * 8 * 8 * 3, 1), [8, 8, 8, 3]);
    const labels = tf.tidy(() => tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 0, 1, 2], 'int32'), 5));
    const w1 = tf.variable(tf.tensor4d(randomArray(3 * 3 * 3 * 8, 2, -0.3, 0.3), [3, 3, 3, 8]));
    const gamma = tf.variable(tf.ones([8]));
    const beta = tf.variable(tf.zeros([8]));
    const w2 = tf.variable(tf.tensor4d(randomArray(3 * 3 * 8 * 1, 4, -0.3, 0.3), [3, 3, 8, 1]));
    const wd = tf.variable(tf.tensor2d(randomArray(4 * 4 * 8 * 5, 3, -0.1, 0.1), [4 * 4 * 8, 5]));
    const bd = tf.variable(tf.zeros([5]));
    const before = tf.memory().numTensors;
    const opt = tf.train.momentum(0.05, 0.9);
    const lossFn = () =>
      tf.tidy(() => {
        let h: tf.Tensor4D = tf.conv2d(x, w1, 1, 'same');
        const { mean, variance } = tf.moments(h, [0, 1, 2]);
        h = tf.relu(tf.batchNorm(h, mean, variance, beta, gamma, 1e-5)) as tf.Tensor4D;
        h = tf.add(h, tf.depthwiseConv2d(h, w2, 1, 'same'));
        h = tf.maxPool(h, 2, 2, 'same');
        const logits = tf.fused.matMul({ a: h.reshape([8, -1]), b: wd, bias: bd });
        return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
      });
    let first = 0, last = 0, afterFirst = 0, bytesAfterFirst = 0;
    for (let step = 0; step < 100; ++step) {
      const loss = opt.minimize(lossFn, true)!;
      const v = loss.dataSync()[0]!;
      loss.dispose();
      if (step === 0) {
        first = v;
        afterFirst = tf.memory().numTensors;
        bytesAfterFirst = tf.memory().numBytes;
      }
      last = v;
      expect(tf.memory().numTensors).toBe(afterFirst);
      expect(tf.memory().numBytes).toBe(bytesAfterFirst);
    }
    expect(last).toBeLessThan(first * 0.5);
    // The optimizer's step-1 state (momentum slots, scalars) is all that was added.
    expect(afterFirst - before).toBeLessThanOrEqual(7 + 4);
    opt.dispose();
    tf.dispose([x, labels, w1, gamma, beta, w2, wd, bd]);
  });
});

describe.skipIf(!addonBuilt)('output buffer recycling', () => {
  beforeAll(async () => {
    await registerNativeBackend();
  });

  /** Leaves a NaN-filled recycled buffer of `n` elements in the pool. */
  function poisonPool(n: number): void {
    // Kept alive together, then all disposed: several recycled NaN arrays.
    tf.tidy(() => {
      tf.mul(tf.ones([n]), NaN);
      tf.mul(tf.ones([n]), NaN);
    });
  }

  it('recycles disposed outputs and fully overwrites them', async () => {
    await tf.setBackend(NATIVE_BACKEND_NAME);
    const backend = tf.backend() as NativeBackend;
    const n = 2 * 16 * 17 * 8; // above the pool's minimum size
    const x = tf.tensor4d(randomArray(n, 1), [2, 16, 17, 8]);
    const w = tf.tensor4d(randomArray(3 * 3 * 8 * 8, 2), [3, 3, 8, 8]);
    const dyPool = tf.tensor4d(randomArray(2 * 8 * 9 * 8, 3), [2, 8, 9, 8]);
    const before = backend.recycledBytes;
    for (let i = 0; i < 4; ++i) poisonPool(n);
    expect(backend.recycledBytes).toBeGreaterThan(before);
    const outs = tf.tidy(() => [
      tf.conv2d(x, w, 1, 'same'),
      tf.conv2dTranspose(tf.conv2d(x, w, 1, 'same'), w, [2, 16, 17, 8], 1, 'same'),
      tf.grad((t: tf.Tensor) => tf.maxPool(t as tf.Tensor4D, 3, 2, 'same'))(x, dyPool),
      tf.grad((t: tf.Tensor) => tf.avgPool(t as tf.Tensor4D, 3, 2, 'same'))(x, dyPool),
      tf.relu(x),
    ]);
    for (const o of outs) expect(Array.from(o.dataSync()).some(Number.isNaN)).toBe(false);
    tf.dispose([...outs, x, w, dyPool]);
  });

  it('never recycles an array the caller has read', async () => {
    await tf.setBackend(NATIVE_BACKEND_NAME);
    const t = tf.tidy(() => tf.add(tf.ones([5000]), 1));
    const values = t.dataSync();
    t.dispose();
    tf.tidy(() => {
      tf.mul(tf.ones([5000]), 7); // would reuse it if it were pooled
    });
    expect(values[0]).toBe(2);
    expect(values[4999]).toBe(2);
  });

  it('never recycles a buffer another tensor views (cpu Slice shares via subarray)', async () => {
    await tf.setBackend(NATIVE_BACKEND_NAME);
    const base = tf.tidy(() => tf.add(tf.ones([8000]), 2));
    const view = tf.slice(base, [1000], [5000]);
    base.dispose();
    const other = tf.tidy(() => tf.mul(tf.ones([8000]), -1));
    expect(Array.from(view.dataSync()).every((v) => v === 3)).toBe(true);
    tf.dispose([view, other]);
  });
});

describe.skipIf(!addonBuilt)('first use', () => {
  it('prints no "install tfjs-node" banner: dkl-native is the fast backend the banner asks for', async () => {
    const { spawnSync } = await import('node:child_process');
    const script = [
      "import * as tf from '@tensorflow/tfjs';",
      `import { registerNativeBackend } from ${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)};`,
      'await registerNativeBackend();',
      "await tf.setBackend('dkl-native');",
      'console.log(tf.add(tf.tensor1d([1, 2]), 1).dataSync().join());',
    ].join('\n');
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: __dirname, encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe('2,3');
    expect(result.stdout + result.stderr).not.toMatch(/install our node backend|Hi, looks like/);
  });
});
