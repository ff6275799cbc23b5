#!/usr/bin/env node
/**
 * Streaming image-folder throughput: decode (sharp) + RandomResizedCrop(224) + flip + normalise
 * of real 500x375 JPEGs through the BUILT @dkl/data Loader with 0, 1, 2 workers, next to PyTorch's
 * DataLoader + torchvision (Debian's python3-torchvision) on the same files and worker counts,
 * in the same script; then peak memory streaming the same number of images from a 2,000-entry
 * and a 20,000-entry dataset (an image-list naming each file 10 times), which must not differ.
 *
 *   apt-get install -y python3-torchvision
 *   npx nx run @dkl/data:build && node tools/bench/data/streaming-bench.mjs [--files 2000] [--images 1024] [--batch 64] [--backend cpu] [--dir /tmp/dkl-bench-jpegs] [--python /usr/bin/python3]
 *
 * CPU milliseconds per image (all threads / worker processes) are printed too: on a machine shared
 * with other jobs, images/s mostly measures the share of the cores each run got. Both loaders
 * allocate a fresh 38.5 MB batch per batch; where first touches of fresh memory are expensive
 * (VMs), GLIBC_TUNABLES=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=536870912 in front of
 * the command takes that cost out of both (README.md here: numbers and the breakdown).
 *
 * The JPEG folder is generated once (photo-like: smooth gradients, edges and noise, quality 90)
 * and reused. Peak memory is the process's max RSS (`ps`/getrusage): dkl's worker threads live in
 * the process; PyTorch's workers are child processes, counted by RUSAGE_CHILDREN.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resourceUsage } from 'node:process';
import sharp from 'sharp';
import { initBackend } from '@dkl/core';
import { Loader, streamImageFolder } from '@dkl/data';
import { arg, numArg } from '../args.mjs';

const FILES = numArg('files', 2000);
const IMAGES = numArg('images', 1024);
const BATCH = numArg('batch', 64);
const DIR = arg('dir', join(tmpdir(), 'dkl-bench-jpegs'));
const BACKEND = arg('backend', ''); // e.g. cpu: fresh batch arrays, as before tensor storage
// Debian's interpreter (python3-torchvision), not whatever python3 is first on PATH.
const PYTHON = arg('python', existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
const CLASSES = 10;
const here = dirname(fileURLToPath(import.meta.url));

/** A 500x375 photo-like RGB image: gradients + a few shapes + noise (so JPEG sizes are realistic). */
function photo(seed) {
  const w = 500;
  const h = 375;
  const px = Buffer.alloc(w * h * 3);
  let s = seed * 2654435761 >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const cx = rnd() * w;
  const cy = rnd() * h;
  const r = 40 + rnd() * 120;
  const base = [rnd() * 255, rnd() * 255, rnd() * 255];
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const inside = (x - cx) ** 2 + (y - cy) ** 2 < r * r;
      for (let c = 0; c < 3; c++) {
        const v = base[c] * (0.5 + (0.5 * x) / w) + (inside ? 60 - 40 * c : 0) + 30 * Math.sin((x + y * (c + 1)) / 23) + (rnd() - 0.5) * 24;
        px[(y * w + x) * 3 + c] = Math.max(0, Math.min(255, v));
      }
    }
  return sharp(px, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
}

async function ensureFolder() {
  const count = () => (existsSync(DIR) ? readdirSync(DIR).reduce((n, c) => n + readdirSync(join(DIR, c)).length, 0) : 0);
  if (count() === FILES) return;
  console.log(`generating ${FILES} JPEGs (500x375) in ${DIR} ...`);
  for (let c = 0; c < CLASSES; c++) mkdirSync(join(DIR, `class_${c}`), { recursive: true });
  for (let i = 0; i < FILES; i++) writeFileSync(join(DIR, `class_${i % CLASSES}`, `img_${i}.jpg`), await photo(i + 1));
}

const transforms = [
  { kind: 'random-resized-crop', size: 224 },
  { kind: 'random-flip' },
  { kind: 'normalize', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
];

/** images/s over IMAGES images after one warm-up batch, and the peak RSS while doing it. */
async function dkl(dataset, workers) {
  const loader = new Loader(dataset, { batchSize: BATCH, seed: 1, transforms, workers });
  let count = 0;
  let t0 = 0;
  let peak = 0;
  let cpu0;
  const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  for (let epoch = 0; count < IMAGES; epoch++) {
    for await (const b of loader.batches(epoch)) {
      if (t0 === 0) {
        t0 = performance.now();
        cpu0 = process.cpuUsage(); // all threads of the process: main, workers, libvips
        continue;
      }
      count += b.size;
      if (count >= IMAGES) break;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sample);
  await loader.close();
  return { imagesPerSec: count / seconds, cpuMsPerImage: (cpu.user + cpu.system) / 1000 / count, peakMb: Math.max(peak, resourceUsage().maxRSS * 1024) / 2 ** 20 };
}

function torch(workers) {
  const r = spawnSync(PYTHON, [join(here, 'streaming_torch.py'), '--dir', DIR, '--workers', String(workers), '--batch', String(BATCH), '--images', String(IMAGES)], { encoding: 'utf8' });
  if (r.status !== 0) return { error: (r.stderr || r.error?.message || '').trim().split('\n').at(-1) };
  return JSON.parse(r.stdout.trim().split('\n').at(-1));
}

// The backend a run would use (dkl-native when built): batches land in its recycled tensor storage.
const backend = await initBackend({ log: false, ...(BACKEND ? { prefer: BACKEND } : {}) });
await ensureFolder();
console.log(`streaming bench: ${FILES} JPEGs 500x375, ${IMAGES} images timed, batch ${BATCH}, decode + RandomResizedCrop(224) + flip + normalise; node ${process.version}, ${availableParallelism()} cores, tfjs backend ${backend.name}`);
const folder = await streamImageFolder(DIR, { indexCacheDir: false });
const rows = [];
for (const workers of [0, 1, 2]) {
  const d = await dkl(folder, workers);
  const t = torch(workers);
  rows.push({
    workers,
    'dkl images/s': Math.round(d.imagesPerSec),
    'torch images/s': t.error ? `failed: ${t.error}` : Math.round(t.imagesPerSec),
    'dkl / torch': t.error ? '-' : (d.imagesPerSec / t.imagesPerSec).toFixed(2),
    'dkl CPU ms/img': d.cpuMsPerImage.toFixed(1),
    'torch CPU ms/img': t.error ? '-' : t.cpuMsPerImage.toFixed(1),
    'torch peak MB (all processes)': t.error ? '-' : Math.round(t.peakMb),
  });
}
console.table(rows);

// Peak memory vs dataset length: the same IMAGES images streamed from a FILES-entry folder and a
// 10x longer image-list (each file listed 10 times). Each in a fresh process so max RSS is its own.
const files = readdirSync(DIR).flatMap((c) => readdirSync(join(DIR, c)).map((f) => `${c}/${f} ${Number(c.split('_')[1])}`));
const list = join(tmpdir(), `dkl-bench-list-${FILES * 10}.txt`);
writeFileSync(list, `${Array.from({ length: 10 }, () => files.join('\n')).join('\n')}\n`);
const memoryRow = (entries) => {
  const r = spawnSync(process.execPath, [join(here, 'streaming-memory.mjs'), '--dir', DIR, '--list', entries === FILES ? '' : list, '--images', String(IMAGES), '--batch', String(BATCH)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return { 'dataset entries': entries, ...JSON.parse(r.stdout.trim().split('\n').at(-1)) };
};
console.table([memoryRow(FILES), memoryRow(FILES * 10)]);
