import * as tf from '@tensorflow/tfjs';
import { InMemoryClassPriorStore, LoopControl, TrainingEventBus, type BatchEndEvent } from '@dkl/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ClassPriorUpdater } from '../src/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function softmax(row: number[], T: number): number[] {
  const m = Math.max(...row.map((v) => v / T));
  const e = row.map((v) => Math.exp(v / T - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

function batch(teacher: number[][], labels: number[]): BatchEndEvent {
  return {
    type: 'batch-end',
    epoch: 1,
    step: 1,
    batchIndex: 0,
    batchSize: labels.length,
    losses: {},
    outputs: { teacherLogits: tf.tensor2d(teacher), labels: tf.tensor1d(labels, 'int32') },
  };
}

describe('ClassPriorUpdater', () => {
  it('publishes the row-normalised per-class mean softmax(logits / T) of the epoch, by hand', () => {
    const store = new InMemoryClassPriorStore();
    const plugin = new ClassPriorUpdater(store, { numClasses: 3, temperature: 2 });
    const bus = new TrainingEventBus();
    plugin.attach(bus.channel(plugin.name));
    expect(Array.from(store.getOrUniform(3).dataSync())).toEqual(new Array(9).fill(1 / 3).map((v) => Math.fround(v)));
    const b1 = { t: [[1, 2, 3], [0, 0, 4], [5, -1, 0]], y: [0, 2, 0] };
    const b2 = { t: [[2, 2, -2], [1, 0, 0]], y: [1, 0] };
    bus.emit({ type: 'epoch-start', epoch: 1, step: 0, learningRate: 0.1 });
    bus.emit(batch(b1.t, b1.y));
    bus.emit(batch(b2.t, b2.y));
    bus.emit({ type: 'epoch-end', epoch: 1, step: 2, metrics: {}, durationMs: 1 });
    const rows = [0, 1, 2].map((c) => {
      const members = [...b1.t.map((t, i) => [t, b1.y[i]] as const), ...b2.t.map((t, i) => [t, b2.y[i]] as const)].filter(([, y]) => y === c);
      const sum = [0, 0, 0];
      for (const [t] of members) softmax(t, 2).forEach((p, j) => (sum[j]! += p));
      return sum.map((v) => v / members.length);
    });
    const got = store.get()!.arraySync();
    rows.forEach((row, c) => row.forEach((v, j) => expect(got[c]![j]).toBeCloseTo(v, 6)));
    bus.close();
  });

  it('keeps the previous row for a class without samples, mixes by momentum, and round-trips its state', async () => {
    const store = new InMemoryClassPriorStore();
    const plugin = new ClassPriorUpdater(store, { numClasses: 3, momentum: 0.5 });
    const bus = new TrainingEventBus();
    plugin.attach(bus.channel(plugin.name));
    bus.emit({ type: 'epoch-start', epoch: 1, step: 0, learningRate: 0.1 });
    bus.emit(batch([[10, 0, 0], [0, 10, 0]], [0, 1]));
    bus.emit({ type: 'epoch-end', epoch: 1, step: 1, metrics: {}, durationMs: 1 });
    const prior = store.get()!.arraySync();
    expect(prior[2]!.map((v) => +v.toFixed(6))).toEqual([0.333333, 0.333333, 0.333333]); // class 2 unseen: previous (uniform) row
    expect(prior[0]![0]).toBeCloseTo(0.5 * softmax([10, 0, 0], 1)[0]! + 0.5 / 3, 6);
    expect(prior.flat().every(Number.isFinite)).toBe(true);
    const saved = plugin.saveState();
    const other = new InMemoryClassPriorStore();
    new ClassPriorUpdater(other, { numClasses: 3 }).loadState(saved);
    expect(other.get()!.arraySync()).toEqual(prior);
    bus.close();
    expect(() => new ClassPriorUpdater(store, { numClasses: 3, temperature: 0 })).toThrow(/temperature/);
    new LoopControl();
  });

  it('does not leak tensors across an epoch', () => {
    const store = new InMemoryClassPriorStore();
    const plugin = new ClassPriorUpdater(store, { numClasses: 2 });
    const bus = new TrainingEventBus();
    plugin.attach(bus.channel(plugin.name));
    const run = () => {
      bus.emit({ type: 'epoch-start', epoch: 1, step: 0, learningRate: 0.1 });
      for (let i = 0; i < 5; i++) bus.emit(batch([[1, 2], [3, 1]], [0, 1]));
      bus.emit({ type: 'epoch-end', epoch: 1, step: 5, metrics: {}, durationMs: 1 });
    };
    run();
    const before = tf.memory().numTensors;
    run();
    expect(tf.memory().numTensors).toBe(before);
    bus.close();
  });
});
