import * as tf from '@tensorflow/tfjs';
import { SeededRng } from '@dkl/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { betaSample, Loader, makeSyntheticDataset, mixBatch, type MixSpec } from '../src/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** B distinct constant-per-example images (value 10 * i + channel) of 4 x 6 x 2, labels i % C. */
function batch(b: number, numClasses: number) {
  const [h, w, c] = [4, 6, 2];
  const x = new Float32Array(b * h * w * c);
  for (let i = 0; i < b; i++) for (let k = 0; k < h * w * c; k++) x[i * h * w * c + k] = 10 * i + (k % c);
  return { x, y: Int32Array.from({ length: b }, (_, i) => i % numClasses), shape: [b, h, w, c] as const };
}
const spec = (s: Partial<MixSpec>): MixSpec => ({ p: 1, ...s }) as MixSpec;

describe('Beta(a, a) draws', () => {
  it('have the Beta mean and variance and stay in (0, 1), for a < 1 and a > 1', () => {
    for (const a of [0.2, 1, 4]) {
      const rng = new SeededRng(`beta/${a}`);
      const draws = Array.from({ length: 20000 }, () => betaSample(rng, a, a));
      const mean = draws.reduce((s, v) => s + v, 0) / draws.length;
      const variance = draws.reduce((s, v) => s + (v - mean) ** 2, 0) / draws.length;
      expect(draws.every((v) => v >= 0 && v <= 1)).toBe(true);
      expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
      expect(Math.abs(variance - 1 / (4 * (2 * a + 1)))).toBeLessThan(0.01); // ab / ((a+b)^2 (a+b+1))
    }
  });
});

describe('mixBatch', () => {
  it('MixUp: x = lambda x + (1 - lambda) x.roll(1), targets likewise, the dominant class as label', () => {
    const { x, y, shape } = batch(3, 3);
    const mixed = mixBatch(x, y, shape, 3, spec({ mixup: { alpha: 1 } }), new SeededRng('m'));
    const lam = mixed.record.lambda;
    expect(mixed.record.kind).toBe('mixup');
    const size = 4 * 6 * 2;
    for (let i = 0; i < 3; i++) {
      const prev = (i + 2) % 3;
      expect(mixed.x[i * size + 1]).toBeCloseTo(lam * (10 * i + 1) + (1 - lam) * (10 * prev + 1), 4);
      const row = Array.from(mixed.targets.subarray(i * 3, i * 3 + 3));
      expect(row[i]).toBeCloseTo(lam, 6);
      expect(row[prev]).toBeCloseTo(1 - lam, 6);
      expect(row.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 6);
      expect(mixed.y[i]).toBe(lam >= 0.5 ? i : prev);
    }
    expect(Array.from(x.subarray(0, 2))).toEqual([0, 1]); // the input is not modified
  });

  it("CutMix: the box comes from the rolled batch, lambda is the box's exact complement area", () => {
    const { x, y, shape } = batch(4, 4);
    for (let seed = 0; seed < 20; seed++) {
      const mixed = mixBatch(x, y, shape, 4, spec({ cutmix: { alpha: 1 } }), new SeededRng(`c${seed}`));
      const [x1, y1, x2, y2] = mixed.record.box!;
      expect(mixed.record.lambda).toBeCloseTo(1 - ((x2 - x1) * (y2 - y1)) / 24, 10);
      for (let i = 0; i < 4; i++) {
        const prev = (i + 3) % 4;
        for (let r = 0; r < 4; r++) {
          for (let col = 0; col < 6; col++) {
            const inBox = r >= y1 && r < y2 && col >= x1 && col < x2;
            expect(mixed.x[i * 48 + (r * 6 + col) * 2]).toBe(10 * (inBox ? prev : i));
          }
        }
        expect(mixed.targets[i * 4 + i]! + mixed.targets[i * 4 + prev]!).toBeCloseTo(1, 6);
        expect(mixed.targets[i * 4 + i]).toBeCloseTo(mixed.record.lambda, 6);
      }
    }
  });

  it('both: a seeded choice per batch; p = 0 and a batch of one keep the pixels with one-hot targets', () => {
    const { x, y, shape } = batch(4, 4);
    const kinds = new Set(Array.from({ length: 30 }, (_, s) => mixBatch(x, y, shape, 4, spec({ mixup: { alpha: 1 }, cutmix: { alpha: 1 } }), new SeededRng(s)).record.kind));
    expect(kinds).toEqual(new Set(['mixup', 'cutmix']));
    const same = mixBatch(x, y, shape, 4, spec({ mixup: { alpha: 1 }, p: 0 }), new SeededRng(1));
    expect(same.record.kind).toBe('none');
    expect(same.x).toEqual(x);
    expect(Array.from(same.targets)).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
    const one = batch(1, 4);
    expect(mixBatch(one.x, one.y, one.shape, 4, spec({ mixup: { alpha: 1 } }), new SeededRng(2)).record.kind).toBe('none');
  });
});

describe('Loader with mix', () => {
  const ds = makeSyntheticDataset({ shape: [8, 8, 3], numClasses: 5, size: 40, seed: 3 });

  it('yields [B, C] soft targets, the same for the same seed, and frees them (tensor count flat)', async () => {
    const targetsOf = async () => {
      const loader = new Loader(ds, { batchSize: 16, seed: 4, workers: 0, mix: { cutmix: { alpha: 1 }, mixup: { alpha: 0.2 }, p: 1 } });
      const rows: number[][] = [];
      const counts: number[] = [];
      for await (const b of loader) {
        expect(b.targets!.shape).toEqual([b.x.shape[0], 5]);
        const t = b.targets!.arraySync() as number[][];
        for (const row of t) expect(row.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
        rows.push(t.flat());
        counts.push(tf.memory().numTensors);
      }
      await loader.close();
      return { rows, counts };
    };
    const before = tf.memory().numTensors;
    const a = await targetsOf();
    expect((await targetsOf()).rows).toEqual(a.rows);
    expect(new Set(a.counts).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('names the key of a bad mix option', () => {
    expect(() => new Loader(ds, { batchSize: 8, seed: 1, workers: 0, mix: { mixup: { alpha: -1 } } as never })).toThrow(/options\.mix\.mixup\.alpha/);
    expect(() => new Loader(ds, { batchSize: 8, seed: 1, workers: 0, mix: { p: 1 } as never })).toThrow(/options\.mix.*give mixup, cutmix or both/);
  });
});
