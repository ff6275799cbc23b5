// One SGD training step in tfjs with @dkl/trainers' optimizer (PyTorch's SGD semantics:
// g += wd * w; v = momentum * v + g; w -= lr * v, fused per variable by core's sgdUpdate
// where the backend has the kernel). Cross-entropy on logits.
import * as tf from '@tensorflow/tfjs';
import { Sgd } from '@dkl/trainers';

export function makeTrainer(model, { lr = 0.05, momentum = 0.9, weightDecay = 5e-4 } = {}) {
  const sgd = new Sgd({ momentum, weightDecay });
  const step = (x, labels) => {
    const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, model.forward(x, true)));
    model.commit();
    const names = Object.keys(grads);
    sgd.apply(names.map((n) => tf.engine().registeredVariables[n]), names.map((n) => grads[n]), lr);
    tf.dispose(grads);
    const loss = value.dataSync()[0];
    value.dispose();
    return loss;
  };
  return { step, dispose: () => sgd.dispose() };
}

/**
 * `model` trained on one fixed random batch of `batch` 32x32x3 images with 100 classes (seeds 1 and
 * 2): `step()` runs a training step and returns the loss; `dispose()` frees the trainer, the batch,
 * the variables and the batch-norm statistics.
 */
export function fixedBatchTraining(model, batch) {
  const trainer = makeTrainer(model);
  const x = tf.randomNormal([batch, 32, 32, 3], 0, 1, 'float32', 1);
  const labels = tf.tidy(() => tf.oneHot(tf.randomUniform([batch], 0, 100, 'int32', 2), 100).toFloat());
  return {
    step: () => trainer.step(x, labels),
    dispose: () => {
      trainer.dispose();
      tf.dispose([x, labels]);
      tf.disposeVariables();
      for (const p of model.bns) tf.dispose([p.runMean, p.runVar]);
    },
  };
}
