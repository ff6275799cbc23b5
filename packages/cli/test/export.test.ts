/**
 * `dkl export` and `dkl eval --weights averaged` on a small trained synthetic run: the exported
 * model computes the run's student with the chosen weights, records the evaluation split's
 * normalisation and class count, and bad requests are refused by name.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { readSnapshotFile, SeededRng, writeSnapshotFile } from '@dkl/core';
import { PNG } from 'pngjs';
import { createModel, fileSystemIOHandler } from '@dkl/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evalCommand, executeRun, exportCommand, loadRunStudent, predictCommand, resolveConfig, type ExecutedRun } from '../src/index.js';

let dir: string;
let run: ExecutedRun;
const x = () => tf.randomUniform([6, 8, 8, 3], -1, 1, 'float32', 11) as tf.Tensor4D;

beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'dkl-export-cli-'));
  const config = resolveConfig({
    name: 'export',
    seed: 5,
    backend: { prefer: ['cpu'] },
    data: {
      dataset: { name: 'synthetic', options: { shape: [8, 8, 3], numClasses: 4, trainSize: 128, testSize: 32, seed: 1 } },
      train: { split: 'train', batchSize: 32 },
      eval: { test: { split: 'test', batchSize: 32, transforms: [{ kind: 'normalize', mean: [0.5], std: [0.25] }] } },
    },
    models: { student: { name: 'tiny_cnn' } },
    trainer: { type: 'supervised', epochs: 2 },
    optimizer: { name: 'sgd', momentum: 0.9 },
    schedule: { name: 'multistep', lr: 0.1, milestones: [5] },
    plugins: [{ name: 'weight-averaging', options: { every: 'epoch', decay: 0.5 } }],
  } as Record<string, unknown>);
  run = await executeRun(config, { runsDir: join(dir, 'runs'), cacheDir: join(dir, 'cache'), progress: false, initBackend: false, log: () => undefined });
}, 300_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The run's student with the weights stored under `prefix` (`model/` or the averaging plugin's) in last.ckpt. */
async function studentFrom(prefix: string) {
  const model = createModel('tiny_cnn', { numClasses: 4, inputShape: [8, 8, 3] });
  const snapshot = await readSnapshotFile(join(run.runDir, 'checkpoints', 'last.ckpt'));
  [...model.trainableVariables, ...model.nonTrainableVariables].forEach((v, i) => v.assign(snapshot.tensors[`${prefix}${i}`]!));
  tf.dispose(Object.values(snapshot.tensors));
  return model;
}

async function exportedLogits(out: string, input: tf.Tensor4D): Promise<Float32Array> {
  const graph = await tf.loadGraphModel(fileSystemIOHandler(out));
  const y = graph.predict(input) as tf.Tensor;
  const data = y.dataSync() as Float32Array;
  y.dispose();
  graph.dispose();
  return data;
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i]!)));

