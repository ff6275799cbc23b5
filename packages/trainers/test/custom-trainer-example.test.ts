import { describe, expect, it } from 'vitest';
import { trainCustomKd } from '../examples/custom-kd-trainer.js';
import { constantSchedule, Sgd, SupervisedTrainer } from '../src/index.js';
import { ArrayLoader, blobs, TinyModel, useCpuBackend } from './helpers.js';

useCpuBackend();

describe('examples/custom-kd-trainer', () => {
  it('runs KD with two loss terms and a user plugin', async () => {
    const teacher = new TinyModel(4, 11, [6, 6, 2], 16);
    await new SupervisedTrainer({ model: teacher, epochs: 2, optimizer: new Sgd({ momentum: 0.9 }), schedule: constantSchedule(0.5), train: new ArrayLoader(blobs(1, 64, 4), 16, 't') }).run();
    const { result, worst } = await trainCustomKd(teacher, new TinyModel(4, 2), new ArrayLoader(blobs(3, 64, 4), 16, 's'), new ArrayLoader(blobs(4, 32, 4), 16, 'e', false));
    expect(result.status).toBe('completed');
    expect(Object.keys(result.history[0]!.train)).toEqual(expect.arrayContaining(['total', 'kd', 'ikl', 'top1']));
    expect([...worst.keys()]).toEqual([1, 2, 3]);
    expect(result.history[2]!.train['total']).toBeLessThan(result.history[0]!.train['total']!);
  });
});
