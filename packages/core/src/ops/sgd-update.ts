/**
 * One SGD step for one variable as one op that backends may fuse. The op is defined here (kernel
 * name, semantics, portable fallback); a backend such as @dkl/backend-native registers the kernel
 * and reads w, grad and the momentum buffer once and writes the new w and buffer once, where the
 * composite form runs five tfjs ops with four intermediate tensors. Not differentiable: it is an
 * optimizer update.
 */
import * as tf from '@tensorflow/tfjs';
import { ArgumentError, ShapeError } from '../errors.js';

/** Kernel name. Inputs w, grad and (unless the first step or momentum 0) buf; attrs as {@link SgdUpdateOptions}. */
export const SGD_UPDATE_KERNEL = 'DklSgdUpdate';

/** Hyper-parameters of {@link sgdUpdate}, with PyTorch's meanings. */
export interface SgdUpdateOptions {
  readonly learningRate: number;
  readonly momentum: number;
  readonly dampening: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
}

export interface SgdUpdateResult {
  /** The updated variable value. */
  readonly w: tf.Tensor;
  /** The new momentum buffer; absent when momentum is 0. */
  readonly buf?: tf.Tensor;
}

/**
 * PyTorch's SGD step: `g = grad + weightDecay * w`; with momentum, `buf = g` on the first step
 * (`buf` null) else `momentum * buf + (1 - dampening) * g`, and `g = nesterov ? g + momentum * buf
 * : buf`; then `w - learningRate * g`. Every float32 operation happens in the composite form's
 * order, so a fused kernel gives the same bits as the fallback.
 */
export function sgdUpdate(w: tf.Tensor, grad: tf.Tensor, buf: tf.Tensor | null, options: SgdUpdateOptions): SgdUpdateResult {
  if (grad.shape.join() !== w.shape.join()) throw new ShapeError('grad', `[${w.shape.join(', ')}] (the shape of w)`, grad.shape);
  if (buf && buf.shape.join() !== w.shape.join()) throw new ShapeError('buf', `[${w.shape.join(', ')}] (the shape of w)`, buf.shape);
  if (buf && options.momentum === 0) throw new ArgumentError('buf', 'must be null when momentum is 0');
  const attrs = { ...options } as unknown as tf.NamedAttrMap;
  if (w.dtype === 'float32' && grad.dtype === 'float32' && tf.getKernel(SGD_UPDATE_KERNEL, tf.getBackend())) {
    const inputs: tf.NamedTensorMap = buf ? { w, grad, buf } : { w, grad };
    const [nw, nbuf] = tf.engine().runKernel(SGD_UPDATE_KERNEL, inputs, attrs) as tf.Tensor[];
    return options.momentum !== 0 ? { w: nw!, buf: nbuf! } : { w: nw! };
  }
  return tf.tidy(() => compositeSgdUpdate(w, grad, buf, options));
}

function compositeSgdUpdate(w: tf.Tensor, grad: tf.Tensor, buf: tf.Tensor | null, o: SgdUpdateOptions): { w: tf.Tensor; buf?: tf.Tensor } {
  let g = o.weightDecay !== 0 ? grad.add(w.mul(o.weightDecay)) : grad;
  let next: tf.Tensor | undefined;
  if (o.momentum !== 0) {
    next = buf ? buf.mul(o.momentum).add(o.dampening ? g.mul(1 - o.dampening) : g) : g.clone();
    g = o.nesterov ? g.add(next.mul(o.momentum)) : next;
  }
  const nw = w.sub(g.mul(o.learningRate));
  return next ? { w: nw, buf: next } : { w: nw };
}
