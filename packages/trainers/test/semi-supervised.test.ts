import * as tf from '@tensorflow/tfjs';
import { ClassPriorUpdater } from '@dkl/callbacks';
import { ClassPriorStore, createContainer, LossRegistry, ofType, type TrainingEvent, type TrainingPlugin, type TrainingSnapshot } from '@dkl/core';
import { lossesModule } from '@dkl/losses';
import type { Observable } from 'rxjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  constantSchedule,
  EmaTeacher,
  evaluateModel,
  fixMatchStep,
  meanTeacherStep,
  Sgd,
  sigmoidRampUp,
  SupervisedTrainer,
  TrainingEngine,
  type RunSnapshotMeta,
  type StepContext,
  type TrainStep,
} from '../src/index.js';
import { ArrayLoader, TinyModel, useCpuBackend } from './helpers.js';
import { fewLabels, NoisyLoader } from './ssl-helpers.js';

useCpuBackend();

const C = 4;
/** 3 labels per class (12 examples), 256 unlabelled, noisy blobs: a few labels alone overfit. */
const data = fewLabels({ classes: C, perClass: 3, unlabelled: 256, noise: 0.4 });
const labelled = () => new NoisyLoader(data.labelled, 4, 'labelled', 'labelled-aug', 0.1);
const views = (names: readonly [string, string], noise: readonly [number, number], source = data.unlabelled, batch = 16) => ({
  [`unlabelled/${names[0]}`]: new NoisyLoader(source, batch, 'unlabelled', `unlabelled-${names[0]}`, noise[0]),
  [`unlabelled/${names[1]}`]: new NoisyLoader(source, batch, 'unlabelled', `unlabelled-${names[1]}`, noise[1]),
});
const fixMatchViews = () => views(['weak', 'strong'], [0.1, 0.4]);
const meanTeacherViews = () => views(['student', 'teacher'], [0.3, 0.3]);
const testTop1 = async (model: TinyModel) => (await evaluateModel(model, new ArrayLoader(data.test, 100, 'test', false))).top1;
const solver = () => ({ seed: 1, optimizer: new Sgd({ momentum: 0.9 }), schedule: constantSchedule(0.05) });

class Recorder implements TrainingPlugin {
  readonly name = 'recorder';
  readonly losses: number[] = [];
  readonly tensorCounts: number[] = [];
  attach(events: Observable<TrainingEvent>) {
    return events.pipe(ofType('batch-end')).subscribe((e) => {
      this.losses.push(e.losses['total']!);
      this.tensorCounts.push(tf.memory().numTensors);
    });
  }
}

/** Takes a snapshot after global step `step` and stops the run there (an in-process kill). */
class SnapshotAndStop implements TrainingPlugin {
  readonly name = 'snapshot-and-stop';
  snapshot: TrainingSnapshot | undefined;
  constructor(private readonly step: number) {}
  attach(events: Observable<TrainingEvent>, control: Parameters<TrainingPlugin['attach']>[1]) {
    return events.pipe(ofType('batch-end')).subscribe((e) => {
      if (e.step !== this.step) return;
      control.waitFor(control.captureSnapshot().then((s) => (this.snapshot = s)), this.name);
      control.requestStop('simulated kill');
    });
  }
}

describe('semi-supervised trainers learn from unlabelled data', () => {
  let supervisedTop1 = 0;
  beforeAll(async () => {
    const model = new TinyModel(C, 3);
    const result = await new SupervisedTrainer({ model, epochs: 40, ...solver(), train: labelled() }).run();
    expect(result.status).toBe('completed');
    supervisedTop1 = await testTop1(model);
  }, 60_000);

  it('FixMatch (CE on confident pseudo-labels) beats the same model trained on the labels alone', async () => {
    const model = new TinyModel(C, 3);
    const result = await new TrainingEngine({ model, epochs: 40, ...solver(), train: labelled(), streams: fixMatchViews(), step: fixMatchStep({ model, threshold: 0.8 }) }).run();
    expect(result.status).toBe('completed');
    const top1 = await testTop1(model);
    expect(supervisedTop1).toBeLessThan(0.9);
    expect(top1).toBeGreaterThan(supervisedTop1 + 0.08);
    expect(result.history.at(-1)!.train['maskRate']).toBeGreaterThan(0.5); // most unlabelled rows end up confident
  }, 60_000);

  it('Mean Teacher (EMA teacher, probability MSE, ramp-up) beats the same model trained on the labels alone', async () => {
    const model = new TinyModel(C, 3);
    const step = meanTeacherStep({ model, teacher: new TinyModel(C, 99), emaDecay: 0.95, consistencyWeight: 3, rampUpEpochs: 20 });
    const result = await new TrainingEngine({ model, epochs: 40, ...solver(), train: labelled(), streams: meanTeacherViews(), step }).run();
    expect(result.status).toBe('completed');
    const top1 = await testTop1(model);
    expect(top1).toBeGreaterThan(supervisedTop1 + 0.04);
    expect(result.history[0]!.train['consistencyWeight']).toBeLessThan(0.03); // 3 exp(-5 (1 - t)^2) starts at 3 exp(-5) = 0.02
    expect(result.history.at(-1)!.train['consistencyWeight']).toBe(3);
  }, 60_000);
});

