import { describe, expect, it } from 'vitest';
import { SeededRng } from '@dkl/core';
import {
  compilePipeline,
  cutout,
  normalizeImage,
  padResize,
  planParams,
  randomCrop,
  randomHorizontalFlip,
  runPipeline,
  toFloatImage,
  type ImageShape,
  type TransformSpec,
} from '../src/index.js';
import { cropKernel } from '../src/transforms/kernels.js';

/** A 4x5x2 image whose value encodes (y, x, c). */
const shape: ImageShape = [4, 5, 2];
const img = Uint8Array.from({ length: 40 }, (_, i) => i + 1);
const at = (data: ArrayLike<number>, s: ImageShape, y: number, x: number, c: number): number => data[(y * s[1] + x) * s[2] + c]!;

describe('pixel transforms', () => {
  it('crop with zero padding shifts by (dy - p, dx - p) and fills zeros', () => {
    const src = Float32Array.from(img);
    const dst = new Float32Array(40);
    cropKernel(src, shape, dst, 2, 0, 3); // shift up-left by (-2, +1)
    for (let y = 0; y < 4; y++)
      for (let x = 0; x < 5; x++)
        for (let c = 0; c < 2; c++) {
          const sy = y - 2;
          const sx = x + 1;
          const want = sy >= 0 && sy < 4 && sx < 5 ? at(img, shape, sy, sx, c) : 0;
          expect(at(dst, shape, y, x, c)).toBe(want);
        }
    cropKernel(src, shape, dst, 2, 2, 2); // centre = identity
    expect(Array.from(dst)).toEqual(Array.from(img));
  });

  it('randomCrop is seeded, offsets stay within the padding', () => {
    const a = randomCrop(img, shape, 4, new SeededRng(5));
    const b = randomCrop(img, shape, 4, new SeededRng(5));
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    const seen = new Set<string>();
    for (let s = 0; s < 60; s++) seen.add(Array.from(randomCrop(img, shape, 1, new SeededRng(s)).data).join());
    expect(seen.size).toBe(9); // all 3 x 3 offsets occur
  });

  it('flip mirrors columns; p = 0 and p = 1 are deterministic', () => {
    const f = randomHorizontalFlip(img, shape, new SeededRng(1), 1);
    for (let y = 0; y < 4; y++) for (let x = 0; x < 5; x++) for (let c = 0; c < 2; c++) expect(at(f.data, shape, y, x, c)).toBe(at(img, shape, y, 4 - x, c));
    expect(Array.from(randomHorizontalFlip(img, shape, new SeededRng(1), 0).data)).toEqual(Array.from(img));
  });

  it('cutout zeros one clipped square and nothing else', () => {
    const big: ImageShape = [10, 10, 1];
    const src = new Uint8Array(100).fill(7);
    for (let s = 0; s < 20; s++) {
      const out = cutout(src, big, 4, new SeededRng(s));
      const zeros = Array.from(out.data).flatMap((v, i) => (v === 0 ? [i] : []));
      const ys = zeros.map((i) => Math.floor(i / 10));
      const xs = zeros.map((i) => i % 10);
      expect(zeros.length).toBeGreaterThan(0);
      expect(zeros.length).toBeLessThanOrEqual(16);
      expect(zeros.length).toBe((Math.max(...ys) - Math.min(...ys) + 1) * (Math.max(...xs) - Math.min(...xs) + 1));
      expect(out.data.filter((v) => v !== 0 && v !== 7).length).toBe(0);
    }
  });

  it('normalize computes (x/255 - mean)/std per channel; toFloat scales to 0-1', () => {
    const n = normalizeImage(img, shape, [0.1, 0.2], [0.5, 0.25]);
    for (let i = 0; i < 40; i++) expect(n.data[i]).toBeCloseTo((img[i]! / 255 - [0.1, 0.2][i % 2]!) / [0.5, 0.25][i % 2]!, 5);
    expect(toFloatImage(img, shape).data[39]).toBeCloseTo(40 / 255, 7);
    expect(() => normalizeImage(img, shape, [0.1, 0.2, 0.3], [1])).toThrow(/transforms\[0\]\.mean/);
  });

  it('pads 28x28x1 to 32x32x3 centred, replicating grey', () => {
    const s: ImageShape = [28, 28, 1];
    const g = Uint8Array.from({ length: 784 }, (_, i) => (i % 251) + 1);
    const out = padResize(g, s, [32, 32, 3]);
    expect(out.shape).toEqual([32, 32, 3]);
    for (let y = 0; y < 32; y++)
      for (let x = 0; x < 32; x++) {
        const inside = y >= 2 && y < 30 && x >= 2 && x < 30;
        for (let c = 0; c < 3; c++) expect(at(out.data, [32, 32, 3], y, x, c)).toBe(inside ? g[(y - 2) * 28 + (x - 2)]! : 0);
      }
    const r = padResize(g, s, [32, 32, 3], 'bilinear');
    expect(r.data.every((v) => v >= 0 && v <= 251)).toBe(true);
    const same = padResize(img, shape, shape, 'bilinear');
    expect(Array.from(same.data)).toEqual(Array.from(img)); // same size resample is the identity
  });

  it('compilePipeline validates steps and tracks shapes', () => {
    const p = compilePipeline([28, 28, 1], [{ kind: 'pad-resize', to: [32, 32, 3] }, { kind: 'random-crop', padding: 4 }, { kind: 'random-flip' }, { kind: 'cutout', size: 8 }]);
    expect(p.outShape).toEqual([32, 32, 3]);
    expect(p.paramsPerSample).toBe(5);
    expect(p.scaled).toBe(false);
    expect(() => compilePipeline([4, 4, 3], [{ kind: 'random-crop', padding: -1 }])).toThrow(/transforms\[0\]\.padding/);
    expect(() => compilePipeline([4, 4, 3], [{ kind: 'blur' } as unknown as TransformSpec])).toThrow(/transforms\[0\]\.kind.*unknown transform 'blur'/);
    expect(() => compilePipeline([4, 4, 3], [{ kind: 'to-float' }, { kind: 'to-float' }])).toThrow(/transforms\[1\]/);
    expect(() => compilePipeline([4, 4, 2], [{ kind: 'pad-resize', to: [4, 4, 3] }])).toThrow(/cannot map 2 channels to 3/);
  });

  it('batched pipeline equals the single-image transforms (x scaled by 1/255 without normalize)', () => {
    const specs: TransformSpec[] = [{ kind: 'random-crop', padding: 2 }, { kind: 'random-flip', p: 1 }];
    const p = compilePipeline(shape, specs);
    const params = planParams(p, 1, new SeededRng(3));
    const out = runPipeline(p, img, 1, params, new Float32Array(40));
    const r = new SeededRng(3);
    const c = randomCrop(img, shape, 2, r);
    const f = randomHorizontalFlip(c.data, shape, r, 1);
    expect(Array.from(out)).toEqual(Array.from(f.data).map((v) => Math.fround(v * (1 / 255))));
  });
});
