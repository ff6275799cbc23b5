import { describe, expect, it } from 'vitest';
import { ArrayDataset, classCounts, longTailedCounts, longTailedSubsample, perClassSubsample, stratifiedSplit, SubsetDataset } from '../src/index.js';

/** 3 classes with 30, 20, 10 examples; image byte = index so views can be checked. */
function dataset(): ArrayDataset {
  const labels = Int32Array.from([...Array(30).fill(0), ...Array(20).fill(1), ...Array(10).fill(2)].map((l, i) => (i % 2 === 0 ? l : l)));
  // interleave a little so classes are not contiguous
  labels.reverse();
  return new ArrayDataset({ name: 'toy', shape: [1, 1, 1], numClasses: 3, images: Uint8Array.from({ length: 60 }, (_, i) => i), labels });
}

const indicesOf = (d: unknown): number[] => Array.from((d as SubsetDataset).indices);

describe('subsets', () => {
  it('stratified split keeps class proportions, is disjoint, complete and seeded', () => {
    const ds = dataset();
    const { train, val } = stratifiedSplit(ds, { valFraction: 0.2, seed: 1 });
    expect(classCounts(val)).toEqual([6, 4, 2]);
    expect(classCounts(train)).toEqual([24, 16, 8]);
    const all = [...indicesOf(train), ...indicesOf(val)].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(indicesOf(stratifiedSplit(ds, { valFraction: 0.2, seed: 1 }).val)).toEqual(indicesOf(val));
    expect(indicesOf(stratifiedSplit(ds, { valFraction: 0.2, seed: 2 }).val)).not.toEqual(indicesOf(val));
    // views return the base's examples
    const j = indicesOf(val)[0]!;
    expect(val.get(0).image[0]).toBe(j);
    expect(val.get(0).label).toBe(ds.get(j).label);
    expect(() => stratifiedSplit(ds, { valFraction: 1, seed: 1 })).toThrow(/options.valFraction/);
  });

  it('per-class subsampling takes exactly the requested counts; too many is an error naming the class', () => {
    const ds = dataset();
    expect(classCounts(perClassSubsample(ds, { perClass: 5, seed: 0 }))).toEqual([5, 5, 5]);
    expect(classCounts(perClassSubsample(ds, { perClass: [1, 2, 3], seed: 0 }))).toEqual([1, 2, 3]);
    expect(() => perClassSubsample(ds, { perClass: 11, seed: 0 })).toThrow(/perClass\[2\].*class 2 .* only 10/);
  });

  it('long-tailed counts follow n_max * IF^(-c/(C-1))', () => {
    // CIFAR-10-LT, imbalance 100 (the counts of Cao et al. 2019)
    expect(longTailedCounts(10, 5000, 100)).toEqual([5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50]);
    expect(longTailedCounts(3, 10, 1)).toEqual([10, 10, 10]);
    const lt = longTailedSubsample(dataset(), { imbalanceFactor: 10, seed: 3 });
    expect(classCounts(lt)).toEqual([10, 3, 1]);
    expect(() => longTailedCounts(3, 10, 0.5)).toThrow(/imbalanceFactor/);
  });

  it('SubsetDataset validates indices and get(index)', () => {
    const ds = dataset();
    expect(() => new SubsetDataset(ds, Int32Array.from([0, 60]))).toThrow(/entry 1 is 60/);
    expect(() => new SubsetDataset(ds, Int32Array.from([0])).get(1)).toThrow(/index/);
    expect(() => ds.get(-1)).toThrow(/argument 'index'/);
  });

  it('ArrayDataset rejects labels out of range naming the source', () => {
    expect(() => new ArrayDataset({ name: 't', source: 'file.bin', shape: [1, 1, 1], numClasses: 2, images: new Uint8Array(2), labels: Int32Array.from([0, 2]) })).toThrow(/file\.bin: label 2 of example 1 is out of range/);
  });
});

describe('CIFAR-LT construction', () => {
  it("select: 'first' keeps the first n_c of each class, the same for every seed; counts follow the exponential profile", () => {
    // CIFAR-10-LT shape: 10 classes x 50 examples (in label order 0..9 repeating), IF 10/50/100.
    const labels = Int32Array.from({ length: 500 }, (_, i) => i % 10);
    const ds = new ArrayDataset({ name: 'c10', shape: [1, 1, 1], numClasses: 10, images: new Uint8Array(500), labels });
    for (const [imbalanceFactor, tail] of [
      [10, 5],
      [50, 1],
      [100, 0],
    ] as const) {
      const a = longTailedSubsample(ds, { imbalanceFactor, seed: 1, select: 'first' });
      expect(a.name).toBe(`c10-lt${imbalanceFactor}`);
      expect(classCounts(a)).toEqual(longTailedCounts(10, 50, imbalanceFactor));
      expect(classCounts(a)[9]).toBe(tail); // floor(50 / IF)
      expect(indicesOf(a)).toEqual(indicesOf(longTailedSubsample(ds, { imbalanceFactor, seed: 'other', select: 'first' })));
    }
    // The head class keeps its first 50 in dataset order; class 1 its first floor(50 * 10^(-1/9)) = 38.
    const lt = longTailedSubsample(ds, { imbalanceFactor: 10, seed: 0, select: 'first' });
    expect(indicesOf(lt).filter((i) => i % 10 === 1)).toEqual(Array.from({ length: 38 }, (_, k) => 1 + 10 * k));
    expect(() => longTailedSubsample(ds, { imbalanceFactor: 10, seed: 0, select: 'first', maxPerClass: 60 })).toThrow(/maxPerClass.*60 examples of class 0/);
  });
});
