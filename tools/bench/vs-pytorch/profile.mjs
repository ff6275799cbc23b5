// Kernel-level profile of one training step on a backend: node profile.mjs [model] [backend] [batch]
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@dkl/core';
import { makeModel } from './models.mjs';
import { makeTrainer } from './train-step.mjs';

const [name = 'resnet8x4', backend = 'dkl-native', batch = '64'] = process.argv.slice(2);
await initBackend({ prefer: [backend] }); // registers it, says which runs, silences tfjs's banner
const b = Number(batch);
const model = makeModel(name);
const trainer = makeTrainer(model);
const x = tf.randomNormal([b, 32, 32, 3], 0, 1, 'float32', 7);
const labels = tf.tidy(() => tf.oneHot(tf.randomUniform([b], 0, 100, 'int32', 8), 100).toFloat());
trainer.step(x, labels);
const t0 = performance.now();
trainer.step(x, labels);
console.log(`step ${(performance.now() - t0).toFixed(0)} ms`);
const prof = await tf.profile(() => { trainer.step(x, labels); });
const agg = new Map();
for (const k of prof.kernels) {
  const a = agg.get(k.name) ?? { ms: 0, n: 0 };
  a.ms += k.kernelTimeMs; a.n += 1; agg.set(k.name, a);
}
const rows = [...agg.entries()].sort((p, q) => q[1].ms - p[1].ms);
const total = rows.reduce((s, [, a]) => s + a.ms, 0);
console.log(`kernels total ${total.toFixed(0)} ms over ${prof.kernels.length} calls`);
for (const [k, a] of rows.slice(0, 25)) console.log(`${k.padEnd(28)} ${a.ms.toFixed(1).padStart(8)} ms  x${a.n}`);
