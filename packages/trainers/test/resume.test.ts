import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { CheckpointPlugin } from '@dkl/callbacks';
import {
  ClassPriorStore,
  createContainer,
  PluginError,
  readSnapshotFile,
  type TrainingControl,
  type TrainingEvent,
  type TrainingPlugin,
  type TrainingSnapshot,
} from '@dkl/core';
import { lossesModule } from '@dkl/losses';
import { filter, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { constantSchedule, DistillationTrainer, Sgd, SupervisedTrainer } from '../src/index.js';
import { ArrayLoader, blobs, TinyModel, useCpuBackend } from './helpers.js';
import { kdPriorUpdater, kdResumeOptions, trainKdTeacher } from './kd-resume-helpers.js';

useCpuBackend();

const C = 4;

class BatchLosses implements TrainingPlugin {
  readonly name = 'batch-losses';
  readonly byEpoch = new Map<number, number[]>();
  readonly events: string[] = [];
  attach(events: Observable<TrainingEvent>) {
    return events.subscribe((e) => {
      this.events.push(e.type === 'checkpoint-saved' ? `checkpoint-saved:${e.reason}:${e.epoch}` : e.type);
      if (e.type === 'batch-end') this.byEpoch.set(e.epoch, [...(this.byEpoch.get(e.epoch) ?? []), e.losses['total']!]);
    });
  }
}

class StopAfter implements TrainingPlugin {
  readonly name = 'stop-after';
  constructor(private readonly epoch: number) {}
  attach(events: Observable<TrainingEvent>, control: TrainingControl) {
    return events.pipe(filter((e) => e.type === 'epoch-end' && e.epoch === this.epoch)).subscribe(() => control.requestStop('simulated kill'));
  }
}

class ThrowAt implements TrainingPlugin {
  readonly name = 'faulty';
  constructor(private readonly epoch: number) {}
  attach(events: Observable<TrainingEvent>) {
    return events.pipe(filter((e) => e.type === 'batch-end' && e.epoch === this.epoch)).subscribe(() => {
      throw new Error('logger crashed');
    });
  }
}

/** A KD run with IKL + class prior + checkpoints; every stateful piece is fresh per call. */
async function kdRun(dir: string, extra: TrainingPlugin[], studentSeed = 4) {
  const container = createContainer([lossesModule]);
  const recorder = new BatchLosses();
  const trainer = new DistillationTrainer({
    ...kdResumeOptions(container, new TinyModel(C, studentSeed), await trainKdTeacher(C), C),
    plugins: [
      recorder,
      kdPriorUpdater(container, C),
      new CheckpointPlugin({ dir }),
      ...extra,
    ],
  });
  return { trainer, recorder, store: container.get<ClassPriorStore>(ClassPriorStore) };
}

describe('kill and resume', () => {
  it('a run stopped after epoch 2 and resumed from last.ckpt matches the uninterrupted run bit for bit', async () => {
    const full = await kdRun(mkdtempSync(join(tmpdir(), 'dkl-a-')), []);
    const a = await full.trainer.run();
    expect(a.status).toBe('completed');

    const dirB = mkdtempSync(join(tmpdir(), 'dkl-b-'));
    const killed = await kdRun(dirB, [new StopAfter(2)]);
    const b = await killed.trainer.run();
    expect(b.status).toBe('stopped');
    expect(b.reason).toBe('simulated kill');
    expect(b.epoch).toBe(2);
    expect(killed.recorder.events.filter((e) => e.startsWith('checkpoint-saved'))).toEqual(['checkpoint-saved:last:1', 'checkpoint-saved:last:2']);

    const file = await readSnapshotFile(join(dirB, 'last.ckpt'));
    const snapshot: TrainingSnapshot = { meta: file.meta as TrainingSnapshot['meta'], tensors: file.tensors };
    const resumed = await kdRun(mkdtempSync(join(tmpdir(), 'dkl-c-')), [], 77); // different init: state must come from the file
    const c = await resumed.trainer.run({ resumeFrom: snapshot });
    tf.dispose(Object.values(file.tensors));
    expect(c.status).toBe('completed');
    expect(c.epoch).toBe(3);
    expect(resumed.recorder.byEpoch.has(2)).toBe(false);
    expect(resumed.recorder.byEpoch.get(3)).toEqual(full.recorder.byEpoch.get(3));
    expect(c.history.map((h) => h.train['total'])).toEqual(a.history.map((h) => h.train['total']));
    expect(Array.from(resumed.store.get()!.dataSync())).toEqual(Array.from(full.store.get()!.dataSync()));
  });

  it('a throwing plugin ends the run as failed, reports the error, and leaves the last good checkpoint intact', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dkl-fail-'));
    const run = await kdRun(dir, [new ThrowAt(2)]);
    const result = await run.trainer.run();
    expect(result.status).toBe('failed');
    expect(result.error).toBeInstanceOf(PluginError);
    expect(result.error!.message).toBe("plugin 'faulty': logger crashed");
    expect(run.recorder.events).toContain('plugin-error');
    expect(run.recorder.events.at(-1)).toBe('run-end');
    expect(run.recorder.byEpoch.get(2)).toHaveLength(1); // stopped after the failing batch
    const last = await readSnapshotFile<{ epoch: number }>(join(dir, 'last.ckpt'));
    expect(last.meta.epoch).toBe(1);
    tf.dispose(Object.values(last.tensors));
  });

  it('refuses a snapshot of a different architecture with a precise error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dkl-arch-'));
    const run = await kdRun(dir, [new StopAfter(1)]);
    await run.trainer.run();
    const file = await readSnapshotFile(join(dir, 'last.ckpt'));
    const other = new SupervisedTrainer({
      model: new TinyModel(C, 1, [6, 6, 2], 5),
      epochs: 2,
      optimizer: new Sgd(),
      schedule: constantSchedule(0.1),
      train: new ArrayLoader(blobs(3, 16, C), 16, 'x'),
    });
    const result = await other.run({ resumeFrom: { meta: file.meta as TrainingSnapshot['meta'], tensors: file.tensors } });
    expect(result.status).toBe('failed');
    expect(result.error!.message).toMatch(/variable 0 .* expects \[3, 3, 2, 5\], snapshot has \[3, 3, 2, 8\]/);
    tf.dispose(Object.values(file.tensors));
  });
});
