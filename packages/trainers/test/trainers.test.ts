import * as tf from '@tensorflow/tfjs';
import { ClassPriorUpdater, WeightAveraging } from '@dkl/callbacks';
import { ClassPriorStore, createContainer, LossRegistry, NumericError, PluginError, SeededRng, type TrainingEvent, type TrainingPlugin } from '@dkl/core';
import { lossesModule } from '@dkl/losses';
import type { Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { pgd } from '@dkl/attacks';
import { AdversarialTrainer, DistillationTrainer, distillationStep, Sgd, SupervisedTrainer, supervisedTrainer, distillationTrainer, adversarialTrainer, TrainingEngine, constantSchedule, type RunResult, type TrainStep } from '../src/index.js';
import { ArrayLoader, blobs, TinyModel, useCpuBackend } from './helpers.js';

useCpuBackend();

const C = 4;
const train = () => new ArrayLoader(blobs(1, 64, C), 16, 'train');
const test = () => new ArrayLoader(blobs(2, 32, C), 16, 'test', false);

/** Records every event type and the tensor count at each batch end. */
class Recorder implements TrainingPlugin {
  readonly name = 'recorder';
  readonly types: TrainingEvent['type'][] = [];
  readonly tensorsAtBatchEnd: number[] = [];
  readonly outputKeys = new Set<string>();
  attach(events: Observable<TrainingEvent>) {
    return events.subscribe((e) => {
      this.types.push(e.type);
      if (e.type === 'batch-end') {
        this.tensorsAtBatchEnd.push(tf.memory().numTensors);
        for (const [k, v] of Object.entries(e.outputs)) if (v) this.outputKeys.add(k);
      }
    });
  }
}

function epochLoss(result: RunResult, epoch: number): number {
  return result.history[epoch - 1]!.train['total']!;
}

describe('SupervisedTrainer', () => {
  it('trains, improves, emits events in the documented order and does not leak tensors', async () => {
    const model = new TinyModel(C, 3);
    const recorder = new Recorder();
    const trainer = new SupervisedTrainer({
      model,
      epochs: 3,
      seed: 5,
      optimizer: new Sgd({ momentum: 0.9 }),
      schedule: constantSchedule(0.5),
      train: train(),
      evaluation: { loaders: { test: test() } },
      plugins: [recorder],
    });
    const result = await trainer.run();
    expect(result.error?.stack ?? '').toBe('');
    expect(result.status).toBe('completed');
    expect(epochLoss(result, 3)).toBeLessThan(epochLoss(result, 1));
    expect(result.history[2]!.eval['test']!['top1']).toBeGreaterThan(0.5);
    const perEpoch = ['epoch-start', ...Array(4).fill(['batch-start', 'batch-end']).flat(), 'epoch-end', 'eval-start', 'eval-end'];
    expect(recorder.types).toEqual(['run-start', ...perEpoch, ...perEpoch, ...perEpoch, 'run-end']);
    expect(new Set(recorder.tensorsAtBatchEnd.slice(4)).size).toBe(1); // flat once epoch-1 state (slots, prior) exists
    expect([...recorder.outputKeys].sort()).toEqual(['labels', 'logits']);
    expect([...supervisedTrainer.outputs].sort()).toEqual([...recorder.outputKeys].sort()); // what the definition declares to the run check
  });

  it('emits eval-end for metrics a plugin reports through the control, after its work settles', async () => {
    const recorder = new Recorder();
    const reporter: TrainingPlugin = {
      name: 'reporter',
      attach: (events, control) =>
        events.subscribe((e) => {
          if (e.type !== 'epoch-end') return;
          control.waitFor(new Promise((r) => setTimeout(r, 5)).then(() => control.reportEvaluation('robust', { robustTop1: e.epoch / 10 })), 'reporter');
        }),
    };
    const result = await new SupervisedTrainer({ model: new TinyModel(C, 3), epochs: 2, optimizer: new Sgd(), schedule: constantSchedule(0.1), train: train(), plugins: [recorder, reporter] }).run();
    expect(recorder.types.filter((t) => t !== 'batch-start' && t !== 'batch-end')).toEqual(['run-start', 'epoch-start', 'epoch-end', 'eval-start', 'eval-end', 'epoch-start', 'epoch-end', 'eval-start', 'eval-end', 'run-end']); // paired, as the engine's own
    expect(result.history.map((h) => h.eval['robust'])).toEqual([{ robustTop1: 0.1 }, { robustTop1: 0.2 }]);
  });

  it('evaluation never updates running statistics', async () => {
    const model = new TinyModel(C, 3);
    const before = Array.from(model.nonTrainableVariables[0]!.dataSync());
    const { evaluateModel } = await import('../src/index.js');
    const r = await evaluateModel(model, test());
    expect(r.count).toBe(32);
    expect(r.top5).toBe(1);
    expect(Array.from(model.nonTrainableVariables[0]!.dataSync())).toEqual(before);
  });
});

describe('DistillationTrainer', () => {
  const container = createContainer([lossesModule]);
  const registry = container.get(LossRegistry);

  async function trainedTeacher(): Promise<TinyModel> {
    const teacher = new TinyModel(C, 11, [6, 6, 2], 16);
    await new SupervisedTrainer({ model: teacher, epochs: 3, seed: 1, optimizer: new Sgd({ momentum: 0.9 }), schedule: constantSchedule(0.5), train: train() }).run();
    return teacher;
  }

  for (const [name, options] of [
    ['kd', { temperature: 4 }],
    ['dkd', { warmup: 1 }],
    ['dkl', {}],
    ['ikl', { warmup: 1 }],
    ['gkl', { warmup: 1, gamma: 0.5 }],
  ] as const) {
    it(`trains a student with '${name}', carrying teacher logits, flat memory`, async () => {
      const teacher = await trainedTeacher();
      const teacherBefore = teacher.trainableVariables.map((v) => Array.from(v.dataSync()));
      const recorder = new Recorder();
      const result = await new DistillationTrainer({
        student: new TinyModel(C, 4),
        teacher,
        losses: [registry.create(name, options)],
        epochs: 2,
        seed: 2,
        optimizer: new Sgd({ momentum: 0.9 }),
        schedule: constantSchedule(0.3),
        train: train(),
        plugins: [recorder, new ClassPriorUpdater(container.get(ClassPriorStore), { numClasses: C, temperature: 4 })],
      }).run();
      expect(result.status).toBe('completed');
      expect(epochLoss(result, 2)).toBeLessThan(epochLoss(result, 1));
      expect([...recorder.outputKeys].sort()).toEqual(['labels', 'logits', 'teacherLogits']);
      expect([...distillationTrainer.outputs].sort()).toEqual([...recorder.outputKeys].sort());
      expect(new Set(recorder.tensorsAtBatchEnd.slice(4)).size).toBe(1); // flat once epoch-1 state (slots, prior) exists
      // The term's hard-label CE and distillation parts are logged next to it and sum to it.
      for (const { train: logged } of result.history) {
        expect(Object.keys(logged)).toEqual(expect.arrayContaining(['total', name, `${name}/ce`, `${name}/distill`]));
        // float32 per step, averaged over batches: equal to float32 rounding
        expect(Math.abs(logged[`${name}/ce`]! + logged[`${name}/distill`]! - logged[name]!)).toBeLessThanOrEqual(1e-6 * Math.abs(logged[name]!) + 1e-6);
        expect(logged[`${name}/ce`]).toBeGreaterThan(0);
      }
      // The frozen teacher never changed.
      teacher.trainableVariables.forEach((v, i) => expect(Array.from(v.dataSync())).toEqual(teacherBefore[i]));
    });
  }

  it("runs the teacher in training mode when a logits-only term asks for it, and refuses cached logits then", () => {
    const teacher = new TinyModel(C, 11, [6, 6, 2], 16);
    const modes: boolean[] = [];
    const watched = Object.assign(Object.create(teacher) as TinyModel, {
      forward: (x: tf.Tensor4D, o: { training: boolean }) => (modes.push(o.training), teacher.forward(x, o)),
    });
    const term = Object.defineProperty(registry.create('kd', { temperature: 4 }), 'referenceTrainingMode', { value: true });
    const student = new TinyModel(C, 4);
    const step = distillationStep({ student, teacher: watched, losses: [term] });
    const batch = { x: tf.randomUniform([4, 6, 6, 2], 0, 1, 'float32', 3) as tf.Tensor4D, y: tf.tensor1d([0, 1, 2, 0], 'int32') };
    const context = { epoch: 1, epochs: 1, step: 0, batchIndex: 0, batchesPerEpoch: 1, rng: new SeededRng(0), streams: {} };
    tf.dispose(Object.values(step.prepare!(batch, context) as Record<string, tf.Tensor>));
    expect(modes).toEqual([true]);
    expect(() => distillationStep({ student, teacher, losses: [term], teacherLogits: () => tf.zeros([4, C]) })).toThrow(/models\.teacher\.cache.*training mode/);
    tf.dispose([batch.x, batch.y]);
    teacher.dispose();
    student.dispose();
  });
});

describe('AdversarialTrainer', () => {
  const container = createContainer([lossesModule]);
  const registry = container.get(LossRegistry);

  for (const [name, options] of [
    ['trades', { beta: 6 }],
    ['ikl', { preset: 'at' }],
  ] as const) {
    it(`trains with '${name}' robust loss (PGD, AWP) and emits natural/adversarial logits`, async () => {
      const recorder = new Recorder();
      const result = await new AdversarialTrainer({
        model: new TinyModel(C, 6),
        robustLosses: [registry.create(name, options)],
        attack: { epsilon: 0.05, budget: 'high-as-run' },
        awp: { gamma: 0.005, warmupEpochs: 2, proxyLearningRate: 0.2 },
        epochs: 3,
        seed: 3,
        optimizer: new Sgd({ momentum: 0.9, weightDecay: 5e-4 }),
        schedule: constantSchedule(0.3),
        train: train(),
        plugins: [recorder, new ClassPriorUpdater(container.get(ClassPriorStore), { numClasses: C, temperature: 4, source: 'naturalLogits' })],
      }).run();
      expect(result.status).toBe('completed');
      expect(epochLoss(result, 3)).toBeLessThan(epochLoss(result, 1));
      expect([...recorder.outputKeys].sort()).toEqual(['adversarialLogits', 'labels', 'logits', 'naturalLogits']);
      expect([...adversarialTrainer.outputs].sort()).toEqual([...recorder.outputKeys].sort());
      expect(new Set(recorder.tensorsAtBatchEnd.slice(4)).size).toBe(1); // flat once epoch-1 state (slots, prior) exists
    });
  }

  it('the attack objective sees the epoch and step being trained, as the outer loss does', async () => {
    const seen: Array<[number, number]> = [];
    const outer: Array<[number, number]> = [];
    const trades = registry.create('trades', { beta: 6 });
    const result = await new AdversarialTrainer({
      model: new TinyModel(C, 6),
      robustLosses: [{ name: 'spy', compute: (ctx) => (outer.push([ctx.epoch, ctx.step]), trades.compute(ctx)) }],
      attackObjective: (natural, adversarial, labels, at) => {
        seen.push([at.epoch, at.step]);
        return trades.compute({ labels, logits: adversarial, reference: natural, ...at });
      },
      attack: { epsilon: 0.05, budget: 'fixed', steps: 2, stepSize: 0.025 },
      epochs: 2,
      seed: 3,
      optimizer: new Sgd({ momentum: 0.9 }),
      schedule: constantSchedule(0.1),
      train: train(),
    }).run();
    expect(result.status).toBe('completed');
    // Two PGD steps per batch, each with the batch's own (epoch, step); the outer loss runs once per batch.
    const perBatch = [...new Set(seen.map((s) => s.join()))];
    expect(perBatch).toEqual([...new Set(outer.map((s) => s.join()))]);
    expect(seen.length).toBe(2 * outer.length);
    expect(new Set(seen.map(([epoch]) => epoch))).toEqual(new Set([1, 2]));
    expect(new Set(seen.map(([, step]) => step)).size).toBe(outer.length);
  });

  it("the trainer's PGD (@dkl/attacks, on its objective and RNG) keeps examples in the ball and [0, 1] and raises the loss", () => {
    const model = new TinyModel(C, 6);
    const data = blobs(9, 8, C);
    const x = tf.tensor4d(data.images, [8, 6, 6, 2]);
    const y = tf.tensor1d(data.labels, 'int32');
    const ce = (_n: tf.Tensor, adv: tf.Tensor, labels: tf.Tensor) => tf.losses.softmaxCrossEntropy(tf.oneHot(labels as tf.Tensor1D, C), adv) as tf.Scalar;
    const { SeededRng } = require('@dkl/core') as typeof import('@dkl/core');
    const forward = (t: tf.Tensor) => model.forward(t, { training: false }).logits;
    for (const [norm, randomStart] of [['linf', 'normal'], ['l2', 'normal'], ['linf', 'uniform'], ['l2', 'none']] as const) {
      const eps = norm === 'linf' ? 0.05 : 0.3;
      const attack = (seed: number) => pgd(forward, x, y, { norm, eps, steps: 5, stepSize: eps / 2, randomStart, rng: new SeededRng(seed), loss: (adv, labels) => ce(x, adv, labels) });
      const before = tf.memory().numTensors;
      const xAdv = attack(1);
      expect(tf.memory().numTensors).toBe(before + 1);
      const delta = xAdv.sub(x);
      if (norm === 'linf') expect(delta.abs().max().dataSync()[0]).toBeLessThanOrEqual(eps + 1e-6);
      else expect(Math.max(...delta.square().sum([1, 2, 3]).sqrt().dataSync())).toBeLessThanOrEqual(eps + 1e-5);
      expect(xAdv.min().dataSync()[0]).toBeGreaterThanOrEqual(0);
      expect(xAdv.max().dataSync()[0]).toBeLessThanOrEqual(1);
      expect(ce(x, forward(xAdv), y).dataSync()[0]).toBeGreaterThan(ce(x, forward(x), y).dataSync()[0]!);
      const again = attack(1);
      expect(Array.from(again.dataSync())).toEqual(Array.from(xAdv.dataSync()));
      tf.dispose([xAdv, again, delta]);
    }
  });
});

describe('step lifecycle', () => {
  it('a failing step (non-finite loss) still runs afterUpdate, frees its prepared tensors and the step is disposed at run end', async () => {
    const model = new TinyModel(C, 6);
    const calls: string[] = [];
    const steps: TrainStep = {
      prepare: (batch, ctx) => {
        calls.push(`prepare ${ctx.step}`);
        return { scaled: batch.x.mul(2) };
      },
      compute: (batch, prepared, ctx) => {
        const logits = model.forward(prepared['scaled']!, { training: true }).logits;
        const ce = tf.losses.softmaxCrossEntropy(tf.oneHot(batch.y as tf.Tensor1D, C), logits) as tf.Scalar;
        return { loss: (ctx.step === 2 ? ce.mul(NaN) : ce) as tf.Scalar, terms: {}, outputs: { labels: batch.y.clone(), logits } };
      },
      afterUpdate: (ctx) => calls.push(`afterUpdate ${ctx.step}`),
      dispose: () => calls.push('dispose'),
    };
    const loader = train();
    const before = tf.memory().numTensors;
    const result = await new TrainingEngine({ model, step: steps, optimizer: new Sgd({}), schedule: constantSchedule(0.1), epochs: 1, seed: 0, train: loader }).run();
    expect(result.status).toBe('failed');
    expect(result.error).toBeInstanceOf(NumericError);
    expect(calls).toEqual(['prepare 0', 'afterUpdate 0', 'prepare 1', 'afterUpdate 1', 'prepare 2', 'afterUpdate 2', 'dispose']);
    // Plain SGD keeps no slots: nothing of the three steps, the failed one included, is left behind.
    expect(tf.memory().numTensors).toBe(before);
  });

  it('plugin state keys are unique per instance: two weight averages need ids, and both land in the snapshot', async () => {
    const run = (plugins: TrainingPlugin[]) =>
      new SupervisedTrainer({ model: new TinyModel(C, 6), optimizer: new Sgd({}), schedule: constantSchedule(0.1), epochs: 1, seed: 0, train: train(), plugins });
    expect(() => run([new WeightAveraging({ every: 'epoch', decay: 0.9 }), new WeightAveraging({ every: 'step', decay: 0.99 })])).toThrow(PluginError);
    expect(() => run([new WeightAveraging({ every: 'epoch', decay: 0.9 }), new WeightAveraging({ every: 'step', decay: 0.99 })])).toThrow(/stateKey 'weight-averaging' is also used/);
    const trainer = run([new WeightAveraging({ every: 'epoch', decay: 0.9 }), new WeightAveraging({ id: 'fast', every: 'step', decay: 0.99 })]);
    expect((await trainer.run()).status).toBe('completed');
    const snapshot = await trainer.captureSnapshot();
    const keys = Object.keys((snapshot.meta as { plugins: Record<string, unknown> }).plugins);
    expect(keys).toEqual(expect.arrayContaining(['weight-averaging', 'weight-averaging:fast']));
    expect(Object.keys(snapshot.tensors).some((k) => k.startsWith('plugin/weight-averaging:fast/'))).toBe(true);
    tf.dispose(Object.values(snapshot.tensors));
  });
});
