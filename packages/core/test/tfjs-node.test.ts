/**
 * @tensorflow/tfjs-node and -gpu, when installed (this project's machines cannot install them:
 * their installers download libtensorflow from a host the network does not reach): core's fused
 * ops and a convolution gradient on each of them against cpu. Absent packages are skipped with
 * the reason printed.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { batchNormTraining, initBackend, SeededRng, sgdUpdate } from '../src/index.js';

const candidates = [
  { name: 'tensorflow-gpu', pkg: '@tensorflow/tfjs-node-gpu' },
  { name: 'tensorflow', pkg: '@tensorflow/tfjs-node' },
] as const;

async function installed(pkg: string): Promise<string | undefined> {
  try {
    await import(/* @vite-ignore */ pkg);
    return undefined;
  } catch (error) {
    return (error as Error).message.split('\n')[0];
  }
}

afterAll(async () => {
  await initBackend({ prefer: 'cpu', log: false });
});

for (const { name, pkg } of candidates) {
  const missing = await installed(pkg);
  if (missing) console.info(`[core] ${pkg} tests skipped: not installed here (${missing}); see docs/backends.md`);
  describe.skipIf(missing !== undefined)(`${pkg} (${name})`, () => {
    it('fused ops and a convolution gradient give cpu results', async () => {
      const rng = new SeededRng(name);
      const x = Array.from({ length: 2 * 6 * 6 * 4 }, () => rng.normal());
      const w = Array.from({ length: 3 * 3 * 4 * 5 }, () => rng.normal());
      const run = () =>
        tf.tidy(() => {
          const xt = tf.tensor4d(x, [2, 6, 6, 4]);
          const wt = tf.tensor4d(w, [3, 3, 4, 5]);
          const f = (a: tf.Tensor, b: tf.Tensor) => batchNormTraining(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'), tf.ones([5]), tf.zeros([5]), 1e-5, 'relu').y.square().mean() as tf.Scalar;
          const [gx, gw] = tf.grads(f)([xt, wt]);
          const { w: nw } = sgdUpdate(wt, gw!, null, { learningRate: 0.1, momentum: 0, dampening: 0, weightDecay: 5e-4, nesterov: false });
          return [gx!, nw].map((t) => Array.from(t.dataSync()));
        });
      await initBackend({ prefer: 'cpu', log: false });
      const cpu = run();
      const info = await initBackend({ prefer: name, log: false });
      expect(tf.getBackend()).toBe(info.tfjsBackend);
      const native = run();
      native.forEach((values, k) => values.forEach((v, i) => expect(Math.abs(v - cpu[k]![i]!)).toBeLessThan(1e-4 * Math.max(1, Math.abs(cpu[k]![i]!)))));
    });
  });
}
