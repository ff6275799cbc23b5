/**
 * The examples/web-classifier page, built by Vite, in headless Chromium (Debian's, driven by
 * playwright-core): it loads a dkl export with the stock tfjs browser bundle and gives the same
 * top-1 labels as dkl's forward in Node on 32 images, through its scripted entry point and by an
 * image file dropped on the page.
 */
import { createReadStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { SeededRng } from '@dkl/core';
import { createModel, exportModel } from '@dkl/models';
import { chromium as playwright, type BrowserContext } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureChromium } from './setup/chromium.js';

const EXAMPLE = resolve(__dirname, '../../../examples/web-classifier');
const SIZE = 16;
const MEAN = [0.5, 0.45, 0.4];
const STD = [0.25, 0.25, 0.3];
const CLASSES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

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

/** 32 seeded RGBA images of SIZE x SIZE. */
function images(): Uint8Array[] {
  const rng = new SeededRng(21);
  return Array.from({ length: 32 }, () => {
    // A random colour gradient plus noise: varied enough that the labels differ between images.
    const base = [0, 1, 2].map(() => rng.uniform());
    const slope = [0, 1, 2].map(() => rng.uniform() * 2 - 1);
    const px = new Uint8Array(SIZE * SIZE * 4);
    for (let i = 0; i < SIZE * SIZE; i++) {
      for (let c = 0; c < 3; c++) px[4 * i + c] = Math.max(0, Math.min(255, Math.round(255 * (base[c]! + (slope[c]! * (i % SIZE)) / SIZE) + 40 * (rng.uniform() - 0.5))));
      px[4 * i + 3] = 255;
    }
    return px;
  });
}

let expectedTop1: number[];

beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'dkl-web-'));
  const site = join(dir, 'site');
  await build({ root: EXAMPLE, logLevel: 'error', build: { outDir: site, emptyOutDir: true } });

  const model = createModel('tiny_cnn', { numClasses: 10, inputShape: [SIZE, SIZE, 3], seed: 3 });
  // Non-trivial batch-norm statistics and biases, so folding them matters.
  const rng = new SeededRng(5);
  for (const p of model.parameters) {
    if (p.spec.name.startsWith('bn')) p.value.assign(tf.tensor(Float32Array.from({ length: p.size }, () => (p.spec.name.endsWith('var') ? 0.5 : -0.5) + rng.uniform()), p.value.shape));
  }
  // dkl's own forward on the same normalised pixels.
  const batch = new Float32Array(32 * SIZE * SIZE * 3);
  images().forEach((px, n) => {
    for (let i = 0; i < SIZE * SIZE; i++) for (let c = 0; c < 3; c++) batch[(n * SIZE * SIZE + i) * 3 + c] = (px[4 * i + c]! / 255 - MEAN[c]!) / STD[c]!;
  });
  const x = tf.tensor4d(batch, [32, SIZE, SIZE, 3]);
  // A random network's logits barely depend on its input (the average-pooled features are alike):
  // centre them over these images with the classifier bias, so the labels differ between images.
  const first = model.forward(x, { training: false });
  model.namedVariables().get('fc.bias')!.assign(tf.sub(model.namedVariables().get('fc.bias')!, tf.mean(first.logits, 0)));
  tf.dispose([first.logits, ...Object.values(first.features)]);
  const { logits, features } = model.forward(x, { training: false });
  expectedTop1 = Array.from(logits.argMax(1).dataSync());
  tf.dispose([x, logits, ...Object.values(features)]);
  const input = { mean: MEAN, std: STD, classNames: CLASSES };
  await exportModel(model, 'tfjs-graph', { out: join(site, 'model'), input });
  await exportModel(model, 'tfjs-layers', { out: join(site, 'model-layers'), input });
  model.dispose();

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
      expect(await page.textContent('#status')).toBe('tiny_cnn, 10 classes, input 16x16x3');
      const top1 = await page.evaluate((imgs) => (window as unknown as { dklClassify: (i: number[][]) => number[] }).dklClassify(imgs), images().map((a) => Array.from(a)));
      expect(top1).toEqual(expectedTop1);
      expect(new Set(expectedTop1).size).toBeGreaterThan(1); // the check can tell labels apart
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
      expect(await page.textContent('#result li.top')).toMatch(new RegExp(`^${CLASSES[expectedTop1[n]!]}: \\d+\\.\\d %$`));
    }
    await page.close();
  });
});
