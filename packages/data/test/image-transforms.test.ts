/**
 * The per-image transforms against hand computations from torchvision's definitions
 * (torchvision.transforms.functional on float tensors; PIL's antialiased bilinear resize).
 */
import { describe, expect, it } from 'vitest';
import { SeededRng } from '@dkl/core';
import {
  adjustBrightness,
  adjustContrast,
  adjustHue,
  adjustSaturation,
  adjustSharpness,
  autocontrast,
  centerCropImage,
  compilePipeline,
  equalize,
  opSpace,
  planParams,
  posterize,
  randomResizedCropBox,
  resizeBox,
  resizedSize,
  rotate,
  runImage,
  runPipeline,
  createScratch,
  shearX,
  solarize,
  toGrayscale,
  translate,
  type ImageBuffer,
  type TransformSpec,
} from '../src/index.js';
import { colorJitter } from '../src/transforms/ops/color-jitter.js';

const image = (height: number, width: number, channels: number, values: number[]): ImageBuffer => ({ data: Float32Array.from(values), height, width, channels });
const values = (img: ImageBuffer): number[] => Array.from(img.data, (v) => Math.round(v * 1e4) / 1e4);

describe('resizeBox (antialiased bilinear, PIL / torchvision antialias=True)', () => {
  it('downscales 4 -> 2 with the widened triangle filter', () => {
    // out0: centre 1.0, support 2: taps 0,1,2 weighted 0.75, 0.75, 0.25 (sum 1.75).
    const out = resizeBox(image(1, 4, 1, [0, 10, 20, 30]), 0, 0, 1, 4, 1, 2);
    expect(values(out)).toEqual([Math.round((12.5 / 1.75) * 1e4) / 1e4, Math.round((40 / 1.75) * 1e4) / 1e4]);
  });
  it('upscales 2 -> 4 as bilinear with half-pixel centres', () => {
    expect(values(resizeBox(image(1, 2, 1, [0, 100]), 0, 0, 1, 2, 1, 4))).toEqual([0, 25, 75, 100]);
  });
  it('copies pixels exactly at scale 1 and only reads inside the box', () => {
    const src = image(3, 3, 1, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(values(resizeBox(src, 1, 1, 2, 2, 2, 2))).toEqual([5, 6, 8, 9]);
    // A 1x1 output of the box (1,1,2,2) averages exactly its 4 pixels.
    expect(values(resizeBox(src, 1, 1, 2, 2, 1, 1))).toEqual([7]);
  });

  /** The filter written out directly: normalised triangle taps; row sums in float64 stored as float32; column taps added in float64, rounded to float32. */
  const reference = (src: ImageBuffer, top: number, left: number, bh: number, bw: number, oh: number, ow: number): Float32Array => {
    const weights = (start: number, size: number, out: number, i: number): [number, number[]] => {
      const scale = size / out;
      const fs = Math.max(scale, 1);
      const centre = start + (i + 0.5) * scale;
      const lo = Math.max(start, Math.trunc(centre - fs + 0.5));
      const hi = Math.min(start + size, Math.trunc(centre + fs + 0.5));
      const w = Array.from({ length: hi - lo }, (_, k) => Math.max(0, 1 - Math.abs((lo + k + 0.5 - centre) / fs)));
      const sum = w.reduce((a, b) => a + b, 0);
      return [lo, w.map((v) => v / sum)];
    };
    const c = src.channels;
    const mid = new Float32Array(bh * ow * c);
    for (let y = 0; y < bh; y++)
      for (let x = 0; x < ow; x++) {
        const [lo, w] = weights(left, bw, ow, x);
        for (let k = 0; k < c; k++) mid[(y * ow + x) * c + k] = w.reduce((a, wj, j) => a + wj * src.data[((top + y) * src.width + lo + j) * c + k]!, 0);
      }
    const out = new Float32Array(oh * ow * c);
    for (let y = 0; y < oh; y++) {
      const [lo, w] = weights(top, bh, oh, y);
      for (let i = 0; i < ow * c; i++) out[y * ow * c + i] = w.reduce((a, wj, j) => Math.fround(a + wj * mid[(lo - top + j) * ow * c + i]!), 0);
    }
    return out;
  };

  it('matches the filter written out, bit for bit, for 1 to 7 vertical taps, bytes or floats, into a reused array', () => {
    const rng = new SeededRng(3);
    const bytes = Uint8Array.from({ length: 40 * 31 * 3 }, () => rng.int(256));
    const src = { data: Float32Array.from(bytes), height: 40, width: 31, channels: 3 };
    const fromBytes = { ...src, data: bytes as unknown as Float32Array };
    const into = new Float32Array(40 * 40 * 3);
    // box heights over output heights: upscale, 1x, 1.3x, 1.9x, 2.6x, 3x downscale
    for (const [bh, oh] of [[7, 20], [12, 12], [26, 20], [38, 20], [39, 15], [36, 12]] as const) {
      const want = reference(src, 2, 3, bh, 25, oh, 11);
      expect(Array.from(resizeBox(src, 2, 3, bh, 25, oh, 11).data), `${bh} -> ${oh}`).toEqual(Array.from(want));
      into.fill(Number.NaN); // stale contents must not leak into the result
      const reused = resizeBox(fromBytes, 2, 3, bh, 25, oh, 11, into);
      expect(reused.data.buffer).toBe(into.buffer);
      expect(Array.from(reused.data), `${bh} -> ${oh} from bytes`).toEqual(Array.from(want));
    }
    const grey = { data: Float32Array.from({ length: 9 * 13 }, () => rng.int(256)), height: 9, width: 13, channels: 1 };
    expect(Array.from(resizeBox(grey, 1, 0, 8, 13, 3, 5).data)).toEqual(Array.from(reference(grey, 1, 0, 8, 13, 3, 5)));
  });
});

describe('random-resized-crop, resize, center-crop', () => {
  it('picks the box of torchvision get_params for given uniforms', () => {
    // scale 0.08 -> area 1600 of 100x200, aspect 1 -> 40x40, top floor(0.5 * 61), left floor(0.999 * 161).
    const u = [0, 0.5, 0.5, 0.999];
    expect(randomResizedCropBox(100, 200, [0.08, 1], [3 / 4, 4 / 3], (i) => u[i % 4]!)).toEqual([30, 160, 40, 40]);
    // Never fits (104x104 > height 100) -> central crop clamped to ratio 4/3: 100 x round(133.3).
    expect(randomResizedCropBox(100, 200, [0.08, 1], [3 / 4, 4 / 3], () => 0.5)).toEqual([0, 33, 100, 133]);
  });
  it('Resize(256) sets the shorter side: 500x375 -> 341x256', () => {
    expect(resizedSize(256, 375, 500)).toEqual([256, 341]);
    expect(resizedSize(256, 500, 375)).toEqual([341, 256]);
    expect(resizedSize([10, 20], 500, 375)).toEqual([10, 20]);
  });
  it('CenterCrop uses Python rounding of the offsets and pads smaller images with zeros', () => {
    const src = image(4, 4, 1, Array.from({ length: 16 }, (_, i) => i));
    expect(values(centerCropImage(src, 2, 2))).toEqual([5, 6, 9, 10]);
    expect(values(centerCropImage(src, 3, 3))).toEqual([0, 1, 2, 4, 5, 6, 8, 9, 10]); // round(0.5) = 0
    expect(values(centerCropImage(image(2, 2, 1, [1, 2, 3, 4]), 4, 4))).toEqual([0, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 0]);
  });
});

describe('photometric ops', () => {
  const rgb = (): ImageBuffer => image(1, 2, 3, [100, 200, 50, 0, 40, 80]);
  it('brightness scales and clamps', () => {
    expect(values(adjustBrightness(rgb(), 1.5))).toEqual([150, 255, 75, 0, 60, 120]);
  });
  it('contrast blends with the mean grayscale', () => {
    const mean = (0.2989 * 100 + 0.587 * 200 + 0.114 * 50 + 0.2989 * 0 + 0.587 * 40 + 0.114 * 80) / 2;
    const expected = [100, 200, 50, 0, 40, 80].map((v) => Math.min(255, Math.max(0, 0.5 * v + 0.5 * mean)));
    expect(values(adjustContrast(rgb(), 0.5))).toEqual(expected.map((v) => Math.round(v * 1e4) / 1e4));
  });
  it('saturation 0 is grayscale; grayscale replicates luma', () => {
    const g0 = 0.2989 * 100 + 0.587 * 200 + 0.114 * 50;
    const g1 = 0.2989 * 0 + 0.587 * 40 + 0.114 * 80;
    const expected = [g0, g0, g0, g1, g1, g1].map((v) => Math.round(v * 1e4) / 1e4);
    expect(values(adjustSaturation(rgb(), 0))).toEqual(expected);
    expect(values(toGrayscale(rgb()))).toEqual(expected);
  });
  it('hue rotates through HSV: red +1/3 -> green, red +1/2 -> cyan, -1/3 -> blue', () => {
    expect(values(adjustHue(image(1, 1, 3, [255, 0, 0]), 1 / 3))).toEqual([0, 255, 0]);
    expect(values(adjustHue(image(1, 1, 3, [255, 0, 0]), 0.5))).toEqual([0, 255, 255]);
    expect(values(adjustHue(image(1, 1, 3, [255, 0, 0]), -1 / 3))).toEqual([0, 0, 255]);
    expect(values(adjustHue(image(1, 1, 3, [60, 60, 60]), 0.3))).toEqual([60, 60, 60]); // grey has no hue
  });
  it('sharpness blends with the 3x3 [1,1,1;1,5,1;1,1,1]/13 smoothing, borders kept', () => {
    const src = image(3, 3, 1, [0, 0, 0, 0, 13, 0, 0, 0, 0]);
    // degenerate centre = 5 * 13 / 13 = 5; factor 2: 2 * 13 - 5 = 21.
    expect(values(adjustSharpness(src, 2))).toEqual([0, 0, 0, 0, 21, 0, 0, 0, 0]);
  });
  it('posterize, solarize, autocontrast', () => {
    expect(values(posterize(image(1, 3, 1, [200, 15, 255]), 4))).toEqual([192, 0, 240]);
    expect(values(solarize(image(1, 3, 1, [100, 200, 128]), 128))).toEqual([100, 55, 127]);
    expect(values(autocontrast(image(1, 3, 1, [50, 100, 150])))).toEqual([0, 127.5, 255]);
  });
  it('equalize follows torchvision _scale_channel', () => {
    // 512 x 10, 256 x 20, 256 x 30: step = floor(768 / 255) = 3; lut = floor((cumsum + 1) / 3) shifted.
    const px = [...Array(512).fill(10), ...Array(256).fill(20), ...Array(256).fill(30)];
    const out = equalize(image(32, 32, 1, px));
    expect([out.data[0], out.data[600], out.data[900]]).toEqual([0, 171, 255]);
    // Too few non-top pixels (step 0): unchanged.
    expect(values(equalize(image(1, 4, 1, [0, 0, 1, 2])))).toEqual([0, 0, 1, 2]);
  });
});

describe('geometric ops (tensor semantics: centred grid, nearest, zero fill)', () => {
  const two = (): ImageBuffer => image(2, 2, 1, [1, 2, 3, 4]);
  it('rotate 90 is counter-clockwise', () => {
    expect(values(rotate(two(), 90))).toEqual([2, 4, 1, 3]);
    expect(values(rotate(two(), -90))).toEqual([3, 1, 4, 2]);
  });
  it('translate shifts by int(magnitude) with zero fill', () => {
    expect(values(translate(image(1, 3, 1, [1, 2, 3]), 1.9, 0))).toEqual([0, 1, 2]);
    expect(values(translate(image(3, 1, 1, [1, 2, 3]), 0, -1))).toEqual([2, 3, 0]);
  });
  it('shearX about the top-left corner samples x + m * (y + 0.5)', () => {
    // m = 2: row 0 reads x + 1, row 1 reads x + 3.
    expect(values(shearX(image(2, 4, 1, [1, 2, 3, 4, 5, 6, 7, 8]), 2))).toEqual([2, 3, 4, 0, 8, 0, 0, 0]);
  });
  it('RandAugment / TrivialAugmentWide magnitudes match torchvision _augmentation_space', () => {
    expect(opSpace('ShearX', 'rand', 31, 32, 32)[0]![9]).toBeCloseTo(0.09, 12);
    expect(opSpace('TranslateX', 'rand', 31, 32, 32)[0]![9]).toBeCloseTo(((150 / 331) * 32 * 9) / 30, 12);
    expect(opSpace('Rotate', 'rand', 31, 32, 32)).toEqual([expect.any(Array), true]);
    expect(opSpace('Posterize', 'rand', 31, 32, 32)[0]![9]).toBe(7); // 8 - round(9 / 7.5)
    expect(opSpace('Posterize', 'trivial-wide', 31, 32, 32)[0]!.slice(0, 4)).toEqual([8, 8, 8, 7]); // 8 - round(i / 5), half to even
    expect(opSpace('Solarize', 'rand', 31, 32, 32)[0]![30]).toBe(0);
    expect(opSpace('TranslateX', 'trivial-wide', 31, 32, 999)[0]![30]).toBe(32);
    expect(opSpace('Equalize', 'rand', 31, 32, 32)).toEqual([undefined, false]);
  });
});

describe('pipelines with per-image transforms', () => {
  it('compiles a varying-size pipeline to a fixed output and validates with the zod schemas', () => {
    const p = compilePipeline([0, 0, 3], [{ kind: 'random-resized-crop', size: 8 }, { kind: 'random-flip' }, { kind: 'color-jitter', brightness: 0.4 }, { kind: 'normalize', mean: [0.5], std: [0.5] }]);
    expect(p.outShape).toEqual([8, 8, 3]);
    expect(p.steps[0]!.spec).toEqual({ kind: 'random-resized-crop', size: 8, scale: [0.08, 1], ratio: [3 / 4, 4 / 3] });
    expect(p.paramsPerSample).toBe(40 + 1 + 8);
    expect(compilePipeline([0, 0, 3], [{ kind: 'resize', size: 256 }]).outShape).toEqual([0, 0, 3]);
    expect(compilePipeline([375, 500, 3], [{ kind: 'resize', size: 256 }, { kind: 'center-crop', size: 224 }]).steps.map((s) => s.outShape)).toEqual([
      [256, 341, 3],
      [224, 224, 3],
    ]);
    expect(() => compilePipeline([0, 0, 3], [{ kind: 'random-resized-crop', size: 0 } as TransformSpec])).toThrow(/argument 'transforms\[0\]\.size'/);
    expect(() => compilePipeline([0, 0, 3], [{ kind: 'rand-augment', N: 2, M: 31 } as TransformSpec])).toThrow(/transforms\[0\]\.M.*below bins/);
    expect(() => compilePipeline([0, 0, 3], [{ kind: 'cutout', size: 4 }])).toThrow(/transforms\[0\].*fixed image size/);
    expect(() => compilePipeline([8, 8, 3], [{ kind: 'auto-jitter' } as unknown as TransformSpec])).toThrow(/unknown transform 'auto-jitter' \(known: .*random-resized-crop, resize, center-crop, color-jitter, random-grayscale, rand-augment, trivial-augment/);
  });

  it('runs images of different sizes through one pipeline; the same seed gives the same pixels', () => {
    const p = compilePipeline([0, 0, 3], [{ kind: 'random-resized-crop', size: [6, 5] }, { kind: 'rand-augment', N: 2, M: 9 }, { kind: 'to-float' }]);
    const imgs = [
      { shape: [40, 30, 3] as const, data: Uint8Array.from({ length: 3600 }, (_, i) => (i * 7) % 256) },
      { shape: [13, 57, 3] as const, data: Uint8Array.from({ length: 13 * 57 * 3 }, (_, i) => (i * 13) % 256) },
    ];
    const run = (seed: string): Float32Array => {
      const params = planParams(p, 2, new SeededRng(seed));
      const out = new Float32Array(2 * 6 * 5 * 3);
      const scratch = createScratch(p);
      imgs.forEach((im, i) => runImage(p, im.data, im.shape, params, i * p.paramsPerSample, out.subarray(i * 90, (i + 1) * 90), scratch));
      return out;
    };
    const a = run('s');
    expect(Array.from(a)).toEqual(Array.from(run('s')));
    expect(Array.from(a)).not.toEqual(Array.from(run('t')));
    expect(a.every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  it('a first random-resized-crop / resize reads the decoded bytes directly: same pixels as from a float copy', () => {
    const src = Uint8Array.from({ length: 37 * 23 * 3 }, (_, i) => (i * 29 + (i >> 5)) % 256);
    for (const first of [{ kind: 'random-resized-crop', size: [9, 7] }, { kind: 'resize', size: 11 }] as TransformSpec[]) {
      const direct = compilePipeline([37, 23, 3], [first, { kind: 'to-float' }]);
      // A no-op flip first makes the crop / resize read a float copy of the image.
      const viaFloat = compilePipeline([37, 23, 3], [{ kind: 'random-flip', p: 0 }, first, { kind: 'to-float' }]);
      const params = planParams(direct, 1, new SeededRng(4));
      const withFlip = Int32Array.from([0, ...params]);
      const len = direct.outShape[0] * direct.outShape[1] * 3;
      const a = new Float32Array(len);
      const b = new Float32Array(len);
      runImage(direct, src, [37, 23, 3], params, 0, a, createScratch(direct));
      runImage(viaFloat, src, [37, 23, 3], withFlip, 0, b, createScratch(viaFloat));
      expect(Array.from(a)).toEqual(Array.from(b));
      expect(new Set(a).size).toBeGreaterThan(10);
    }
  });

  it('color-jitter applies its factors in the drawn order', () => {
    const spec = colorJitter.schema.parse({ kind: 'color-jitter', brightness: [2, 2], contrast: [0.5, 0.5] });
    const img = (): ImageBuffer => image(1, 2, 1, [10, 200]);
    // order [0, 1]: brightness x2 -> [20, 255 (clamped)], then contrast 0.5 about the mean 137.5.
    const params = Int32Array.from([0, 1, 2, 3, 0, 0, 0, 0]);
    expect(values(colorJitter.apply(spec, img(), params, 0))).toEqual([78.75, 196.25]);
    // order [1, 0]: contrast 0.5 about the mean 105 -> [57.5, 152.5], then x2 -> [115, 255].
    params.set([1, 0, 2, 3]);
    expect(values(colorJitter.apply(spec, img(), params, 0))).toEqual([115, 255]);
    const b = colorJitter.schema.parse({ kind: 'color-jitter', brightness: [2, 2], saturation: [0, 0] });
    expect(values(colorJitter.apply(b, image(1, 1, 3, [100, 20, 20]), Int32Array.from([0, 2, 1, 3, 0, 0, 0, 0]), 0))).toEqual(
      [1, 1, 1].map(() => Math.round(2 * (0.2989 * 100 + 0.587 * 20 + 0.114 * 20) * 1e4) / 1e4),
    );
  });

  it('fixed-size datasets take the same transforms through runPipeline', () => {
    const p = compilePipeline([4, 4, 1], [{ kind: 'center-crop', size: 2 }, { kind: 'random-grayscale', p: 1 }]);
    const out = runPipeline(p, Uint8Array.from({ length: 16 }, (_, i) => i), 1, planParams(p, 1, new SeededRng(0)), new Float32Array(4));
    expect(Array.from(out)).toEqual([5, 6, 9, 10].map((v) => Math.fround(v / 255)));
  });
});

describe('transformSpecSchema (config validation of every kind)', () => {
  it('accepts every kind, fills per-image defaults, and names the offending key', async () => {
    const { transformSpecSchema } = await import('../src/index.js');
    expect(transformSpecSchema.parse({ kind: 'random-resized-crop', size: 224 })).toEqual({ kind: 'random-resized-crop', size: 224, scale: [0.08, 1], ratio: [3 / 4, 4 / 3] });
    expect(transformSpecSchema.parse({ kind: 'random-crop', padding: 4 })).toEqual({ kind: 'random-crop', padding: 4 });
    for (const kind of ['resize', 'center-crop']) expect(transformSpecSchema.safeParse({ kind, size: 8 }).success).toBe(true);
    for (const kind of ['color-jitter', 'random-grayscale', 'rand-augment', 'trivial-augment', 'random-flip', 'to-float']) expect(transformSpecSchema.safeParse({ kind }).success, kind).toBe(true);
    const bad = transformSpecSchema.safeParse({ kind: 'random-crop', padding: 4, size: 32 });
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error!.issues)).toContain('size');
    expect(transformSpecSchema.safeParse({ kind: 'rand-augmnet' }).success).toBe(false);
    expect(transformSpecSchema.safeParse({ kind: 'color-jitter', hue: 0.7 }).success).toBe(false);
  });
});

describe('registry and config schema agree', () => {
  it('every registered per-image kind is in transformSpecSchema', async () => {
    const { transformSpecSchema, imageTransformDefinitions } = await import('../src/index.js');
    for (const d of imageTransformDefinitions) {
      const sample = d.kind === 'resize' || d.kind === 'center-crop' || d.kind === 'random-resized-crop' ? { kind: d.kind, size: 4 } : { kind: d.kind };
      expect(transformSpecSchema.parse(sample), d.kind).toEqual(d.schema.parse(sample));
    }
  });
});
