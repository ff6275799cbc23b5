import * as tf from '@tensorflow/tfjs';
import { config as rxjsConfig, delay, filter, map, take } from 'rxjs';
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

  it('attributes errors thrown later, behind asynchronous operators, to the plugin instead of crashing', async () => {
    const failures: string[] = [];
    const bus = new TrainingEventBus({ onSubscriberError: (p, e, during) => failures.push(`${p}:${e.message}:${during}`) });
    bus
      .channel('slow')
      .pipe(filter((e) => e.type === 'run-start'), delay(1))
      .subscribe(() => {
        throw new Error('late');
      });
    bus.emit({ type: 'run-start', runId: 'r', epochs: 1, startEpoch: 1 });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(failures).toEqual(['slow:late:undefined']);
    bus.close();
  });

  it('an operator that throws inside a plugin (an rxjs error notification) is that plugin\'s failure', () => {
    const failures: string[] = [];
    const bus = new TrainingEventBus({ onSubscriberError: (p, e, during) => failures.push(`${p}:${e.message}:${during}`) });
    bus
      .channel('mapper')
      .pipe(
        map((e) => {
          if (e.type === 'epoch-start') throw new Error('bad map');
          return e.type;
        }),
      )
      .subscribe(() => undefined);
    expect(bus.emit({ type: 'epoch-start', epoch: 1, step: 0, learningRate: 0.1 }).map((e) => e.plugin)).toEqual(['mapper']);
    expect(failures).toEqual(['mapper:bad map:epoch-start']);
    bus.close();
  });

  it('two buses in one process: each attributes its own failures, synchronous and asynchronous, and touches no rxjs global', async () => {
    const before = { ...rxjsConfig };
    const seen: string[] = [];
    const a = new TrainingEventBus({ onSubscriberError: (p, e, during) => seen.push(`a/${p}:${e.message}:${during}`) });
    const b = new TrainingEventBus({ onSubscriberError: (p, e, during) => seen.push(`b/${p}:${e.message}:${during}`) });
    a.channel('late').pipe(ofType('run-start'), delay(5)).subscribe(() => {
      throw new Error('from a, later');
    });
    b.channel('now').pipe(ofType('epoch-start')).subscribe(() => {
      throw new Error('from b');
    });
    const quiet: string[] = [];
    b.channel('quiet').subscribe((e) => quiet.push(e.type));
    a.emit({ type: 'run-start', runId: 'a', epochs: 1, startEpoch: 1 });
    // a's failure arrives while b is dispatching: it must not land in b's dispatch.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const failuresOfB = b.emit({ type: 'epoch-start', epoch: 1, step: 0, learningRate: 0.1 });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(failuresOfB.map((e) => e.plugin)).toEqual(['now']);
    expect(seen.sort()).toEqual(['a/late:from a, later:undefined', 'b/now:from b:epoch-start']);
    expect(a.errors.map((e) => e.plugin)).toEqual(['late']);
    expect(b.errors.map((e) => e.plugin)).toEqual(['now']);
    expect(quiet).toEqual(['epoch-start', 'plugin-error']);
    expect({ ...rxjsConfig }).toEqual(before);
    a.close();
    b.close();
    expect({ ...rxjsConfig }).toEqual(before);
  });

  it('unsubscribing and take(n) work through the guarded channel', () => {
    const bus = new TrainingEventBus();
    const seen: number[] = [];
    const sub = bus.channel('a').pipe(ofType('epoch-start'), take(2)).subscribe((e) => seen.push(e.epoch));
    for (let epoch = 1; epoch <= 3; epoch++) bus.emit({ type: 'epoch-start', epoch, step: 0, learningRate: 0.1 });
    expect(seen).toEqual([1, 2]);
    expect(sub.closed).toBe(true);
    const other: number[] = [];
    const sub2 = bus.channel('b').pipe(ofType('epoch-start')).subscribe((e) => other.push(e.epoch));
    bus.emit({ type: 'epoch-start', epoch: 4, step: 0, learningRate: 0.1 });
    sub2.unsubscribe();
    bus.emit({ type: 'epoch-start', epoch: 5, step: 0, learningRate: 0.1 });
    expect(other).toEqual([4]);
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
