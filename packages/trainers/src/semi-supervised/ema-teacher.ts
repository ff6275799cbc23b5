import * as tf from '@tensorflow/tfjs';
import { ArgumentError, CheckpointError, ShapeError, type ClassifierModel, type PluginState } from '@dkl/core';
import { modelStateVariables } from '../engine/snapshot-variables.js';

/**
 * An exponential moving average of a model's whole state, kept in a second instance of its
 * architecture (Mean Teacher's teacher): after every optimizer step each variable, BatchNorm
 * running statistics included, becomes `decay * teacher + (1 - decay) * student`. Non-float
 * state (counters) is copied. The teacher starts as an exact copy of the student.
 */
export class EmaTeacher {
  private readonly teacherVariables: tf.Variable[];
  private readonly studentVariables: tf.Variable[];
  /** Updates applied so far (part of the saved state). */
  updates = 0;

  constructor(
    readonly student: ClassifierModel,
    readonly teacher: ClassifierModel,
    readonly decay: number,
  ) {
    if (!(decay >= 0 && decay < 1)) throw new ArgumentError('emaDecay', `must be in [0, 1), got ${decay}`);
    if (teacher === student) throw new ArgumentError('teacher', 'must be a separate instance of the student architecture, not the student itself');
    this.studentVariables = modelStateVariables(student);
    this.teacherVariables = modelStateVariables(teacher);
    if (this.studentVariables.length !== this.teacherVariables.length) {
      throw new ShapeError('teacher', `${this.studentVariables.length} state variables like the student`, [this.teacherVariables.length]);
    }
    this.studentVariables.forEach((v, i) => {
      const t = this.teacherVariables[i]!;
      if (v.shape.join() !== t.shape.join() || v.dtype !== t.dtype) throw new ShapeError(`teacher variable ${i} (${t.name})`, `${v.dtype} [${v.shape.join(', ')}] like student ${v.name}`, t.shape);
    });
    this.copyFromStudent();
  }

  /** teacher <- student, exactly. */
  copyFromStudent(): void {
    this.teacherVariables.forEach((t, i) => t.assign(this.studentVariables[i]!));
  }

  /** One EMA step over every state variable. */
  update(): void {
    const d = this.decay;
    tf.tidy(() => {
      this.teacherVariables.forEach((t, i) => {
        const s = this.studentVariables[i]!;
        t.assign(t.dtype === 'float32' ? tf.add(tf.mul(t, d), tf.mul(s, 1 - d)) : s);
      });
    });
    this.updates++;
  }

  saveState(): PluginState {
    return { json: { decay: this.decay, updates: this.updates }, tensors: Object.fromEntries(this.teacherVariables.map((v, i) => [`teacher/${i}`, v])) };
  }

  loadState(state: PluginState, where = 'snapshot'): void {
    const tensors = state.tensors ?? {};
    this.teacherVariables.forEach((v, i) => {
      const t = tensors[`teacher/${i}`];
      if (!t || t.shape.join() !== v.shape.join()) {
        throw new CheckpointError(where, `EMA teacher variable ${i} (${v.name}) expects [${v.shape.join(', ')}], the snapshot has ${t ? `[${t.shape.join(', ')}]` : 'nothing'}`);
      }
    });
    this.teacherVariables.forEach((v, i) => v.assign(tensors[`teacher/${i}`]!));
    this.updates = (state.json as { updates?: number }).updates ?? 0;
  }
}
