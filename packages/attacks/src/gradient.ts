import * as tf from '@tensorflow/tfjs';
import type { ForwardFn } from './forward.js';

/** Logits, objective and input gradient at one point; the caller disposes all three. */
export interface LossAndGrad {
  readonly logits: tf.Tensor;
  /** `[B]` per example, or a scalar when the objective is a batch reduction. */
  readonly loss: tf.Tensor;
  /** d(sum of loss)/dx, shaped like x. */
  readonly grad: tf.Tensor;
}

/**
 * One forward + backward pass. The gradient of the summed loss equals the per-example
 * gradients because inference-mode models treat examples independently.
 */
export function lossAndGrad(forward: ForwardFn, x: tf.Tensor, objective: (logits: tf.Tensor) => tf.Tensor): LossAndGrad {
  let logits: tf.Tensor | undefined;
  let loss: tf.Tensor | undefined;
  const grad = tf.tidy(() =>
    tf.grad((xi: tf.Tensor) => {
      const z = forward(xi);
      const l = objective(z);
      // Kept copies escape the gradient tape's scope; they are owned by our caller.
      logits = tf.keep(z.clone());
      loss = tf.keep(l.clone());
      return l.rank === 0 ? l : l.sum();
    })(x),
  );
  return { logits: logits!, loss: loss!, grad };
}

/** Disposes the three tensors of a {@link LossAndGrad}. */
export function disposeLossAndGrad(value: LossAndGrad | undefined): void {
  if (value) tf.dispose([value.logits, value.loss, value.grad]);
}

/** Argmax predictions of `forward(x)` as a JS array. */
export function predict(forward: ForwardFn, x: tf.Tensor): Int32Array {
  const t = tf.tidy(() => tf.argMax(forward(x), 1));
  const out = t.dataSync() as Int32Array;
  t.dispose();
  return Int32Array.from(out);
}

/** Reads a tensor into a JS Float32Array copy and disposes nothing. */
export function readFloats(t: tf.Tensor): Float32Array {
  return Float32Array.from(t.dataSync() as Float32Array);
}

/** `where(mask[b], a, b)` over the batch axis; `mask` is a JS boolean per example. */
export function selectRows(mask: ArrayLike<boolean>, a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const m = tf.tensor1d(Array.from(mask, (v) => (v ? 1 : 0)), 'bool').reshape([a.shape[0]!, ...a.shape.slice(1).map(() => 1)]);
    return tf.where(tf.broadcastTo(m, a.shape), a, b);
  });
}
