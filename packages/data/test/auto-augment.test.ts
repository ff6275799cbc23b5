/**
 * `auto-augment` against torchvision's AutoAugment (torchvision/transforms/autoaugment.py): the
 * three policy tables, the 10-bin magnitudes, each op's effect at a policy level, the
 * `uniform <= p` application rule and the sign convention, and seeded determinism.
 */
import { describe, expect, it } from 'vitest';
import { SeededRng } from '@dkl/core';
import {
  adjustContrast,
  adjustSharpness,
  applyAutoAugmentStep,
  AUTO_AUGMENT_POLICIES,
  autocontrast,
  compilePipeline,
  createScratch,
  equalize,
  planParams,
  rotate,
  runImage,
  shearY,
  transformSpecSchema,
  type ImageBuffer,
  type TransformSpec,
} from '../src/index.js';
import { autoAugment } from '../src/transforms/ops/auto-augment.js';
import { UNIFORM_SCALE } from '../src/transforms/image-buffer.js';

const image = (height: number, width: number, channels: number, values: number[]): ImageBuffer => ({ data: Float32Array.from(values), height, width, channels });
const ramp = (height: number, width: number): ImageBuffer => image(height, width, 1, Array.from({ length: height * width }, (_, i) => (i * 37) % 256));
const copy = (img: ImageBuffer): ImageBuffer => ({ ...img, data: img.data.slice() });
const round4 = (img: ImageBuffer): number[] => Array.from(img.data, (v) => Math.round(v * 1e4) / 1e4);

describe('auto-augment policy tables (torchvision AutoAugmentPolicy)', () => {
  it('has 25 two-step sub-policies per policy with the published first, middle and last entries', () => {
    for (const policy of ['imagenet', 'cifar10', 'svhn'] as const) {
      expect(AUTO_AUGMENT_POLICIES[policy]).toHaveLength(25);
      for (const sub of AUTO_AUGMENT_POLICIES[policy]) {
        expect(sub).toHaveLength(2);
        for (const [op, p, level] of sub) {
          expect(p).toBeGreaterThanOrEqual(0);
          expect(p).toBeLessThanOrEqual(1);
          // Ops without a magnitude carry no level, the others one of the 10 bins.
          if (['AutoContrast', 'Equalize', 'Invert'].includes(op)) expect(level).toBeNull();
          else expect(level! >= 0 && level! <= 9 && Number.isInteger(level)).toBe(true);
        }
      }
    }
    expect(AUTO_AUGMENT_POLICIES.imagenet[0]).toEqual([['Posterize', 0.4, 8], ['Rotate', 0.6, 9]]);
    expect(AUTO_AUGMENT_POLICIES.imagenet[13]).toEqual([['Invert', 0.6, null], ['Equalize', 1.0, null]]);
    expect(AUTO_AUGMENT_POLICIES.imagenet[24]).toEqual([['Equalize', 0.8, null], ['Equalize', 0.6, null]]);
    expect(AUTO_AUGMENT_POLICIES.cifar10[0]).toEqual([['Invert', 0.1, null], ['Contrast', 0.2, 6]]);
    expect(AUTO_AUGMENT_POLICIES.cifar10[12]).toEqual([['TranslateY', 0.4, 3], ['Sharpness', 0.2, 6]]);
    expect(AUTO_AUGMENT_POLICIES.cifar10[24]).toEqual([['TranslateY', 0.7, 9], ['AutoContrast', 0.9, null]]);
    expect(AUTO_AUGMENT_POLICIES.svhn[0]).toEqual([['ShearX', 0.9, 4], ['Invert', 0.2, null]]);
    expect(AUTO_AUGMENT_POLICIES.svhn[15]).toEqual([['Invert', 0.8, null], ['TranslateY', 0.0, 2]]);
    expect(AUTO_AUGMENT_POLICIES.svhn[24]).toEqual([['ShearX', 0.7, 2], ['Invert', 0.1, null]]);
  });

  it('matches torchvision table-wide: op counts and probability / level sums per policy', () => {
    // Counted in torchvision's tables (autoaugment.py, AutoAugment._get_policies): occurrences
    // of each op, the sum of all 50 probabilities and the sum of all given levels.
    const stats = (policy: keyof typeof AUTO_AUGMENT_POLICIES) => {
      const steps = AUTO_AUGMENT_POLICIES[policy].flat();
      const ops: Record<string, number> = {};
      for (const [op] of steps) ops[op] = (ops[op] ?? 0) + 1;
      const p = Math.round(10 * steps.reduce((a, s) => a + s[1], 0)) / 10;
      const levels = steps.reduce((a, s) => a + (s[2] ?? 0), 0);
      return { ops, p, levels };
    };
    expect(stats('imagenet')).toEqual({
      ops: { Posterize: 5, Rotate: 6, Solarize: 7, AutoContrast: 2, Equalize: 17, Color: 6, Invert: 3, Contrast: 2, Sharpness: 1, ShearX: 1 },
      p: 31,
      levels: 159,
    });
    expect(stats('cifar10')).toEqual({
      ops: { Invert: 3, Contrast: 2, Rotate: 1, TranslateX: 2, Sharpness: 5, ShearY: 2, TranslateY: 5, AutoContrast: 7, Equalize: 9, Posterize: 1, Color: 5, Brightness: 4, Solarize: 4 },
      p: 26.5,
      levels: 187,
    });
    expect(stats('svhn')).toEqual({
      ops: { ShearX: 6, Invert: 12, ShearY: 8, Equalize: 6, Solarize: 5, Rotate: 4, AutoContrast: 3, TranslateY: 4, Contrast: 1, TranslateX: 1 },
      p: 32.9,
      levels: 143,
    });
  });
});

