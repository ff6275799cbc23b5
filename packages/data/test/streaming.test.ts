/**
 * Streaming image folders / lists: real JPEG, PNG and WebP files of mixed sizes (grayscale, CMYK
 * and RGBA among them) written by sharp, decoded on demand by sharp in the loader (in-thread and
 * in a real worker thread).
 */
import { appendFileSync, mkdirSync, writeFileSync, readFileSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDklError, parseConfig } from '@dkl/core';
import { classCounts, datasetDefinitions, Loader, parseImageList, perClassSubsample, streamImageFolder, streamImageList, StreamingImageDataset } from '../src/index.js';
import { compilePipeline, createScratch, decodeImageFile, planParams, runImage, type TransformSpec } from '../src/index.js';
import { loadAndAugment } from '../src/streaming/load-batch.js';
import { jpegSize } from '../src/streaming/jpeg-size.js';
import { SeededRng } from '@dkl/core';
import { fixtureBytes, tempDir } from './helpers/tmp.js';
import { workerScript } from './helpers/worker-bundle.js';

const { dir, cleanup } = tempDir('streaming');
afterAll(cleanup);
const root = join(dir, 'photos');
const cacheDir = join(dir, 'index-cache');
/** Raw RGB pixels of the lossless PNG, to compare decoding exactly. */
let pngPixels: Uint8Array;

const raw = (width: number, height: number, channels: 1 | 3 | 4, seed: number) => ({ input: Buffer.from(fixtureBytes(width * height * channels, seed)), options: { raw: { width, height, channels } } });

beforeAll(async () => {
  await tf.setBackend('cpu');
  mkdirSync(join(root, 'cat'), { recursive: true });
  mkdirSync(join(root, 'dog'), { recursive: true });
  const a = raw(40, 30, 3, 1);
  await sharp(a.input, a.options).jpeg({ quality: 90 }).toFile(join(root, 'cat', '1.jpg'));
  const b = raw(57, 23, 3, 2);
  pngPixels = new Uint8Array(b.input);
  await sharp(b.input, b.options).png().toFile(join(root, 'cat', '2.png'));
  const c = raw(64, 48, 3, 3);
  await sharp(c.input, c.options).webp({ quality: 80 }).toFile(join(root, 'cat', '3.webp'));
  const g = raw(21, 33, 1, 4);
  await sharp(g.input, g.options).jpeg().toFile(join(root, 'dog', '4.JPEG'));
  const k = raw(20, 20, 3, 5);
  await sharp(k.input, k.options).toColourspace('cmyk').jpeg().toFile(join(root, 'dog', '5.jpg'));
  const r = raw(16, 10, 4, 6);
  await sharp(r.input, r.options).png().toFile(join(root, 'dog', '6.png'));
});

