// The page's assets: Fashion-MNIST images and the teacher's weights, written by
// scripts/make-assets.mjs. Formats:
//   fashion-mnist.json { side, classes, splits: { train|test: { count, offset } } } + fashion-mnist.bin
//     (count * side * side uint8 pixels, then count uint8 labels, per split at its byte offset)
//   teacher.json { arch, numClasses, inputShape, variables: [{ name, shape, offset }] } + teacher.bin
//     (float32 little-endian values of each variable at its byte offset)
import * as tf from '@tensorflow/tfjs';
import { createModel } from '@dkl/models';

/** One split as `{ images, labels, side }`. */
export function readSplit(manifest, bytes, split) {
  const { count, offset } = manifest.splits[split];
  const pixels = manifest.side * manifest.side;
  return {
    images: bytes.subarray(offset, offset + count * pixels),
    labels: bytes.subarray(offset + count * pixels, offset + count * pixels + count),
    side: manifest.side,
  };
}

/** The teacher with its trained weights (every variable, BatchNorm statistics included). */
export function buildTeacher(manifest, buffer) {
  const model = createModel(manifest.arch, { numClasses: manifest.numClasses, inputShape: manifest.inputShape, seed: 0 });
  const variables = model.namedVariables();
  if (variables.size !== manifest.variables.length) throw new Error(`teacher.json lists ${manifest.variables.length} variables, ${manifest.arch} has ${variables.size}`);
  for (const { name, shape, offset } of manifest.variables) {
    const v = variables.get(name);
    if (!v || v.shape.join() !== shape.join()) throw new Error(`teacher.json: variable ${name} [${shape}] does not match ${manifest.arch}`);
    const size = shape.reduce((a, b) => a * b, 1);
    tf.tidy(() => v.assign(tf.tensor(new Float32Array(buffer, offset, size), shape)));
  }
  return model;
}

/** Fetches everything the page needs from `base` (a URL ending in '/'). */
export async function fetchAssets(base) {
  const get = async (name, kind) => {
    const response = await fetch(new URL(name, base));
    if (!response.ok) throw new Error(`GET ${name}: HTTP ${response.status}`);
    return kind === 'json' ? response.json() : response.arrayBuffer();
  };
  const [dataManifest, dataBytes, teacherManifest, teacherBytes] = await Promise.all([
    get('fashion-mnist.json', 'json'),
    get('fashion-mnist.bin', 'bin'),
    get('teacher.json', 'json'),
    get('teacher.bin', 'bin'),
  ]);
  const bytes = new Uint8Array(dataBytes);
  return {
    classes: dataManifest.classes,
    train: readSplit(dataManifest, bytes, 'train'),
    test: readSplit(dataManifest, bytes, 'test'),
    teacher: buildTeacher(teacherManifest, teacherBytes),
  };
}