describe('auto-augment ops at policy levels (10 bins, torchvision _augmentation_space)', () => {
  it('Posterize level 8 keeps 4 bits (8 - round(8 / 2.25)), level 0 all 8', () => {
    expect(round4(applyAutoAugmentStep(image(1, 3, 1, [255, 37, 200]), 'Posterize', 8, 1))).toEqual([240, 32, 192]);
    expect(round4(applyAutoAugmentStep(image(1, 3, 1, [255, 37, 200]), 'Posterize', 0, 1))).toEqual([255, 37, 200]);
  });
  it('Solarize level 5 inverts at and above 255 - 255 * 5 / 9 = 113.33', () => {
    expect(round4(applyAutoAugmentStep(image(1, 3, 1, [113, 114, 250]), 'Solarize', 5, 1))).toEqual([113, 141, 5]);
  });
  it('Invert, Equalize and AutoContrast take no magnitude', () => {
    expect(round4(applyAutoAugmentStep(image(1, 2, 1, [0, 100]), 'Invert', null, 0))).toEqual([255, 155]);
    expect(round4(applyAutoAugmentStep(ramp(4, 4), 'Equalize', null, 1))).toEqual(round4(equalize(ramp(4, 4))));
    expect(round4(applyAutoAugmentStep(ramp(4, 4), 'AutoContrast', null, 0))).toEqual(round4(autocontrast(ramp(4, 4))));
  });
  it('TranslateX level 9 moves by int(150 / 331 * width) pixels; sign draw 0 negates', () => {
    // width 32: 14.50 -> 14 pixels.
    const row = image(1, 32, 1, Array.from({ length: 32 }, (_, i) => i + 1));
    expect(round4(applyAutoAugmentStep(copy(row), 'TranslateX', 9, 1))).toEqual([...Array(14).fill(0), ...Array.from({ length: 18 }, (_, i) => i + 1)]);
    expect(round4(applyAutoAugmentStep(copy(row), 'TranslateX', 9, 0))).toEqual([...Array.from({ length: 18 }, (_, i) => i + 15), ...Array(14).fill(0)]);
  });
  it('Rotate level 9 is 30 degrees, ShearY level 8 is 0.3 * 8 / 9, Contrast level 8 is factor 1.8, Sharpness level 7 factor 1.7', () => {
    const src = ramp(9, 9);
    expect(round4(applyAutoAugmentStep(copy(src), 'Rotate', 9, 1))).toEqual(round4(rotate(copy(src), 30)));
    expect(round4(applyAutoAugmentStep(copy(src), 'Rotate', 9, 0))).toEqual(round4(rotate(copy(src), -30)));
    expect(round4(applyAutoAugmentStep(copy(src), 'ShearY', 8, 1))).toEqual(round4(shearY(copy(src), (0.3 * 8) / 9)));
    expect(round4(applyAutoAugmentStep(copy(src), 'Contrast', 8, 1))).toEqual(round4(adjustContrast(copy(src), 1.8)));
    expect(round4(applyAutoAugmentStep(copy(src), 'Contrast', 8, 0))).toEqual(round4(adjustContrast(copy(src), 1 - 0.8)));
    expect(round4(applyAutoAugmentStep(copy(src), 'Sharpness', 7, 1))).toEqual(round4(adjustSharpness(copy(src), 1 + (0.9 * 7) / 9)));
    expect(round4(applyAutoAugmentStep(copy(src), 'Rotate', 9, 1))).not.toEqual(round4(src));
  });
  it('Color level 0 is the identity (factor 1)', () => {
    const rgb = image(1, 2, 3, [10, 200, 30, 90, 80, 70]);
    expect(round4(applyAutoAugmentStep(copy(rgb), 'Color', 0, 0))).toEqual(round4(rgb));
  });
});

