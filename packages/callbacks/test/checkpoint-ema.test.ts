import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createContainer, LoopControl, readSnapshotFile, TrainingEventBus, TrainingPluginDefinition, type ClassifierModel } from '@dkl/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { callbacksModule, CheckpointPlugin, WeightAveraging } from '../src/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function fakeModel(value: number): ClassifierModel & { w: tf.Variable } {
  const w = tf.variable(tf.fill([2], value));
  const stat = tf.variable(tf.fill([1], value * 10), false);
  return {
    w,
    name: 'fake',
    numClasses: 2,
    inputShape: [1, 1, 1],
    trainableVariables: [w],
    nonTrainableVariables: [stat],
    forward: () => ({ logits: tf.zeros([1, 2]), features: {} }),
    countParams: () => 2,
    dispose: () => tf.dispose([w, stat]),
  };
}

describe('CheckpointPlugin', () => {
  it('keeps last, periodic and best snapshots, written atomically, and announces them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dkl-ckpt-'));
    const model = fakeModel(1);
    let captured = 0;
    const control = new LoopControl({ model }, async () => ({ meta: { n: ++captured, w: Array.from(model.w.dataSync()) }, tensors: { w: model.w.clone() } }));
    const bus = new TrainingEventBus();
    const plugin = new CheckpointPlugin({ dir, archiveEvery: 2, best: { split: 'val', metric: 'top1', mode: 'max' } });
    plugin.attach(bus.channel(plugin.name), control);
    const before = tf.memory().numTensors;
    for (const [epoch, top1] of [[1, 0.5], [2, 0.4], [3, 0.7]] as const) {
      tf.tidy(() => model.w.assign(tf.fill([2], epoch)));
      bus.emit({ type: 'epoch-end', epoch, step: epoch, metrics: {}, durationMs: 1 });
      bus.emit({ type: 'eval-end', epoch, step: epoch, split: 'val', metrics: { top1 } });
      expect(await control.settle()).toEqual([]);
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(readdirSync(dir).sort()).toEqual(['best.ckpt', 'epoch-2.ckpt', 'last.ckpt', 'snapshot-000003.ckpt']); // keep 1
    const best = await readSnapshotFile<{ w: number[] }>(join(dir, 'best.ckpt'));
    expect(best.meta.w).toEqual([3, 3]);
    expect(Array.from(best.tensors['w']!.dataSync())).toEqual([3, 3]);
    expect(control.takeAnnouncedCheckpoints().map((c) => `${c.reason}:${c.path.split('/').at(-1)}`)).toEqual([
      'last:last.ckpt', 'best:best.ckpt', 'periodic:epoch-2.ckpt', 'last:last.ckpt', 'last:last.ckpt', 'best:best.ckpt',
    ]);
    expect(plugin.saveState()).toEqual({ json: { bestValue: 0.7, seq: 3 } });
    bus.close();
  });

  it('reports a failed write as the plugin failure and leaves no partial file', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'dkl-ckpt-')), 'sub');
    const control = new LoopControl({}, async () => {
      throw new Error('capture failed');
    });
    const bus = new TrainingEventBus();
    new CheckpointPlugin({ dir }).attach(bus.channel('checkpoint'), control);
    bus.emit({ type: 'epoch-end', epoch: 1, step: 1, metrics: {}, durationMs: 1 });
    const failures = await control.settle();
    expect(failures.map(([o, e]) => `${o}:${e.message}`)).toEqual(['checkpoint:capture failed']);
    expect(existsSync(join(dir, 'last.ckpt'))).toBe(false);
    bus.close();
  });
});

describe('WeightAveraging', () => {
  it('keeps an EMA of all variables (BatchNorm statistics included) per epoch', () => {
    const model = fakeModel(0);
    const ema = new WeightAveraging({ every: 'epoch', decay: 0.9, startEpoch: 2 });
    const bus = new TrainingEventBus();
    ema.attach(bus.channel(ema.name), new LoopControl({ model }));
    for (const epoch of [1, 2, 3]) {
      model.w.assign(tf.fill([2], epoch));
      model.nonTrainableVariables[0]!.assign(tf.fill([1], epoch * 10));
      bus.emit({ type: 'epoch-end', epoch, step: epoch, metrics: {}, durationMs: 1 });
    }
    const target = fakeModel(-1);
    ema.copyTo(target);
    expect(Array.from(target.w.dataSync()).map((v) => +v.toFixed(5))).toEqual([2.1, 2.1]); // 0.9*2 + 0.1*3
    expect(+target.nonTrainableVariables[0]!.dataSync()[0]!.toFixed(4)).toBe(21);
    bus.close();
  });
});

describe('callbacksModule', () => {
  it('binds every plugin as a named TrainingPluginDefinition', () => {
    const defs = createContainer([callbacksModule]).getAll<TrainingPluginDefinition>(TrainingPluginDefinition);
    expect(defs.map((d) => d.name).sort()).toEqual(['checkpoint', 'class-prior', 'early-stopping', 'lr-monitor', 'metrics-log', 'progress', 'tensorboard', 'timer', 'weight-averaging']);
    const checkpoint = defs.find((d) => d.name === 'checkpoint')!;
    expect(checkpoint.schema.safeParse({ every: -1 }).success).toBe(false);
    expect(checkpoint.schema.safeParse({ every: { steps: 0 } }).success).toBe(false);
    expect(checkpoint.schema.safeParse({ every: { steps: 5, epochs: 1 } }).success).toBe(false);
    expect(checkpoint.schema.safeParse({ keep: 0 }).success).toBe(false);
    expect(checkpoint.schema.parse({})).toEqual({ every: { epochs: 1 }, keep: 1, archiveEvery: 0, saveLast: true });
    expect(checkpoint.schema.parse({ every: { minutes: 0.5 }, keep: 3 })).toMatchObject({ every: { minutes: 0.5 }, keep: 3 });
  });
});