/** A context with the given unlabelled views, for driving a step by hand. */
const contextWith = (streams: StepContext['streams']): StepContext => ({ epoch: 1, epochs: 1, step: 0, batchIndex: 0, batchesPerEpoch: 1, rng: undefined as never, streams });

describe('FixMatch pseudo-labels', () => {
  it('the confidence mask, the pseudo-labels and the masked consistency match a hand computation; pseudo-labelling leaves running statistics alone', async () => {
    const model = new TinyModel(C, 5);
    const threshold = 0.4;
    const step = fixMatchStep({ model, threshold, unlabelledWeight: 2 });
    const U = 12;
    const weak = tf.tensor4d(Float32Array.from({ length: U * 72 }, (_, i) => Math.sin(i * 0.37) * 2), [U, 6, 6, 2]);
    const strong = tf.tensor4d(Float32Array.from({ length: U * 72 }, (_, i) => Math.cos(i * 0.11) * 2), [U, 6, 6, 2]);
    const batch = { x: tf.tensor4d(Float32Array.from({ length: 4 * 72 }, (_, i) => (i % 7) / 7), [4, 6, 6, 2]), y: tf.tensor1d([0, 1, 2, 3], 'int32') };
    const ctx = contextWith({ 'unlabelled/weak': { x: weak, y: tf.zeros([U], 'int32') }, 'unlabelled/strong': { x: strong, y: tf.zeros([U], 'int32') } });
    const statsBefore = model.nonTrainableVariables.map((v) => Array.from(v.dataSync()));
    const prepared = await step.prepare!(batch, ctx);
    model.nonTrainableVariables.forEach((v, i) => expect(Array.from(v.dataSync())).toEqual(statsBefore[i]));

    // By hand: softmax of the weak logits, max >= threshold, argmax.
    const weakLogits = prepared['weakLogits']!.arraySync() as number[][];
    const probs = weakLogits.map((row) => {
      const m = Math.max(...row);
      const e = row.map((v) => Math.exp(v - m));
      const s = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / s);
    });
    const expectedRows = probs.flatMap((p, i) => (Math.max(...p) >= threshold ? [i] : []));
    const expectedLabels = probs.map((p) => p.indexOf(Math.max(...p)));
    expect(expectedRows.length).toBeGreaterThan(0);
    expect(expectedRows.length).toBeLessThan(U); // the mask really selects
    expect(Array.from(prepared['confidentRows']!.dataSync())).toEqual(expectedRows);
    expect(Array.from(prepared['pseudoLabels']!.dataSync())).toEqual(expectedLabels);

    const result = tf.tidy(() => {
      const r = step.compute(batch, prepared, ctx);
      return { loss: r.loss.dataSync()[0]!, consistency: r.terms['consistency']!.dataSync()[0]!, ce: r.terms['ce']!.dataSync()[0]!, maskRate: r.terms['maskRate']!.dataSync()[0]!, strong: r.outputs.unlabelledLogits!.arraySync() as number[][] };
    });
    // mean over all U rows of mask_i * CE(strong_i, pseudo_i)
    const ce = (row: number[], label: number) => {
      const m = Math.max(...row);
      return Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0)) + m - row[label]!;
    };
    const expected = expectedRows.reduce((a, i) => a + ce(result.strong[i]!, expectedLabels[i]!), 0) / U;
    expect(result.consistency).toBeCloseTo(expected, 5);
    expect(result.maskRate).toBeCloseTo(expectedRows.length / U, 6);
    expect(result.loss).toBeCloseTo(result.ce + 2 * expected, 5);
    tf.dispose([weak, strong, batch.x, batch.y, ...Object.values(ctx.streams).map((b) => b.y), ...Object.values(prepared)]);
    model.dispose();
  });

  it('a step without its unlabelled views is an error naming the missing stream', async () => {
    const model = new TinyModel(C, 5);
    const batch = { x: tf.zeros([2, 6, 6, 2]), y: tf.tensor1d([0, 1], 'int32') };
    await expect(Promise.resolve(fixMatchStep({ model }).prepare!(batch, contextWith({})))).rejects.toThrow(/unlabelled view 'weak' \(stream 'unlabelled\/weak'\)/);
    tf.dispose([batch.x, batch.y]);
    model.dispose();
  });
});

