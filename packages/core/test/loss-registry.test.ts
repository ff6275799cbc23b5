import * as tf from '@tensorflow/tfjs';
import { ContainerModule } from 'inversify';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, createContainer, LossDefinition, LossRegistry, type LossContext } from '../src/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A user's loss, contributed from outside core by binding only. */
const meanLogitLoss: LossDefinition = {
  name: 'mean-logit',
  description: 'scale * mean of the trained logits (test loss)',
  needsReference: false,
  schema: z.object({ scale: z.number().positive().default(1) }).strict(),
  create: (options: { scale: number }) => ({
    name: 'mean-logit',
    compute: (ctx: LossContext) => tf.tidy(() => ctx.logits.mean().mul(options.scale) as tf.Scalar),
  }),
};

const userModule = new ContainerModule((options) => {
  options.bind(LossDefinition).toConstantValue(meanLogitLoss);
});

describe('LossRegistry', () => {
  it('resolves a loss bound by a third-party module by name, with validated options', () => {
    const container = createContainer([userModule]);
    const registry = container.get(LossRegistry);
    expect(registry.names()).toEqual(['mean-logit']);
    const term = registry.create('mean-logit', { scale: 3 });
    const logits = tf.tensor2d([[1, 2], [3, 6]]);
    const value = term.compute({ logits, labels: tf.tensor1d([0, 1], 'int32'), epoch: 1, step: 0 });
    expect(value.dataSync()[0]).toBeCloseTo(9, 6);
  });

  it('gives config errors with key paths and the allowed names', () => {
    const registry = createContainer([userModule]).get(LossRegistry);
    expect(() => registry.create('kd', {}, 'losses[0]')).toThrow(ConfigError);
    expect(() => registry.create('kd', {}, 'losses[0]')).toThrow(/losses\[0\]\.name.*unknown loss 'kd'; registered: mean-logit/);
    expect(() => registry.create('mean-logit', { scale: -1 }, 'losses[1]')).toThrow(/losses\[1\]\.options\.scale/);
    expect(() => registry.create('mean-logit', { scael: 1 }, 'losses[1]')).toThrow(/scael/);
  });

  it('works with no losses bound and rejects duplicate names', () => {
    expect(createContainer().get(LossRegistry).names()).toEqual([]);
    const dup = createContainer([userModule, new ContainerModule((o) => void o.bind(LossDefinition).toConstantValue(meanLogitLoss))]);
    expect(() => dup.get(LossRegistry).names()).toThrow(/two loss contributions.*mean-logit/);
  });
});
