import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { CheckpointPlugin, MetricsLog } from '@dkl/callbacks';
import { ClassPriorStore, createContainer, readSnapshotFile, type TrainingControl, type TrainingEvent, type TrainingPlugin, type TrainingSnapshot } from '@dkl/core';
import { lossesModule } from '@dkl/losses';
import { readFileSync } from 'node:fs';
import type { Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { DistillationTrainer, type EpochRecord, type RunSnapshotMeta } from '../src/index.js';
import { ArrayLoader, blobs, TinyModel, useCpuBackend } from './helpers.js';
import { kdPriorUpdater, kdResumeOptions, trainKdTeacher } from './kd-resume-helpers.js';

useCpuBackend();

const C = 4;

/** Stops the run right after global step `step` (the in-process stand-in for a kill). */
class StopAtStep implements TrainingPlugin {
  readonly name = 'stop-at-step';
  constructor(private readonly step: number) {}
  attach(events: Observable<TrainingEvent>, control: TrainingControl) {
    return events.subscribe((e) => {
      if (e.type === 'batch-end' && e.step === this.step) control.requestStop('simulated kill');
    });
  }
}

class Recorder implements TrainingPlugin {
  readonly name = 'recorder';
  readonly types: string[] = [];
  readonly losses: number[] = [];
  attach(events: Observable<TrainingEvent>) {
    return events.subscribe((e) => {
      this.types.push(e.type);
      if (e.type === 'batch-end') this.losses.push(e.losses['total']!);
    });
  }
}

let teacherModel: TinyModel | undefined;
async function teacher(): Promise<TinyModel> {
  return (teacherModel ??= await trainKdTeacher(C));
}

/** KD with IKL's class prior, 3 epochs of 4 steps, evaluation, snapshots every 5 steps, a metrics log. */
async function kdRun(dir: string, extra: TrainingPlugin[], studentSeed = 4) {
  const container = createContainer([lossesModule]);
  const recorder = new Recorder();
  const student = new TinyModel(C, studentSeed);
  const trainer = new DistillationTrainer({
    runId: 'kd',
    ...kdResumeOptions(container, student, await teacher(), C),
    evaluation: { loaders: { test: new ArrayLoader(blobs(5, 32, C), 16, 'test', false) } },
    plugins: [
      new MetricsLog({ dir, batchInterval: 1 }),
      recorder,
      kdPriorUpdater(container, C),
      new CheckpointPlugin({ dir: join(dir, 'checkpoints'), every: { steps: 5 }, keep: 2 }),
      ...extra,
    ],
  });
  return { trainer, recorder, student, store: container.get<ClassPriorStore>(ClassPriorStore) };
}

/** History without wall-clock numbers. */
const untimed = (history: readonly EpochRecord[]) =>
  history.map(({ durationMs: _d, train: { imagesPerSecond: _i, ...train }, ...rest }) => ({ ...rest, train }));
/** metrics.jsonl records without wall-clock fields. */
const records = (dir: string) =>
  readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.stringify(line ? JSON.parse(line, (k, v) => (k === 'time' || k === 'durationMs' || k === 'imagesPerSecond' ? undefined : v)) : null).replaceAll(/dkl-[a-z]+-\w+/g, 'DIR'));

describe('mid-epoch resume', () => {
  it('a run stopped at step 7 and resumed from its step-5 snapshot equals the uninterrupted run: losses, epoch means, evaluation, prior, weights, log', async () => {
    const dirA = mkdtempSync(join(tmpdir(), 'dkl-mida-'));
    const full = await kdRun(dirA, []);
    const a = await full.trainer.run();
    expect(a.status).toBe('completed');
    // Snapshots at steps 5 and 10 and a final one; keep 2 leaves the newest two.
    expect(readdirSync(join(dirA, 'checkpoints')).sort()).toEqual(['last.ckpt', 'snapshot-000002.ckpt', 'snapshot-000003.ckpt']);

    const dirB = mkdtempSync(join(tmpdir(), 'dkl-midb-'));
    const killed = await kdRun(dirB, [new StopAtStep(7)]);
    expect((await killed.trainer.run()).status).toBe('stopped');
    const file = await readSnapshotFile<RunSnapshotMeta>(join(dirB, 'checkpoints', 'last.ckpt'));
    expect(file.meta.step).toBe(5);
    expect(file.meta.position).toMatchObject({ phase: 'in-epoch', progress: { epoch: 2, batches: 1, examples: 16 } });
    expect(Object.keys(file.tensors)).toContain('plugin/class-prior/sum'); // the epoch's partial prior sums

    const resumed = await kdRun(dirB, [], 77); // different init: every number must come from the file
    const c = await resumed.trainer.run({ resumeFrom: { meta: file.meta as never, tensors: file.tensors } });
    tf.dispose(Object.values(file.tensors));
    expect(c.status).toBe('completed');
    expect(resumed.recorder.types.slice(0, 3)).toEqual(['run-start', 'checkpoint-saved', 'batch-start']); // no second epoch-start
    expect(resumed.recorder.losses).toEqual(full.recorder.losses.slice(5));
    expect(untimed(c.history)).toEqual(untimed(a.history));
    expect(c.history.map((h) => Object.keys(h.eval))).toEqual([['test'], ['test'], ['test']]);
    expect(Array.from(resumed.store.get()!.dataSync())).toEqual(Array.from(full.store.get()!.dataSync()));
    resumed.student.trainableVariables.forEach((v, i) => expect(Array.from(v.dataSync())).toEqual(Array.from(full.student.trainableVariables[i]!.dataSync())));
    expect(records(dirB)).toEqual(records(dirA));
    expect(readFileSync(join(dirB, 'metrics.csv'), 'utf8').split('\n').length).toBe(readFileSync(join(dirA, 'metrics.csv'), 'utf8').split('\n').length);
  }, 60_000);

  it('a snapshot taken at an epoch end, before its evaluation, resumes with that evaluation redone', async () => {
    const dirA = mkdtempSync(join(tmpdir(), 'dkl-eva-'));
    const full = await kdRun(dirA, []);
    const a = await full.trainer.run();
    // Capture a snapshot right at epoch 1's end, as the checkpoint plugin does, then kill nothing:
    // the snapshot alone must lead to the same history.
    let atEnd: TrainingSnapshot | undefined;
    const grab: TrainingPlugin = {
      name: 'grab',
      attach: (events, control) =>
        events.subscribe((e) => {
          if (e.type === 'epoch-end' && e.epoch === 1) control.waitFor(control.captureSnapshot().then((s) => (atEnd = s)), 'grab');
        }),
    };
    const dirB = mkdtempSync(join(tmpdir(), 'dkl-evb-'));
    await (await kdRun(dirB, [grab])).trainer.run();
    if (!atEnd) throw new Error('no snapshot captured');
    expect((atEnd.meta as unknown as RunSnapshotMeta).position).toEqual({ phase: 'evaluating' });
    expect((atEnd.meta as unknown as RunSnapshotMeta).history[0]!.eval).toEqual({});
    const resumed = await kdRun(dirB, [], 77);
    const c = await resumed.trainer.run({ resumeFrom: atEnd });
    tf.dispose(Object.values(atEnd.tensors));
    expect(resumed.recorder.types.slice(0, 3)).toEqual(['run-start', 'eval-start', 'eval-end']);
    expect(untimed(c.history)).toEqual(untimed(a.history));
  }, 60_000);
});
