/**
 * Loads a dkl export (`dkl export --format tfjs-graph|tfjs-layers`) with stock TensorFlow.js and
 * classifies images: resize to the recorded input size, scale to [0, 1], normalise with the
 * recorded mean / std, run the model, softmax the logits. Nothing here depends on dkl.
 */
import * as tf from '@tensorflow/tfjs';

/** Loads model.json at `url`; returns the model and its `userDefinedMetadata.dkl`. */
export async function loadClassifier(url) {
  const json = await (await fetch(url)).json();
  const meta = json.userDefinedMetadata?.dkl;
  if (!meta) throw new Error(`${url} has no userDefinedMetadata.dkl: export it with dkl export`);
  const model = json.format === 'layers-model' ? await tf.loadLayersModel(url) : await tf.loadGraphModel(url);
  return { model, meta };
}

/** RGBA pixels of the recorded input size -> the normalised NHWC float32 input of one image. */
export function toInput(meta, rgba) {
  const [h, w, c] = meta.inputShape;
  const out = new Float32Array(h * w * c);
  for (let i = 0; i < h * w; i++) {
    for (let k = 0; k < c; k++) {
      // Grey models take the luma of the image, colour models its RGB.
      const v = c === 1 ? (0.299 * rgba[4 * i] + 0.587 * rgba[4 * i + 1] + 0.114 * rgba[4 * i + 2]) / 255 : rgba[4 * i + k] / 255;
      out[i * c + k] = meta.mean ? (v - meta.mean[k]) / meta.std[k] : v;
    }
  }
  return out;
}

/** Draws `source` (image, bitmap) onto `canvas` at the model's input size and returns its RGBA pixels. */
export function pixelsOf(meta, source, canvas) {
  const [h, w] = meta.inputShape;
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(source, 0, 0, w, h);
  return ctx.getImageData(0, 0, w, h).data;
}

/** Class probabilities for a batch of RGBA pixel arrays. */
export function classify(classifier, rgbaImages) {
  const { model, meta } = classifier;
  const [h, w, c] = meta.inputShape;
  return tf.tidy(() => {
    const batch = new Float32Array(rgbaImages.length * h * w * c);
    rgbaImages.forEach((rgba, i) => batch.set(toInput(meta, rgba), i * h * w * c));
    const logits = model.predict(tf.tensor4d(batch, [rgbaImages.length, h, w, c]));
    return tf.softmax(logits).arraySync();
  });
}

/** The `k` most probable classes: `[{ index, label, p }]`. */
export function topK(meta, probabilities, k) {
  return probabilities
    .map((p, index) => ({ index, label: meta.classNames?.[index] ?? String(index), p }))
    .sort((a, b) => b.p - a.p)
    .slice(0, k);
}
