/**
 * The student, built in code with the tfjs layers API as one would in Keras: two conv-BN-ReLU
 * stages, global average pooling and a linear classifier. Its logits layer has no softmax (dkl's
 * losses take logits) and its layers have names, so config can tap them as features.
 */
import * as tf from '@tensorflow/tfjs';

export interface StudentOptions {
  readonly numClasses: number;
  /** NHWC input, e.g. [32, 32, 3]. */
  readonly inputShape: readonly [number, number, number];
  /** Seeds the initialisers, so the same options give the same student. */
  readonly seed?: number;
}

export function buildStudent({ numClasses, inputShape, seed = 1 }: StudentOptions): tf.LayersModel {
  const input = tf.input({ shape: [...inputShape], name: 'image' });
  let h: tf.SymbolicTensor = input;
  for (const [i, filters] of [16, 32].entries()) {
    h = tf.layers.conv2d({ filters, kernelSize: 3, strides: i === 0 ? 1 : 2, padding: 'same', useBias: false, kernelInitializer: tf.initializers.heNormal({ seed: seed + i }), name: `conv${i + 1}` }).apply(h) as tf.SymbolicTensor;
    h = tf.layers.batchNormalization({ name: `bn${i + 1}` }).apply(h) as tf.SymbolicTensor;
    h = tf.layers.reLU({ name: `stage${i + 1}` }).apply(h) as tf.SymbolicTensor;
  }
  h = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(h) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: numClasses, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 10 }), name: 'logits' }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits, name: 'keras_student' });
}
