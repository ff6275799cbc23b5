import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { PNG } from 'pngjs';
import type { EpochRecord } from '@dkl/trainers';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  finiteSegments,
  formatTick,
  heatmapSvg,
  lineChartSvg,
  niceScale,
  PALETTE,
  renderComparisonReport,
  renderRunReport,
  viridis,
  type RunReportData,
} from '../src/report/index.js';
import { ensureChromium, type ChromiumInfo } from './setup/chromium.js';

const count = (text: string, pattern: RegExp): number => (text.match(new RegExp(pattern.source, 'g')) ?? []).length;
/** The `<svg ...>...</svg>` element with `data-chart="id"`. */
const svgOf = (html: string, id: string): string => {
  const start = html.indexOf(`data-chart="${id}"`);
  if (start < 0) return '';
  return html.slice(html.lastIndexOf('<svg', start), html.indexOf('</svg>', start) + 6);
};

/** A synthetic run: decaying losses, rising accuracy, a NaN epoch, a 5-epoch `val` split. */
function syntheticRun(name: string, epochs: number, options: { prior?: number; shift?: number } = {}): RunReportData {
  const shift = options.shift ?? 0;
  const history: EpochRecord[] = [];
  for (let e = 1; e <= epochs; e++) {
    const total = 2.5 * Math.exp(-e / 8) + 0.3 + shift;
    const record: EpochRecord = {
      epoch: e,
      learningRate: e <= 20 ? 0.05 : 0.005,
      train: { total: e === 7 ? NaN : total, ce: total * 0.4, ikl: total * 0.6, top1: 0.2 + 0.7 * (1 - Math.exp(-e / 6)), imagesPerSecond: 900 + 30 * Math.sin(e), learningRate: e <= 20 ? 0.05 : 0.005 },
      eval: { test: { loss: total + 0.2, top1: 0.15 + 0.65 * (1 - Math.exp(-e / 6)) - shift / 10, top5: 0.5 + 0.45 * (1 - Math.exp(-e / 5)) } },
      durationMs: 1000,
    };
    if (e % 5 === 0) record.eval['val'] = { loss: total + 0.25, top1: 0.1 + 0.6 * (1 - Math.exp(-e / 6)), top5: 0.45 + 0.4 * (1 - Math.exp(-e / 5)) };
    history.push(record);
  }
  const C = options.prior ?? 0;
  const matrix = Array.from({ length: C }, (_, r) => Array.from({ length: C }, (_, c) => (r === c ? 0.6 : 0.4 / (C - 1))));
  return {
    name,
    status: 'completed',
    config: { name, trainer: { type: 'distillation', epochs }, note: '<script>alert("x")</script> & more' },
    backend: 'tensorflow (node) 4.22.0, 2 threads',
    startedAt: '2026-01-02T03:04:05.000Z',
    wallTimeMs: 3_723_000,
    history,
    ...(C > 0 ? { classPrior: { matrix, classNames: Array.from({ length: C }, (_, i) => `class-${i}`) } } : {}),
    summary: { 'test.top1': history.at(-1)?.eval['test']?.['top1'] ?? NaN },
  };
}

