import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDklError } from '@dkl/core';
import { Loader, makeSyntheticDataset, type Batch, type LoaderOptions, type TransformSpec } from '../src/index.js';
import { workerScript } from './helpers/worker-bundle.js';

const ds = makeSyntheticDataset({ shape: [8, 8, 3], numClasses: 4, size: 50, seed: 7 });
const cifarLike: TransformSpec[] = [
  { kind: 'random-crop', padding: 2 },
  { kind: 'random-flip' },
  { kind: 'normalize', mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.3] },
  { kind: 'cutout', size: 3, p: 0.5 },
];
const base: LoaderOptions = { batchSize: 16, seed: 11, transforms: cifarLike, workers: 0 };

interface Snap {
  x: number[];
  y: number[];
  shape: number[];
  index: number;
}
async function epoch(loader: Loader, limit = Infinity): Promise<Snap[]> {
  const out: Snap[] = [];
  for await (const b of loader) {
    out.push({ x: Array.from(b.x.dataSync()), y: Array.from(b.y.dataSync()), shape: b.x.shape, index: b.index });
    if (out.length >= limit) break;
  }
  return out;
}
const loaders: Loader[] = [];
const make = (o: Partial<LoaderOptions> = {}): Loader => {
  const l = new Loader(ds, { ...base, ...o });
  loaders.push(l);
  return l;
};

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(async () => {
  await Promise.all(loaders.map((l) => l.close()));
});

