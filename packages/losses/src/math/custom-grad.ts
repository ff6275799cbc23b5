import * as tf from '@tensorflow/tfjs';

/** Forward pass of a scalar loss with a closed-form gradient. */
export type ScalarGradFunc = (
  inputs: tf.Tensor[],
  save: tf.GradSaveFunc,
) => { value: tf.Scalar; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[] };

/**
 * Typed wrapper of `tf.customGrad` for scalar losses: `f` receives the inputs as an array and
 * returns the value plus one gradient per input (zeros for inputs that get no gradient).
 */
export function scalarCustomGrad(f: ScalarGradFunc): (...inputs: tf.Tensor[]) => tf.Scalar {
  const wrapped = tf.customGrad(((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    return f(args.slice(0, -1) as tf.Tensor[], save);
  }) as Parameters<typeof tf.customGrad>[0]);
  return (...inputs: tf.Tensor[]) => wrapped(...inputs) as tf.Scalar;
}
