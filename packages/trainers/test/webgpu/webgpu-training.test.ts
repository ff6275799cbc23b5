/**
 * dkl on webgpu (here: Dawn on SwiftShader) against cpu: the same seeded training runs give the
 * same per-step losses (1e-3 relative) and the same predictions; tensors do not accumulate; the
 * step reads nothing synchronously. CI runs the small sizes, `npm run test:webgpu` the full ones.
 */
import * as tf from '@tensorflow/tfjs';
import { pgd } from '@dkl/attacks';
import { ofType, type TrainingEvent, type TrainingPlugin } from '@dkl/core';
import { createModel } from '@dkl/models';
import type { Observable } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { constantSchedule, Sgd, SupervisedTrainer } from '../../src/index.js';
import { ArrayLoader, blobs } from '../helpers.js';
import { activateWebgpu, countSyncReads, FULL, maxRelativeDiff, use } from './webgpu-helpers.js';

const C = 4;
/** SwiftShader is slow and CI machines are shared: generous per-test limits (no timing is asserted). */
const TIMEOUT = FULL ? 3_600_000 : 900_000;

class StepRecorder implements TrainingPlugin {
  readonly name = 'step-recorder';
  readonly losses: number[] = [];
  readonly tensors: number[] = [];
  attach(events: Observable<TrainingEvent>) {
    return events.pipe(ofType('batch-end')).subscribe((e) => {
      this.losses.push(e.losses['total']!);
      this.tensors.push(tf.memory().numTensors);
    });
  }
}

interface RunResult {
  losses: number[];
  tensors: number[];
  predictions: Int32Array;
  syncReads: number;
}

/** Trains `arch` from seed 7 for `steps` steps on the active backend; predicts a fixed batch. */
async function trainRun(arch: string, shape: [number, number, number], steps: number, batch: number): Promise<RunResult> {
  const model = createModel(arch, { numClasses: C, inputShape: shape, seed: 7 });
  const data = blobs(3, steps * batch, C, shape);
  const recorder = new StepRecorder();
  const trainer = new SupervisedTrainer({
    model,
    epochs: 1,
    seed: 1,
    optimizer: new Sgd({ momentum: 0.9, weightDecay: 5e-4 }),
    schedule: constantSchedule(0.02),
    train: new ArrayLoader(data, batch, 'webgpu-suite', false),
    plugins: [recorder],
  });
  const { result, reads } = await countSyncReads(() => trainer.run());
  expect(result.status).toBe('completed');
  const probe = blobs(11, 16, C, shape);
  const x = tf.tensor4d(probe.images, [16, ...shape]);
  const pred = tf.tidy(() => tf.argMax(model.forward(x, { training: false }).logits, 1));
  const predictions = (await pred.data()) as Int32Array;
  tf.dispose([x, pred]);
  model.dispose();
  return { losses: recorder.losses, tensors: recorder.tensors, predictions: Int32Array.from(predictions), syncReads: reads };
}

/** tiny_cnn runs 50+ steps, so its run is also the leak check. */
const cases: Array<{ arch: string; shape: [number, number, number]; steps: number; batch: number }> = [
  { arch: 'tiny_cnn', shape: FULL ? [16, 16, 3] : [8, 8, 3], steps: FULL ? 80 : 52, batch: FULL ? 8 : 2 },
  { arch: 'resnet8', shape: FULL ? [32, 32, 3] : [8, 8, 3], steps: 20, batch: FULL ? 16 : 2 },
];

beforeAll(activateWebgpu);
afterAll(async () => {
  await use('cpu');
});

