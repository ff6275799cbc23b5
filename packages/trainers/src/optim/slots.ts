import * as tf from '@tensorflow/tfjs';
import { CheckpointError } from '@dkl/core';

/** Per-variable optimizer buffers (momentum, Adam moments), created lazily at zero. */
export class SlotSet {
  private slots: Array<tf.Variable | undefined> = [];

  constructor(readonly slotName: string) {}

  get(index: number, like: tf.Tensor): tf.Variable {
    let slot = this.slots[index];
    if (!slot) {
      slot = tf.tidy(() => tf.variable(tf.zerosLike(like), false));
      this.slots[index] = slot;
    }
    return slot;
  }

  has(index: number): boolean {
    return this.slots[index] !== undefined;
  }

  /** Clones every slot into `out` under `slotName/index`. */
  exportTo(out: Record<string, tf.Tensor>): void {
    this.slots.forEach((slot, i) => {
      if (slot) out[`${this.slotName}/${i}`] = slot.clone();
    });
  }

  importFrom(variables: readonly tf.Variable[], tensors: Record<string, tf.Tensor>): void {
    this.dispose();
    for (const [key, tensor] of Object.entries(tensors)) {
      const [slot, index] = key.split('/');
      if (slot !== this.slotName) continue;
      const i = Number(index);
      const variable = variables[i];
      if (!variable) throw new CheckpointError('(optimizer state)', `slot ${key} refers to variable ${i}, but only ${variables.length} variables exist`);
      if (variable.shape.join() !== tensor.shape.join()) {
        throw new CheckpointError('(optimizer state)', `slot ${key} has shape [${tensor.shape.join(', ')}], variable '${variable.name}' has [${variable.shape.join(', ')}]`);
      }
      this.slots[i] = tf.tidy(() => tf.variable(tensor.clone(), false));
    }
  }

  dispose(): void {
    for (const slot of this.slots) slot?.dispose();
    this.slots = [];
  }
}
