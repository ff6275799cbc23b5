/**
 * Batch memory: on a recycling backend (dkl-native) the loader's batches are written into the
 * memory of disposed batches (`tensorStorage`; sent to real worker threads and back when they
 * augment), and give the same values as fresh arrays on the cpu backend, for in-memory and
 * streaming (real JPEG files, sharp) datasets.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableBackends, initBackend, tensorStorage, type Dataset, type TensorStoragePool } from '@dkl/core';
import { Loader, makeSyntheticDataset, streamImageFolder, type TransformSpec } from '../src/index.js';
import { fixtureBytes, tempDir } from './helpers/tmp.js';
import { workerScript } from './helpers/worker-bundle.js';

const { dir, cleanup } = tempDir('batch-storage');
afterAll(cleanup);

/** The backend's own array behind a tensor (reading it this way does not count as a read-back). */
const storageOf = (t: tf.Tensor): unknown => (tf.backend() as unknown as { data: { get(id: object): { values: unknown } } }).data.get(t.dataId).values;

interface Epochs {
  values: number[][];
  storage: unknown[];
  tensorsAfter: number[];
  /** Arrays the backend's pool handed out, and how many of them it had handed out or taken back before. */
  allocated: number;
  recycled: number;
  /** Per batch: its storage is a shared slot that worker threads write in place. */
  shared: boolean[];
}

/** Counts, on the real backend, the pool's hand-outs of arrays it has seen before (by identity: worker round trips come back adopted). */
function watchPool(out: Epochs): () => void {
  const pool = tf.backend() as unknown as Partial<TensorStoragePool>;
  if (!pool.allocTensorStorage || !pool.adoptTensorStorage) return () => undefined;
  const { allocTensorStorage, adoptTensorStorage } = pool;
  const seen = new WeakSet<Float32Array>();
  pool.allocTensorStorage = (n) => {
    const a = allocTensorStorage.call(pool, n);
    out.allocated++;
    if (seen.has(a)) out.recycled++;
    seen.add(a);
    return a;
  };
  pool.adoptTensorStorage = (a) => {
    seen.add(a);
    adoptTensorStorage.call(pool, a);
  };
  return () => {
    pool.allocTensorStorage = allocTensorStorage;
    pool.adoptTensorStorage = adoptTensorStorage;
  };
}

/** Three epochs of `dataset` at 0 workers; values copied out through a kernel, so the batch itself is never read back. */
async function run(dataset: Dataset, transforms: TransformSpec[], batchSize: number, workers: number): Promise<Epochs> {
  const loader = new Loader(dataset, { batchSize, seed: 3, transforms, workers, dropLast: true, ...(workers ? { workerScript: await workerScript() } : {}) });
  const out: Epochs = { values: [], storage: [], tensorsAfter: [], allocated: 0, recycled: 0, shared: [] };
  const unwatch = watchPool(out);
  for (let epoch = 0; epoch < 3; epoch++) {
    for await (const batch of loader.batches(epoch)) {
      out.storage.push(storageOf(batch.x));
      // Through a native kernel (whose output may land in a free slot), then a copy of another
      // size, so reading it back does not take a batch-sized array out of the pool.
      const copy = tf.tidy(() => tf.pad(tf.add(batch.x, 0), [[0, 1], [0, 0], [0, 0], [0, 0]]));
      out.values.push(Array.from(copy.dataSync().subarray(0, batch.x.size)));
      copy.dispose();
      out.shared.push((storageOf(batch.x) as Float32Array).buffer instanceof SharedArrayBuffer);
    }
    out.tensorsAfter.push(tf.memory().numTensors);
  }
  await loader.close();
  unwatch();
  return out;
}

