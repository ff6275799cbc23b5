/**
 * `dkl predict <exported-model-or-run> <image files or folder...> [--top 5]`: classifies PNG /
 * JPEG files (decoded by @dkl/data) with a tfjs export (`dkl export --format tfjs-layers|tfjs-graph`)
 * or a run's student (best weights), preparing them as recorded: resized to the input size (the
 * evaluation split's `pad-resize` mode, else bilinear), scaled to [0, 1] and normalised with the
 * recorded mean / std. Prints the top classes with their names.
 */
import { existsSync, promises as fs, statSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ArgumentError, ConfigError, DataError, initBackend } from '@dkl/core';
import { decodeImageBytes, imageKindOf, normalizeImage, padResize, toFloatImage, type ImageShape } from '@dkl/data';
import { EXPORT_METADATA_FILE, fileSystemIOHandler, type ExportMetadata } from '@dkl/models';
import { runFiles } from '../run/run-directory.js';
import { loadRunStudent } from './export-command.js';

export interface PredictCommandOptions {
  readonly top?: number;
  readonly print?: (text: string) => void;
  readonly log?: (line: string) => void;
}

export interface Prediction {
  readonly file: string;
  readonly top: readonly { readonly index: number; readonly label: string; readonly probability: number }[];
}

interface Classifier {
  readonly inputShape: readonly [number, number, number];
  readonly mean: readonly number[] | null;
  readonly std: readonly number[] | null;
  readonly classNames: readonly string[] | null;
  readonly resizeMode: 'pad' | 'bilinear';
  readonly logits: (x: tf.Tensor4D) => tf.Tensor;
  readonly dispose: () => void;
}

function resizeModeOf(transforms: unknown): 'pad' | 'bilinear' {
  const step = (Array.isArray(transforms) ? transforms : []).find((t: { kind?: string }) => t?.kind === 'pad-resize') as { mode?: 'pad' | 'bilinear' } | undefined;
  return step ? (step.mode ?? 'pad') : 'bilinear';
}

async function openClassifier(target: string, log?: (line: string) => void): Promise<Classifier> {
  const metaFile = path.join(target, EXPORT_METADATA_FILE);
  if (existsSync(metaFile)) {
    const meta = JSON.parse(await fs.readFile(metaFile, 'utf8')) as ExportMetadata;
    if (meta.format === 'onnx') {
      throw new ArgumentError('<exported-model-or-run>', `${target} is an onnx export; dkl predict runs tfjs-layers / tfjs-graph exports and run directories`);
    }
    await initBackend({ log: log ?? ((l) => process.stderr.write(`${l}\n`)) });
    const handler = fileSystemIOHandler(target);
    const model = meta.format === 'tfjs-layers' ? await tf.loadLayersModel(handler) : await tf.loadGraphModel(handler);
    return {
      ...meta,
      resizeMode: resizeModeOf(meta.extra?.['evalTransforms']),
      logits: (x) => model.predict(x) as tf.Tensor,
      dispose: () => model.dispose(),
    };
  }
  if (existsSync(runFiles(target).config)) {
    const student = await loadRunStudent(target, 'best', log);
    return {
      inputShape: student.model.inputShape,
      mean: student.input.mean ?? null,
      std: student.input.std ?? null,
      classNames: student.input.classNames ?? null,
      resizeMode: resizeModeOf(student.evalTransforms),
      logits: (x) => student.model.forward(x, { training: false }).logits,
      dispose: () => student.model.dispose(),
    };
  }
  throw new ConfigError('', `'${target}' is neither a dkl export (no ${EXPORT_METADATA_FILE}) nor a run directory (no config.json)`);
}

/** Image files named directly or found (non-recursively) in the given folders, in order. */
async function imageFiles(inputs: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const input of inputs) {
    if (!existsSync(input)) throw new DataError(input, 'does not exist');
    if (statSync(input).isDirectory()) {
      const found = (await fs.readdir(input)).filter((f) => imageKindOf(f)).sort();
      if (found.length === 0) throw new DataError(input, 'has no .png / .jpg / .jpeg files');
      files.push(...found.map((f) => path.join(input, f)));
    } else if (imageKindOf(input)) files.push(input);
    else throw new DataError(input, 'is not a .png / .jpg / .jpeg file');
  }
  return files;
}

/** The model input for one image file: decoded, resized to the input size, scaled and normalised. */
async function prepare(file: string, c: Classifier): Promise<Float32Array> {
  const [h, w, channels] = c.inputShape;
  let image;
  try {
    image = decodeImageBytes(await fs.readFile(file), imageKindOf(file)!, channels === 1 ? 1 : 3);
  } catch (error) {
    throw new DataError(file, `cannot be decoded: ${(error as Error).message}`);
  }
  const shape: ImageShape = [image.height, image.width, image.channels];
  const sized = image.height === h && image.width === w ? image.data : padResize(image.data, shape, [h, w, channels], c.resizeMode).data;
  return c.mean && c.std ? normalizeImage(sized, [h, w, channels], c.mean, c.std).data : toFloatImage(sized, [h, w, channels]).data;
}

export async function predictCommand(target: string, inputs: readonly string[], options: PredictCommandOptions = {}): Promise<Prediction[]> {
  const print = options.print ?? ((t: string) => process.stdout.write(`${t}\n`));
  const top = options.top ?? 5;
  if (!Number.isInteger(top) || top < 1) throw new ArgumentError('--top', `must be a positive integer, got ${options.top}`);
  if (inputs.length === 0) throw new ArgumentError('<images>', 'name at least one image file or folder');
  const files = await imageFiles(inputs);
  const classifier = await openClassifier(target, options.log);
  try {
    const [h, w, c] = classifier.inputShape;
    const batch = new Float32Array(files.length * h * w * c);
    for (let i = 0; i < files.length; i++) batch.set(await prepare(files[i]!, classifier), i * h * w * c);
    const probabilities = tf.tidy(() => tf.softmax(classifier.logits(tf.tensor4d(batch, [files.length, h, w, c]))).arraySync() as number[][]);
    const predictions = files.map((file, i) => ({
      file,
      top: probabilities[i]!
        .map((probability, index) => ({ index, label: classifier.classNames?.[index] ?? String(index), probability }))
        .sort((a, b) => b.probability - a.probability)
        .slice(0, top),
    }));
    for (const p of predictions) print(`${p.file}: ${p.top.map((t) => `${t.label} ${(100 * t.probability).toFixed(1)}%`).join(', ')}`);
    return predictions;
  } finally {
    classifier.dispose();
  }
}
