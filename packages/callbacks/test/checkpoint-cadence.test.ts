import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { InMemoryClassPriorStore, LoopControl, readSnapshotFile, TrainingEventBus } from '@dkl/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { CheckpointPlugin, ClassPriorUpdater, listSnapshots, MetricsLog } from '../src/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A control whose snapshots record the step they were captured at. */
function stepControl(): LoopControl {
  const control: LoopControl = new LoopControl({}, async () => ({ meta: { step: control.step }, tensors: { w: tf.scalar(control.step) } }));
  return control;
}

const batchEnd = (step: number) => ({ type: 'batch-end' as const, epoch: 1, step, batchIndex: step - 1, batchSize: 1, losses: {}, outputs: {} });

describe('CheckpointPlugin cadence and retention', () => {
  it('every { steps: 2 }, keep 2: snapshots after steps 2, 4, 6 and at run end; the two newest stay; last.ckpt is the newest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dkl-cad-'));
    const control = stepControl();
    const bus = new TrainingEventBus();
    new CheckpointPlugin({ dir, every: { steps: 2 }, keep: 2 }).attach(bus.channel('checkpoint'), control);
    for (let step = 1; step <= 7; step++) {
      control.step = step;
      bus.emit(batchEnd(step));
      expect(await control.settle()).toEqual([]);
    }
    expect((await listSnapshots(dir)).map((s) => s.seq)).toEqual([3, 2]);
    expect(control.takeAnnouncedCheckpoints().map((c) => `${c.reason}:${c.path.split('/').at(-1)}`)).toEqual(['last:last.ckpt', 'last:last.ckpt', 'last:last.ckpt']);
    bus.emit({ type: 'run-end', status: 'completed', epoch: 1, step: 7 });
    expect(await control.settle()).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual(['last.ckpt', 'snapshot-000003.ckpt', 'snapshot-000004.ckpt']);
    const last = await readSnapshotFile<{ step: number }>(join(dir, 'last.ckpt'));
    expect(last.meta.step).toBe(7);
    tf.dispose(Object.values(last.tensors));
    expect(control.takeAnnouncedCheckpoints()).toEqual([]); // the final snapshot has no checkpoint-saved
    bus.close();
  });

  it('every { minutes: 1 } snapshots after the first step a minute after the previous one; no final snapshot for a failed run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dkl-min-'));
    let now = 0;
    const control = stepControl();
    const bus = new TrainingEventBus();
    new CheckpointPlugin({ dir, every: { minutes: 1 }, now: () => now }).attach(bus.channel('checkpoint'), control);
    bus.emit({ type: 'run-start', runId: 'r', epochs: 1, startEpoch: 1 });
    const steps: number[] = [];
    for (const [step, at] of [[1, 30_000], [2, 59_000], [3, 61_000], [4, 100_000], [5, 125_000]] as const) {
      now = at;
      control.step = step;
      bus.emit(batchEnd(step));
      if (control.takeAnnouncedCheckpoints().length) steps.push(step);
      expect(await control.settle()).toEqual([]);
    }
    expect(steps).toEqual([3, 5]);
    bus.emit({ type: 'run-end', status: 'failed', epoch: 0, step: 5 });
    await control.settle();
    expect((await listSnapshots(dir)).map((s) => s.seq)).toEqual([2]);
    bus.close();
  });

  it('rejects a cadence that is not exactly one positive unit, naming the option', () => {
    const bad = (every: unknown) => () => new CheckpointPlugin({ dir: 'x', every: every as never });
    expect(bad({ steps: 0 })).toThrow(/argument 'every\.steps': must be a positive integer, got 0/);
    expect(bad({ epochs: 1.5 })).toThrow(/every\.epochs/);
    expect(bad({ hours: 1 })).toThrow(/argument 'every': must be \{ epochs: N \}, \{ steps: N \} or \{ minutes: N \}/);
    expect(() => new CheckpointPlugin({ dir: 'x', keep: 0 })).toThrow(/argument 'keep': must be a positive integer, got 0/);
  });
});