async function onBothBackends(dataset: Dataset, transforms: TransformSpec[], batchSize: number, workers: number): Promise<{ cpu: Epochs; native: Epochs }> {
  await initBackend({ prefer: 'cpu', log: false });
  const cpu = await run(dataset, transforms, batchSize, workers);
  await initBackend({ prefer: 'dkl-native', log: false });
  const native = await run(dataset, transforms, batchSize, workers);
  await initBackend({ prefer: 'cpu', log: false });
  return { cpu, native };
}

function expectRecycled({ cpu, native }: { cpu: Epochs; native: Epochs }, workers: number): void {
  // With workers on a pooling backend, every batch is written in place into a shared slot (no
  // buffer changes hands), and there are at most prefetch + 2 of them; otherwise none is shared.
  expect(native.shared.every((s) => s === workers > 0)).toBe(true);
  expect(cpu.shared.every((s) => !s)).toBe(true);
  if (workers > 0) expect(new Set(native.storage).size).toBeLessThanOrEqual(2 * workers + 2);
  // Same pixels, batch for batch, though dkl-native's arrays held earlier batches' values.
  expect(native.values).toEqual(cpu.values);
  // cpu: a fresh array per batch; dkl-native: after the first few, memory of disposed batches.
  expect(new Set(cpu.storage).size).toBe(cpu.storage.length);
  expect(cpu.allocated).toBe(0);
  expect(native.allocated).toBe(native.values.length);
  expect(native.recycled).toBeGreaterThanOrEqual(native.allocated - 4);
  expect(new Set(native.tensorsAfter).size).toBe(1);
}

beforeAll(async () => {
  // dkl-native is built by `npm run setup`; without it this suite cannot check what it is for.
  expect(await availableBackends(['dkl-native'])).toEqual(['dkl-native']);
});

describe('batch storage', () => {
  it('tensorStorage: recycled memory of a disposed tensor on dkl-native, a fresh array on cpu', async () => {
    await initBackend({ prefer: 'dkl-native', log: false });
    const a = tensorStorage(8192);
    tf.tensor1d(a).dispose();
    expect(tensorStorage(8192)).toBe(a);
    const read = tensorStorage(8192);
    const t = tf.tensor1d(read);
    t.dataSync(); // read back: someone may hold it, so it never returns to the pool
    t.dispose();
    expect(tensorStorage(8192)).not.toBe(read);
    await initBackend({ prefer: 'cpu', log: false });
    const b = tensorStorage(8192);
    tf.tensor1d(b).dispose();
    expect(tensorStorage(8192)).not.toBe(b);
  });

  it.each([0, 2])('in-memory dataset, %i workers: recycled batches, same values as fresh ones', async (workers) => {
    const ds = makeSyntheticDataset({ shape: [8, 8, 3], numClasses: 4, size: 128, seed: 5 });
    const transforms: TransformSpec[] = [{ kind: 'random-crop', padding: 2 }, { kind: 'random-flip' }, { kind: 'normalize', mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.3] }, { kind: 'cutout', size: 3, p: 0.5 }];
    expectRecycled(await onBothBackends(ds, transforms, 32, workers), workers);
  });

  it.each([0, 2])('streaming image folder (JPEG files, random-resized-crop), %i workers: recycled batches, same values as fresh ones', async (workers) => {
    const root = join(dir, `photos-${workers}`);
    for (const [c, cls] of ['a', 'b'].entries()) {
      mkdirSync(join(root, cls), { recursive: true });
      for (let i = 0; i < 8; i++) {
        const [w, h] = [30 + 7 * i, 24 + 5 * c];
        await sharp(Buffer.from(fixtureBytes(w * h * 3, 10 * c + i)), { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 90 }).toFile(join(root, cls, `${i}.jpg`));
      }
    }
    const ds = await streamImageFolder(root, { indexCacheDir: false });
    const transforms: TransformSpec[] = [{ kind: 'random-resized-crop', size: 20 }, { kind: 'random-flip' }, { kind: 'to-float' }];
    expectRecycled(await onBothBackends(ds, transforms, 8, workers), workers);
  });
});
