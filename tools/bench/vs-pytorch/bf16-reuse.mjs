// dkl-native bf16 with and without reusing the bf16 operand copies, interleaved in one process
// (same model, data and load window): ms per training step, operand conversions per step, ratio.
// Usage: node tools/bench/vs-pytorch/bf16-reuse.mjs [--models resnet32x4] [--rounds 3] [--steps 3] [--batch 64]
import * as tf from '@tensorflow/tfjs';
import { loadavg } from 'node:os';
import { initBackend } from '@dkl/core';
import { makeModel } from './models.mjs';
import { makeTrainer } from './train-step.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const models = arg('models', 'resnet32x4').split(',');
const rounds = Number(arg('rounds', '3'));
const steps = Number(arg('steps', '3'));
const batch = Number(arg('batch', '64'));

const info = await initBackend({ prefer: ['dkl-native'], precision: 'bf16' });
if (info.name !== 'dkl-native' || info.precision !== 'bf16') throw new Error(`needs dkl-native in bf16 (AVX512_BF16), got ${info.name} ${info.precision}`);
const backend = tf.backend();
const stats = () => backend.addon.bf16CopyStats();
console.log(`dkl-native bf16, batch ${batch}, ${rounds} rounds x ${steps} steps per mode, load avg ${loadavg()[0].toFixed(1)}`);

for (const name of models) {
  const model = makeModel(name);
  const trainer = makeTrainer(model);
  const x = tf.randomNormal([batch, 32, 32, 3], 0, 1, 'float32', 7);
  const labels = tf.tidy(() => tf.oneHot(tf.randomUniform([batch], 0, 100, 'int32', 8), 100).toFloat());
  const total = { reuse: { ms: 0, converted: 0, reused: 0 }, anew: { ms: 0, converted: 0, reused: 0 } };
  const run = (mode) => {
    backend.bf16CopyReuse = mode === 'reuse';
    trainer.step(x, labels); // warm-up in this mode (primitives are shared; copies are not)
    const s0 = stats(), t0 = performance.now();
    for (let i = 0; i < steps; ++i) trainer.step(x, labels);
    const s1 = stats();
    total[mode].ms += performance.now() - t0;
    total[mode].converted += s1.converted - s0.converted;
    total[mode].reused += s1.reused - s0.reused;
  };
  for (let r = 0; r < rounds; ++r) for (const mode of r % 2 ? ['anew', 'reuse'] : ['reuse', 'anew']) run(mode);
  const n = rounds * steps;
  const per = (m) => `${(total[m].ms / n).toFixed(0)} ms/step, ${(total[m].converted / n).toFixed(0)} conversions + ${(total[m].reused / n).toFixed(0)} reuses per step`;
  console.log(`${name}: reuse ${per('reuse')}; anew ${per('anew')}; ratio anew/reuse ${(total.anew.ms / total.reuse.ms).toFixed(3)}`);
  tf.dispose([x, labels]);
  trainer.dispose();
  model.dispose?.();
}
console.log(`load average after the run: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