describe('streamImageFolder', () => {
  it('indexes classes and files without decoding; images keep their own size and format', async () => {
    const ds = await streamImageFolder(root, { indexCacheDir: cacheDir });
    expect(ds.length).toBe(6);
    expect(ds.shape).toEqual([0, 0, 3]);
    expect(ds.classNames).toEqual(['cat', 'dog']);
    expect(Array.from(ds.labels)).toEqual([0, 0, 0, 1, 1, 1]);
    expect(classCounts(ds)).toEqual([3, 3]);
    const sizes = await Promise.all([0, 1, 2, 3, 4, 5].map(async (i) => ds.load(i).then((e) => [e.height, e.width, e.channels, e.data.length])));
    expect(sizes).toEqual([
      [30, 40, 3, 3600],
      [23, 57, 3, 23 * 57 * 3],
      [48, 64, 3, 48 * 64 * 3],
      [33, 21, 3, 33 * 21 * 3],
      [20, 20, 3, 1200],
      [10, 16, 3, 480],
    ]);
    // PNG is lossless: the decoded pixels are the written ones.
    expect(Buffer.from((await ds.load(1)).data).equals(Buffer.from(pngPixels))).toBe(true);
    // Grayscale JPEG expanded to RGB: three equal channels.
    const grey = (await ds.load(3)).data;
    for (let i = 0; i < grey.length; i += 3) expect(grey[i + 1] === grey[i] && grey[i + 2] === grey[i]).toBe(true);
    // channels: 1 gives one channel for any input.
    const mono = await streamImageFolder(root, { channels: 1, indexCacheDir: false });
    expect((await mono.load(4)).data.length).toBe(400);
    expect(() => ds.get(0)).toThrow(/1\.jpg.*streams images of varying size; read it through a Loader/);
  });

  it('reuses the cached index while directory mtimes are unchanged and rebuilds it when a class changes', async () => {
    const first = await streamImageFolder(root, { indexCacheDir: join(dir, 'cache-2') });
    expect(first.indexFromCache).toBe(false);
    expect((await streamImageFolder(root, { indexCacheDir: join(dir, 'cache-2') })).indexFromCache).toBe(true);
    writeFileSync(join(root, 'dog', '7.png'), readFileSync(join(root, 'dog', '6.png')));
    utimesSync(join(root, 'dog'), new Date(), new Date(Date.now() + 5000)); // coarse-mtime filesystems
    const again = await streamImageFolder(root, { indexCacheDir: join(dir, 'cache-2') });
    expect(again.indexFromCache).toBe(false);
    expect(again.length).toBe(7);
  });

  it('rejects a folder with a non-image file, naming it', async () => {
    const bad = join(dir, 'with-text');
    mkdirSync(join(bad, 'a'), { recursive: true });
    writeFileSync(join(bad, 'a', 'notes.txt'), 'hello');
    const e = await streamImageFolder(bad, { indexCacheDir: false }).catch((x: Error) => x);
    expect(isDklError(e, 'DKL_DATA')).toBe(true);
    expect((e as Error).message).toContain(join(bad, 'a', 'notes.txt'));
  });
});

