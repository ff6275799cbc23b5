import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createApplication } from '@dkl/cli';
import { ClassPriorStore, ofType, type ClassifierModel, type TrainingEvent, type TrainingPlugin } from '@dkl/core';
import { Loader, makeSyntheticDataset } from '@dkl/data';
import { createModel, fileSystemIOHandler, onnxSource, onnxSourceSchema, tfjsClassifier } from '@dkl/models';
import { constantSchedule, DistillationTrainer, Sgd } from '@dkl/trainers';
import type { Observable } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildStudent, distillYourOwn, writeDemoImageFolder } from '../src/index.js';

/**
 * Bring your own models: the Keras-style tfjs student learns with IKL from a zoo teacher and from
 * an ONNX teacher exported from PyTorch (tools/fixtures-models/export_torch_classifier.py, run
 * with Debian's python3-torch), with flat tensor counts; and the worked example end to end on an
 * image folder, its exported student loaded back by stock tfjs.
 */
const PYTHON = '/usr/bin/python3';
const SCRIPT = resolve(__dirname, '../../../tools/fixtures-models/export_torch_classifier.py');
const dir = mkdtempSync(join(tmpdir(), 'dkl-byom-'));
const C = 4;
const SHAPE: [number, number, number] = [16, 16, 3];

class TensorCount implements TrainingPlugin {
  readonly name = 'tensor-count';
  readonly counts: number[] = [];
  attach(events: Observable<TrainingEvent>) {
    return events.pipe(ofType('batch-end')).subscribe(() => this.counts.push(tf.memory().numTensors));
  }
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  const made = spawnSync(PYTHON, [SCRIPT, dir, String(C), '2', '16'], { encoding: 'utf8', timeout: 120_000 });
  // Not a skip: tools/setup/system-deps.mjs installs Debian's python3-torch(vision).
  if (made.status !== 0) throw new Error(`${SCRIPT} failed (python3-torch installed? npm run setup): ${made.stderr}`);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a tfjs layers student distilled with IKL', () => {
  const teachers: Array<[string, () => Promise<ClassifierModel>]> = [
    ['a zoo teacher', async () => createModel('tiny_cnn', { numClasses: C, inputShape: SHAPE, seed: 4 })],
    ['an ONNX teacher exported from PyTorch', () => onnxSource.create(onnxSourceSchema.parse({ path: join(dir, 'teacher.onnx'), inputLayout: 'nchw', features: { embedding: 'pooled' } }), { role: 'teacher', numClasses: C, inputShape: SHAPE, seed: '0', keyPath: 'teacher', definitions: [] })],
  ];
  for (const [label, makeTeacher] of teachers) {
    it(`learns from ${label}: loss falls, tensor count flat`, async () => {
      const app = await createApplication();
      const teacher = await makeTeacher();
      const student = tfjsClassifier(buildStudent({ numClasses: C, inputShape: SHAPE }), { name: 'keras-student', role: 'student', numClasses: C, inputShape: SHAPE });
      const counter = new TensorCount();
      const train = new Loader(makeSyntheticDataset({ shape: SHAPE, numClasses: C, size: 48, seed: 2 }), { batchSize: 8, seed: 1 });
      const trainer = new DistillationTrainer({
        student,
        teacher,
        losses: [app.losses.create('ikl', { temperature: 4, ceWeight: 1 })],
        epochs: 3,
        seed: 1,
        optimizer: new Sgd({ momentum: 0.9 }),
        schedule: constantSchedule(0.05),
        train,
        plugins: [counter],
      });
      const result = await trainer.run();
      expect(result.status).toBe('completed');
      const totals = result.history.map((h) => h.train['total']!);
      expect(totals.at(-1)!).toBeLessThan(totals[0]!);
      expect(counter.counts).toHaveLength(18);
      // After the first step made the optimizer's slots, nothing accumulates.
      expect(new Set(counter.counts.slice(1)).size).toBe(1);
      await train.close();
      student.dispose();
      teacher.dispose();
      app.container.get<ClassPriorStore>(ClassPriorStore).clear();
    });
  }
});

describe('the worked example', () => {
  it('distils the PyTorch ONNX teacher into the Keras-style student on an image folder and exports it for stock tfjs', async () => {
    const imageRoot = join(dir, 'images');
    const classes = await writeDemoImageFolder(imageRoot, 8);
    mkdirSync(join(dir, 'torch3'));
    const made = spawnSync(PYTHON, [SCRIPT, join(dir, 'torch3'), String(classes.length), '2', '32'], { encoding: 'utf8', timeout: 120_000 });
    expect(made.status, made.stderr).toBe(0);
    const lines: string[] = [];
    const { run, exported } = await distillYourOwn({
      imageRoot,
      teacher: join(dir, 'torch3', 'teacher.onnx'),
      numClasses: classes.length,
      workDir: join(dir, 'work'),
      teacherLayout: 'nchw',
      teacherNormalize: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
      epochs: 3,
      log: (l: string) => lines.push(l),
    });
    expect(run.result.status).toBe('completed');
    // The PyTorch teacher has random weights here: the student fits the labels (the CE part falls).
    const ce = run.result.history.map((h: { train: Record<string, number> }) => h.train['ikl/ce']!);
    expect(ce.at(-1)!).toBeLessThan(ce[0]!);
    // 24 training images, batch 8: the teacher ran in epoch 1 only.
    expect(lines.join('\n')).toMatch(/teacher logits cache: 6 of 9 batches reused/);
    expect(existsSync(join(exported, 'model.json'))).toBe(true);
    const loaded = await tf.loadLayersModel(fileSystemIOHandler(exported));
    const x = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 3);
    const logits = loaded.predict(x) as tf.Tensor;
    expect(logits.shape).toEqual([2, classes.length]);
    tf.dispose([x, logits]);
    loaded.dispose();
  });
});
