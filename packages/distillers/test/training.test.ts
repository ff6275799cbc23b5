/**
 * Feature distillers inside the real training engine: every one trains a zoo student against a
 * zoo teacher with flat tensor memory, FitNet's connector is optimised with the student and
 * saved in snapshots, and a run stopped after one epoch and resumed from its snapshot ends bit
 * for bit like an uninterrupted one.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { CheckpointPlugin } from '@dkl/callbacks';
import { createContainer, featureShapesOf, initBackend, LossRegistry, preactNormsOf, readSnapshotFile, type TrainingControl, type TrainingEvent, type TrainingPlugin, type TrainingSnapshot } from '@dkl/core';
import { labelsOf, Loader, makeSyntheticDataset } from '@dkl/data';
import { createModel } from '@dkl/models';
import { constantSchedule, DistillationTrainer, Sgd } from '@dkl/trainers';
import { filter, type Observable } from 'rxjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { distillerDefinitions, distillersModule } from '../src/index.js';

// The backend the CLI would pick (dkl-native where its addon is built, as in CI): ReviewKD's and
// OFD's 3x3 connector gradients take the cpu kernels' per-element path (seconds per step).
beforeAll(async () => {
  const info = await initBackend();
  console.log(`[@dkl/distillers training suite] runs on ${info.name}`);
});

const SHAPE = [8, 8, 3] as const;
const C = 4;
const registry = createContainer([distillersModule]).get(LossRegistry);

/** Records the tensor count and loss after every batch, and the values of `watched` after the last. */
class TensorCounter implements TrainingPlugin {
  readonly name = 'tensor-counter';
  readonly counts: number[] = [];
  readonly totals: number[] = [];
  watchedValues: number[][] = [];
  constructor(private readonly watched: () => readonly tf.Variable[] = () => []) {}
  attach(events: Observable<TrainingEvent>) {
    return events.subscribe((e) => {
      if (e.type !== 'batch-end') return;
      this.counts.push(tf.memory().numTensors);
      this.totals.push(e.losses['total']!);
      this.watchedValues = this.watched().map((v) => Array.from(v.dataSync()));
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

function run(loss: string, options: Record<string, unknown>, settings: { epochs: number; size: number; plugins: TrainingPlugin[]; batchSize?: number }) {
  // ReviewKD pairs every student stage with a teacher stage, KDSVD needs paired stages of equal width, OFD pre-activation taps: a student shaped like the teacher.
  const student = createModel(['reviewkd', 'kdsvd', 'ofd'].includes(loss) ? 'resnet8' : 'tiny_cnn', { numClasses: C, inputShape: SHAPE, seed: 1 });
  const teacher = createModel('resnet8', { numClasses: C, inputShape: SHAPE, seed: 2 });
  const data = makeSyntheticDataset({ shape: SHAPE, numClasses: C, size: settings.size, seed: 3 });
  const term = registry.create(loss, options, 'trainer.losses[0]', { featureShapes: { model: featureShapesOf(student), reference: featureShapesOf(teacher) }, trainingLabels: labelsOf(data), referencePreactNorms: preactNormsOf(teacher), seed: 'connector' });
  const train = new Loader(data, { batchSize: settings.batchSize ?? 8, seed: 'train' });
  const trainer = new DistillationTrainer({
    student,
    teacher,
    losses: [term],
    epochs: settings.epochs,
    seed: 5,
    optimizer: new Sgd({ momentum: 0.9, weightDecay: 5e-4 }),
    schedule: constantSchedule(0.02),
    train,
    plugins: settings.plugins,
  });
  return { trainer, student, teacher, term, train };
}

describe('feature distillers in the training engine', () => {
  // Every distiller of the package; options that fit the tiny run (default options elsewhere).
  const smallRunOptions: Readonly<Record<string, Record<string, unknown>>> = { fitnet: { hintLayer: 1 }, reviewkd: { warmup: 1 }, crd: { k: 16 } };
  it.each(distillerDefinitions.map(({ name }) => [name, smallRunOptions[name] ?? {}] as const))('%s: 50 steps with finite losses and flat tensor memory', async (loss, options) => {
    let term: { variables?: { trainable: readonly tf.Variable[] } } = {};
    const counter = new TensorCounter(() => term.variables?.trainable ?? []);
    const r = run(loss, options, { epochs: 1, size: 200, batchSize: 4, plugins: [counter] });
    term = r.term;
    const before = r.term.variables?.trainable.map((v) => Array.from(v.dataSync())) ?? [];
    const result = await r.trainer.run();
    expect(result.error?.message ?? '').toBe('');
    expect(counter.totals).toHaveLength(50);
    expect(counter.totals.every(Number.isFinite)).toBe(true);
    expect(counter.counts.at(-1)).toBe(counter.counts[9]);
    // A connector is trained with the student, and freed with the run.
    expect(counter.watchedValues).toHaveLength(before.length);
    counter.watchedValues.forEach((values, i) => expect(values).not.toEqual(before[i]));
    expect(r.term.variables?.trainable.every((v) => v.isDisposed) ?? true).toBe(true);
    r.student.dispose();
    r.teacher.dispose();
    await r.train.close();
  }, 300_000);

  // FitNet: trainable modules (ConvReg and its BatchNorm); CRD: state the term updates itself (memory banks, Z).
  it.each([
    ['fitnet', { hintLayer: 1 }, 6], // conv weight and bias, BN gamma and beta, running mean and variance
    ['crd', { k: 16 }, 7], // two embeddings' weights and biases, two memory banks, Z
  ] as const)('a %s run stopped after epoch 1 and resumed from last.ckpt matches the uninterrupted run bit for bit', async (loss, options, variableCount) => {
    /** A run whose last-batch student and connector (trainable and state) values are recorded. */
    const watchedRun = (plugins: TrainingPlugin[]) => {
      const holder: { r?: ReturnType<typeof run> } = {};
      const counter = new TensorCounter(() => {
        const r = holder.r!;
        return [...r.student.trainableVariables, ...r.term.variables!.trainable, ...r.term.variables!.state];
      });
      holder.r = run(loss, options, { epochs: 3, size: 64, plugins: [counter, ...plugins] });
      return { ...holder.r, counter };
    };
    const full = watchedRun([]);
    const a = await full.trainer.run();
    expect(a.error?.stack ?? '').toBe('');

    const dir = mkdtempSync(join(tmpdir(), `dkl-${loss}-`));
    const first = run(loss, options, { epochs: 3, size: 64, plugins: [new CheckpointPlugin({ dir }), new StopAfter(1)] });
    expect((await first.trainer.run()).status).toBe('stopped');
    const file = await readSnapshotFile(join(dir, 'last.ckpt'));
    const meta = file.meta as { stepState?: { lossTermVariables?: string[] } };
    expect(meta.stepState?.lossTermVariables).toHaveLength(variableCount);
    const resumed = watchedRun([new CheckpointPlugin({ dir: mkdtempSync(join(tmpdir(), `dkl-${loss}-`)) })]);
    const b = await resumed.trainer.run({ resumeFrom: { meta: file.meta as TrainingSnapshot['meta'], tensors: file.tensors } });
    expect(b.error?.stack ?? '').toBe('');
    const losses = (h: typeof a.history) => h.map(({ train: { imagesPerSecond: _, ...rest } }) => rest); // all but the wall-clock rate
    expect(losses(b.history)).toEqual(losses(a.history));
    expect(resumed.counter.watchedValues.length).toBeGreaterThan(0);
    expect(resumed.counter.watchedValues).toEqual(full.counter.watchedValues);
    tf.dispose(Object.values(file.tensors));
  }, 300_000);

  it("OFD runs the teacher in training mode (its BatchNorm running statistics move, as in mdistiller); FitNet does not", async () => {
    const runningStats = (r: ReturnType<typeof run>) => r.teacher.nonTrainableVariables.map((v) => Array.from(v.dataSync()));
    for (const [loss, moves] of [['ofd', true], ['fitnet', false]] as const) {
      const r = run(loss, loss === 'fitnet' ? { hintLayer: 1 } : {}, { epochs: 1, size: 16, plugins: [] });
      const before = runningStats(r);
      expect((await r.trainer.run()).status).toBe('completed');
      if (moves) expect(runningStats(r)).not.toEqual(before);
      else expect(runningStats(r)).toEqual(before);
      r.student.dispose();
      r.teacher.dispose();
      await r.train.close();
    }
  }, 120_000);

  it('refuses to resume a snapshot whose connector does not fit the configured one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dkl-fitnet-'));
    const first = run('fitnet', { hintLayer: 1 }, { epochs: 2, size: 32, plugins: [new CheckpointPlugin({ dir }), new StopAfter(1)] });
    await first.trainer.run();
    const file = await readSnapshotFile(join(dir, 'last.ckpt'));
    const other = run('fitnet', { hintLayer: 2 }, { epochs: 2, size: 32, plugins: [new CheckpointPlugin({ dir: mkdtempSync(join(tmpdir(), 'dkl-fitnet-')) })] });
    const result = await other.trainer.run({ resumeFrom: { meta: file.meta as TrainingSnapshot['meta'], tensors: file.tensors } });
    expect(result.status).toBe('failed');
    expect(result.error!.message).toMatch(/loss-term variable 0 .* expects \[.*\], snapshot has \[.*\]/);
    tf.dispose(Object.values(file.tensors));
  }, 120_000);
});