describe('Loader over a streaming folder', () => {
  const transforms = [{ kind: 'random-resized-crop' as const, size: 16 }, { kind: 'random-flip' as const }, { kind: 'normalize' as const, mean: [0.5], std: [0.25] }];

  it('decodes, crops and batches images of mixed sizes; same seed -> same batches', async () => {
    const ds = await streamImageFolder(root, { indexCacheDir: false });
    const collect = async (seed: number) => {
      const loader = new Loader(ds, { batchSize: 4, seed, transforms, workers: 0 });
      const out: { x: number[]; y: number[]; shape: number[] }[] = [];
      const before = tf.memory().numTensors;
      for await (const b of loader) out.push({ x: Array.from(b.x.dataSync()), y: Array.from(b.y.dataSync()), shape: b.x.shape });
      expect(tf.memory().numTensors).toBe(before);
      await loader.close();
      return out;
    };
    const a = await collect(1);
    expect(a.map((b) => b.shape)).toEqual([
      [4, 16, 16, 3],
      [3, 16, 16, 3],
    ]);
    expect([...a[0]!.y, ...a[1]!.y].sort()).toEqual([0, 0, 0, 1, 1, 1, 1]);
    expect(a[0]!.x.every((v) => Number.isFinite(v) && v >= -2 - 1e-6 && v <= 2 + 1e-6)).toBe(true);
    expect(await collect(1)).toEqual(a);
    expect((await collect(2))[0]!.x).not.toEqual(a[0]!.x);
  });

  it('a leading random-resized-crop crops in libvips with the decode: the same box and pixels as decoding the whole image', async () => {
    const ds = await streamImageFolder(root, { indexCacheDir: false });
    const files = Array.from({ length: ds.length }, (_, i) => ds.fileOf(i));
    for (const size of [[16, 12], [9, 30]]) {
      const pipeline = compilePipeline([0, 0, 3], [{ kind: 'random-resized-crop', size } as TransformSpec, { kind: 'random-flip' }, { kind: 'to-float' }]);
      const params = planParams(pipeline, files.length, new SeededRng(9));
      const native = await loadAndAugment(pipeline, files, 3, params);
      expect(native.bad).toEqual([]);
      const len = size[0]! * size[1]! * 3;
      let worst = 0;
      for (let i = 0; i < files.length; i++) {
        const img = await decodeImageFile(files[i]!, 3);
        const js = new Float32Array(len);
        runImage(pipeline, img.data, [img.height, img.width, 3], params, i * pipeline.paramsPerSample, js, createScratch(pipeline));
        for (let k = 0; k < len; k++) worst = Math.max(worst, Math.abs(js[k]! - native.x[i * len + k]!) * 255);
      }
      expect(worst, `${size.join('x')}`).toBeLessThan(1e-3);
    }
  });

  it('reads a JPEG\'s size from its frame header (baseline, progressive, grey, CMYK); other bytes are not JPEG', async () => {
    const progressive = await sharp(raw(33, 17, 3, 8).input, raw(33, 17, 3, 8).options).jpeg({ progressive: true }).toBuffer();
    for (const bytes of [readFileSync(join(root, 'cat', '1.jpg')), readFileSync(join(root, 'dog', '4.JPEG')), readFileSync(join(root, 'dog', '5.jpg')), progressive]) {
      const meta = await sharp(bytes).metadata();
      expect(jpegSize(bytes)).toEqual({ height: meta.height, width: meta.width });
    }
    expect(jpegSize(readFileSync(join(root, 'cat', '2.png')))).toBeUndefined();
    expect(jpegSize(readFileSync(join(root, 'cat', '1.jpg')).subarray(0, 20))).toBeUndefined();
  });

  it('a real worker thread decodes with sharp and gives bit-identical batches', async () => {
    const ds = await streamImageFolder(root, { indexCacheDir: false });
    const script = await workerScript();
    const run = async (workers: number) => {
      const loader = new Loader(ds, { batchSize: 3, seed: 5, transforms: [{ kind: 'resize', size: 20 }, { kind: 'center-crop', size: 18 }, { kind: 'rand-augment', N: 2, M: 9 }, { kind: 'to-float' }], workers, workerScript: script });
      const out: number[][] = [];
      for await (const b of loader) out.push(Array.from(b.x.dataSync()));
      await loader.close();
      return out;
    };
    const inThread = await run(0);
    expect(inThread.length).toBe(3);
    expect(await run(1)).toEqual(inThread);
  });

  it('center-crop at the image size passes decoded pixels through exactly', async () => {
    const only = join(dir, 'one');
    mkdirSync(join(only, 'x'), { recursive: true });
    writeFileSync(join(only, 'x', 'a.png'), readFileSync(join(root, 'cat', '2.png')));
    const loader = new Loader(await streamImageFolder(only, { indexCacheDir: false }), { batchSize: 1, seed: 0, transforms: [{ kind: 'center-crop', size: [23, 57] }], workers: 0 });
    for await (const b of loader) expect(Array.from(b.x.dataSync())).toEqual(Array.from(pngPixels, (v) => Math.fround(v / 255)));
  });

  it('requires the pipeline to fix the size', async () => {
    const ds = await streamImageFolder(root, { indexCacheDir: false });
    expect(() => new Loader(ds, { batchSize: 2, seed: 0, transforms: [{ kind: 'random-flip' }], workers: 0 })).toThrow(/argument 'transforms'.*varying size.*random-resized-crop/);
  });

  it('an unreadable image fails naming the file, or is skipped and counted with onBadImage: skip', async () => {
    const broken = join(dir, 'broken');
    mkdirSync(join(broken, 'a'), { recursive: true });
    mkdirSync(join(broken, 'b'), { recursive: true });
    const jpeg = readFileSync(join(root, 'cat', '1.jpg'));
    writeFileSync(join(broken, 'a', 'good.jpg'), jpeg);
    writeFileSync(join(broken, 'b', 'good.jpg'), jpeg);
    writeFileSync(join(broken, 'b', 'truncated.jpg'), jpeg.subarray(0, Math.floor(jpeg.length / 2)));
    const t = [{ kind: 'center-crop' as const, size: 8 }];
    const strict = new Loader(await streamImageFolder(broken, { indexCacheDir: false }), { batchSize: 3, seed: 0, transforms: t, workers: 0, shuffle: false });
    const e = await (async () => {
      for await (const _ of strict) void _;
    })().catch((x: Error) => x);
    expect(isDklError(e, 'DKL_DATA')).toBe(true);
    expect((e as Error).message).toContain(join(broken, 'b', 'truncated.jpg'));
    expect((e as Error).message).toContain("onBadImage: 'skip'");
    const lenient = new Loader(await streamImageFolder(broken, { indexCacheDir: false, onBadImage: 'skip' }), { batchSize: 3, seed: 0, transforms: t, workers: 0, shuffle: false });
    const ys: number[][] = [];
    for await (const b of lenient) ys.push(Array.from(b.y.dataSync()));
    expect(ys).toEqual([[0, 1]]);
    expect(lenient.skippedImages).toBe(1);
  });

  it('subsets of a streaming dataset stream too', async () => {
    const ds = await streamImageFolder(root, { indexCacheDir: false });
    const sub = perClassSubsample(ds, { perClass: 1, seed: 0 });
    expect(classCounts(sub)).toEqual([1, 1]);
    const loader = new Loader(sub, { batchSize: 2, seed: 0, transforms: [{ kind: 'center-crop', size: 8 }], workers: 0 });
    for await (const b of loader) expect(Array.from(b.y.dataSync()).sort()).toEqual([0, 1]);
  });
});

