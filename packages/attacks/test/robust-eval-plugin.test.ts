import * as tf from '@tensorflow/tfjs';
import { createContainer, LoopControl, TrainingPluginDefinition, type Batch, type BatchLoader, type PluginCreationContext, type TrainingEvent } from '@dkl/core';
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AttackDefinition, attacksModule, defineAttack, flagsOf, RobustEvalDataSource, RobustEvalPlugin, type RobustEvalResult } from '../src/index.js';
import { accuracy, asClassifier, trainedNet } from './helpers.js';

const { net, x, y } = await trainedNet(40);

const epochEnd = (epoch: number): TrainingEvent => ({ type: 'epoch-end', epoch, step: epoch * 10, metrics: {}, durationMs: 1 });

/** A BatchLoader over fixed tensors (one epoch = all batches in order). */
function loaderOf(xs: tf.Tensor, ys: tf.Tensor, batchSize: number): BatchLoader {
  const n = xs.shape[0]!;
  return {
    batchSize,
    batchesPerEpoch: Math.ceil(n / batchSize),
    size: n,
    async *batches(): AsyncIterable<Batch> {
      for (let s = 0; s < n; s += batchSize) yield { x: xs.slice(s, Math.min(batchSize, n - s)), y: ys.slice(s, Math.min(batchSize, n - s)) };
    },
    getPosition: () => null,
    setPosition: () => undefined,
  };
}

