/**
 * Architecture coverage: one member of every builder family of the zoo, at 10 and 100 classes
 * with random batch-norm statistics, exported to tfjs-layers, tfjs-graph and ONNX and run in
 * stock tfjs / onnxruntime-node, matches dkl's eval forward (the slowest families at one class
 * count, the three largest in one format, see FAMILIES). Larger members of a family (resnet110,
 * wrn_28_10, vgg19_bn...) run the same builder code with more blocks or wider layers; the last test
 * fails when an architecture is added without a family here.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARCHITECTURE_NAMES, createModel, exportModel, type ExportFormat } from '../../src/index.js';
import { useCpu } from '../helpers.js';
import { randomizeVectors, relativeDiff, runExported, serveDirectory } from './export-helpers.js';

const TOLERANCE = 1e-4;

/** Family representative, input size, and which zoo names it stands for. */
const BOTH = [10, 100];
const ALL_FORMATS: readonly ExportFormat[] = ['tfjs-layers', 'tfjs-graph', 'onnx'];
/**
 * To keep the test short, the slowest families run one class count (the class count only changes
 * the final dense layer, which every family exercises) and the three 11M-25M-parameter ones also
 * one format each: both counts and every format across them, and the padded max-pool of the
 * ImageNet stem (zero padding after a ReLU) in both tfjs formats.
 */
const FAMILIES: readonly { name: string; size: number; covers: RegExp; classes?: number[]; formats?: ExportFormat[] }[] = [
  { name: 'tiny_cnn', size: 8, covers: /^tiny_cnn$/ },
  { name: 'resnet8', size: 8, covers: /^resnet\d+(x4)?$/ },
  { name: 'wrn_10_1', size: 8, covers: /^wrn(_\d+_\d+)?$/ },
  { name: 'wrn_10_1_swish', size: 8, covers: /^wrn_\d+_\d+_swish$/ },
  { name: 'wrn_10_1_dm', size: 8, covers: /^wrn_\d+_\d+_dm$/ },
  { name: 'vgg8_bn', size: 8, covers: /^vgg\d+_bn$/, classes: [100] },
  { name: 'mobile_half', size: 8, covers: /^mobile_half$/ },
  { name: 'ShuffleV1', size: 8, covers: /^ShuffleV1$/, classes: [10] },
  { name: 'ShuffleV2', size: 8, covers: /^ShuffleV2$/ },
  // ResNet50 = ResNet18's CIFAR stem and layout with imagenet_resnet50's bottleneck blocks.
  { name: 'ResNet18', size: 8, covers: /^ResNet(18|50)$/, classes: [10], formats: ['onnx'] },
  { name: 'imagenet_resnet18', size: 32, covers: /^imagenet_resnet(18|34)$/, classes: [100], formats: ['tfjs-layers'] },
  { name: 'imagenet_resnet50', size: 32, covers: /^imagenet_resnet50$/, classes: [10], formats: ['tfjs-graph'] },
  { name: 'MobileNetV1', size: 32, covers: /^MobileNetV1$/, classes: [100] },
];

let root: string;
let server: { url: string; close: () => Promise<void> };
beforeAll(async () => {
  await useCpu();
  root = mkdtempSync(path.join(tmpdir(), 'dkl-export-arch-'));
  server = await serveDirectory(root);
});
afterAll(async () => {
  await server?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('every architecture family exports', () => {
  for (const family of FAMILIES) {
    const classes = family.classes ?? BOTH;
    const formats = family.formats ?? ALL_FORMATS;
    it(`${family.name}: ${classes.join(' and ')} classes, ${formats.join(', ')} within ${TOLERANCE}`, async () => {
      for (const numClasses of classes) {
        const model = createModel(family.name, { numClasses, inputShape: [family.size, family.size, 3], seed: 2 });
        randomizeVectors(model);
        const x = tf.randomNormal([2, family.size, family.size, 3], 0.5, 1, 'float32', 5) as tf.Tensor4D;
        const { logits, features } = model.forward(x, { training: false });
        const expected = logits.dataSync() as Float32Array;
        tf.dispose([logits, ...Object.values(features)]);
        for (const format of formats) {
          const sub = `${family.name}-${numClasses}-${format}`;
          await exportModel(model, format, { out: path.join(root, sub) });
          const got = await runExported(format, path.join(root, sub), `${server.url}/${sub}`, x);
          expect(got.length).toBe(expected.length);
          expect(relativeDiff(got, expected), `${family.name} ${format} @${numClasses}`).toBeLessThanOrEqual(TOLERANCE);
          rmSync(path.join(root, sub), { recursive: true });
        }
        x.dispose();
        model.dispose();
      }
    });
  }

  it('every zoo architecture name belongs to a tested family', () => {
    const uncovered = ARCHITECTURE_NAMES.filter((name) => !FAMILIES.some((f) => f.covers.test(name)));
    expect(uncovered).toEqual([]);
  });
});
