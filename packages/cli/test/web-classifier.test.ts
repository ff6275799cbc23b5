/**
 * The examples/web-classifier page, built by Vite, in headless Chromium (Debian's, driven by
 * playwright-core), on the quick start's own artifact: the quick-start IKL student is trained at
 * a tiny scale (teacher included), exported by the quick start (`dkl export --format tfjs-graph`)
 * and by `dkl export --format tfjs-layers`, loaded by the page with the stock tfjs browser bundle,
 * and must give the same top-1 labels as dkl's eval forward of the run's weights in Node on 32
 * Fashion-MNIST test images, through its scripted entry point and by an image file dropped on it.
 */
import { cpSync, createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadFashionMnist, padResize } from '@dkl/data';
import { chromium as playwright, type BrowserContext } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadRunStudent, main, quickstartCommand } from '../src/index.js';
import { ensureChromium } from './setup/chromium.js';

const EXAMPLE = resolve(__dirname, '../../../examples/web-classifier');
/** The quick start's input: Fashion-MNIST padded to 32x32x3 (its `pad-resize` transform). */
const SIZE = 32;
/** Data and epochs of the quick start, scaled down to a test (the teacher is trained too). */
const SCALE = 0.05;

let dir: string;
let server: Server;
let url: string;
let context: BrowserContext | undefined;

