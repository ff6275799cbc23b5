import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isDklError } from '@dkl/core';
import { CIFAR100_COARSE_CLASSES, CIFAR100_FINE_CLASSES, CIFAR10_CLASSES, CIFAR_URL, loadCifar } from '../src/index.js';
import { fixtureBytes, tempDir } from './helpers/tmp.js';
import { errorOf } from './helpers/error-of.js';

const { dir, cleanup } = tempDir('cifar');
afterAll(cleanup);

/** Writes CIFAR records (official layout: label byte(s), then R, G, B planes) and returns the HWC images. */
function writeBatch(file: string, labels: number[][], seed: number): Uint8Array[] {
  const lb = labels[0]!.length;
  const rec = lb + 3072;
  const bytes = new Uint8Array(labels.length * rec);
  const hwc: Uint8Array[] = [];
  labels.forEach((l, r) => {
    const planes = fixtureBytes(3072, seed + r);
    bytes.set(l, r * rec);
    bytes.set(planes, r * rec + lb);
    const img = new Uint8Array(3072);
    for (let p = 0; p < 1024; p++) for (let c = 0; c < 3; c++) img[p * 3 + c] = planes[c * 1024 + p]!;
    hwc.push(img);
  });
  writeFileSync(file, bytes);
  return hwc;
}

describe('CIFAR-10 binary reader', () => {
  const c10 = join(dir, 'c10');
  mkdirSync(c10);
  const train: { img: Uint8Array; label: number }[] = [];
  for (let b = 1; b <= 5; b++) {
    const labels = [[b % 10], [(b + 3) % 10]];
    const imgs = writeBatch(join(c10, `data_batch_${b}.bin`), labels, 100 * b);
    imgs.forEach((img, i) => train.push({ img, label: labels[i]![0]! }));
  }
  const testImgs = writeBatch(join(c10, 'test_batch.bin'), [[9], [0], [5]], 7);

  it('reads train batches 1-5 in order, converting planes to HWC bit-exactly', async () => {
    const ds = await loadCifar(c10, { variant: 'cifar10', split: 'train' });
    expect(ds.length).toBe(10);
    expect(ds.shape).toEqual([32, 32, 3]);
    expect(ds.numClasses).toBe(10);
    expect(ds.classNames).toEqual(CIFAR10_CLASSES);
    for (let i = 0; i < 10; i++) {
      const ex = ds.get(i);
      expect(ex.label).toBe(train[i]!.label);
      expect(Buffer.from(ex.image).equals(Buffer.from(train[i]!.img))).toBe(true);
    }
  });

  it('reads the test batch, and finds files inside cifar-10-batches-bin', async () => {
    const parent = join(dir, 'parent');
    mkdirSync(join(parent, 'cifar-10-batches-bin'), { recursive: true });
    writeBatch(join(parent, 'cifar-10-batches-bin', 'test_batch.bin'), [[9], [0], [5]], 7);
    for (const d of [c10, parent]) {
      const ds = await loadCifar(d, { variant: 'cifar10', split: 'test' });
      expect([0, 1, 2].map((i) => ds.get(i).label)).toEqual([9, 0, 5]);
      expect(Array.from(ds.get(2).image)).toEqual(Array.from(testImgs[2]!));
    }
  });

  it('missing files: names the expected files, the directory and the download page', async () => {
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const e = await errorOf(loadCifar(empty, { variant: 'cifar10', split: 'train' }));
    expect(isDklError(e, 'DKL_DATA')).toBe(true);
    for (const s of ['data_batch_1.bin', 'data_batch_5.bin', empty, CIFAR_URL]) expect(e.message).toContain(s);
    const nowhere = join(dir, 'does-not-exist');
    const e2 = await errorOf(loadCifar(nowhere, { variant: 'cifar100', split: 'test' }));
    expect(e2.message).toContain('directory does not exist');
    expect(e2.message).toContain('test.bin');
    expect(e2.message).toContain(nowhere);
    expect(e2.message).toContain(CIFAR_URL);
  });

  it('truncated file: names the file and the record size', async () => {
    const d = join(dir, 'trunc');
    mkdirSync(d);
    writeBatch(join(d, 'test_batch.bin'), [[1], [2]], 3);
    const full = fixtureBytes(3073 * 2 - 5, 1);
    writeFileSync(join(d, 'test_batch.bin'), full);
    const e = await errorOf(loadCifar(d, { variant: 'cifar10', split: 'test' }));
    expect(e.message).toContain(join(d, 'test_batch.bin'));
    expect(e.message).toMatch(/not a multiple of the 3073-byte CIFAR-10 record/);
    writeFileSync(join(d, 'test_batch.bin'), new Uint8Array(0));
    expect((await errorOf(loadCifar(d, { variant: 'cifar10', split: 'test' }))).message).toMatch(/is empty/);
  });

  it('label out of range: names the file and record', async () => {
    const d = join(dir, 'badlabel');
    mkdirSync(d);
    writeBatch(join(d, 'test_batch.bin'), [[1], [10]], 3);
    const e = await errorOf(loadCifar(d, { variant: 'cifar10', split: 'test' }));
    expect(e.message).toContain(join(d, 'test_batch.bin'));
    expect(e.message).toContain('record 1');
    expect(e.message).toContain('label 10');
  });

  it('rejects bad options naming the argument', async () => {
    await expect(loadCifar(c10, { variant: 'cifar11' as 'cifar10', split: 'train' })).rejects.toThrow(/options.variant/);
    await expect(loadCifar(c10, { variant: 'cifar10', split: 'val' as 'train' })).rejects.toThrow(/options.split/);
    await expect(loadCifar(c10, { variant: 'cifar10', split: 'train', labelKind: 'coarse' })).rejects.toThrow(/only for cifar100/);
  });
});