describe('image-list (ImageNet-LT format) and the dataset definitions', () => {
  it('parses path/label lines and names the line of a bad entry', () => {
    expect(parseImageList('train/a/1.jpg 0\n\ntrain/b/2.jpg 12\r\n', 'L.txt')).toEqual({ files: ['train/a/1.jpg', 'train/b/2.jpg'], labels: [0, 12] });
    expect(() => parseImageList('a.jpg 0\nb.jpg x\n', 'L.txt')).toThrow(/L\.txt: line 2: label 'x'/);
    expect(() => parseImageList('just-a-path\n', 'L.txt')).toThrow(/L\.txt: line 1: expected '<path> <label>'/);
  });

  it('streams the listed images through the loader', async () => {
    const list = join(dir, 'lt_train.txt');
    writeFileSync(list, 'cat/1.jpg 0\ncat/2.png 0\ndog/4.JPEG 2\n');
    const ds = await streamImageList(root, list);
    expect(ds).toBeInstanceOf(StreamingImageDataset);
    expect(ds.numClasses).toBe(3);
    expect(classCounts(ds)).toEqual([2, 0, 1]);
    const def = datasetDefinitions.find((d) => d.name === 'image-list')!;
    const fromConfig = await def.load(parseConfig(def.schema, { root, lists: { train: list } }, 'data.dataset.options'), 'train');
    expect(fromConfig.length).toBe(3);
    await expect(def.load(parseConfig(def.schema, { root, lists: { train: list } }, 'data.dataset.options'), 'val')).rejects.toThrow(/no entry 'val' \(has: train\)/);
    const loader = new Loader(fromConfig, { batchSize: 3, seed: 0, transforms: [{ kind: 'random-resized-crop', size: 12 }], workers: 0, shuffle: false });
    for await (const b of loader) {
      expect(b.x.shape).toEqual([3, 12, 12, 3]);
      expect(Array.from(b.y.dataSync())).toEqual([0, 0, 2]);
    }
    appendFileSync(list, 'dog/missing.jpg 1\n');
    const missing = new Loader(await streamImageList(root, list), { batchSize: 4, seed: 0, transforms: [{ kind: 'center-crop', size: 4 }], workers: 0 });
    await expect((async () => {
      for await (const _ of missing) void _;
    })()).rejects.toThrow(/missing\.jpg: cannot be decoded/);
  });

  it('image-folder config streams root/<split>/', async () => {
    const def = datasetDefinitions.find((d) => d.name === 'image-folder')!;
    const ds = await def.load(parseConfig(def.schema, { root: dir, indexCache: false }, 'data.dataset.options'), 'photos');
    expect(ds.shape).toEqual([0, 0, 3]);
    expect(ds.length).toBeGreaterThanOrEqual(6);
  });
});