describe('report SVG generation (pure)', () => {
  it('niceScale: 1-2-5 steps, exact decimals, padded zero-width ranges, integer epochs', () => {
    expect(niceScale(0, 1).ticks).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceScale(0.0013, 0.0097).ticks).toEqual([0, 0.002, 0.004, 0.006, 0.008, 0.01]);
    expect(niceScale(12, 97).ticks).toEqual([0, 20, 40, 60, 80, 100]);
    const flat = niceScale(5, 5);
    expect(flat.min).toBeLessThan(5);
    expect(flat.max).toBeGreaterThan(5);
    expect(niceScale(1, 1, 8, true).ticks).toEqual([0, 1, 2]);
    expect(niceScale(1, 3, 8, true).ticks).toEqual([1, 2, 3]);
    expect(niceScale(1, 240, 8, true)).toMatchObject({ min: 0, max: 240, step: 20 });
    expect(() => niceScale(NaN, 1)).toThrow(/finite/);
    expect(formatTick(0.30000000000000004, 0.1)).toBe('0.3');
    expect(formatTick(120000, 20000)).toBe('1.2e5');
  });

  it('line chart: axis ticks as text, one path per finite segment, NaN breaks the line', () => {
    const svg = lineChartSvg({
      id: 'c',
      title: 'T <1>',
      xLabel: 'epoch',
      yLabel: 'loss',
      series: [{ name: 'a & b', points: [[1, 0.5], [2, 0.4], [3, NaN], [4, 0.2], [5, 0.1]] }],
    });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('data-chart="c"');
    expect(svg).toContain('T &lt;1&gt;');
    expect(svg).toContain('>a &amp; b<');
    expect(count(svg, /<path class="series"/)).toBe(2);
    for (const tick of ['0.1', '0.2', '0.3', '0.4', '0.5']) expect(svg).toContain(`dy="0.32em" text-anchor="end">${tick}</text>`);
    for (const tick of ['1', '2', '3', '4', '5']) expect(svg).toContain(`text-anchor="middle">${tick}</text>`);
    expect(svg).not.toMatch(/NaN|Infinity|undefined/);
    expect(finiteSegments([[3, 1], [1, 1], [2, Infinity], [4, 2]])).toEqual([[[1, 1]], [[3, 1], [4, 2]]]);
  });

  it('line chart: a one-epoch run draws dots; no finite data shows "no data"', () => {
    const one = lineChartSvg({ id: 'one', title: 'x', xLabel: 'epoch', yLabel: 'y', series: [{ name: 'a', points: [[1, 0.7]] }, { name: 'b', points: [[1, 0.3]] }] });
    expect(count(one, /<circle class="point"/)).toBe(2);
    expect(count(one, /<path class="series"/)).toBe(0);
    expect(one).not.toMatch(/NaN/);
    const none = lineChartSvg({ id: 'none', title: 'x', xLabel: 'epoch', yLabel: 'y', series: [{ name: 'a', points: [[1, NaN]] }] });
    expect(none).toContain('no data');
    expect(none).not.toMatch(/NaN/);
  });

  it('heat map: 100 x 100 prior gives 10 000 cells, a colour scale with ticks; NaN cells are grey', () => {
    const C = 100;
    const matrix = Array.from({ length: C }, (_, r) => Array.from({ length: C }, (_, c): number => (r === c ? 0.505 : 0.005)));
    matrix[3]![4] = NaN;
    const svg = heatmapSvg(matrix, { id: 'prior', title: 'prior' });
    expect(count(svg, /<rect class="cell/)).toBe(C * C);
    expect(count(svg, /<rect class="cell nan"/)).toBe(1);
    expect(svg).toContain(`fill="${viridis(1)}"`);
    expect(svg).toContain(`fill="${viridis(0)}"`);
    expect(count(svg, /<stop /)).toBe(11);
    expect(svg).toContain('class="scale-bar"');
    expect(svg).toMatch(/<text class="tick"[^>]*>0\.5<\/text>/);
    expect(svg).not.toMatch(/NaN/);
    expect(viridis(0)).toBe('#440154');
    expect(viridis(1)).toBe('#fde725');
    expect(viridis(NaN)).toBe('#440154');
  });
});

describe('renderRunReport / renderComparisonReport (HTML)', () => {
  it('contains every chart, the prior, escaped config, status, wall time and backend', () => {
    const html = renderRunReport(syntheticRun('run-a', 30, { prior: 10 }));
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    for (const id of ['loss', 'accuracy', 'learning-rate', 'throughput', 'class-prior']) expect(html).toContain(`data-chart="${id}"`);
    expect(count(svgOf(html, 'class-prior'), /<rect class="cell/)).toBe(100);
    // train total (split by the NaN epoch), ce, ikl, test loss, val loss
    expect(count(svgOf(html, 'loss'), /<path class="series"/)).toBe(6);
    // train top-1, test top-1/top-5, val top-1/top-5
    expect(count(svgOf(html, 'accuracy'), /<path class="series"/)).toBe(5);
    expect(html).toContain('&lt;script&gt;alert(\\&quot;x\\&quot;)&lt;/script&gt; &amp; more');
    expect(html).not.toContain('<script');
    expect(html).toContain('1 h 02 min 03 s');
    expect(html).toContain('tensorflow (node) 4.22.0, 2 threads');
    expect(html).toContain('status-completed');
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it('handles a one-epoch run, an empty failed run, and no prior', () => {
    const one = renderRunReport(syntheticRun('one', 1));
    expect(one).not.toContain('data-chart="class-prior"');
    expect(count(svgOf(one, 'accuracy'), /<circle class="point"/)).toBe(3);
    const failed = renderRunReport({ ...syntheticRun('f', 0), status: 'failed', error: 'NumericError: loss is NaN <at step 3>' });
    expect(failed).toContain('NumericError: loss is NaN &lt;at step 3&gt;');
    expect(failed).toContain('no data');
  });

  it('comparison overlays eval top-1 per run and split and tabulates final metrics', () => {
    const html = renderComparisonReport([syntheticRun('kd', 20), syntheticRun('ikl', 20, { shift: 0.1 })]);
    expect(count(svgOf(html, 'eval-top1'), /<path class="series"/)).toBe(4);
    expect(svgOf(html, 'eval-top1')).toContain('ikl (val)');
    expect(count(html, /<tr>/)).toBe(3);
    expect(html).toContain('<th>test best top-1</th>');
    const last = syntheticRun('kd', 20).history.at(-1)!.eval['test']!['top1']!;
    expect(html).toContain(`${(last * 100).toFixed(2)}%`);
  });
});

describe('report in headless Chromium', () => {
  let chromium: ChromiumInfo;
  let dir: string;
  const exec = promisify(execFile);
  const flags = (profile: string) => [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--no-default-browser-check',
    '--hide-scrollbars',
    `--user-data-dir=${profile}`,
  ];

  beforeAll(() => {
    // Provided by test/setup/chromium.ts when it is a globalSetup; otherwise find/install here.
    chromium = inject('chromium') ?? ensureChromium();
    dir = mkdtempSync(join(tmpdir(), 'dkl-report-'));
  }, 20 * 60_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('renders the charts (DOM has the SVG paths and cells; the screenshot shows them)', async () => {
    if (!chromium.path) throw new Error(`headless Chromium is required for the report test and is unavailable: ${chromium.error}`);
    const html = renderRunReport(syntheticRun('chromium-run', 30, { prior: 10 }));
    const file = join(dir, 'report.html');
    writeFileSync(file, html);
    const url = pathToFileURL(file).href;

    const { stdout: dom } = await exec(chromium.path, [...flags(join(dir, 'profile-dom')), '--dump-dom', url], { timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
    expect(dom).toContain('chromium-run');
    for (const id of ['loss', 'accuracy', 'learning-rate', 'throughput', 'class-prior']) expect(dom, id).toMatch(new RegExp(`<svg[^>]*data-chart="${id}"`));
    // The parsed DOM keeps every series path, dot and heat-map cell of the source.
    expect(count(dom, /<path class="series"/)).toBe(count(html, /<path class="series"/));
    expect(count(dom, /<path class="series"/)).toBeGreaterThanOrEqual(13);
    expect(count(dom, /<rect class="cell/)).toBe(100);
    expect(dom).not.toMatch(/<script/);

    const png = join(dir, 'report.png');
    await exec(chromium.path, [...flags(join(dir, 'profile-shot')), `--screenshot=${png}`, '--window-size=1200,4200', url], { timeout: 120_000 });
    const image = PNG.sync.read(readFileSync(png));
    expect(image.width).toBe(1200);
    expect(image.height).toBe(4200);
    let sum = 0;
    let sumSq = 0;
    const colours = new Set<number>();
    let seriesBlue = 0;
    let viridisDark = 0;
    const near = (r: number, g: number, b: number, hex: string) => {
      const n = Number.parseInt(hex.slice(1), 16);
      return Math.abs(r - (n >> 16)) < 12 && Math.abs(g - ((n >> 8) & 255)) < 12 && Math.abs(b - (n & 255)) < 12;
    };
    for (let i = 0; i < image.data.length; i += 4) {
      const [r, g, b] = [image.data[i]!, image.data[i + 1]!, image.data[i + 2]!];
      const luma = 0.299 * r + 0.587 * g + 0.114 * b;
      sum += luma;
      sumSq += luma * luma;
      colours.add((r << 16) | (g << 8) | b);
      if (near(r, g, b, PALETTE[0])) seriesBlue++;
      if (near(r, g, b, viridis(0))) viridisDark++;
    }
    const n = image.width * image.height;
    const variance = sumSq / n - (sum / n) ** 2;
    expect(variance, 'screenshot is blank').toBeGreaterThan(100);
    expect(colours.size).toBeGreaterThan(50);
    expect(seriesBlue, 'pixels of the first series colour (chart lines)').toBeGreaterThan(200);
    expect(viridisDark, 'pixels of the heat map off-diagonal colour').toBeGreaterThan(500);
  }, 300_000);
});
