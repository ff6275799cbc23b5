import * as tf from '@tensorflow/tfjs';
import { ArgumentError, parseConfig, sgdUpdate } from '@dkl/core';
import { z } from 'zod';
import type { Optimizer, OptimizerState } from './optimizer.js';
import { SlotSet } from './slots.js';

/** SGD's options with PyTorch's defaults (a run config's `optimizer` has the recipe's defaults). */
export const sgdOptionsSchema = z
  .object({
    momentum: z.number().min(0).default(0),
    nesterov: z.boolean().default(false),
    weightDecay: z.number().min(0).describe('PyTorch-style L2: weightDecay * w is added to the gradient before momentum').default(0),
    dampening: z.number().min(0).max(1).default(0),
  })
  .strict();

export type SgdOptions = z.input<typeof sgdOptionsSchema>;

/**
 * SGD with PyTorch's semantics: g = grad + wd*w; buf = g on the first step, else
 * momentum*buf + (1-dampening)*g; update with buf (or g + momentum*buf for Nesterov).
 */
export class Sgd implements Optimizer {
  readonly name = 'sgd';
  private readonly momentumBuffers = new SlotSet('momentum');
  /** The options in effect, defaults filled in. */
  readonly options: z.output<typeof sgdOptionsSchema>;

  constructor(options: SgdOptions = {}) {
    this.options = parseConfig(sgdOptionsSchema, options, 'sgd');
    const { momentum, nesterov, dampening } = this.options;
    if (nesterov && (momentum <= 0 || dampening !== 0)) {
      throw new ArgumentError('nesterov', 'requires momentum > 0 and dampening 0 (as in PyTorch)');
    }
  }

  apply(variables: readonly tf.Variable[], grads: readonly tf.Tensor[], learningRate: number): void {
    const options = { learningRate, ...this.options };
    tf.tidy(() => {
      variables.forEach((variable, i) => {
        const grad = grads[i];
        if (!grad) return;
        // One fused op per variable where the backend has it (core's sgdUpdate), same bits either way.
        const prev = options.momentum !== 0 && this.momentumBuffers.has(i) ? this.momentumBuffers.get(i, variable) : null;
        const { w, buf } = sgdUpdate(variable, grad, prev, options);
        if (buf) this.momentumBuffers.get(i, variable).assign(buf);
        variable.assign(w);
      });
    });
  }

  getState(): OptimizerState {
    const tensors: Record<string, tf.Tensor> = {};
    this.momentumBuffers.exportTo(tensors);
    return { json: { name: this.name }, tensors };
  }

  setState(variables: readonly tf.Variable[], state: OptimizerState): void {
    this.momentumBuffers.importFrom(variables, state.tensors);
  }

  dispose(): void {
    this.momentumBuffers.dispose();
  }
}
