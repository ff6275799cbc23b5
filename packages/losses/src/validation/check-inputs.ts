import * as tf from '@tensorflow/tfjs';
import { ArgumentError, NumericError, ShapeError } from '@dkl/core/errors';

/** Shape text for messages, e.g. `[64, 100] float32`. */
export function describe(t: tf.Tensor): string {
  return `[${t.shape.join(', ')}] ${t.dtype}`;
}

/** Requires a float32 `[B, C]` tensor with B >= 1 and C >= 2. */
export function assertLogits(name: string, x: unknown): asserts x is tf.Tensor2D {
  if (!(x instanceof tf.Tensor)) throw new ArgumentError(name, `must be a tf.Tensor of logits [B, C], got ${typeof x}`);
  if (x.rank !== 2) throw new ShapeError(name, 'a rank-2 logits tensor [B, C]', describe(x));
  if (x.dtype !== 'float32') throw new ShapeError(name, 'a float32 tensor [B, C]', describe(x));
  if (x.shape[0]! < 1 || x.shape[1]! < 2) throw new ShapeError(name, 'a [B, C] tensor with B >= 1 and C >= 2', describe(x));
}

/** Requires `b` to have the same shape as `a` (both already checked as logits). */
export function assertSameShape(nameA: string, a: tf.Tensor, nameB: string, b: tf.Tensor): void {
  if (a.shape[0] !== b.shape[0] || a.shape[1] !== b.shape[1]) {
    throw new ShapeError(nameB, `the same shape as '${nameA}' [${a.shape.join(', ')}]`, describe(b));
  }
}

/** Requires int32 labels of shape `[B]`. */
export function assertLabels(name: string, labels: unknown, batch: number, logitsName: string): asserts labels is tf.Tensor1D {
  if (!(labels instanceof tf.Tensor)) throw new ArgumentError(name, `must be an int32 tf.Tensor [B], got ${typeof labels}`);
  if (labels.dtype !== 'int32') throw new ShapeError(name, `an int32 tensor [${batch}] (one label per row of '${logitsName}')`, describe(labels));
  if (labels.rank !== 1 || labels.shape[0] !== batch) {
    throw new ShapeError(name, `an int32 tensor [${batch}] (one label per row of '${logitsName}')`, describe(labels));
  }
}

/** Requires float32 soft targets `[batch, numClasses]` (one distribution per row of the logits). */
export function assertSoftTargets(name: string, targets: tf.Tensor, batch: number, numClasses: number): void {
  if (targets.dtype !== 'float32' || targets.shape[0] !== batch || targets.shape[1] !== numClasses) {
    throw new ShapeError(name, `int32 labels [${batch}] or float32 soft targets [${batch}, ${numClasses}]`, describe(targets));
  }
}

/** Requires a finite number > 0 (temperatures). */
export function assertPositive(name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ArgumentError(name, `must be a finite number > 0, got ${String(value)}`);
  }
}

/** Requires a finite number >= 0 (weights, gamma). */
export function assertNonNegative(name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ArgumentError(name, `must be a finite number >= 0, got ${String(value)}`);
  }
}

/** What {@link checkValues} reads from the tensors in one round trip. */
export interface ValueChecks {
  /** Float tensors that must hold only finite values. */
  readonly finite: ReadonlyArray<readonly [string, tf.Tensor]>;
  /** Float tensors that must also be >= 0 (checked together with `finite`). */
  readonly nonNegative?: ReadonlyArray<readonly [string, tf.Tensor]>;
  /** int32 labels that must lie in `[0, numClasses)`. */
  readonly labels?: { readonly name: string; readonly tensor: tf.Tensor; readonly numClasses: number };
}

/**
 * Backends whose values are read back asynchronously only (core's `asyncReadsOnly()`; repeated
 * here because `@dkl/losses/math` imports nothing of core but its errors).
 */
const ASYNC_READ_BACKENDS = new Set(['webgpu', 'webgl']);

/**
 * Checks tensor VALUES (NaN/Inf, label range, negative weights) with one device read.
 *
 * On webgpu / webgl the check is skipped: it would be a synchronous GPU read inside every loss
 * call (impossible for WebGPU in Node, a pipeline stall in a browser). There the training engine
 * still refuses a non-finite total loss (read asynchronously), and the same inputs are checked on
 * any CPU backend.
 *
 * Fast path: the sum of a tensor is finite when every element is (unless the finite values are
 * so large that their sum overflows float32, ~1e38 / size); only when a sum is not finite does the
 * exact elementwise test run, so a false alarm is impossible and the common case costs one
 * reduction per tensor.
 */
export function checkValues(checks: ValueChecks): void {
  if (ASYNC_READ_BACKENDS.has(tf.getBackend())) return;
  const finite = [...checks.finite, ...(checks.nonNegative ?? [])];
  const nonNeg = checks.nonNegative ?? [];
  const values = tf.tidy(() => {
    const parts: tf.Tensor[] = finite.map(([, t]) => tf.sum(t));
    for (const [, t] of nonNeg) parts.push(tf.min(t));
    if (checks.labels) {
      const l = checks.labels.tensor;
      parts.push(tf.cast(tf.min(l), 'float32'), tf.cast(tf.max(l), 'float32'));
    }
    return tf.stack(parts.map((p) => tf.reshape(p, []))).dataSync();
  });
  finite.forEach(([name, t], i) => {
    if (Number.isFinite(values[i]!)) return;
    const bad = tf.tidy(() => tf.sum(tf.cast(tf.logicalOr(tf.isNaN(t), tf.isInf(t)), 'int32')).dataSync()[0]!);
    if (bad > 0) throw new NumericError(name, `contains ${bad} NaN or Inf value(s) (shape [${t.shape.join(', ')}])`);
  });
  nonNeg.forEach(([name, t], i) => {
    const min = values[finite.length + i]!;
    if (min < 0) throw new ArgumentError(name, `must be >= 0 everywhere, found ${min} (shape [${t.shape.join(', ')}])`);
  });
  if (checks.labels) {
    const { name, numClasses, tensor } = checks.labels;
    const min = values[values.length - 2]!;
    const max = values[values.length - 1]!;
    if (min < 0 || max >= numClasses) {
      throw new ArgumentError(
        name,
        `values must lie in [0, ${numClasses}) for ${numClasses} classes, found min ${min} and max ${max} (shape [${tensor.shape.join(', ')}])`,
      );
    }
  }
}
