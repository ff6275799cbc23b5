import * as tf from '@tensorflow/tfjs';
import { parseConfig } from '@dkl/core';
import { z } from 'zod';
import type { Optimizer, OptimizerState } from './optimizer.js';
import { SlotSet } from './slots.js';

/** AdamW's options with PyTorch's defaults. */
export const adamWOptionsSchema = z
  .object({
    beta1: z.number().min(0).lt(1).default(0.9),
    beta2: z.number().min(0).lt(1).default(0.999),
    epsilon: z.number().positive().default(1e-8),
    weightDecay: z.number().min(0).describe('decoupled decay: w <- w * (1 - lr * weightDecay) before the Adam step (PyTorch AdamW)').default(0.01),
  })
  .strict();

export type AdamWOptions = z.input<typeof adamWOptionsSchema>;

/** AdamW with PyTorch's update rule and bias correction. */
export class AdamW implements Optimizer {
  readonly name = 'adamw';
  private readonly m = new SlotSet('m');
  private readonly v = new SlotSet('v');
  private stepCount = 0;
  /** The options in effect, defaults filled in. */
  readonly options: z.output<typeof adamWOptionsSchema>;

  constructor(options: AdamWOptions = {}) {
    this.options = parseConfig(adamWOptionsSchema, options, 'adamw');
  }

  apply(variables: readonly tf.Variable[], grads: readonly tf.Tensor[], learningRate: number): void {
    const { beta1, beta2, epsilon, weightDecay } = this.options;
    this.stepCount++;
    const bc1 = 1 - beta1 ** this.stepCount;
    const bc2 = 1 - beta2 ** this.stepCount;
    tf.tidy(() => {
      variables.forEach((variable, i) => {
        const g = grads[i];
        if (!g) return;
        const m = this.m.get(i, variable);
        const v = this.v.get(i, variable);
        m.assign(m.mul(beta1).add(g.mul(1 - beta1)));
        v.assign(v.mul(beta2).add(g.square().mul(1 - beta2)));
        const decayed = weightDecay ? variable.mul(1 - learningRate * weightDecay) : variable;
        const denom = v.sqrt().div(Math.sqrt(bc2)).add(epsilon);
        variable.assign(decayed.sub(m.div(denom).mul(learningRate / bc1)));
      });
    });
  }

  getState(): OptimizerState {
    const tensors: Record<string, tf.Tensor> = {};
    this.m.exportTo(tensors);
    this.v.exportTo(tensors);
    return { json: { name: this.name, step: this.stepCount }, tensors };
  }

  setState(variables: readonly tf.Variable[], state: OptimizerState): void {
    this.m.importFrom(variables, state.tensors);
    this.v.importFrom(variables, state.tensors);
    this.stepCount = (state.json as { step?: number }).step ?? 0;
  }

  dispose(): void {
    this.m.dispose();
    this.v.dispose();
  }
}
