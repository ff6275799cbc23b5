/**
 * examples/browser-distill, built by Vite and opened in headless Chromium (Debian's, driven by
 * playwright-core, as in the web-classifier test): the bundle holds no Node module,
 * and the page distills on WebGPU or WebGL (whichever Chromium offers; printed) with the training
 * loss falling over 30+ steps, live from the event stream.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium as playwright, type BrowserContext } from 'playwright-core';
import { build, preview, type PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const EXAMPLE = resolve(__dirname, '..');

interface PageState {
  backend?: string;
  backendLine?: string;
  steps: Array<{ step: number; losses: { total: number }; accuracy: number; time: number }>;
  started: number;
  evals: Array<{ step: number; top1: number }>;
  done: boolean;
  error?: string;
}

let dir: string;
let site: string;
let server: PreviewServer;
let context: BrowserContext | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dkl-browser-distill-'));
  site = join(dir, 'site');
  await build({ root: EXAMPLE, logLevel: 'error', build: { outDir: site, emptyOutDir: true } });
  server = await preview({ root: EXAMPLE, logLevel: 'error', build: { outDir: site }, preview: { host: '127.0.0.1', port: 0, strictPort: false, open: false } });
  // Debian's chromium, installed by `npm run setup` (tools/setup/system-deps.mjs).
  const chromium = [process.env['CHROMIUM_PATH'], '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => p && existsSync(p));
  if (!chromium) throw new Error('headless Chromium is required for the browser-distill test: /usr/bin/chromium is missing (npm run setup installs it as root) and CHROMIUM_PATH is unset');
  context = await playwright.launchPersistentContext(join(dir, 'profile'), {
    executablePath: chromium,
    headless: true,
    // No GPU here: Chromium's own SwiftShader gives WebGL (and, with unsafe WebGPU, a software
    // WebGPU adapter, which dkl's automatic choice skips for WebGL).
    args: ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--enable-unsafe-webgpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}, 300_000);

afterAll(async () => {
  await context?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('browser-distill page', () => {
  it('the bundle imports no Node module', () => {
    const bundles = readdirSync(join(site, 'assets')).filter((f) => f.endsWith('.js'));
    expect(bundles.length).toBeGreaterThan(0);
    for (const file of bundles) {
      const text = readFileSync(join(site, 'assets', file), 'utf8');
      // No import of a Node built-in, and nothing Vite had to stub out for the browser.
      expect(text).not.toMatch(/__vite-browser-external|(?:import\s*\(|from|require\s*\()\s*["']node:/);
      expect(text).toContain('DklBatchNormTrain'); // it is the dkl bundle
    }
  });

  it('distills on WebGPU or WebGL with the training loss falling over 30 steps', async () => {
    const page = await context!.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.text().startsWith('[dkl]')) console.info(`[browser-distill] page log: ${m.text()}`);
    });
    const address = server.httpServer.address() as AddressInfo;
    // 240 images, batch 16, two epochs: 30 steps, and an evaluation on the 200 test images after each epoch.
    await page.goto(`http://127.0.0.1:${address.port}/index.html?epochs=2&batch=16&train=240`);
    await page.waitForSelector('body[data-done="true"], body[data-error]', { timeout: 600_000 });
    const state = (await page.evaluate(() => (window as unknown as { dklDistill: unknown }).dklDistill)) as PageState;
    expect(state.error).toBeUndefined();
    expect(errors).toEqual([]);
    console.info(`[browser-distill] Chromium ran the page on: ${state.backendLine}`);
    expect(['webgpu', 'webgl']).toContain(state.backend);
    const losses = state.steps.map((s) => s.losses.total);
    expect(losses.length).toBe(30);
    losses.forEach((l) => expect(Number.isFinite(l)).toBe(true));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const first = mean(losses.slice(0, 5));
    const last = mean(losses.slice(-5));
    console.info(`[browser-distill] ${losses.length} steps: loss ${first.toFixed(3)} (first 5) -> ${last.toFixed(3)} (last 5); test accuracy ${state.evals.map((e) => e.top1.toFixed(2)).join(' -> ')}`);
    expect(last).toBeLessThan(0.85 * first);
    console.info(`[browser-distill] first step after ${((state.steps[0]!.time - state.started) / 1000).toFixed(1)} s (shader compilation), then ${((state.steps.at(-1)!.time - state.steps[0]!.time) / 1000 / (losses.length - 1)).toFixed(2)} s/step`);
    // One evaluation per epoch, drawn from eval-end events at the epochs' last steps.
    expect(state.evals.map((e) => e.step)).toEqual([15, 30]);
    expect(await page.textContent('#status')).toMatch(/^done: student test accuracy/);
    await page.close();
  });
});
