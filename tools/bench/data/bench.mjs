#!/usr/bin/env node
/**
 * Images/second of the CIFAR-style augmentation pipeline (random crop pad 4 + horizontal flip +
 * per-channel normalise, 32x32x3, batch 64) through the BUILT @dkl/data Loader, with and without
 * the background worker.
 *
 *   npx tsc --build packages/data/tsconfig.lib.json && node tools/bench/data/bench.mjs [--images 10000] [--epochs 3] [--step-ms 20]
 *
 * Two measurements per mode:
 *  - "loader only": the consumer does nothing but take batches (pure data throughput);
 *  - "with a training step": the consumer burns --step-ms of CPU per batch on the main thread,
 *    like a training step, so we see whether augmentation overlaps with it. "blocked" is the time
 *    the main thread waited inside the loader per batch.
 */
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { initBackend, SeededRng } from '@dkl/core';
import { ArrayDataset, Loader, compilePipeline, createScratch, planParams, runPipeline } from '@dkl/data';
import { numArg as arg } from '../args.mjs';

const N = arg('images', 10_000);
const EPOCHS = arg('epochs', 3);
const STEP_MS = arg('step-ms', 20);

await initBackend({ prefer: ['cpu'] }); // says which backend runs and silences tfjs's banner
// Random CIFAR-shaped data: the pipeline's cost does not depend on pixel values.
const images = new Uint8Array(N * 3072);
let s = 12345;
for (let i = 0; i < images.length; i++) images[i] = (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 24;
const labels = Int32Array.from({ length: N }, (_, i) => i % 10);
const dataset = new ArrayDataset({ name: 'cifar-shaped', shape: [32, 32, 3], numClasses: 10, images, labels });
const transforms = [
  { kind: 'random-crop', padding: 4 },
  { kind: 'random-flip' },
  { kind: 'normalize', mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616] },
];

function burn(ms) {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) x += Math.sqrt(x + 1);
  return x;
}

async function run(workers, stepMs) {
  const loader = new Loader(dataset, { batchSize: 64, seed: 1, transforms, workers });
  // Warm-up epoch fraction (JIT, worker start).
  let k = 0;
  for await (const _ of loader) if (++k >= 5) break;
  loader.setPosition({ ...loader.getPosition(), epoch: 1, batch: 0 });
  let count = 0;
  let blocked = 0;
  let batches = 0;
  const t0 = performance.now();
  for (let e = 0; e < EPOCHS; e++) {
    const it = loader[Symbol.asyncIterator]();
    for (;;) {
      const w = performance.now();
      const r = await it.next();
      blocked += performance.now() - w;
      if (r.done) break;
      count += r.value.size;
      batches++;
      if (stepMs > 0) burn(stepMs);
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  await loader.close();
  return { workers: loader.workerCount, imagesPerSec: count / seconds, blockedMsPerBatch: blocked / batches, leaked: tf.memory().numTensors };
}

console.log(`@dkl/data loader benchmark: ${N} images 32x32x3, batch 64, crop(pad 4)+flip+normalise, ${EPOCHS} epochs, node ${process.version}, ${availableParallelism()} cores, tfjs backend ${tf.getBackend()}`);
const rows = [];
for (const stepMs of [0, STEP_MS]) {
  for (const workers of [0, 1, 2]) {
    const r = await run(workers, stepMs);
    rows.push({ consumer: stepMs ? `training step ${stepMs} ms` : 'loader only', workers: r.workers, 'images/s': Math.round(r.imagesPerSec), 'blocked ms/batch': r.blockedMsPerBatch.toFixed(2), 'live tensors after': r.leaked });
  }
}
console.table(rows);

// Where the main thread's time goes per batch of 64 (median of 200): the pixel kernels (what a
// worker takes off the main thread) vs. gathering images + drawing parameters + making tensors
// (what stays on it).
const pipeline = compilePipeline([32, 32, 3], transforms);
const scratch = createScratch(pipeline);
const batch = images.subarray(0, 64 * 3072);
const median = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
const time = (fn) => median(Array.from({ length: 200 }, () => { const t = performance.now(); fn(); return performance.now() - t; }));
const kernel = time(() => runPipeline(pipeline, batch, 64, planParams(pipeline, 64, new SeededRng(1)), new Float32Array(64 * 3072), scratch));
const gather = time(() => { const b = new Uint8Array(64 * 3072); for (let i = 0; i < 64; i++) b.set(dataset.get((i * 97) % N).image, i * 3072); planParams(pipeline, 64, new SeededRng(2)); });
const tensors = time(() => { const x = tf.tensor4d(new Float32Array(64 * 3072), [64, 32, 32, 3]); const y = tf.tensor1d(new Int32Array(64), 'int32'); x.dispose(); y.dispose(); });
console.log(`per batch of 64: augmentation kernels ${kernel.toFixed(2)} ms (${Math.round(64000 / kernel)} images/s on one core); gather + params ${gather.toFixed(3)} ms; tensor creation ${tensors.toFixed(3)} ms`);

// Overlap probe: request a batch from a 1-worker loader, burn 20 ms on the main thread (a
// training step), then time how long the main thread still waits for that batch.
{
  const loader = new Loader(dataset, { batchSize: 64, seed: 1, transforms, workers: 1 });
  if (loader.workerCount === 1) {
    await loader.batchArrays(0, 0);
    const post = [];
    const wait = [];
    for (let i = 1; i < Math.min(40, loader.batchesPerEpoch); i++) {
      const t0 = performance.now();
      const p = loader.batchArrays(0, i);
      post.push(performance.now() - t0);
      burn(20);
      const t1 = performance.now();
      await p;
      wait.push(performance.now() - t1);
    }
    console.log(`1 worker, 20 ms step: main thread spends median ${median(post).toFixed(2)} ms (max ${Math.max(...post).toFixed(2)}) gathering + posting a batch, then waits median ${median(wait).toFixed(2)} ms for the augmented result`);
  }
  await loader.close();
}