function serve(root: string): Promise<Server> {
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.json': 'application/json' };
  const s = createServer((req, res) => {
    const file = join(root, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  return new Promise((ok) => s.listen(0, '127.0.0.1', () => ok(s)));
}

/** 32 Fashion-MNIST test images padded to 32x32x3 as the quick start's `pad-resize` does (0-255 values). */
let padded: Float32Array[];
/** The same pixels as the RGBA bytes a browser canvas would hold. */
let rgba: Uint8Array[];
let classNames: readonly string[];
let expectedTop1: number[];
let expectedProbabilities: number[][];
const images = () => rgba;

beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'dkl-web-'));
  const site = join(dir, 'site');
  await build({ root: EXAMPLE, logLevel: 'error', build: { outDir: site, emptyOutDir: true } });

  // The quick start, IKL student only: trains (and caches) the teacher, then the student, and
  // exports the student as a tfjs graph model, as `npm start` does.
  const { runs, exported } = await quickstartCommand({
    runsDir: join(dir, 'runs'),
    cacheDir: join(dir, 'cache'),
    students: ['ikl'],
    seeds: 1,
    scale: SCALE,
    progress: false,
    out: () => undefined,
    log: () => undefined,
  });
  const runDir = runs['ikl']![0]!.runDir;
  expect(exported).toBeDefined();
  const layersOut = join(site, 'model-layers');
  expect(await main(['node', 'dkl', 'export', runDir, '--format', 'tfjs-layers', '--out', layersOut])).toBe(0);
  cpSync(exported!, join(site, 'model'), { recursive: true });
  const meta = JSON.parse(readFileSync(join(site, 'model', 'model.json'), 'utf8')).userDefinedMetadata.dkl;
  expect(meta).toMatchObject({ architecture: 'tiny_cnn', inputShape: [SIZE, SIZE, 3] });

  // The quick start's `normalize` (0-255 -> 0-1, then (x - mean) / std) and dkl's eval forward
  // of the run's best weights (what both exports hold).
  const test = await loadFashionMnist({ split: 'test' });
  padded = Array.from({ length: 32 }, (_, i) => padResize(test.get(i).image, test.shape, [SIZE, SIZE, 3]).data);
  rgba = padded.map((px) => {
    const out = new Uint8Array(SIZE * SIZE * 4);
    for (let i = 0; i < SIZE * SIZE; i++) {
      for (let c = 0; c < 3; c++) out[4 * i + c] = px[3 * i + c]!;
      out[4 * i + 3] = 255;
    }
    return out;
  });
  const student = await loadRunStudent(runDir, 'best', () => undefined);
  classNames = student.input.classNames!;
  const { mean, std } = student.input as { mean: number[]; std: number[] };
  const batch = new Float32Array(32 * SIZE * SIZE * 3);
  padded.forEach((px, n) => px.forEach((v, i) => (batch[n * px.length + i] = (v / 255 - mean[i % 3]!) / std[i % 3]!)));
  const x = tf.tensor4d(batch, [32, SIZE, SIZE, 3]);
  const { logits, features } = student.model.forward(x, { training: false });
  expectedTop1 = Array.from(logits.argMax(1).dataSync());
  const probabilities = tf.softmax(logits);
  expectedProbabilities = probabilities.arraySync() as number[][];
  tf.dispose([x, logits, probabilities, ...Object.values(features)]);
  student.model.dispose();

  server = await serve(site);
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = inject('chromium') ?? ensureChromium();
  if (!browser.path) throw new Error(`headless Chromium is required for the web-classifier test and is unavailable: ${browser.error}`);
  context = await playwright.launchPersistentContext(join(dir, 'profile'), {
    executablePath: browser.path,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}, 300_000);

afterAll(async () => {
  await context?.close();
  await new Promise((ok) => (server ? server.close(ok) : ok(undefined)));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('web-classifier page in headless Chromium', () => {
  for (const [label, query] of [['tfjs-graph', ''], ['tfjs-layers', '?model=./model-layers/model.json']] as const) {
    it(`${label}: same top-1 as Node on 32 images`, async () => {
      const page = await context!.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${url}/index.html${query}`);
      await page.waitForSelector('body[data-ready="true"], body[data-error]', { timeout: 120_000 });
      expect(await page.getAttribute('body', 'data-error')).toBeNull();
      expect(await page.textContent('#status')).toBe(`tiny_cnn, 10 classes, input ${SIZE}x${SIZE}x3`);
      const top1 = await page.evaluate((imgs) => (window as unknown as { dklClassify: (i: number[][]) => number[] }).dklClassify(imgs), images().map((a) => Array.from(a)));
      expect(top1).toEqual(expectedTop1);
      // A tiny-scale student may put most images in one class: the probabilities must agree too,
      // and differ between images, so the check can tell images apart.
      const probabilities = await page.evaluate((imgs) => (window as unknown as { dklProbabilities: (i: number[][]) => number[][] }).dklProbabilities(imgs), images().map((a) => Array.from(a)));
      const diff = Math.max(...probabilities.flatMap((row, n) => row.map((p, k) => Math.abs(p - expectedProbabilities[n]![k]!))));
      expect(diff).toBeLessThan(1e-4);
      expect(new Set(expectedProbabilities.map((row) => row[expectedTop1[0]!]!.toFixed(3))).size).toBeGreaterThan(8);
      expect(errors).toEqual([]);
      await page.close();
    });
  }

  it('a PNG dropped on the page is classified like Node classifies its pixels', async () => {
    const page = await context!.newPage();
    await page.goto(`${url}/index.html`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 120_000 });
    for (const n of [0, 1, 2]) {
      await page.evaluate(async ({ px, size }) => {
        const canvas = new OffscreenCanvas(size, size);
        canvas.getContext('2d')!.putImageData(new ImageData(Uint8ClampedArray.from(px), size, size), 0, 0);
        const file = new File([await canvas.convertToBlob({ type: 'image/png' })], 'image.png', { type: 'image/png' });
        const data = new DataTransfer();
        data.items.add(file);
        delete document.body.dataset['top1'];
        document.getElementById('drop')!.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
      }, { px: Array.from(images()[n]!), size: SIZE });
      await page.waitForSelector('body[data-top1]');
      expect(Number(await page.getAttribute('body', 'data-top1')), `image ${n}`).toBe(expectedTop1[n]);
      expect(await page.textContent('#result li.top')).toMatch(new RegExp(`^${classNames[expectedTop1[n]!]}: \\d+\\.\\d %$`));
    }
    await page.close();
  });
});