describe('Loader', () => {
  it('yields [B,H,W,C] float32 and [B] int32 batches covering the dataset once per epoch', async () => {
    const l = make();
    expect(l.batchesPerEpoch).toBe(4);
    const seen: number[] = [];
    for await (const b of l) {
      expect(b.x.dtype).toBe('float32');
      expect(b.y.dtype).toBe('int32');
      expect(b.x.shape.slice(1)).toEqual([8, 8, 3]);
      expect(b.y.shape).toEqual([b.x.shape[0]]);
      seen.push(...b.y.dataSync());
    }
    expect(seen.length).toBe(50);
    const counts = [0, 0, 0, 0];
    seen.forEach((y) => counts[y]!++);
    expect(counts).toEqual([13, 13, 12, 12]);
    expect(l.getPosition()).toMatchObject({ epoch: 1, batch: 0 });
  });

  it('dropLast drops the incomplete batch', async () => {
    const b = await epoch(make({ dropLast: true }));
    expect(b.map((s) => s.shape[0])).toEqual([16, 16, 16]);
    expect((await epoch(make())).map((s) => s.shape[0])).toEqual([16, 16, 16, 2]);
  });

  it('same seed -> identical batches; different seed -> different', async () => {
    const a = await epoch(make());
    const b = await epoch(make());
    expect(b).toEqual(a);
    const c = await epoch(make({ seed: 12 }));
    expect(c[0]!.y).not.toEqual(a[0]!.y);
  });

  it('different epochs -> different order; without shuffle the order is the dataset order', async () => {
    const l = make();
    const e0 = await epoch(l);
    const e1 = await epoch(l);
    expect(e1.map((b) => b.index)).toEqual([0, 1, 2, 3]);
    expect(Array.from(l.epochOrder(1))).not.toEqual(Array.from(l.epochOrder(0)));
    expect(e1.flatMap((b) => b.x)).not.toEqual(e0.flatMap((b) => b.x));
    const plain = make({ shuffle: false, transforms: [] });
    expect(Array.from(plain.epochOrder(3))).toEqual(Array.from({ length: 50 }, (_, i) => i));
    const first = (await epoch(plain, 1))[0]!;
    expect(first.y).toEqual(Array.from({ length: 16 }, (_, i) => ds.get(i).label));
    expect(first.x.slice(0, 5)).toEqual(Array.from(ds.get(0).image.subarray(0, 5)).map((v) => Math.fround(v * (1 / 255))));
  });

  it('restoring a saved position (through JSON) continues identically', async () => {
    const ref = make();
    const full = [...(await epoch(ref)), ...(await epoch(ref))];
    const a = make();
    await epoch(a); // epoch 0
    const partial = await epoch(a, 2); // epoch 1, batches 0-1, then stop
    expect(partial).toEqual(full.slice(4, 6));
    const saved = JSON.stringify(a.getPosition());
    expect(JSON.parse(saved)).toMatchObject({ epoch: 1, batch: 2 });
    const b = make();
    b.setPosition(JSON.parse(saved));
    expect(await epoch(b)).toEqual(full.slice(6, 8));
    expect(b.getPosition()).toMatchObject({ epoch: 2, batch: 0 });
    // the interrupted loader also resumes where it stopped
    expect(await epoch(a)).toEqual(full.slice(6, 8));
  });

  it('rejects positions from another loader or out of range', () => {
    const l = make();
    const p = l.getPosition();
    expect(() => l.setPosition({ ...p, seed: 99 })).toThrow(/position.seed/);
    expect(() => l.setPosition({ ...p, batchSize: 8 })).toThrow(/position.batchSize/);
    expect(() => l.setPosition({ ...p, batch: 9 })).toThrow(/position.batch/);
    expect(() => l.setPosition({ ...p, epoch: -1 })).toThrow(/argument 'position'/);
    l.setPosition({ ...p, epoch: 2, batch: 4 }); // end of epoch 2 == start of epoch 3
    expect(l.getPosition()).toMatchObject({ epoch: 3, batch: 0 });
  });

  it('disposes every batch: no tensor leaks across an epoch, nor after break', async () => {
    const l = make();
    const before = tf.memory().numTensors;
    let prev: Batch | undefined;
    for await (const b of l) {
      expect(tf.memory().numTensors).toBe(before + 2); // only the current batch is alive
      if (prev) expect(prev.x.isDisposed).toBe(true);
      prev = b;
    }
    expect(prev!.x.isDisposed).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    for await (const b of l) {
      b.x.dispose(); // consumer disposing early is harmless
      break;
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('worker threads give bit-identical batches to in-thread augmentation', async () => {
    const script = await workerScript();
    const inThread = await epoch(make());
    for (const workers of [1, 2]) {
      const w = make({ workers, workerScript: script, prefetch: 3 });
      expect(w.workerCount).toBe(workers);
      expect(await epoch(w)).toEqual(inThread);
    }
    const w = make({ workers: 1, workerScript: script });
    const before = tf.memory().numTensors;
    await epoch(w);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('validates options, naming them', () => {
    expect(() => make({ batchSize: 0 })).toThrow(/options.batchSize/);
    expect(() => make({ batchSize: 64, dropLast: true })).toThrow(/fewer than one batch/);
    expect(() => make({ workers: -1 })).toThrow(/options.workers/);
    expect(() => make({ transforms: [{ kind: 'random-crop', padding: 1.5 }] })).toThrow(/transforms\[0\]\.padding/);
    let error: unknown; // an expect inside the catch alone would pass when nothing is thrown
    try {
      make({ seed: undefined as unknown as number });
    } catch (e) {
      error = e;
    }
    expect(isDklError(error, 'DKL_ARGUMENT')).toBe(true);
  });

  it('pad-resize lets 28x28x1 data feed a 32x32x3 model', async () => {
    const grey = makeSyntheticDataset({ shape: [28, 28, 1], numClasses: 2, size: 4, seed: 1 });
    const l = new Loader(grey, { batchSize: 4, seed: 0, workers: 0, transforms: [{ kind: 'pad-resize', to: [32, 32, 3] }, { kind: 'random-crop', padding: 4 }] });
    expect(l.outputShape).toEqual([32, 32, 3]);
    for await (const b of l) expect(b.x.shape).toEqual([4, 32, 32, 3]);
  });
});

describe('Loader as a BatchLoader (the trainers contract)', () => {
  it('batches(epoch) starts each epoch fresh, and resumes a restored mid-epoch position', async () => {
    const { makeSyntheticDataset, Loader } = await import('../src/index.js');
    const ds = makeSyntheticDataset({ shape: [4, 4, 1], numClasses: 3, size: 30, seed: 1 });
    const collect = async (loader: InstanceType<typeof Loader>, epoch: number, limit = Infinity) => {
      const out: number[][] = [];
      for await (const b of loader.batches(epoch)) {
        out.push(Array.from(b.y.dataSync()));
        if (out.length >= limit) break;
      }
      return out;
    };
    const a = new Loader(ds, { batchSize: 8, seed: 5, workers: 0 });
    expect(a.size).toBe(30);
    const e1 = await collect(a, 1);
    const e2 = await collect(a, 2);
    expect(e1).toHaveLength(4);
    expect(e2).not.toEqual(e1);
    expect(await collect(new Loader(ds, { batchSize: 8, seed: 5, workers: 0 }), 2)).toEqual(e2);
    const b = new Loader(ds, { batchSize: 8, seed: 5, workers: 0 });
    await collect(b, 2, 1);
    const saved = JSON.parse(JSON.stringify(b.getPosition()));
    const c = new Loader(ds, { batchSize: 8, seed: 5, workers: 0 });
    c.setPosition(saved);
    expect(await collect(c, 2)).toEqual(e2.slice(1));
  });
});
