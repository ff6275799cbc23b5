#!/usr/bin/env node
/**
 * CPU time per image of the streaming Loader alone (all threads of the process), by worker
 * count, alternating, on the backend a run would use: what a worker costs over the loader's own
 * thread. Uses the JPEG folder streaming-bench.mjs generates (run that once first).
 *   node tools/bench/data/loader-cpu.mjs [--workers 0,1,2,0,1,2] [--images 1024] [--dir /tmp/dkl-bench-jpegs] [--backend cpu]
 * With --cpu-prof, node writes one profile per thread (the loader thread's garbage collection is
 * where moving batches through postMessage showed up).
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@dkl/core';
import { Loader, streamImageFolder } from '@dkl/data';
import { arg, numArg } from '../args.mjs';

const counts = arg('workers', '0,1,2,0,1,2').split(',').map(Number);
const IMAGES = numArg('images', 1024);
const DIR = arg('dir', join(tmpdir(), 'dkl-bench-jpegs'));
const BACKEND = arg('backend', '');
const backend = await initBackend({ log: false, ...(BACKEND ? { prefer: BACKEND } : {}) });
const dataset = await streamImageFolder(DIR, { indexCacheDir: false });
const transforms = [{ kind: 'random-resized-crop', size: 224 }, { kind: 'random-flip' }, { kind: 'normalize', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }];
console.log(`loader CPU per image: ${IMAGES} images of ${DIR}, batch 64, tfjs backend ${backend.name}`);
for (const workers of counts) {
  const loader = new Loader(dataset, { batchSize: 64, seed: 1, transforms, workers });
  let images = 0;
  let cpu0;
  let t0 = 0;
  for (let epoch = 0; images < IMAGES; epoch++) {
    for await (const batch of loader.batches(epoch)) {
      if (!cpu0) {
        cpu0 = process.cpuUsage(); // after the first batch: workers started, code warm
        t0 = performance.now();
        continue;
      }
      images += batch.size;
      if (images >= IMAGES) break;
    }
  }
  const cpu = process.cpuUsage(cpu0);
  const seconds = (performance.now() - t0) / 1000;
  await loader.close();
  console.log(`workers ${workers}: ${((cpu.user + cpu.system) / 1000 / images).toFixed(2)} ms CPU per image (user ${(cpu.user / 1000 / images).toFixed(2)}, system ${(cpu.system / 1000 / images).toFixed(2)}), ${(images / seconds).toFixed(0)} images/s`);
}