describe('partial-epoch state', () => {
  it('ClassPriorUpdater keeps the running sum of an epoch in progress in its state', () => {
    const store = new InMemoryClassPriorStore();
    const a = new ClassPriorUpdater(store, { numClasses: 2 });
    const bus = new TrainingEventBus();
    a.attach(bus.channel('a'));
    bus.emit({ type: 'epoch-start', epoch: 1, step: 0, learningRate: 0.1 });
    const [labels, logits] = [tf.tensor1d([0, 1], 'int32'), tf.tensor2d([[2, 0], [0, 3]])];
    bus.emit({ type: 'batch-end', epoch: 1, step: 1, batchIndex: 0, batchSize: 2, losses: {}, outputs: { labels, teacherLogits: logits } });
    const state = a.saveState();
    const sum = Array.from(state.tensors!['sum']!.dataSync());
    expect(sum[0]).toBeCloseTo(Math.exp(2) / (Math.exp(2) + 1), 6);
    // A fresh updater restored mid-epoch finishes the epoch with the same prior.
    const b = new ClassPriorUpdater(new InMemoryClassPriorStore(), { numClasses: 2 });
    const busB = new TrainingEventBus();
    b.attach(busB.channel('b'));
    b.loadState(state);
    for (const channel of [bus, busB]) {
      channel.emit({ type: 'batch-end', epoch: 1, step: 2, batchIndex: 1, batchSize: 2, losses: {}, outputs: { labels, teacherLogits: logits } });
      channel.emit({ type: 'epoch-end', epoch: 1, step: 2, metrics: {}, durationMs: 1 });
    }
    expect(Array.from((b.saveState().tensors!['prior'] as tf.Tensor).dataSync())).toEqual(Array.from(store.get()!.dataSync()));
    tf.dispose([labels, logits]);
    bus.close();
    busB.close();
  });

  it('MetricsLog restored from a snapshot cuts what was logged after it and writes no second run-start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dkl-mlog-'));
    const control = new LoopControl();
    const log = new MetricsLog({ dir });
    const bus = new TrainingEventBus();
    log.attach(bus.channel('log'), control);
    bus.emit({ type: 'run-start', runId: 'r', epochs: 2, startEpoch: 1 });
    bus.emit({ type: 'epoch-start', epoch: 1, step: 0, learningRate: 0.1 });
    bus.emit({ type: 'epoch-end', epoch: 1, step: 4, metrics: { total: 1 }, durationMs: 1 });
    const state = await log.saveState();
    expect(state.json).toMatchObject({ lines: { jsonl: 2, csv: 0 } });
    bus.emit({ type: 'eval-end', epoch: 1, step: 4, split: 'test', metrics: { top1: 0.5 } });
    await control.settle();
    writeFileSync(join(dir, 'metrics.jsonl'), `${readFileSync(join(dir, 'metrics.jsonl'), 'utf8')}{"type":"half-writ`); // killed mid-append
    bus.close();

    const restored = new MetricsLog({ dir });
    await restored.loadState(state);
    expect(readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).type)).toEqual(['run-start', 'epoch-end']);
    const busB = new TrainingEventBus();
    restored.attach(busB.channel('log'), control);
    busB.emit({ type: 'run-start', runId: 'r', epochs: 2, startEpoch: 2, resumed: { epoch: 1, step: 4, phase: 'evaluating' } });
    busB.emit({ type: 'eval-end', epoch: 1, step: 4, split: 'test', metrics: { top1: 0.5 } });
    busB.emit({ type: 'run-end', status: 'completed', epoch: 1, step: 4 });
    await control.settle();
    expect(readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).type)).toEqual(['run-start', 'epoch-end', 'eval-end', 'run-end']);
    expect(readFileSync(join(dir, 'metrics.csv'), 'utf8')).toBe('epoch,learningRate,train_total,test_top1\n1,0.1,1,0.5\n');
    busB.close();
    // A log shorter than the snapshot recorded was changed behind the run's back: refused.
    writeFileSync(join(dir, 'metrics.jsonl'), '');
    await expect(new MetricsLog({ dir }).loadState(state)).rejects.toThrow(/metrics\.jsonl: has 0 lines, the snapshot being resumed recorded 2/);
    expect(existsSync(join(dir, 'metrics.csv'))).toBe(true);
  });
});
