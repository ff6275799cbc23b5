/**
 * Seeded synthetic images for tests and demos: each class is a fixed mixture of Gaussian blobs
 * (random centres, widths and per-channel colours drawn from the seed); each example is its
 * class's blobs, jittered in position and brightness, plus pixel noise. Classes differ in where
 * the bright spots are, so a small conv or dense network learns them in a few epochs.
 */
import { ArgumentError, SeededRng, type Dataset } from '@dkl/core';
import { ArrayDataset } from './array-dataset.js';

/** Options of {@link makeSyntheticDataset}. */
export interface SyntheticOptions {
  /** `[H, W, C]`. */
  readonly shape: readonly [number, number, number];
  readonly numClasses: number;
  /** Number of examples; labels cycle 0, 1, ..., C-1 so classes are balanced. */
  readonly size: number;
  readonly seed: number | string;
  /** Blobs per class (default 2). */
  readonly blobsPerClass?: number;
  /** Pixel noise standard deviation in 0-1 units (default 0.1). */
  readonly noise?: number;
  /** Max centre jitter as a fraction of the side (default 0.05). */
  readonly jitter?: number;
  /** Seed of the class prototypes; share it between train and test sets (default: `seed`). */
  readonly prototypeSeed?: number | string;
  readonly name?: string;
}

interface Blob {
  cy: number;
  cx: number;
  sigma: number;
  color: number[];
}

/** Generates a synthetic Gaussian-blob dataset; the same options always give the same bytes. */
export function makeSyntheticDataset(options: SyntheticOptions): Dataset {
  const { shape, numClasses, size } = options;
  if (!Array.isArray(shape) || shape.length !== 3 || shape.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new ArgumentError('options.shape', `must be [H, W, C] of positive integers, got ${JSON.stringify(shape)}`);
  }
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new ArgumentError('options.numClasses', `must be a positive integer, got ${numClasses}`);
  if (!Number.isInteger(size) || size < 0) throw new ArgumentError('options.size', `must be a non-negative integer, got ${size}`);
  const noise = options.noise ?? 0.1;
  const jitter = options.jitter ?? 0.05;
  const k = options.blobsPerClass ?? 2;
  if (!(noise >= 0)) throw new ArgumentError('options.noise', `must be >= 0, got ${noise}`);
  if (!Number.isInteger(k) || k < 1) throw new ArgumentError('options.blobsPerClass', `must be a positive integer, got ${k}`);
  const [h, w, c] = shape;
  const protoRng = new SeededRng(options.prototypeSeed ?? options.seed).fork('prototypes');
  const classes: Blob[][] = Array.from({ length: numClasses }, () =>
    Array.from({ length: k }, () => ({
      cy: protoRng.uniform(0.15, 0.85) * h,
      cx: protoRng.uniform(0.15, 0.85) * w,
      sigma: protoRng.uniform(0.08, 0.18) * Math.min(h, w),
      color: Array.from({ length: c }, () => protoRng.uniform(0.4, 1)),
    })),
  );
  const rng = new SeededRng(options.seed).fork('examples');
  const images = new Uint8Array(size * h * w * c);
  const labels = new Int32Array(size);
  const pixel = new Float32Array(c);
  for (let n = 0; n < size; n++) {
    const label = n % numClasses;
    labels[n] = label;
    const blobs = classes[label]!.map((b) => ({
      cy: b.cy + rng.uniform(-jitter, jitter) * h,
      cx: b.cx + rng.uniform(-jitter, jitter) * w,
      inv: 1 / (2 * b.sigma * b.sigma),
      color: b.color.map((v) => v * rng.uniform(0.8, 1.2)),
    }));
    const base = n * h * w * c;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        pixel.fill(0);
        for (const b of blobs) {
          const g = Math.exp(-((y - b.cy) ** 2 + (x - b.cx) ** 2) * b.inv);
          for (let ch = 0; ch < c; ch++) pixel[ch]! += g * b.color[ch]!;
        }
        for (let ch = 0; ch < c; ch++) {
          const v = pixel[ch]! + (noise > 0 ? rng.normal(0, noise) : 0);
          images[base + (y * w + x) * c + ch] = Math.round(255 * Math.min(1, Math.max(0, v)));
        }
      }
    }
  }
  return new ArrayDataset({ name: options.name ?? 'synthetic', shape: [h, w, c], numClasses, images, labels });
}