describe('training on webgpu matches cpu', () => {
  for (const c of cases) {
    it(`${c.arch} ${c.shape.join('x')}, batch ${c.batch}: ${c.steps} steps, losses within 1e-3 relative per step, same predictions, no synchronous read, tf.memory() flat`, async () => {
      await use('cpu');
      let t0 = performance.now();
      const cpu = await trainRun(c.arch, c.shape, c.steps, c.batch);
      const cpuSeconds = (performance.now() - t0) / 1000;
      await use('webgpu');
      t0 = performance.now();
      const gpu = await trainRun(c.arch, c.shape, c.steps, c.batch);
      console.info(`[webgpu suite] ${c.arch}: ${c.steps} steps on cpu ${cpuSeconds.toFixed(1)} s, on webgpu ${((performance.now() - t0) / 1000).toFixed(1)} s (incl. shader compilation)`);
      expect(gpu.losses).toHaveLength(c.steps);
      const worst = maxRelativeDiff(gpu.losses, cpu.losses);
      console.info(`[webgpu suite] ${c.arch}: worst per-step loss difference ${worst.toExponential(2)} relative; loss ${cpu.losses[0]!.toFixed(4)} -> ${cpu.losses.at(-1)!.toFixed(4)}`);
      expect(worst).toBeLessThan(1e-3);
      expect(cpu.losses.at(-1)!).toBeLessThan(cpu.losses[0]!); // it learns
      expect(Array.from(gpu.predictions)).toEqual(Array.from(cpu.predictions));
      expect(gpu.syncReads).toBe(0);
      // The first step creates the momentum buffers; from then on the count never moves.
      expect(new Set(gpu.tensors.slice(1)).size).toBe(1);
    }, TIMEOUT);
  }
});

describe('PGD on webgpu matches cpu', () => {
  const shape: [number, number, number] = FULL ? [16, 16, 3] : [8, 8, 3];
  const steps = FULL ? 10 : 5;
  it(`tiny_cnn ${shape.join('x')}, L-inf 8/255, ${steps} steps: same predictions, the same adversarial examples up to sign flips at ~0 gradients`, async () => {
    const attack = async () => {
      const model = createModel('tiny_cnn', { numClasses: C, inputShape: shape, seed: 5 });
      const data = blobs(9, 16, C, shape);
      const x = tf.tidy(() => tf.sigmoid(tf.tensor4d(data.images, [16, ...shape]))); // pixels in [0, 1]
      const y = tf.tensor1d(data.labels, 'int32');
      const forward = (xi: tf.Tensor) => model.forward(xi, { training: false }).logits;
      const adv = pgd(forward, x, y, { norm: 'linf', eps: 8 / 255, stepSize: 2 / 255, steps, randomStart: 'none' });
      const ce = (xi: tf.Tensor) => tf.tidy(() => tf.losses.softmaxCrossEntropy(tf.oneHot(y, C), forward(xi)));
      const [cleanLoss, advLoss] = [ce(x), ce(adv)];
      const pred = tf.tidy(() => tf.argMax(forward(adv), 1));
      const out = {
        adv: Float32Array.from(await adv.data()),
        pred: Array.from(await pred.data()),
        cleanLoss: (await cleanLoss.data())[0]!,
        advLoss: (await advLoss.data())[0]!,
      };
      tf.dispose([x, y, adv, pred, cleanLoss, advLoss]);
      model.dispose();
      return out;
    };
    await use('cpu');
    const cpu = await attack();
    await use('webgpu');
    const before = tf.memory().numTensors;
    const gpu = await attack();
    expect(tf.memory().numTensors).toBe(before);
    expect(cpu.advLoss).toBeGreaterThan(cpu.cleanLoss); // the attack does its job
    expect(Math.abs(gpu.advLoss - cpu.advLoss) / cpu.advLoss).toBeLessThan(1e-3);
    expect(gpu.pred).toEqual(cpu.pred);
    // sign(gradient) may flip where the gradient is ~0: only such pixels may differ.
    let differing = 0;
    for (let i = 0; i < cpu.adv.length; i++) if (Math.abs(cpu.adv[i]! - gpu.adv[i]!) > 1e-5) differing++;
    console.info(`[webgpu suite] PGD: adversarial loss ${cpu.cleanLoss.toFixed(4)} -> ${cpu.advLoss.toFixed(4)} (cpu), ${gpu.advLoss.toFixed(4)} (webgpu); ${differing} of ${cpu.adv.length} pixels differ`);
    expect(differing / cpu.adv.length).toBeLessThan(0.01);
  }, TIMEOUT);
});
