import * as tf from '@tensorflow/tfjs';
import { ArgumentError, sgdUpdate } from '@dkl/core';
import type { Optimizer, OptimizerState } from './optimizer.js';
import { SlotSet } from './slots.js';

export interface SgdOptions {
  readonly momentum?: number;
  readonly nesterov?: boolean;
  /** PyTorch-style L2: `weightDecay * w` is added to the gradient before momentum. */
  readonly weightDecay?: number;
  readonly dampening?: number;
}

/**
 * SGD with PyTorch's semantics: g = grad + wd*w; buf = g on the first step, else
 * momentum*buf + (1-dampening)*g; update with buf (or g + momentum*buf for Nesterov).
 */
export class Sgd implements Optimizer {
  readonly name = 'sgd';
  private readonly momentumBuffers = new SlotSet('momentum');
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
  readonly dampening: number;

  constructor(options: SgdOptions = {}) {
    this.momentum = options.momentum ?? 0;
    this.nesterov = options.nesterov ?? false;
    this.weightDecay = options.weightDecay ?? 0;
    this.dampening = options.dampening ?? 0;
    if (this.momentum < 0) throw new ArgumentError('momentum', `must be >= 0, got ${this.momentum}`);
    if (this.weightDecay < 0) throw new ArgumentError('weightDecay', `must be >= 0, got ${this.weightDecay}`);
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) {
      throw new ArgumentError('nesterov', 'requires momentum > 0 and dampening 0 (as in PyTorch)');
    }
  }

  apply(variables: readonly tf.Variable[], grads: readonly tf.Tensor[], learningRate: number): void {
    const options = {
      learningRate,
      momentum: this.momentum,
      dampening: this.dampening,
      weightDecay: this.weightDecay,
      nesterov: this.nesterov,
    };
    tf.tidy(() => {
      variables.forEach((variable, i) => {
        const grad = grads[i];
        if (!grad) return;
        // One fused op per variable where the backend has it (core's sgdUpdate), same bits either way.
        const prev = this.momentum !== 0 && this.momentumBuffers.has(i) ? this.momentumBuffers.get(i, variable) : null;
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
