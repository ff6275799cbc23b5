/**
 * The extension path a user follows: define a LossDefinition in your own ContainerModule, load it
 * next to lossesModule, and pick it by name from config. Only public APIs are used.
 */
import * as tf from '@tensorflow/tfjs';
import { ContainerModule } from 'inversify';
import { z } from 'zod';
import { LossDefinition, LossRegistry, createContainer, parseConfig, type LossTerm } from '@dkl/core';
import { beforeAll, expect, it } from 'vitest';
import { decoupledKL, kdLoss, lossesModule } from '../src/index.js';

const schema = z.strictObject({ temperature: z.number().positive().default(2), mix: z.number().min(0).max(1).default(0.5) });

/** A user's loss: a convex mix of KD and IKL, built from the package's public functions. */
const mixedDefinition: LossDefinition<typeof schema> = {
  name: 'kd-ikl-mix',
  description: 'mix * KD + (1 - mix) * IKL',
  schema,
  needsReference: true,
  create(options): LossTerm {
    return {
      name: 'kd-ikl-mix',
      compute: ({ logits, reference }) =>
        tf.tidy(() =>
          tf.add(
            tf.mul(kdLoss(logits, reference!, { temperature: options.temperature }), options.mix),
            tf.mul(decoupledKL(reference!, logits, { temperature: options.temperature }), 1 - options.mix),
          ) as tf.Scalar,
        ),
    };
  },
};

const testModule = new ContainerModule((options) => {
  options.bind<LossDefinition>(LossDefinition).toConstantValue(mixedDefinition);
});

beforeAll(async () => {
  await tf.setBackend('cpu');
});

it('a loss bound in an outside module is picked by name from config next to the package losses', () => {
  const container = createContainer([lossesModule, testModule]);
  const registry = container.get(LossRegistry);
  expect(registry.names()).toContain('kd-ikl-mix');
  expect(registry.names()).toContain('ikl');

  const config = parseConfig(z.object({ loss: z.object({ name: z.string(), options: z.unknown() }) }), {
    loss: { name: 'kd-ikl-mix', options: { mix: 0.25 } },
  });
  const term = registry.create(config.loss.name, config.loss.options);
  const logits = tf.tensor2d([[1, 0, -1], [0.5, 2, 0]]);
  const reference = tf.tensor2d([[2, 0, -2], [0, 1, 0]]);
  const labels = tf.tensor1d([0, 1], 'int32');
  const got = term.compute({ logits, reference, labels, epoch: 1, step: 0 });
  const kd = kdLoss(logits, reference, { temperature: 2 });
  const ikl = decoupledKL(reference, logits, { temperature: 2 });
  expect(got.dataSync()[0]).toBeCloseTo(0.25 * kd.dataSync()[0]! + 0.75 * ikl.dataSync()[0]!, 5);
  expect(() => registry.create('kd-ikl-mix', { mix: 2 })).toThrow(/loss\.options\.mix/);
  tf.dispose([logits, reference, labels, got, kd, ikl]);
});