describe('Mean Teacher EMA', () => {
  it('one update is decay * teacher + (1 - decay) * student for every variable, the running statistics included', () => {
    const student = new TinyModel(C, 1);
    const teacher = new TinyModel(C, 2);
    const ema = new EmaTeacher(student, teacher, 0.9);
    const all = (m: TinyModel) => [...m.trainableVariables, ...m.nonTrainableVariables];
    // The teacher starts as the student's copy.
    all(teacher).forEach((v, i) => expect(Array.from(v.dataSync())).toEqual(Array.from(all(student)[i]!.dataSync())));
    const before = all(teacher).map((v) => Float32Array.from(v.dataSync()));
    // Move the student (weights and running mean) somewhere else, then update once.
    all(student).forEach((v, i) => v.assign(tf.tidy(() => v.add(tf.fill(v.shape, 0.5 + i)))));
    ema.update();
    all(teacher).forEach((v, i) => {
      const s = all(student)[i]!.dataSync();
      const got = v.dataSync();
      for (let j = 0; j < got.length; j++) expect(got[j]).toBeCloseTo(0.9 * before[i]![j]! + 0.1 * s[j]!, 6);
    });
    expect(ema.updates).toBe(1);
    student.dispose();
    teacher.dispose();
  });

  it('a teacher of another architecture is refused, naming the variable', () => {
    const student = new TinyModel(C, 1);
    const other = new TinyModel(C, 2, [6, 6, 2], 4);
    expect(() => new EmaTeacher(student, other, 0.999)).toThrow(/teacher variable 0/);
    expect(() => new EmaTeacher(student, student, 0.999)).toThrow(/separate instance/);
    student.dispose();
    other.dispose();
  });

  it('the sigmoid ramp-up is exp(-5 (1 - t)^2)', () => {
    expect(sigmoidRampUp(0, 10)).toBeCloseTo(Math.exp(-5), 12);
    expect(sigmoidRampUp(5, 10)).toBeCloseTo(Math.exp(-1.25), 12);
    expect(sigmoidRampUp(12, 10)).toBe(1);
    expect(sigmoidRampUp(3, 0)).toBe(1);
    expect(() => sigmoidRampUp(1, -1)).toThrow(/rampUpEpochs/);
  });
});

/** 3 epochs of 3 steps; unlabelled streams of 3 batches per pass, so they wrap with the epochs and between them. */
function sslRun(kind: 'fixmatch' | 'mean-teacher', plugins: TrainingPlugin[], initSeed = 3) {
  const container = createContainer([lossesModule]);
  const losses = container.get(LossRegistry);
  const store = container.get<ClassPriorStore>(ClassPriorStore);
  const model = new TinyModel(C, initSeed);
  const ikl = losses.create('ikl', { classPrior: true, ceWeight: 0, warmup: 1 });
  const unlabelled = data.unlabelled;
  const small = { images: unlabelled.images.subarray(0, 40 * 72), labels: unlabelled.labels.subarray(0, 40), shape: unlabelled.shape };
  const step: TrainStep & { ema?: EmaTeacher } =
    kind === 'fixmatch'
      ? fixMatchStep({ model, threshold: 0.3, consistency: ikl, distributionAlignment: { momentum: 0.9, target: 'labelled' } })
      : meanTeacherStep({ model, teacher: new TinyModel(C, 50), emaDecay: 0.9, consistency: ikl, consistencyWeight: 2, rampUpEpochs: 2 });
  const recorder = new Recorder();
  const trainer = new TrainingEngine({
    runId: kind,
    model,
    epochs: 3,
    ...solver(),
    train: labelled(),
    streams: views(kind === 'fixmatch' ? ['weak', 'strong'] : ['student', 'teacher'], [0.1, 0.3], small, 16),
    step,
    evaluation: { loaders: { test: new ArrayLoader(data.test, 100, 'test', false) } },
    plugins: [recorder, new ClassPriorUpdater(store, { numClasses: C, source: 'unlabelledTeacherLogits', temperature: 2 }), ...plugins],
  });
  return { trainer, recorder, model, step, store };
}

