import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '@dkl/core';
import { datasetDefinitions, loadMnistIdx, parseIdx } from '../src/index.js';
import { fixtureBytes, tempDir } from './helpers/tmp.js';

const { dir, cleanup } = tempDir('idx');
afterAll(cleanup);

function idx(dims: number[], data: Uint8Array, type = 0x08): Uint8Array {
  const header = new Uint8Array(4 + 4 * dims.length);
  header[2] = type;
  header[3] = dims.length;
  const v = new DataView(header.buffer);
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
  const out = new Uint8Array(header.length + data.length);
  out.set(header);
  out.set(data, header.length);
  return out;
}

const N = 5;
const pixels = fixtureBytes(N * 28 * 28, 3);
const labels = Uint8Array.from([7, 0, 9, 3, 3]);
const write = (name: string, bytes: Uint8Array, gz = false): string => {
  const p = join(dir, name);
  writeFileSync(p, gz ? gzipSync(bytes) : bytes);
  return p;
};
const imgPlain = write('train-images-idx3-ubyte', idx([N, 28, 28], pixels));
const labPlain = write('train-labels-idx1-ubyte', idx([N], labels));
const imgGz = write('t10k-images-idx3-ubyte.gz', idx([N, 28, 28], pixels), true);
const labGz = write('t10k-labels-idx1-ubyte.gz', idx([N], labels), true);

describe('IDX reader (MNIST format)', () => {
  it.each([
    ['plain', imgPlain, labPlain],
    ['gzip', imgGz, labGz],
  ])('reads %s files back bit-exactly', async (_kind, images, labs) => {
    const ds = await loadMnistIdx(images, labs);
    expect(ds.length).toBe(N);
    expect(ds.shape).toEqual([28, 28, 1]);
    expect(ds.numClasses).toBe(10);
    for (let i = 0; i < N; i++) {
      expect(ds.get(i).label).toBe(labels[i]);
      expect(Buffer.from(ds.get(i).image).equals(Buffer.from(pixels.subarray(i * 784, (i + 1) * 784)))).toBe(true);
    }
  });

  it('detects gzip by content, not by file name', async () => {
    const p = write('gz-without-suffix', idx([N], labels), true);
    const ds = await loadMnistIdx(imgPlain, p);
    expect(ds.get(0).label).toBe(7);
  });

  it('bad magic number names the file', async () => {
    const p = write('bad-magic', Uint8Array.from([1, 2, 8, 1, 0, 0, 0, 0]));
    await expect(loadMnistIdx(imgPlain, p)).rejects.toThrow(/bad-magic: bad IDX magic number 0x01020801/);
    const q = write('bad-type', idx([N], labels, 0x0d));
    await expect(loadMnistIdx(imgPlain, q)).rejects.toThrow(/bad-type: IDX data type 0x0d is not supported/);
  });

  it('truncated data and trailing bytes name the file and the counts', async () => {
    const full = idx([N, 28, 28], pixels);
    const t = write('truncated', full.subarray(0, full.length - 10));
    await expect(loadMnistIdx(t, labPlain)).rejects.toThrow(/truncated: truncated: header dims \[5, 28, 28\] need 3920 data bytes, found 3910/);
    const x = write('trailing', Uint8Array.from([...idx([N], labels), 0]));
    await expect(loadMnistIdx(imgPlain, x)).rejects.toThrow(/trailing: has trailing bytes/);
    const h = write('short-header', Uint8Array.from([0, 0, 8, 3, 0, 0]));
    await expect(loadMnistIdx(h, labPlain)).rejects.toThrow(/short-header: is 6 bytes, too short for an IDX header with 3 dimensions/);
  });

  it('truncated gzip names the file', async () => {
    const gz = gzipSync(idx([N], labels));
    const p = write('cut.gz', gz.subarray(0, gz.length - 8));
    await expect(loadMnistIdx(imgPlain, p)).rejects.toThrow(/cut\.gz: is not valid gzip/);
  });

  it('count mismatch, swapped files and labels out of range name the file', async () => {
    const few = write('few-labels', idx([N - 1], labels.subarray(0, N - 1)));
    await expect(loadMnistIdx(imgPlain, few)).rejects.toThrow(/few-labels: has 4 labels but .* has 5 images/);
    await expect(loadMnistIdx(labPlain, imgPlain)).rejects.toThrow(/train-labels-idx1-ubyte: IDX images must have 3 dims/);
    const big = write('label-10', idx([N], Uint8Array.from([1, 2, 10, 3, 4])));
    await expect(loadMnistIdx(imgPlain, big)).rejects.toThrow(/label-10: label 10 at index 2 is out of range \[0, 10\)/);
    await expect(loadMnistIdx(imgPlain, labPlain, { numClasses: 8 })).rejects.toThrow(/label 9 at index 2/);
  });

  it('missing file names it', async () => {
    await expect(loadMnistIdx(join(dir, 'nope'), labPlain)).rejects.toThrow(/nope: file not found/);
  });

  it('parseIdx keeps extra dims as channels', async () => {
    const a = parseIdx(idx([2, 3, 4, 3], fixtureBytes(72, 1)), 'mem');
    expect(a.dims).toEqual([2, 3, 4, 3]);
    const p = write('rgb-idx', idx([2, 3, 4, 3], fixtureBytes(72, 1)));
    const ds = await loadMnistIdx(p, write('rgb-lab', idx([2], Uint8Array.from([0, 1]))));
    expect(ds.shape).toEqual([3, 4, 3]);
  });

  it("the 'mnist-idx' definition resolves standard names in a directory (plain, then .gz)", async () => {
    const def = datasetDefinitions.find((d) => d.name === 'mnist-idx')!;
    const options = parseConfig(def.schema, { dir });
    const train = await def.load(options, 'train');
    const test = await def.load(options, 'test');
    expect(train.length).toBe(N);
    expect(Array.from(test.get(4).image)).toEqual(Array.from(train.get(4).image));
    await expect(def.load(options, 'val')).rejects.toThrow(/split/);
  });
});
