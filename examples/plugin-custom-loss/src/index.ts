/**
 * An example third-party dkl plugin package. It adds a loss (`focal-ce`) and a training plugin
 * (`loss-spike-detector`) through its own ContainerModule; a config loads it with
 * `packages: ['@dkl-examples/plugin-custom-loss']` and then names both.
 * @packageDocumentation
 */
import { LossDefinition, TrainingPluginDefinition, type LossContext } from '@dkl/core';
import { ContainerModule } from 'inversify';
import { z } from 'zod';
import { focalCrossEntropy } from './focal-loss.js';
import { LossSpikeDetector } from './loss-spike-detector.js';

export { focalCrossEntropy } from './focal-loss.js';
export { LossSpikeDetector } from './loss-spike-detector.js';

const focalSchema = z.object({ gamma: z.number().min(0).default(2) }).strict();
const spikeSchema = z.object({ factor: z.number().gt(1).default(3), stop: z.boolean().default(false) }).strict();

/** The module named in package.json (`"dkl": { "module": "customLossModule" }`). */
export const customLossModule = new ContainerModule(({ bind }) => {
  bind<LossDefinition<typeof focalSchema>>(LossDefinition).toConstantValue({
    name: 'focal-ce',
    description: 'focal cross-entropy, -(1 - p_y)^gamma log p_y',
    needsReference: false,
    schema: focalSchema,
    create: (options) => ({ name: 'focal-ce', compute: (ctx: LossContext) => focalCrossEntropy(ctx.logits, ctx.labels, options.gamma) }),
  });
  bind<TrainingPluginDefinition<typeof spikeSchema>>(TrainingPluginDefinition).toConstantValue({
    name: 'loss-spike-detector',
    description: 'flags (and optionally stops on) batch losses far above the running mean',
    schema: spikeSchema,
    create: (options) => new LossSpikeDetector(options),
  });
});