describe('RobustEvalPlugin', () => {
  it('evaluates at the chosen epochs in inference mode and reports through onResult and history', async () => {
    const model = asClassifier(net);
    const control = new LoopControl({ model });
    const results: RobustEvalResult[] = [];
    const plugin = new RobustEvalPlugin({
      attack: { name: 'pgd', eps: 0.08, steps: 10, stepSize: 0.02 },
      data: { x, y },
      epochs: [2],
      every: 3,
      batchSize: 16,
      onResult: (r) => results.push(r),
    });
    const events = new Subject<TrainingEvent>();
    const sub = plugin.attach(events, control);
    const before = tf.memory().numTensors;
    for (let epoch = 1; epoch <= 4; epoch++) {
      events.next(epochEnd(epoch));
      expect(await control.settle()).toEqual([]);
    }
    (sub as { unsubscribe(): void }).unsubscribe();
    expect(tf.memory().numTensors).toBe(before);
    expect(results.map((r) => r.epoch)).toEqual([2, 3]);
    expect(plugin.history).toEqual(results);
    const r = results[0]!;
    expect(r.examples).toBe(40);
    expect(r.split).toBe('robust');
    expect(r.cleanAccuracy).toBeCloseTo(accuracy(net.forward, x, y), 6);
    expect(r.robustAccuracy).toBeLessThan(r.cleanAccuracy);
    expect(model.trainingFlags.every((t) => t === false)).toBe(true);

    const restored = new RobustEvalPlugin({ attack: { name: 'fgsm', eps: 0.1 }, data: { x, y } });
    restored.loadState(plugin.saveState());
    expect(restored.history).toEqual(plugin.history);
  });

  it('reads a BatchLoader, honours maxExamples, and runs AutoAttack-suite attacks', async () => {
    const plugin = new RobustEvalPlugin({ attack: { name: 'apgd-ce', eps: 0.08, apgdSteps: 10 }, data: loaderOf(x, y, 12), maxExamples: 30 });
    const before = tf.memory().numTensors;
    const r = await plugin.evaluate(net.forward, 5, 50);
    expect(tf.memory().numTensors).toBe(before);
    expect(r.examples).toBe(30);
    expect(r.robustAccuracy).toBeLessThanOrEqual(r.cleanAccuracy);
    expect(r.epoch).toBe(5);
  });

  it('fails the evaluation clearly when the model role is missing', async () => {
    const control = new LoopControl({ teacher: asClassifier(net) });
    const plugin = new RobustEvalPlugin({ attack: { name: 'fgsm', eps: 0.1 }, data: { x, y }, role: 'student' });
    const events = new Subject<TrainingEvent>();
    plugin.attach(events, control);
    events.next(epochEnd(1));
    const failures = await control.settle();
    expect(failures[0]?.[0]).toBe('robust-eval');
    expect(failures[0]?.[1].message).toMatch(/role 'student'.*teacher/);
  });

  it('attacksModule registers the robust-eval TrainingPluginDefinition', async () => {
    const container = createContainer([attacksModule]);
    const definitions = container.getAll<TrainingPluginDefinition>(TrainingPluginDefinition);
    const def = definitions.find((d) => d.name === 'robust-eval');
    expect(def).toBeDefined();
    const options = def!.schema.parse({ attack: { name: 'apgd-ce', eps: 0.03 }, every: 5 });
    const context: PluginCreationContext = { runDir: '/tmp/x', numClasses: 5, resolve: (token) => container.get(token as never) };
    expect(() => def!.create(options, context)).toThrow(/RobustEvalDataSource/);
    container.bind(RobustEvalDataSource).toConstantValue({ x, y });
    const plugin = def!.create(options, context) as RobustEvalPlugin;
    expect(plugin.name).toBe('robust-eval');
    expect(plugin.isScheduled(5)).toBe(true);
    expect(plugin.isScheduled(4)).toBe(false);
    // Attack names and options are checked against the bound AttackDefinitions when the plugin is created.
    const make = (attack: Record<string, unknown>) => () => def!.create(def!.schema.parse({ attack }), context);
    expect(make({ name: 'nope', eps: 0.03 })).toThrow(/attack\.name.*unknown attack 'nope' \(known: fgsm, pgd, cw, apgd-ce/);
    expect(make({ name: 'pgd', eps: 0.03, steps: 0 })).toThrow(/attack\.steps/);
    expect(make({ name: 'pgd', eps: 0.03, apgdSteps: 5 })).toThrow(/attack.*apgdSteps/);
    expect(make({ name: 'fgsm', eps: 0.5, norm: 'l2' })).toThrow(/attack\.norm.*'fgsm' is implemented for linf only/);
  });

  it('runs an attack a package binds, by name', async () => {
    const container = createContainer([attacksModule]);
    // A do-nothing "attack": every clean-correct example stays robust, so robust = clean accuracy.
    container.bind(AttackDefinition).toConstantValue(
      defineAttack({ name: 'identity', description: 'no perturbation', norms: ['linf'], schema: z.object({}).strict(), robustFlags: async (forward, x, y) => flagsOf(forward, x, y, x.clone()) }),
    );
    container.bind(RobustEvalDataSource).toConstantValue({ x, y });
    const def = container.getAll<TrainingPluginDefinition>(TrainingPluginDefinition).find((d) => d.name === 'robust-eval')!;
    const context: PluginCreationContext = { runDir: '/tmp/x', numClasses: 5, resolve: (token) => container.get(token as never) };
    const plugin = def.create(def.schema.parse({ attack: { name: 'identity', eps: 0.03 } }), context) as RobustEvalPlugin;
    const model = asClassifier(net);
    const result = await plugin.evaluate((input) => model.forward(input, { training: false }).logits);
    expect(result.cleanAccuracy).toBeGreaterThan(0.5);
    expect(result.attack).toBe('identity');
    expect(result.robustAccuracy).toBe(result.cleanAccuracy);
  });

  it("option data names a configured evaluation split and gets a loader of its own", () => {
    const def = createContainer([attacksModule]).getAll<TrainingPluginDefinition>(TrainingPluginDefinition).find((d) => d.name === 'robust-eval')!;
    const opened: string[] = [];
    const loader = { batchesPerEpoch: 1, batches: () => [], getPosition: () => ({}), setPosition: () => undefined } as unknown as BatchLoader;
    const context: PluginCreationContext = {
      runDir: '/tmp/x', numClasses: 5, resolve: () => { throw new Error('unbound'); },
      evalSplits: ['test'], openEvalLoader: (split) => { opened.push(split); return loader; },
    };
    const options = def.schema.parse({ attack: { name: 'fgsm', eps: 0.03 }, data: 'test' });
    expect(def.create(options, context).name).toBe('robust-eval');
    expect(opened).toEqual(['test']);
    expect(() => def.create(def.schema.parse({ attack: { name: 'fgsm', eps: 0.03 }, data: 'val' }), context)).toThrow(/plugins\.robust-eval\.data.*'val'.*only 'test'/);
    expect(() => def.create(def.schema.parse({ attack: { name: 'fgsm', eps: 0.03 } }), context)).toThrow(/set its option data to an evaluation split/);
  });
});
