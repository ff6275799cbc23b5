/**
 * `dkl export <run-dir> --format tfjs-layers|tfjs-graph|onnx [--weights best|last|averaged]
 * [--quantize none|float16|uint8] [--out DIR]`: rebuilds a run's student, loads the chosen
 * weights and writes it with @dkl/models' `exportModel`, recording the evaluation split's
 * normalisation, input size and class names in the artifacts.
 */
import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { ArgumentError, ConfigError, initBackend } from '@dkl/core';
import { DklModel, EXPORT_FORMATS, exportModel, QUANTIZATIONS, type ExportFormat, type ExportInputInfo, type ExportResult, type Quantization } from '@dkl/models';
import { resolveConfig } from '../config/load-config.js';
import type { RunConfig } from '../config/run-config.js';
import { createApplication } from '../run/application.js';
import { loadSplit, makeLoader } from '../run/build-data.js';
import { buildModel } from '../run/build-models.js';
import { readJson, runFiles } from '../run/run-directory.js';
import { loadRunWeights, RUN_WEIGHTS, type RunWeights } from '../run/run-weights.js';
import { exportSourceModel, studentSourceOf, type SourceExportResult } from './export-source-model.js';

export interface ExportCommandOptions {
  readonly format: string;
  readonly weights?: string;
  readonly quantize?: string;
  /** Default: `<run-dir>/export/<format>[-<quantize>]`. */
  readonly out?: string;
  readonly print?: (text: string) => void;
  readonly log?: (line: string) => void;
}

/** The normalisation step of a split's transforms: 0-255 -> 0-1, then (x - mean) / std. */
function normalizationOf(config: RunConfig, splitName: string, channels: number): { mean: number[]; std: number[] } | undefined {
  const steps = (config.data.eval[splitName]?.transforms ?? []) as Array<{ kind?: string; mean?: number[]; std?: number[] }>;
  const step = steps.find((s) => s.kind === 'normalize');
  if (!step?.mean || !step.std) return undefined;
  const widen = (v: number[]) => (v.length === 1 ? Array.from({ length: channels }, () => v[0]!) : v);
  return { mean: widen(step.mean), std: widen(step.std) };
}

/** A run's student with the chosen weights, and how its inputs are prepared (from the run config). */
export interface RunStudent {
  readonly model: DklModel;
  readonly checkpoint: string;
  readonly input: ExportInputInfo;
  /** The first evaluation split's transforms (a `pad-resize` there tells how images reach the input size). */
  readonly evalTransforms: readonly Record<string, unknown>[];
  readonly dataset: string;
}

/** Rebuilds a run's student (shape, classes and class names from its first evaluation split) with `weights`. */
export async function loadRunStudent(runDir: string, weights: RunWeights, log?: (line: string) => void): Promise<RunStudent> {
  if (!existsSync(runDir) || !statSync(runDir).isDirectory()) throw new ConfigError('', `'${runDir}' is not a run directory (expected the directory dkl train created)`);
  await initBackend({ log: log ?? ((l) => process.stderr.write(`${l}\n`)) });
  const config = resolveConfig(readJson<Record<string, unknown>>(runFiles(runDir).config));
  const app = await createApplication(config.packages);
  const splitName = Object.keys(config.data.eval)[0];
  if (!splitName) throw new ConfigError('data.eval', 'has no evaluation split: the export needs its input shape, normalisation and class names');
  const split = config.data.eval[splitName]!;
  const dataset = await loadSplit(app, config, split, `data.eval.${splitName}`);
  const loader = makeLoader(app, dataset, config, split, `data.eval.${splitName}`, false);
  const inputShape = loader.outputShape;
  await loader.close();
  const model = await buildModel(app, { ...config.models.student, weights: undefined }, { numClasses: dataset.numClasses, inputShape, seed: 'export' }, 'models.student');
  if (!(model instanceof DklModel)) {
    model.dispose();
    throw new ConfigError('models.student.name', `'${model.name}' is not a @dkl/models architecture; only those can be exported`);
  }
  try {
    const loaded = await loadRunWeights(runDir, weights, model, { finishedOnly: true });
    const classNames = (dataset as { classNames?: readonly string[] }).classNames;
    const normalization = normalizationOf(config, splitName, inputShape[2]);
    return {
      model,
      checkpoint: loaded.checkpoint,
      input: { ...(normalization ?? {}), ...(classNames && classNames.length === model.numClasses ? { classNames } : {}) },
      evalTransforms: split.transforms as Record<string, unknown>[],
      dataset: config.data.dataset.name,
    };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

export async function exportCommand(runDir: string, options: ExportCommandOptions): Promise<ExportResult | SourceExportResult> {
  const print = options.print ?? ((t: string) => process.stdout.write(`${t}\n`));
  if (existsSync(runFiles(runDir).config) && studentSourceOf(runDir) !== 'zoo') {
    // A student from another source (tfjs...) is written by that source, in its own format.
    const weights = (options.weights ?? 'best') as RunWeights;
    if (!RUN_WEIGHTS.includes(weights)) throw new ArgumentError('--weights', `must be one of ${RUN_WEIGHTS.join(', ')}, got '${options.weights}'`);
    if ((options.quantize ?? 'none') !== 'none') throw new ArgumentError('--quantize', 'applies to zoo students; this student is written by its source as it is');
    const result = await exportSourceModel(runDir, options.format, weights, options.out, options.log);
    print(`exported the student (${weights} weights, ${path.basename(result.checkpoint)}) as ${options.format} to ${result.out}: ${result.files.join(', ')}`);
    return result;
  }
  if (!EXPORT_FORMATS.includes(options.format as ExportFormat)) {
    throw new ArgumentError('--format', `unknown export format '${options.format}'; expected one of ${EXPORT_FORMATS.join(', ')}`);
  }
  const format = options.format as ExportFormat;
  const weights = (options.weights ?? 'best') as RunWeights;
  if (!RUN_WEIGHTS.includes(weights)) throw new ArgumentError('--weights', `must be one of ${RUN_WEIGHTS.join(', ')}, got '${options.weights}'`);
  const quantize = (options.quantize ?? 'none') as Quantization;
  if (!QUANTIZATIONS.includes(quantize)) throw new ArgumentError('--quantize', `must be one of ${QUANTIZATIONS.join(', ')}, got '${options.quantize}'`);
  if (format === 'onnx' && quantize !== 'none') throw new ArgumentError('--quantize', `'${quantize}' applies to tfjs-layers / tfjs-graph; onnx is exported in float32`);

  const student = await loadRunStudent(runDir, weights, options.log);
  const { model } = student;
  try {
    const out = options.out ?? path.join(runDir, 'export', quantize === 'none' ? format : `${format}-${quantize}`);
    const checkpoint = path.basename(student.checkpoint);
    const result = await exportModel(model, format, {
      out,
      quantize,
      input: { ...student.input, extra: { run: path.basename(path.resolve(runDir)), weights, checkpoint, dataset: student.dataset, evalTransforms: student.evalTransforms } },
    });
    print(`exported ${model.name} (${weights} weights, ${checkpoint}) as ${format}${quantize === 'none' ? '' : ` (${quantize} weights)`} to ${result.out}: ${result.files.join(', ')} (${(result.bytes / 1024).toFixed(1)} KiB, ${result.metadata.foldedBatchNorms} batch-norms folded)`);
    return result;
  } finally {
    model.dispose();
  }
}
