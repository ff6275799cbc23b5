/**
 * Batch-level MixUp and CutMix with soft targets, as torchvision.transforms.v2 defines them: each
 * example is mixed with its neighbour in the batch rolled by one (`batch.roll(1, 0)`), and its
 * one-hot label with the neighbour's, by lambda ~ Beta(alpha, alpha) (CutMix: lambda adjusted to
 * the pasted box's exact area). Every random draw comes from the batch's own seeded generator.
 */
import type { SeededRng } from '@dkl/core';
import type { MixSpec } from './mix-spec.js';

/** Gamma(shape, 1) by Marsaglia and Tsang (2000); shape < 1 boosted by U^(1/shape). */
function gammaSample(rng: SeededRng, shape: number): number {
  if (shape < 1) return gammaSample(rng, shape + 1) * Math.pow(1 - rng.float(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - rng.float();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** A draw of Beta(a, b) from two Gamma draws. */
export function betaSample(rng: SeededRng, a: number, b: number): number {
  const x = gammaSample(rng, a);
  const y = gammaSample(rng, b);
  return x / (x + y);
}

/** What was done to a batch (tests, logs). */
export interface MixRecord {
  readonly kind: 'none' | 'mixup' | 'cutmix';
  /** Weight of each example's own label (CutMix: the exact unpasted area fraction). */
  readonly lambda: number;
  /** CutMix's pasted box, [x1, y1, x2, y2) in pixels. */
  readonly box?: readonly [number, number, number, number];
}

/** A mixed batch: images and labels replaced, soft targets added. */
export interface MixedBatch {
  readonly x: Float32Array;
  /** Each row's dominant class (its own when lambda >= 0.5). */
  readonly y: Int32Array;
  /** float32 [B, C] soft targets, rows summing to 1. */
  readonly targets: Float32Array;
  readonly record: MixRecord;
}

/**
 * Mixes a batch of `shape` [B, H, W, C] images `x` with labels `y` of `numClasses` classes.
 * A batch of one example, or one not chosen by `spec.p`, keeps its pixels and gets one-hot targets.
 */
export function mixBatch(x: Float32Array, y: Int32Array, shape: readonly [number, number, number, number], numClasses: number, spec: MixSpec, rng: SeededRng): MixedBatch {
  const [b, h, w, c] = shape;
  const apply = rng.bernoulli(spec.p) && b > 1;
  const kinds = [...(spec.mixup ? (['mixup'] as const) : []), ...(spec.cutmix ? (['cutmix'] as const) : [])];
  const kind = kinds.length === 2 ? kinds[rng.int(2)]! : kinds[0]!;
  let record: MixRecord = { kind: 'none', lambda: 1 };
  let out = x;
  if (apply) {
    const alpha = kind === 'mixup' ? spec.mixup!.alpha : spec.cutmix!.alpha;
    const lambda = betaSample(rng, alpha, alpha);
    const size = h * w * c;
    out = new Float32Array(x.length);
    if (kind === 'mixup') {
      for (let i = 0; i < b; i++) {
        const own = i * size;
        const other = ((i + b - 1) % b) * size;
        for (let k = 0; k < size; k++) out[own + k] = lambda * x[own + k]! + (1 - lambda) * x[other + k]!;
      }
      record = { kind, lambda };
    } else {
      // torchvision v2 CutMix._get_params: a centre drawn uniformly over the integer grid, half-sides int(r * W) / int(r * H).
      const rx = rng.int(w);
      const ry = rng.int(h);
      const r = 0.5 * Math.sqrt(1 - lambda);
      const halfW = Math.trunc(r * w);
      const halfH = Math.trunc(r * h);
      const x1 = Math.max(rx - halfW, 0);
      const y1 = Math.max(ry - halfH, 0);
      const x2 = Math.min(rx + halfW, w);
      const y2 = Math.min(ry + halfH, h);
      out.set(x);
      for (let i = 0; i < b; i++) {
        const other = ((i + b - 1) % b) * size;
        for (let row = y1; row < y2; row++) {
          const start = (row * w + x1) * c;
          out.set(x.subarray(other + start, other + start + (x2 - x1) * c), i * size + start);
        }
      }
      record = { kind, lambda: 1 - ((x2 - x1) * (y2 - y1)) / (w * h), box: [x1, y1, x2, y2] };
    }
  }
  const targets = new Float32Array(b * numClasses);
  const labels = new Int32Array(b);
  for (let i = 0; i < b; i++) {
    const other = y[(i + b - 1) % b]!;
    targets[i * numClasses + y[i]!] += record.lambda;
    targets[i * numClasses + other] += 1 - record.lambda;
    labels[i] = record.lambda >= 0.5 ? y[i]! : other;
  }
  return { x: out, y: labels, targets, record };
}
