import * as tf from '@tensorflow/tfjs';
import { delay, filter } from 'rxjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ofType, TrainingEventBus, type BatchEndEvent, type TrainingEvent } from '../src/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function batchEnd(step: number, outputs: BatchEndEvent['outputs']): BatchEndEvent {
  return { type: 'batch-end', epoch: 1, step, batchIndex: step - 1, batchSize: 2, losses: { total: 1 / step }, outputs };
}

describe('TrainingEventBus', () => {
  it('delivers events synchronously, in emission order, to channels in attach order', () => {
    const bus = new TrainingEventBus();
    const seen: string[] = [];
    bus.channel('a').subscribe((e) => seen.push(`a:${e.type}`));
    bus.channel('b').pipe(ofType('epoch-start', 'run-end')).subscribe((e) => seen.push(`b:${e.type}`));
    bus.emit({ type: 'run-start', runId: 'r', epochs: 1, startEpoch: 1 });
    bus.emit({ type: 'epoch-start', epoch: 1, step: 0, learningRate: 0.1 });
    expect(seen).toEqual(['a:run-start', 'a:epoch-start', 'b:epoch-start']);
    bus.emit({ type: 'run-end', status: 'completed', epoch: 1, step: 0 });
    expect(seen.slice(3)).toEqual(['a:run-end', 'b:run-end']);
    bus.close();
  });

  it('disposes event tensors after dispatch; subscribers that copy keep valid data', () => {
    const bus = new TrainingEventBus();
    let kept: tf.Tensor | undefined;
    let seenDuringDispatch: number[] = [];
    let borrowed: tf.Tensor | undefined;
    bus.channel('copier').pipe(ofType('batch-end')).subscribe((e) => {
      seenDuringDispatch = Array.from(e.outputs.logits!.dataSync());
      kept = e.outputs.logits!.clone();
      borrowed = e.outputs.labels;
    });
    const before = tf.memory().numTensors;
    const logits = tf.tensor2d([[1, 2], [3, 4]]);
    const labels = tf.tensor1d([0, 1], 'int32');
    bus.emit(batchEnd(1, { logits, labels }));
    expect(seenDuringDispatch).toEqual([1, 2, 3, 4]);
    expect(logits.isDisposed).toBe(true);
    expect(labels.isDisposed).toBe(true);
    expect(() => borrowed!.dataSync()).toThrow(/disposed/);
    expect(Array.from(kept!.dataSync())).toEqual([1, 2, 3, 4]);
    kept!.dispose();
    expect(tf.memory().numTensors).toBe(before);
    bus.close();
  });

  it('a throwing subscriber is reported as plugin-error, does not stop other channels, and reaches the policy', () => {
    const failures: Array<[string, string, string | undefined]> = [];
    const bus = new TrainingEventBus({ onSubscriberError: (p, e, during) => failures.push([p, e.message, during]) });
    const good: TrainingEvent['type'][] = [];
    const reported: TrainingEvent[] = [];
    bus.channel('bad').pipe(ofType('epoch-start')).subscribe(() => {
      throw new Error('boom');
    });
    bus.channel('good').subscribe((e) => {
      good.push(e.type);
      if (e.type === 'plugin-error') reported.push(e);
    });
    const errors = bus.emit({ type: 'epoch-start', epoch: 1, step: 0, learningRate: 0.1 });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ type: 'plugin-error', plugin: 'bad', during: 'epoch-start' });
    expect(errors[0]!.error.message).toBe('boom');
    expect(good).toEqual(['epoch-start', 'plugin-error']);
    expect(reported[0]).toMatchObject({ plugin: 'bad' });
    expect(failures).toEqual([['bad', 'boom', 'epoch-start']]);
    // The failing plugin's channel keeps working for later events (rxjs did not unsubscribe it silently).
    bus.emit({ type: 'epoch-start', epoch: 2, step: 1, learningRate: 0.1 });
    expect(bus.errors.map((e) => e.plugin)).toEqual(['bad', 'bad']);
    bus.close();
  });

  it('routes errors thrown later by asynchronous operators to the bus instead of crashing', async () => {
    const failures: string[] = [];
    const bus = new TrainingEventBus({ onSubscriberError: (p, e) => failures.push(`${p}:${e.message}`) });
    bus
      .channel('slow')
      .pipe(filter((e) => e.type === 'run-start'), delay(1))
      .subscribe(() => {
        throw new Error('late');
      });
    bus.emit({ type: 'run-start', runId: 'r', epochs: 1, startEpoch: 1 });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(failures).toEqual(['(asynchronous subscriber):late']);
    bus.close();
  });

  it('refuses to emit after close and still frees the tensors', () => {
    const bus = new TrainingEventBus();
    bus.close();
    const t = tf.tensor1d([1]);
    expect(() => bus.emit(batchEnd(1, { logits: t }))).toThrow(/after close/);
    expect(t.isDisposed).toBe(true);
  });
});
