import { AdamW, adamWOptionsSchema } from './adamw.js';
import { defineOptimizer, type OptimizerDefinition } from './optimizer-definition.js';
import { Sgd, sgdOptionsSchema } from './sgd.js';

/** SGD as config files know it: PyTorch's rule with the CIFAR recipe's defaults (momentum 0.9, weight decay 5e-4). */
export const sgdOptimizer = defineOptimizer({
  name: 'sgd',
  description: "SGD with PyTorch's semantics (momentum, Nesterov, dampening, L2 weight decay added to the gradient)",
  schema: sgdOptionsSchema.extend({
    momentum: sgdOptionsSchema.shape.momentum.removeDefault().default(0.9),
    weightDecay: sgdOptionsSchema.shape.weightDecay.removeDefault().default(5e-4),
  }),
  create: (options) => new Sgd(options),
});

/** AdamW with PyTorch's defaults (weight decay 0.01). */
export const adamWOptimizer = defineOptimizer({
  name: 'adamw',
  description: "AdamW with PyTorch's semantics (decoupled weight decay, bias correction)",
  schema: adamWOptionsSchema,
  create: (options) => new AdamW(options),
});

/** The built-in optimizers, in the order `dkl` lists them. */
export const builtinOptimizers: readonly OptimizerDefinition<any>[] = [sgdOptimizer, adamWOptimizer];
