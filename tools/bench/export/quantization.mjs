#!/usr/bin/env node
/**
 * Accuracy change of quantised exports: a run's student (best weights) exported as tfjs-graph with
 * none / float16 / uint8 weights, loaded by stock tfjs, run on the first N images of the run's
 * test split (prepared by the run's evaluation transforms); prints test top-1 of each and its top-1
 * agreement with dkl's own forward. Imports the BUILT packages (npm run build first).
 *
 * Usage: node tools/bench/export/quantization.mjs <run-dir> [--images 1000]
 *   e.g. on the quick start's IKL student: runs/<...>-quickstart-ikl-seed0
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadRunStudent, resolveConfig } from '@dkl/cli';
import { datasetDefinitions, Loader } from '@dkl/data';
import { exportModel, fileSystemIOHandler } from '@dkl/models';
import { readFileSync } from 'node:fs';
import { numArg } from '../args.mjs';

const runDir = process.argv[2];
if (!runDir || runDir.startsWith('--')) throw new Error('usage: quantization.mjs <run-dir> [--images 1000]');
const limit = numArg('images', 1000);
const student = await loadRunStudent(runDir, 'best');
const config = resolveConfig(JSON.parse(readFileSync(path.join(runDir, 'config.json'), 'utf8')));
const definition = datasetDefinitions.find((d) => d.name === config.data.dataset.name);
const split = Object.values(config.data.eval)[0];
const dataset = await definition.load(definition.schema.parse(config.data.dataset.options ?? {}), split.split);
const loader = new Loader(dataset, { batchSize: 250, seed: 'quantization', shuffle: false, transforms: student.evalTransforms });

const dir = mkdtempSync(path.join(tmpdir(), 'dkl-quant-'));
const modes = ['none', 'float16', 'uint8'];
const graphs = {};
const sizes = {};
for (const quantize of modes) {
  const result = await exportModel(student.model, 'tfjs-graph', { out: path.join(dir, quantize), quantize, input: student.input });
  sizes[quantize] = result.bytes;
  graphs[quantize] = await tf.loadGraphModel(fileSystemIOHandler(path.join(dir, quantize)));
}
const correct = Object.fromEntries(['dkl', ...modes].map((m) => [m, 0]));
const agree = Object.fromEntries(modes.map((m) => [m, 0]));
let seen = 0;
for await (const batch of loader.batches(0)) {
  const take = Math.min(batch.size, limit - seen);
  const x = batch.x.slice(0, take);
  const labels = batch.y.slice(0, take).dataSync();
  const { logits, features } = student.model.forward(x, { training: false });
  const reference = logits.argMax(1).dataSync();
  tf.dispose([logits, ...Object.values(features)]);
  reference.forEach((p, i) => (correct.dkl += p === labels[i] ? 1 : 0));
  for (const m of modes) {
    const y = graphs[m].predict(x);
    const top = y.argMax(1).dataSync();
    top.forEach((p, i) => {
      correct[m] += p === labels[i] ? 1 : 0;
      agree[m] += p === reference[i] ? 1 : 0;
    });
    y.dispose();
  }
  tf.dispose([x, batch.x, batch.y]);
  seen += take;
  if (seen >= limit) break;
}
await loader.close();
console.log(`${student.model.name} from ${runDir} (${path.basename(student.checkpoint)}), ${seen} ${config.data.dataset.name} ${split.split} images`);
console.table(
  Object.fromEntries([
    ['dkl forward', { 'top-1 %': +((100 * correct.dkl) / seen).toFixed(2), 'agreement with dkl %': 100, 'export bytes': '' }],
    ...modes.map((m) => [`tfjs-graph ${m}`, { 'top-1 %': +((100 * correct[m]) / seen).toFixed(2), 'agreement with dkl %': +((100 * agree[m]) / seen).toFixed(2), 'export bytes': sizes[m] }]),
  ]),
);
student.model.dispose();
rmSync(dir, { recursive: true, force: true });