const bits = (t: tf.Tensor) => Array.from(new Uint32Array(Float32Array.from(t.dataSync()).buffer));

describe('semi-supervised stop and resume', () => {
  for (const [kind, stopAt] of [
    ['fixmatch', 2],
    ['fixmatch', 3],
    ['mean-teacher', 5],
  ] as const) {
    it(`${kind} stopped after step ${stopAt} and resumed equals the uninterrupted run bit for bit: losses, weights, both loaders' streams, the class prior${kind === 'mean-teacher' ? ', the EMA teacher' : ', the distribution-alignment state'}`, async () => {
      const full = sslRun(kind, []);
      const a = await full.trainer.run();
      expect(a.status).toBe('completed');
      expect(full.recorder.losses).toHaveLength(9);

      const stopper = new SnapshotAndStop(stopAt);
      const killed = sslRun(kind, [stopper]);
      expect((await killed.trainer.run()).status).toBe('stopped');
      // Same seed, same bits: the steps before the kill are the uninterrupted run's.
      expect(killed.recorder.losses).toEqual(full.recorder.losses.slice(0, stopAt));
      const snapshot = stopper.snapshot!;
      const meta = snapshot.meta as unknown as RunSnapshotMeta;
      expect(Object.keys(meta.streams ?? {}).sort()).toEqual(kind === 'fixmatch' ? ['unlabelled/strong', 'unlabelled/weak'] : ['unlabelled/student', 'unlabelled/teacher']);
      expect(Object.keys(snapshot.tensors).some((k) => k.startsWith('step/'))).toBe(true);

      const resumed = sslRun(kind, [], 77); // another initialisation: every number must come from the snapshot
      const c = await resumed.trainer.run({ resumeFrom: snapshot });
      tf.dispose(Object.values(snapshot.tensors));
      expect(c.status).toBe('completed');
      expect(resumed.recorder.losses).toEqual(full.recorder.losses.slice(stopAt));
      expect(c.history.map((h) => h.eval)).toEqual(a.history.map((h) => h.eval));
      resumed.model.trainableVariables.forEach((v, i) => expect(bits(v)).toEqual(bits(full.model.trainableVariables[i]!)));
      expect(bits(resumed.store.get()!)).toEqual(bits(full.store.get()!));
      if (kind === 'mean-teacher') {
        const teacherOf = (run: ReturnType<typeof sslRun>) => [...run.step.ema!.teacher.trainableVariables, ...run.step.ema!.teacher.nonTrainableVariables];
        teacherOf(resumed).forEach((v, i) => expect(bits(v)).toEqual(bits(teacherOf(full)[i]!)));
        expect(resumed.step.ema!.updates).toBe(9);
      }
    }, 60_000);
  }

  it('a snapshot without the step state of an EMA teacher is refused naming it', async () => {
    const stopper = new SnapshotAndStop(2);
    await sslRun('mean-teacher', [stopper]).trainer.run();
    const snapshot = stopper.snapshot!;
    const { stepState: _dropped, ...meta } = snapshot.meta as unknown as RunSnapshotMeta;
    const r = await sslRun('mean-teacher', []).trainer.run({ resumeFrom: { meta: meta as never, tensors: snapshot.tensors } });
    tf.dispose(Object.values(snapshot.tensors));
    expect(r.status).toBe('failed');
    expect(r.error?.message).toMatch(/no trainer-step state/);
  }, 60_000);
});

describe('semi-supervised memory', () => {
  for (const kind of ['fixmatch', 'mean-teacher'] as const) {
    it(`${kind}: tf.memory().numTensors is flat across steps (after the first epoch's one-off state)`, async () => {
      const run = sslRun(kind, []);
      const r = await run.trainer.run();
      expect(r.status).toBe('completed');
      // Epoch 1 creates the optimizer slots and publishes the prior; epochs 2 and 3 see one count.
      expect(new Set(run.recorder.tensorCounts.slice(3)).size).toBe(1);
    }, 60_000);
  }
});
