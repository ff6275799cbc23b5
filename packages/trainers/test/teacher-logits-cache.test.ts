import * as tf from '@tensorflow/tfjs';
import { ConfigError, type ClassifierModel } from '@dkl/core';
import { describe, expect, it } from 'vitest';
import { TeacherLogitsCache } from '../src/index.js';
import { TinyModel, useCpuBackend } from './helpers.js';

useCpuBackend();

/** Counts forward passes of a frozen teacher. */
function counted(model: ClassifierModel): { model: ClassifierModel; calls: () => number } {
  let calls = 0;
  return {
    model: { ...model, numClasses: model.numClasses, forward: (x, o) => (calls++, model.forward(x, o)) } as ClassifierModel,
    calls: () => calls,
  };
}

describe('TeacherLogitsCache', () => {
  it("gives the teacher's logits, runs the teacher only for unseen examples, keeps tensor counts flat", () => {
    const teacher = new TinyModel(3, 2, [4, 4, 2]);
    const { model, calls } = counted(teacher);
    const cache = new TeacherLogitsCache(model, 6);
    const images = tf.randomUniform([6, 4, 4, 2], 0, 1, 'float32', 1);
    const batch = (rows: number[]) => ({ x: tf.gather(images, rows), y: tf.zeros([rows.length], 'int32'), indices: Int32Array.from(rows) });
    const expected = teacher.forward(images, { training: false }).logits;
    const check = (rows: number[]) => {
      const b = batch(rows);
      const logits = cache.logits(b);
      const want = tf.gather(expected, rows);
      expect(Array.from(logits.dataSync())).toEqual(Array.from(want.dataSync()));
      tf.dispose([logits, want, b.x, b.y]);
    };
    check([0, 1, 2]);
    check([3, 4, 5]);
    expect(calls()).toBe(2);
    const baseline = tf.memory().numTensors;
    check([5, 0, 3]); // every row seen: from the cache, in the batch's order
    check([2, 4, 1]);
    expect(calls()).toBe(2);
    expect(tf.memory().numTensors).toBe(baseline);
    expect(cache.stats).toMatchObject({ reusedBatches: 2, computedBatches: 2 });
    expect(cache.describe()).toMatch(/^teacher logits cache: 2 of 4 batches reused \(50\.0%\)/);
    tf.dispose([images, expected]);
    teacher.dispose();
  });

  it('refuses a batch without indices and an index outside the training set, naming the key', () => {
    const teacher = new TinyModel(3, 2, [4, 4, 2]);
    const cache = new TeacherLogitsCache(teacher, 2);
    const x = tf.zeros([1, 4, 4, 2]);
    const y = tf.zeros([1], 'int32');
    expect(() => cache.logits({ x, y })).toThrow(ConfigError);
    expect(() => cache.logits({ x, y })).toThrow(/models\.teacher\.cache.*example indices/);
    const before = tf.memory().numTensors;
    expect(() => cache.logits({ x, y, indices: Int32Array.of(7) })).toThrow(/example index 7, outside the 2 training examples/);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
    teacher.dispose();
  });
});
