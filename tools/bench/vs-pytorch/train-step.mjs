// One SGD training step in tfjs with PyTorch's SGD semantics:
// g += wd * w; v = momentum * v + g; w -= lr * v. Cross-entropy on logits.
import * as tf from '@tensorflow/tfjs';

export function makeTrainer(model, { lr = 0.05, momentum = 0.9, weightDecay = 5e-4 } = {}) {
  const velocity = new Map();
  const step = (x, labels) => {
    const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, model.forward(x, true)));
    model.commit();
    tf.tidy(() => {
      for (const [name, g] of Object.entries(grads)) {
        const w = tf.engine().registeredVariables[name];
        const gw = tf.add(g, tf.mul(w, weightDecay));
        const prev = velocity.get(name);
        const v = prev ? tf.add(tf.mul(prev, momentum), gw) : gw;
        if (prev) prev.dispose();
        velocity.set(name, tf.keep(v));
        w.assign(tf.sub(w, tf.mul(v, lr)));
      }
    });
    tf.dispose(grads);
    const loss = value.dataSync()[0];
    value.dispose();
    return loss;
  };
  return { step, dispose: () => { for (const v of velocity.values()) v.dispose(); velocity.clear(); } };
}
