import * as tf from '@tensorflow/tfjs';
import { ConfigError, createContainer, NamedRegistry } from '@dkl/core';
import { ContainerModule } from 'inversify';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AdamW, constantSchedule, cosineSchedule, createOptimizer, createSchedule, defineOptimizer, defineSchedule, multiStepSchedule, OptimizerDefinition, resolveSchedule, ScheduleDefinition, Sgd, trainersModule, type Optimizer } from '../src/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Plain gradient descent scaled by a factor, the smallest optimizer a package could add. */
const scaledGd = defineOptimizer({
  name: 'scaled-gd',
  description: 'w <- w - factor * lr * grad',
  schema: z.object({ factor: z.number().positive().default(2) }).strict(),
  create: ({ factor }): Optimizer => ({
    name: 'scaled-gd',
    apply: (variables, grads, lr) => tf.tidy(() => variables.forEach((v, i) => v.assign(v.sub(grads[i]!.mul(factor * lr))))),
    getState: () => ({ json: { name: 'scaled-gd' }, tensors: {} }),
    setState: () => undefined,
    dispose: () => undefined,
  }),
});

const halving = defineSchedule({
  name: 'halving',
  description: 'lr / 2^(epoch - 1)',
  schema: z.object({}).strict(),
  create: ({ lr }) => (epoch) => lr / 2 ** (epoch - 1),
});

function registries() {
  const extra = new ContainerModule(({ bind }) => {
    bind(OptimizerDefinition).toConstantValue(scaledGd);
    bind(ScheduleDefinition).toConstantValue(halving);
  });
  const container = createContainer([trainersModule, extra]);
  return {
    optimizers: new NamedRegistry<OptimizerDefinition>('optimizer', container.getAll(OptimizerDefinition)),
    schedules: new NamedRegistry<ScheduleDefinition>('schedule', container.getAll(ScheduleDefinition)),
  };
}

describe('optimizer and schedule contributions', () => {
  it('trainersModule binds the built-ins; a module adds more, looked up by name', () => {
    const { optimizers, schedules } = registries();
    expect(optimizers.names()).toEqual(['adamw', 'scaled-gd', 'sgd']);
    expect(schedules.names()).toEqual(['constant', 'cosine', 'halving', 'multistep']);
    const w = tf.variable(tf.tensor1d([1, -1]));
    const g = tf.tensor1d([0.5, 0.25]);
    const optimizer = createOptimizer({ name: 'scaled-gd', factor: 3 }, 'optimizer', optimizers);
    const tensors = tf.memory().numTensors;
    for (let step = 0; step < 3; step++) optimizer.apply([w], [g], 0.1);
    expect(tf.memory().numTensors).toBe(tensors);
    const [w0, w1] = Array.from(w.dataSync());
    expect(w0).toBeCloseTo(1 - 3 * 3 * 0.1 * 0.5, 6); // three steps of factor * lr * grad
    expect(w1).toBeCloseTo(-1 - 3 * 3 * 0.1 * 0.25, 6);
    tf.dispose([w, g]);
    // Warm-up is the framework's: it wraps the contributed schedule.
    const schedule = createSchedule({ name: 'halving', lr: 0.4, warmupEpochs: 2 }, 10, 'schedule', schedules);
    expect([1, 2, 3, 4].map(schedule)).toEqual([0.4 / 2, 0.2, 0.1, 0.05]);
  });

  it('unknown names list what is registered; own keys are checked by the definition and named', () => {
    const { optimizers, schedules } = registries();
    const configError = (keyPath: string, message: RegExp = /./) => expect.objectContaining({ name: ConfigError.name, keyPath, message: expect.stringMatching(message) });
    expect(() => createOptimizer({ name: 'lion' }, 'optimizer', optimizers)).toThrow(configError('optimizer.name', /registered: adamw, scaled-gd, sgd$/));
    expect(() => createOptimizer({ name: 'lion' })).toThrow(configError('optimizer.name', /registered: adamw, sgd$/));
    expect(() => createOptimizer({ name: 'scaled-gd', factor: 0 }, 'models.teacherTraining.optimizer', optimizers)).toThrow(configError('models.teacherTraining.optimizer.factor'));
    expect(() => createSchedule({ name: 'one-cycle', lr: 0.1 }, 5, 'schedule', schedules)).toThrow(configError('schedule.name', /unknown schedule 'one-cycle'; registered: constant, cosine, halving, multistep$/));
    expect(() => createSchedule({ name: 'halving', lr: 0 }, 5, 'schedule', schedules)).toThrow(configError('schedule.lr'));
    expect(() => createSchedule({ name: 'cosine', lr: 0.1, milestones: [3] }, 5)).toThrow(configError('schedule', /milestones/));
    expect(() => createSchedule({ name: 'multistep', lr: 0.1, gamma: -1 }, 5)).toThrow(configError('schedule.gamma'));
  });

  it("the built-ins keep today's options and defaults", () => {
    expect((createOptimizer({ name: 'sgd' }) as Sgd).options).toEqual({ momentum: 0.9, nesterov: false, weightDecay: 5e-4, dampening: 0 });
    expect((createOptimizer({ name: 'sgd', momentum: 0, nesterov: false, weightDecay: 0 }) as Sgd).options).toEqual(new Sgd().options);
    expect((createOptimizer({ name: 'adamw' }) as AdamW).options).toEqual(new AdamW().options);
    const epochs = [1, 2, 3, 50, 149, 150, 151, 181, 211, 240];
    const values = (s: (e: number) => number) => epochs.map(s);
    expect(values(createSchedule({ name: 'constant', lr: 0.05 }, 240))).toEqual(values(constantSchedule(0.05)));
    expect(values(createSchedule({ name: 'multistep', lr: 0.05 }, 240))).toEqual(values(multiStepSchedule(0.05, [150, 180, 210], 0.1)));
    expect(values(createSchedule({ name: 'cosine', lr: 0.2 }, 240))).toEqual(values(cosineSchedule(0.2, 240)));
    expect(values(createSchedule({ name: 'cosine', lr: 0.2, variant: 'dkl-at', minLr: 0.01 }, 240))).toEqual(values(cosineSchedule(0.2, 240, { variant: 'dkl-at', minLr: 0.01 })));
    expect(resolveSchedule({ name: 'multistep', lr: 0.1 }).config).toEqual({ name: 'multistep', lr: 0.1, milestones: [150, 180, 210], gamma: 0.1, warmupEpochs: 0 });
  });
});
