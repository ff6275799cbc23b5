/**
 * The export matrix of issue 16: every zoo architecture at 10 and 100 classes (random weights and
 * random batch-norm statistics, eval mode), exported to tfjs-layers, tfjs-graph and ONNX, run in
 * stock tfjs (over HTTP) and onnxruntime-node, must give dkl's eval-forward logits within
 * TOLERANCE of the logit scale. Each class count is its own model and its own three exports.
 *
 * What makes it fast without removing a case: a batch of 2 at the smallest spatial input each
 * architecture takes (global pooling makes the logits depend on every weight at any size), export
 * directories on a RAM disk, and bulk parameter init. What is left is proportional to weight
 * bytes (init, folding, three serialisations, three loads): architectures above
 * CI_PARAMETER_LIMIT run in `npm run test:export-full` instead of CI (LARGE_ARCHITECTURES).
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { expect } from 'vitest';
import { ARCHITECTURE_NAMES, countModelParams, createModel, exportModel, EXPORT_FORMATS } from '../../src/index.js';
import { randomizeVectors, relativeDiff, runExported, serveDirectory } from './export-helpers.js';

export const TOLERANCE = 1e-4;
export const CLASS_COUNTS = [10, 100] as const;

/** Above this many parameters an architecture's six exports take tens of seconds on 2 cores. */
export const CI_PARAMETER_LIMIT = 12e6;

/** The general `wrn` needs its shape; subBlock1 adds parameters the forward never uses. */
const EXTRA: Readonly<Record<string, Record<string, unknown>>> = { wrn: { depth: 10, widenFactor: 2, subBlock1: true } };

/**
 * Smallest spatial input that still runs every layer: 1x1 for the CIFAR networks that end in
 * global pooling; VGG's five max-pools need 8; the DeepMind WRN's explicitly padded stride-2
 * convolutions need 4 (at 2 a 3x3 kernel meets a 2x2 padded input, which onnxruntime refuses);
 * the ImageNet stems (stride-2 convolution + padded max-pool) keep 32 so the padded pooling sees
 * real borders.
 */
export function inputSizeOf(name: string): number {
  if (/^vgg/.test(name)) return 8;
  if (/_(swish|dm)$/.test(name)) return 4;
  if (/^imagenet_|^MobileNetV1$/.test(name)) return 32;
  return 1;
}

export function parametersOf(name: string): number {
  return countModelParams(name, { numClasses: 100, inputShape: [inputSizeOf(name), inputSizeOf(name), 3], trainableOnly: false, ...(EXTRA[name] ? { extra: EXTRA[name] } : {}) });
}

/** Zoo architectures whose exports are too slow for CI (they run in test:export-full). */
export const LARGE_ARCHITECTURES: readonly string[] = ARCHITECTURE_NAMES.filter((n) => parametersOf(n) > CI_PARAMETER_LIMIT);
export const CI_ARCHITECTURES: readonly string[] = ARCHITECTURE_NAMES.filter((n) => !LARGE_ARCHITECTURES.includes(n));

/** A temporary root on a RAM disk when there is one (the exports are written and read back at once). */
export function scratchRoot(prefix: string): string {
  return mkdtempSync(path.join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), prefix));
}

export interface ExportBench {
  root: string;
  server: { url: string; close: () => Promise<void> };
}

export async function openBench(prefix: string): Promise<ExportBench> {
  const root = scratchRoot(prefix);
  return { root, server: await serveDirectory(root) };
}

export async function closeBench(bench: ExportBench | undefined): Promise<void> {
  if (!bench) return;
  await bench.server.close();
  rmSync(bench.root, { recursive: true, force: true });
}

/** One architecture at one class count: build, export to every format, compare. */
export async function checkArchitecture(bench: ExportBench, name: string, numClasses: number): Promise<void> {
  const size = inputSizeOf(name);
  const before = tf.memory().numTensors;
  const model = createModel(name, { numClasses, inputShape: [size, size, 3], seed: 2, ...(EXTRA[name] ? { extra: EXTRA[name] } : {}) });
  try {
    randomizeVectors(model);
    const x = tf.randomNormal([2, size, size, 3], 0.5, 1, 'float32', 5) as tf.Tensor4D;
    const { logits, features } = model.forward(x, { training: false });
    const expected = logits.dataSync() as Float32Array;
    expect(logits.shape).toEqual([2, numClasses]);
    tf.dispose([logits, ...Object.values(features)]);
    for (const format of EXPORT_FORMATS) {
      const sub = `${name}-${numClasses}-${format}`;
      await exportModel(model, format, { out: path.join(bench.root, sub) });
      const got = await runExported(format, path.join(bench.root, sub), `${bench.server.url}/${sub}`, x);
      expect(got.length).toBe(expected.length);
      expect(relativeDiff(got, expected), `${name} ${format} @${numClasses}`).toBeLessThanOrEqual(TOLERANCE);
      rmSync(path.join(bench.root, sub), { recursive: true });
    }
    x.dispose();
  } finally {
    model.dispose();
  }
  expect(tf.memory().numTensors).toBe(before);
}
