import * as tf from '@tensorflow/tfjs';
import { ArgumentError } from '@dkl/core';
import type { Optimizer, OptimizerState } from './optimizer.js';
import { SlotSet } from './slots.js';

export interface AdamWOptions {
  readonly beta1?: number;
  readonly beta2?: number;
  readonly epsilon?: number;
  /** Decoupled decay: w <- w * (1 - lr * weightDecay) before the Adam step (PyTorch AdamW). */
  readonly weightDecay?: number;
}

/** AdamW with PyTorch's update rule and bias correction. */
export class AdamW implements Optimizer {
  readonly name = 'adamw';
  private readonly m = new SlotSet('m');
  private readonly v = new SlotSet('v');
  private stepCount = 0;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;

  constructor(options: AdamWOptions = {}) {
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0.01;
    for (const [name, value] of [['beta1', this.beta1], ['beta2', this.beta2]] as const) {
      if (!(value >= 0 && value < 1)) throw new ArgumentError(name, `must be in [0, 1), got ${value}`);
    }
  }

  apply(variables: readonly tf.Variable[], grads: readonly tf.Tensor[], learningRate: number): void {
    this.stepCount++;
    const bc1 = 1 - this.beta1 ** this.stepCount;
    const bc2 = 1 - this.beta2 ** this.stepCount;
    tf.tidy(() => {
      variables.forEach((variable, i) => {
        const g = grads[i];
        if (!g) return;
        const m = this.m.get(i, variable);
        const v = this.v.get(i, variable);
        m.assign(m.mul(this.beta1).add(g.mul(1 - this.beta1)));
        v.assign(v.mul(this.beta2).add(g.square().mul(1 - this.beta2)));
        const decayed = this.weightDecay ? variable.mul(1 - learningRate * this.weightDecay) : variable;
        const denom = v.sqrt().div(Math.sqrt(bc2)).add(this.epsilon);
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
