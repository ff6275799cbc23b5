/**
 * Teacher logits computed once per example and reused: for a frozen teacher and deterministic
 * inputs (no random augmentation, no mixing), an example's teacher logits are the same every
 * epoch, so after the first epoch the teacher never runs again. Keyed by the dataset indices a
 * loader attaches to each batch (`Batch.indices`); the logits live in one Float32Array of
 * `examples x classes` (host memory, not tensors). Counts what it saved for the run's report.
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError, type Batch, type ClassifierModel } from '@dkl/core';

/** Computes a frozen teacher's logits for a batch (outside the gradient tape); the caller disposes them. */
export type TeacherLogitsProvider = (batch: Batch) => tf.Tensor;

/** What the cache saved so far. */
export interface TeacherCacheStats {
  /** Batches whose logits came from the cache (the teacher did not run). */
  readonly reusedBatches: number;
  /** Batches the teacher ran on. */
  readonly computedBatches: number;
  /** Milliseconds the teacher's forward passes took (average per computed batch x reused batches = time saved). */
  readonly teacherMs: number;
}

export class TeacherLogitsCache {
  private readonly values: Float32Array;
  private readonly filled: Uint8Array;
  private reusedBatches = 0;
  private computedBatches = 0;
  private teacherMs = 0;

  constructor(
    private readonly teacher: ClassifierModel,
    /** Examples in the training set (largest index + 1). */
    private readonly examples: number,
  ) {
    this.values = new Float32Array(examples * teacher.numClasses);
    this.filled = new Uint8Array(examples);
  }

  /** The teacher's logits for `batch`, from the cache when every row is there. */
  readonly logits: TeacherLogitsProvider = (batch) => {
    const indices = batch.indices;
    if (!indices) throw new ConfigError('models.teacher.cache', 'needs example indices with every batch, and this loader gives none');
    const k = this.teacher.numClasses;
    const outside = indices.find((i) => i < 0 || i >= this.examples);
    if (outside !== undefined) throw new ConfigError('models.teacher.cache', `batch holds example index ${outside}, outside the ${this.examples} training examples`);
    if (indices.every((i) => this.filled[i] === 1)) {
      const rows = new Float32Array(indices.length * k);
      indices.forEach((example, row) => rows.set(this.values.subarray(example * k, (example + 1) * k), row * k));
      this.reusedBatches++;
      return tf.tensor2d(rows, [indices.length, k]);
    }
    const started = performance.now();
    const logits = tf.tidy(() => this.teacher.forward(batch.x, { training: false }).logits);
    const data = logits.dataSync();
    this.teacherMs += performance.now() - started;
    this.computedBatches++;
    indices.forEach((example, row) => {
      this.values.set(data.subarray(row * k, (row + 1) * k), example * k);
      this.filled[example] = 1;
    });
    return logits;
  };

  get stats(): TeacherCacheStats {
    return { reusedBatches: this.reusedBatches, computedBatches: this.computedBatches, teacherMs: this.teacherMs };
  }

  /** One line for the run log: batches reused and the teacher time that saved. */
  describe(): string {
    const { reusedBatches, computedBatches, teacherMs } = this.stats;
    const total = reusedBatches + computedBatches;
    const perBatch = computedBatches > 0 ? teacherMs / computedBatches : 0;
    return `teacher logits cache: ${reusedBatches} of ${total} batches reused (${total > 0 ? ((100 * reusedBatches) / total).toFixed(1) : '0.0'}%), ~${((reusedBatches * perBatch) / 1000).toFixed(1)} s of teacher forward passes saved (${perBatch.toFixed(1)} ms per batch)`;
  }
}