describe('CIFAR-100 binary reader', () => {
  const c100 = join(dir, 'c100');
  mkdirSync(c100);
  const trainLabels = [[3, 42], [19, 99], [0, 0], [7, 55]];
  const imgs = writeBatch(join(c100, 'train.bin'), trainLabels, 11);
  writeBatch(join(c100, 'test.bin'), [[1, 2]], 12);

  it('reads fine and coarse labels and images bit-exactly', async () => {
    const fine = await loadCifar(c100, { variant: 'cifar100', split: 'train' });
    const coarse = await loadCifar(c100, { variant: 'cifar100', split: 'train', labelKind: 'coarse' });
    expect(fine.numClasses).toBe(100);
    expect(coarse.numClasses).toBe(20);
    expect(fine.classNames).toEqual(CIFAR100_FINE_CLASSES);
    expect(coarse.classNames).toEqual(CIFAR100_COARSE_CLASSES);
    expect(CIFAR100_FINE_CLASSES).toHaveLength(100);
    expect(CIFAR100_COARSE_CLASSES).toHaveLength(20);
    expect(trainLabels.map((_, i) => fine.get(i).label)).toEqual(trainLabels.map((l) => l[1]));
    expect(trainLabels.map((_, i) => coarse.get(i).label)).toEqual(trainLabels.map((l) => l[0]));
    imgs.forEach((img, i) => expect(Buffer.from(fine.get(i).image).equals(Buffer.from(img))).toBe(true));
    const test = await loadCifar(c100, { variant: 'cifar100', split: 'test' });
    expect(test.length).toBe(1);
    expect(test.get(0).label).toBe(2);
  });

  it('uses the archive name files when present', async () => {
    const d = join(dir, 'c100names');
    mkdirSync(d);
    writeBatch(join(d, 'test.bin'), [[1, 2]], 12);
    writeFileSync(join(d, 'coarse_label_names.txt'), Array.from({ length: 20 }, (_, i) => `super${i}`).join('\n') + '\n\n');
    const ds = await loadCifar(d, { variant: 'cifar100', split: 'test', labelKind: 'coarse' });
    expect(ds.classNames?.[3]).toBe('super3');
  });

  it('a CIFAR-10 file read as CIFAR-100 fails on record size, naming the file', async () => {
    const d = join(dir, 'c100wrong');
    mkdirSync(d);
    writeBatch(join(d, 'test.bin'), [[1], [2], [3]], 12);
    await expect(loadCifar(d, { variant: 'cifar100', split: 'test' })).rejects.toThrow(/test\.bin: size 9219 bytes is not a multiple of the 3074-byte CIFAR-100 record/);
  });

  it('fine label out of range names the file', async () => {
    const d = join(dir, 'c100bad');
    mkdirSync(d);
    writeBatch(join(d, 'test.bin'), [[1, 2], [4, 100]], 12);
    await expect(loadCifar(d, { variant: 'cifar100', split: 'test' })).rejects.toThrow(/test\.bin: record 1 .* fine label 100/);
  });
});
