import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { loadImageFolder } from '../src/index.js';
import { fixtureBytes, tempDir } from './helpers/tmp.js';
import { workerScript } from './helpers/worker-bundle.js';

const { dir, cleanup } = tempDir('folder');
afterAll(cleanup);

function rgba(w: number, h: number, seed: number): Uint8Array {
  const px = fixtureBytes(w * h * 4, seed);
  for (let i = 3; i < px.length; i += 4) px[i] = 255;
  return px;
}
function writePng(file: string, w: number, h: number, seed: number): Uint8Array {
  const data = rgba(w, h, seed);
  writeFileSync(file, PNG.sync.write({ width: w, height: h, data: Buffer.from(data) } as PNG));
  const rgb = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) rgb.set(data.subarray(4 * i, 4 * i + 3), 3 * i);
  return rgb;
}
function writeJpeg(file: string, w: number, h: number, seed: number): void {
  writeFileSync(file, jpeg.encode({ width: w, height: h, data: Buffer.from(rgba(w, h, seed)) }, 90).data);
}
function jpegRgb(file: string): Uint8Array {
  const d = jpeg.decode(readFileSync(file), { useTArray: true, formatAsRGBA: true });
  const rgb = new Uint8Array(d.width * d.height * 3);
  for (let i = 0; i < d.width * d.height; i++) rgb.set(d.data.subarray(4 * i, 4 * i + 3), 3 * i);
  return rgb;
}
function makeFolder(name: string): { root: string; expected: { label: number; rgb: Uint8Array }[] } {
  const root = join(dir, name);
  const expected: { label: number; rgb: Uint8Array }[] = [];
  for (const [label, cls] of ['cat', 'dog'].entries()) {
    mkdirSync(join(root, cls), { recursive: true });
    for (let k = 0; k < 2; k++) expected.push({ label, rgb: writePng(join(root, cls, `a${k}.png`), 6, 5, 10 * label + k) });
    writeJpeg(join(root, cls, 'b.JPG'), 6, 5, 99 + label);
    expected.push({ label, rgb: jpegRgb(join(root, cls, 'b.JPG')) });
  }
  writeFileSync(join(root, '.DS_Store'), 'ignored dotfile');
  return { root, expected };
}

describe('image-folder dataset', () => {
  const { root, expected } = makeFolder('ok');

  it('reads PNG bit-exactly and JPEG equal to jpeg-js decoding, classes sorted', async () => {
    const ds = await loadImageFolder(root, { workers: 0 });
    expect(ds.classNames).toEqual(['cat', 'dog']);
    expect(ds.shape).toEqual([5, 6, 3]);
    expect(ds.length).toBe(6);
    expected.forEach((e, i) => {
      expect(ds.get(i).label).toBe(e.label);
      expect(Buffer.from(ds.get(i).image).equals(Buffer.from(e.rgb))).toBe(true);
    });
  });

  it('decodes in worker threads to the same bytes', async () => {
    const a = await loadImageFolder(root, { workers: 0 });
    const b = await loadImageFolder(root, { workers: 2, workerScript: await workerScript() });
    for (let i = 0; i < a.length; i++) expect(Buffer.from(b.get(i).image).equals(Buffer.from(a.get(i).image))).toBe(true);
  });

  it('grey output (channels: 1) of a grey PNG equals its pixels', async () => {
    const r = join(dir, 'grey');
    mkdirSync(join(r, 'x'), { recursive: true });
    const g = fixtureBytes(12, 4);
    const data = new Uint8Array(48);
    g.forEach((v, i) => data.set([v, v, v, 255], 4 * i));
    writeFileSync(join(r, 'x', 'g.png'), PNG.sync.write({ width: 4, height: 3, data: Buffer.from(data) } as PNG));
    const ds = await loadImageFolder(r, { channels: 1, workers: 0 });
    expect(ds.shape).toEqual([3, 4, 1]);
    expect(Array.from(ds.get(0).image)).toEqual(Array.from(g));
  });

  it('mixed image sizes: error names the odd file and both sizes', async () => {
    const r = join(dir, 'mixed');
    mkdirSync(join(r, 'a'), { recursive: true });
    writePng(join(r, 'a', '1.png'), 4, 4, 1);
    writePng(join(r, 'a', '2.png'), 5, 4, 2);
    await expect(loadImageFolder(r, { workers: 0 })).rejects.toThrow(/a[/\\]2\.png: is 5x4 but .*1\.png is 4x4/);
  });

  it('corrupt PNG and truncated JPEG: error names the file', async () => {
    const r = join(dir, 'corrupt');
    mkdirSync(join(r, 'a'), { recursive: true });
    writePng(join(r, 'a', '1.png'), 4, 4, 1);
    const png = readFileSync(join(r, 'a', '1.png'));
    writeFileSync(join(r, 'a', '2.png'), png.subarray(0, png.length - 20));
    await expect(loadImageFolder(r, { workers: 0 })).rejects.toThrow(/2\.png: cannot be decoded as PNG/);
    const r2 = join(dir, 'corrupt-jpg');
    mkdirSync(join(r2, 'a'), { recursive: true });
    writeJpeg(join(r2, 'a', 'x.jpg'), 16, 16, 1);
    const j = readFileSync(join(r2, 'a', 'x.jpg'));
    writeFileSync(join(r2, 'a', 'x.jpg'), j.subarray(0, Math.floor(j.length / 2)));
    await expect(loadImageFolder(r2, { workers: 0 })).rejects.toThrow(/x\.jpg: cannot be decoded as JPEG/);
    await expect(loadImageFolder(r2, { workers: 1, workerScript: await workerScript() })).rejects.toThrow(/x\.jpg: cannot be decoded as JPEG/);
  });

  it('wrong root, stray files, unsupported files and empty classes are errors naming the path', async () => {
    await expect(loadImageFolder(join(dir, 'missing'), { workers: 0 })).rejects.toThrow(/missing: directory not found/);
    const r = join(dir, 'stray');
    mkdirSync(join(r, 'a'), { recursive: true });
    writePng(join(r, 'a', '1.png'), 4, 4, 1);
    writeFileSync(join(r, 'README.txt'), 'x');
    await expect(loadImageFolder(r, { workers: 0 })).rejects.toThrow(/README\.txt: is a file directly under the image-folder root/);
    const r2 = join(dir, 'unsupported');
    mkdirSync(join(r2, 'a'), { recursive: true });
    writePng(join(r2, 'a', '1.png'), 4, 4, 1);
    writeFileSync(join(r2, 'a', 'notes.gif'), 'x');
    await expect(loadImageFolder(r2, { workers: 0 })).rejects.toThrow(/notes\.gif: has an unsupported extension/);
    const r3 = join(dir, 'emptyclass');
    mkdirSync(join(r3, 'a'), { recursive: true });
    mkdirSync(join(r3, 'b'), { recursive: true });
    writePng(join(r3, 'a', '1.png'), 4, 4, 1);
    await expect(loadImageFolder(r3, { workers: 0 })).rejects.toThrow(/b: class directory 'b' has no images/);
  });
});