describe('auto-augment transform', () => {
  const spec = autoAugment.schema.parse({ kind: 'auto-augment', policy: 'imagenet' });
  it('applies a step when its uniform is <= p (torchvision probs[i] <= p) and in order', () => {
    // imagenet[13]: (Invert, 0.6), (Equalize, 1.0).
    const at = Math.floor(0.6 * UNIFORM_SCALE); // 0.59999... <= 0.6: applied
    const src = image(1, 4, 1, [0, 50, 100, 250]);
    const inverted = round4(applyAutoAugmentStep(copy(src), 'Invert', null, 0));
    const both = round4(equalize(applyAutoAugmentStep(copy(src), 'Invert', null, 0)));
    expect(round4(autoAugment.apply(spec, copy(src), Int32Array.from([13, at, 0, 0, 0]), 0))).toEqual(both);
    expect(round4(autoAugment.apply(spec, copy(src), Int32Array.from([13, at + 1, 0, 0, 0]), 0))).toEqual(round4(equalize(copy(src))));
    // imagenet[12]: (Equalize, 0.0), (Equalize, 0.8): a uniform of exactly 0 still applies a p = 0 step, as in torch.
    expect(round4(autoAugment.apply(spec, copy(src), Int32Array.from([12, 1, UNIFORM_SCALE - 1, 0, 0]), 0))).toEqual(round4(src));
    expect(inverted).toEqual([255, 205, 155, 5]);
  });

  it('is a registered kind with a zod schema (default policy imagenet; unknown policy named)', () => {
    expect(transformSpecSchema.parse({ kind: 'auto-augment' })).toEqual({ kind: 'auto-augment', policy: 'imagenet' });
    const bad = transformSpecSchema.safeParse({ kind: 'auto-augment', policy: 'places' });
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error!.issues)).toContain('policy');
    expect(compilePipeline([0, 0, 3], [{ kind: 'auto-augment', policy: 'svhn' } as unknown as TransformSpec]).paramsPerSample).toBe(5);
  });

  it('draws sub-policies uniformly and applies steps at their probabilities', () => {
    const params = new Int32Array(5);
    const rng = new SeededRng(3);
    const n = 20000;
    const perSub = new Array(25).fill(0);
    let appliedFirst = 0;
    let expectedFirst = 0;
    for (let i = 0; i < n; i++) {
      autoAugment.plan(spec, rng, params, 0);
      perSub[params[0]!]++;
      const p = AUTO_AUGMENT_POLICIES.imagenet[params[0]!]![0][1];
      expectedFirst += p;
      if (params[1]! / UNIFORM_SCALE <= p) appliedFirst++;
      expect(params[3]! === 0 || params[3]! === 1).toBe(true);
    }
    for (const c of perSub) expect(Math.abs(c - n / 25)).toBeLessThan(0.15 * (n / 25));
    expect(Math.abs(appliedFirst - expectedFirst)).toBeLessThan(0.02 * n);
  });

  it('same seed, same pixels (through the pipeline, any image size); another seed differs', () => {
    for (const policy of ['imagenet', 'cifar10', 'svhn']) {
      const p = compilePipeline([0, 0, 3], [{ kind: 'auto-augment', policy } as unknown as TransformSpec, { kind: 'center-crop', size: 12 }, { kind: 'to-float' }]);
      const imgs = [
        { shape: [20, 16, 3] as const, data: Uint8Array.from({ length: 20 * 16 * 3 }, (_, i) => (i * 7) % 256) },
        { shape: [13, 31, 3] as const, data: Uint8Array.from({ length: 13 * 31 * 3 }, (_, i) => (i * 13) % 256) },
      ];
      const run = (seed: number): Float32Array => {
        const params = planParams(p, 16 * imgs.length, new SeededRng(seed));
        const out = new Float32Array(16 * imgs.length * 12 * 12 * 3);
        const scratch = createScratch(p);
        for (let k = 0; k < 16 * imgs.length; k++) {
          const im = imgs[k % imgs.length]!;
          runImage(p, im.data, im.shape, params, k * p.paramsPerSample, out.subarray(k * 432, (k + 1) * 432), scratch);
        }
        return out;
      };
      const a = run(1);
      expect(Array.from(a), policy).toEqual(Array.from(run(1)));
      expect(Array.from(a), policy).not.toEqual(Array.from(run(2)));
      expect(a.every((v) => v >= 0 && v <= 1)).toBe(true);
    }
  });
});