describe('dkl export', () => {
  it('exports the last and the averaged weights, with the split normalisation in the metadata', async () => {
    expect(run.result.status).toBe('completed');
    const input = x();
    const lines: string[] = [];
    const last = await exportCommand(run.runDir, { format: 'tfjs-graph', weights: 'last', print: (t) => lines.push(t), log: () => undefined });
    expect(last.out).toBe(join(run.runDir, 'export', 'tfjs-graph'));
    expect(lines[0]).toMatch(/exported tiny_cnn \(last weights, last\.ckpt\) as tfjs-graph to .*3 batch-norms folded/);
    const meta = JSON.parse(readFileSync(join(last.out, 'model.json'), 'utf8')).userDefinedMetadata.dkl;
    expect(meta).toMatchObject({ architecture: 'tiny_cnn', numClasses: 4, inputSize: [8, 8], mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25], extra: { weights: 'last', dataset: 'synthetic' } });

    const averagedOut = join(dir, 'averaged');
    await exportCommand(run.runDir, { format: 'tfjs-graph', weights: 'averaged', out: averagedOut, print: () => undefined, log: () => undefined });
    for (const [out, prefix] of [[last.out, 'model/'], [averagedOut, 'plugin/weight-averaging/']] as const) {
      const model = await studentFrom(prefix);
      const { logits } = model.forward(input, { training: false });
      expect(maxDiff(await exportedLogits(out, input), logits.dataSync()), prefix).toBeLessThanOrEqual(1e-4 * Math.max(1, ...Array.from(logits.dataSync(), Math.abs)));
      logits.dispose();
      model.dispose();
    }
    // The two exports differ: averaging after two epochs is not the last weights.
    expect(maxDiff(await exportedLogits(last.out, input), await exportedLogits(averagedOut, input))).toBeGreaterThan(1e-3);
    input.dispose();
  });

  it('dkl eval --weights averaged evaluates the average and says so', async () => {
    const printed: string[] = [];
    const averaged = await evalCommand(run.runDir, { weights: 'averaged', json: true, out: (t) => printed.push(t), log: () => undefined });
    const last = await evalCommand(run.runDir, { weights: 'last', json: true, out: () => undefined, log: () => undefined });
    expect(JSON.parse(printed[0]!)).toMatchObject({ weights: 'averaged', checkpoint: 'last.ckpt' });
    expect(averaged['loss']).not.toBe(last['loss']);
  });

  it('dkl predict classifies PNG files with the export and with the run, as dkl forward does', async () => {
    const images = join(dir, 'images');
    mkdirSync(images);
    const rng = new SeededRng(8);
    const pixels = Array.from({ length: 3 }, () => Uint8Array.from({ length: 8 * 8 * 3 }, () => Math.floor(rng.uniform() * 256)));
    pixels.forEach((px, i) => {
      const png = new PNG({ width: 8, height: 8 });
      for (let p = 0; p < 64; p++) png.data.set([px[3 * p]!, px[3 * p + 1]!, px[3 * p + 2]!, 255], 4 * p);
      writeFileSync(join(images, `img${i}.png`), PNG.sync.write(png));
    });
    const exported = join(dir, 'best-export');
    await exportCommand(run.runDir, { format: 'tfjs-layers', out: exported, print: () => undefined, log: () => undefined });
    const lines: string[] = [];
    const fromExport = await predictCommand(exported, [images], { top: 2, print: (t) => lines.push(t), log: () => undefined });
    const fromRun = await predictCommand(run.runDir, [join(images, 'img0.png'), join(images, 'img1.png'), join(images, 'img2.png')], { top: 2, print: () => undefined, log: () => undefined });
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/img0\.png: \S+ \d+\.\d%, \S+ \d+\.\d%$/);

    // dkl's forward on the same pixels, normalised as the eval split does: (x / 255 - 0.5) / 0.25.
    const { model } = await loadRunStudent(run.runDir, 'best', () => undefined);
    const input = tf.tensor4d(Float32Array.from(pixels.flatMap((px) => Array.from(px, (v) => (v / 255 - 0.5) / 0.25))), [3, 8, 8, 3]);
    const { logits } = model.forward(input, { training: false });
    const probabilities = tf.softmax(logits).arraySync() as number[][];
    probabilities.forEach((p, i) => {
      const best = p.indexOf(Math.max(...p));
      for (const prediction of [fromExport[i]!, fromRun[i]!]) {
        expect(prediction.top[0]!.index).toBe(best);
        expect(prediction.top[0]!.probability).toBeCloseTo(p[best]!, 4);
      }
    });
    tf.dispose([input, logits]);
    model.dispose();
    await expect(predictCommand(run.runDir, [join(images, 'missing.png')], { log: () => undefined })).rejects.toThrow(/missing\.png.*does not exist/);
    await expect(predictCommand(join(dir, 'nothing'), [images], { log: () => undefined })).rejects.toThrow(/neither a dkl export .* nor a run directory/);
  });

  it('refuses unknown formats, quantised onnx, runs without weights and runs without an average', async () => {
    const quiet = { print: () => undefined, log: () => undefined };
    await expect(exportCommand(run.runDir, { format: 'pb', ...quiet })).rejects.toThrow(/argument '--format': unknown export format 'pb'/);
    await expect(exportCommand(run.runDir, { format: 'onnx', quantize: 'float16', ...quiet })).rejects.toThrow(/argument '--quantize'/);
    await expect(exportCommand(run.runDir, { format: 'onnx', weights: 'ema', ...quiet })).rejects.toThrow(/argument '--weights'/);

    const untrained = join(dir, 'untrained');
    mkdirSync(untrained);
    cpSync(join(run.runDir, 'config.json'), join(untrained, 'config.json'));
    await expect(exportCommand(untrained, { format: 'onnx', out: join(untrained, 'out'), ...quiet })).rejects.toThrow(/last\.ckpt: does not exist: the run has no finished weights/);
    expect(existsSync(join(untrained, 'out'))).toBe(false);

    const plain = join(dir, 'plain');
    cpSync(run.runDir, plain, { recursive: true });
    // The same checkpoint without the averaging plugin's tensors.
    const file = join(plain, 'checkpoints', 'last.ckpt');
    const snapshot = await readSnapshotFile<unknown>(file);
    const kept = Object.fromEntries(Object.entries(snapshot.tensors).filter(([k]) => !k.startsWith('plugin/weight-averaging/')));
    expect(Object.keys(kept).length).toBeLessThan(Object.keys(snapshot.tensors).length);
    await writeSnapshotFile(file, snapshot.meta, kept);
    tf.dispose(Object.values(snapshot.tensors));
    await expect(exportCommand(plain, { format: 'onnx', weights: 'averaged', out: join(plain, 'out'), ...quiet })).rejects.toThrow(/has no averaged weights: the run has no 'weight-averaging' plugin/);
    await expect(exportCommand(plain, { format: 'onnx', weights: 'last', out: join(plain, 'out'), ...quiet })).resolves.toMatchObject({ files: ['dkl-export.json', 'model.onnx'] });

    const summary = JSON.parse(readFileSync(join(plain, 'summary.json'), 'utf8'));
    writeFileSync(join(plain, 'summary.json'), JSON.stringify({ ...summary, status: 'running' }));
    await expect(exportCommand(plain, { format: 'onnx', out: join(plain, 'out2'), ...quiet })).rejects.toThrow(/still running/);
    expect(existsSync(join(plain, 'out2'))).toBe(false);
  });
});
