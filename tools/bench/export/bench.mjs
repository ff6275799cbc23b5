#!/usr/bin/env node
/**
 * Inference throughput (images/second) of an exported student: onnxruntime-node (CPU) on the ONNX
 * export vs stock tfjs on the tfjs-graph export (`tf.loadGraphModel`) and dkl's own forward, on the
 * tfjs backends dkl-native and wasm, at batch 1 and 64. Ratios are against tfjs-graph on the same
 * backend. Imports the BUILT packages (npm run build first).
 *
 * Usage: node tools/bench/export/bench.mjs [--model tiny_cnn] [--classes 10] [--size 32]
 *                                          [--iters 20] [--backends dkl-native,wasm]
 * Each backend runs in its own process (DKL_BACKEND=<name>), started by this script.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { arg, numArg } from '../args.mjs';

const model = arg('model', 'tiny_cnn');
const classes = numArg('classes', 10);
const size = numArg('size', 32);
const iters = numArg('iters', 20);
const batches = [1, 64];

if (!process.env.DKL_EXPORT_BENCH_CHILD) {
  const rows = [];
  for (const backend of arg('backends', 'dkl-native,wasm').split(',')) {
    const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
      env: { ...process.env, DKL_BACKEND: backend, DKL_EXPORT_BENCH_CHILD: '1' },
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    });
    const line = child.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    if (child.status !== 0 || !line) {
      console.error(`backend ${backend} failed:\n${child.stderr.slice(-2000)}`);
      process.exitCode = 1;
      continue;
    }
    rows.push(...JSON.parse(line.slice(7)));
  }
  console.log(`${model}, ${classes} classes, ${size}x${size}x3 inputs, ${iters} timed runs after 2 warm-ups`);
  console.table(rows);
} else {
  const tf = await import('@tensorflow/tfjs');
  const core = await import('@dkl/core');
  const { createModel, exportModel, fileSystemIOHandler } = await import('@dkl/models');
  const ort = await import('onnxruntime-node');
  const info = await core.initBackend({ log: (l) => process.stderr.write(`${l}\n`) });
  const student = createModel(model, { numClasses: classes, inputShape: [size, size, 3], seed: 1 });
  const dir = mkdtempSync(path.join(tmpdir(), 'dkl-export-bench-'));
  await exportModel(student, 'tfjs-graph', { out: path.join(dir, 'graph') });
  await exportModel(student, 'onnx', { out: path.join(dir, 'onnx') });
  const graph = await tf.loadGraphModel(fileSystemIOHandler(path.join(dir, 'graph')));
  const session = await ort.InferenceSession.create(path.join(dir, 'onnx', 'model.onnx'), { intraOpNumThreads: 2 });

  async function imagesPerSecond(batch, run) {
    for (let i = 0; i < 2; i++) await run();
    const start = performance.now();
    for (let i = 0; i < iters; i++) await run();
    return (batch * iters) / ((performance.now() - start) / 1000);
  }
  const rows = [];
  for (const batch of batches) {
    const x = tf.randomUniform([batch, size, size, 3], 0, 1, 'float32', 1);
    const feeds = { input: new ort.Tensor('float32', x.dataSync(), x.shape) };
    const tfjsGraph = await imagesPerSecond(batch, () => {
      const y = graph.predict(x);
      y.dataSync();
      y.dispose();
    });
    const dklForward = await imagesPerSecond(batch, () => {
      const { logits, features } = student.forward(x, { training: false });
      logits.dataSync();
      tf.dispose([logits, ...Object.values(features)]);
    });
    const onnx = await imagesPerSecond(batch, async () => {
      await session.run(feeds);
    });
    x.dispose();
    const row = (runtime, ips) => ({ backend: info.name, batch, runtime, 'img/s': +ips.toFixed(1), 'vs tfjs-graph': +(ips / tfjsGraph).toFixed(2) });
    rows.push(row('tfjs-graph export (tf.loadGraphModel)', tfjsGraph), row('dkl forward (unfolded BN)', dklForward), row('onnxruntime-node (CPU EP)', onnx));
  }
  await session.release();
  graph.dispose();
  student.dispose();
  rmSync(dir, { recursive: true, force: true });
  console.log(`RESULT ${JSON.stringify(rows)}`);
}
