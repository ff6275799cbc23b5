/**
 * `exportModel(model, format, { out, quantize })`: writes a deployable inference model for any
 * zoo architecture. The eval-mode forward pass is traced into a graph with batch-norm folded into
 * the preceding convolutions, then written as a TensorFlow.js layers or graph model (model.json +
 * sharded weights in tfjs-converter's manifest format, optionally float16 / uint8 quantised) or as
 * ONNX. The exported input is NHWC float32 exactly as `forward` takes it; the output is the logits.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ArgumentError } from '@dkl/core';
import type { DklModel } from '../model/dkl-model.js';
import { fileSystemIOHandler } from '../io/fs-io-handler.js';
import { encodeWeights, QUANTIZATIONS, type Quantization } from './encode-weights.js';
import { buildInferenceGraph } from './inference-graph.js';
import { writeOnnx } from './onnx-writer.js';
import { writeTfjsGraph } from './tfjs-graph-writer.js';
import { writeTfjsLayers } from './tfjs-layers-writer.js';
import { writeDirectoryAtomic } from './write-directory.js';

export type ExportFormat = 'tfjs-layers' | 'tfjs-graph' | 'onnx';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['tfjs-layers', 'tfjs-graph', 'onnx'];

/** The file an ONNX export writes. */
export const ONNX_FILE = 'model.onnx';
/** Written into every export directory: what the model expects and returns. */
export const EXPORT_METADATA_FILE = 'dkl-export.json';

/** How the exported model's inputs are prepared; recorded in the artifacts. */
export interface ExportInputInfo {
  /** Per-channel mean subtracted from [0, 1] pixels before the model (none: fed as they are). */
  readonly mean?: readonly number[];
  readonly std?: readonly number[];
  /** Label names by class index. */
  readonly classNames?: readonly string[];
  /** Free-form facts (which weights, accuracy...). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

export interface ExportModelOptions {
  /** Directory to write (replaced atomically when it exists). */
  readonly out: string;
  readonly quantize?: Quantization;
  readonly input?: ExportInputInfo;
}

/** What `userDefinedMetadata.dkl` (tfjs), `metadata_props['dkl']` (ONNX) and dkl-export.json hold. */
export interface ExportMetadata {
  readonly format: ExportFormat;
  readonly architecture: string;
  readonly numClasses: number;
  /** [H, W, C] of one NHWC input image. */
  readonly inputShape: readonly [number, number, number];
  readonly inputSize: readonly [number, number];
  readonly mean: readonly number[] | null;
  readonly std: readonly number[] | null;
  readonly classNames: readonly string[] | null;
  readonly quantization: Quantization;
  /** The folded batch-norm layers. */
  readonly foldedBatchNorms: number;
  readonly extra?: Readonly<Record<string, unknown>>;
}

export interface ExportResult {
  readonly out: string;
  readonly metadata: ExportMetadata;
  /** Files written, relative to `out`. */
  readonly files: readonly string[];
  readonly bytes: number;
}

function validate(model: DklModel, format: string, options: ExportModelOptions): Quantization {
  if (!EXPORT_FORMATS.includes(format as ExportFormat)) {
    throw new ArgumentError('format', `unknown export format '${format}'; expected one of ${EXPORT_FORMATS.join(', ')}`);
  }
  if (!options || typeof options.out !== 'string' || options.out === '') throw new ArgumentError('out', 'the directory to write is required');
  const quantize = options.quantize ?? 'none';
  if (!QUANTIZATIONS.includes(quantize)) throw new ArgumentError('quantize', `unknown quantisation '${String(quantize)}'; expected one of ${QUANTIZATIONS.join(', ')}`);
  if (format === 'onnx' && quantize !== 'none') throw new ArgumentError('quantize', `'${quantize}' applies to the tfjs formats; onnx exports float32 weights`);
  const c = model.inputShape[2];
  const { mean, std, classNames } = options.input ?? {};
  if ((mean === undefined) !== (std === undefined)) throw new ArgumentError('input', 'mean and std go together');
  if (mean && mean.length !== c) throw new ArgumentError('input.mean', `has ${mean.length} values for ${c} channels`);
  if (std && (std.length !== c || std.some((s) => !(s > 0)))) throw new ArgumentError('input.std', `must be ${c} positive values`);
  if (classNames && classNames.length !== model.numClasses) {
    throw new ArgumentError('input.classNames', `has ${classNames.length} names for ${model.numClasses} classes`);
  }
  return quantize;
}

export async function exportModel(model: DklModel, format: ExportFormat, options: ExportModelOptions): Promise<ExportResult> {
  const quantization = validate(model, format, options);
  const graph = buildInferenceGraph(model);
  const input = options.input ?? {};
  const metadata: ExportMetadata = {
    format,
    architecture: model.name,
    numClasses: model.numClasses,
    inputShape: [...model.inputShape] as [number, number, number],
    inputSize: [model.inputShape[0], model.inputShape[1]],
    mean: input.mean ? [...input.mean] : null,
    std: input.std ? [...input.std] : null,
    classNames: input.classNames ? [...input.classNames] : null,
    quantization,
    foldedBatchNorms: graph.nodes.reduce((a, n) => a + (n.op === 'conv' ? n.folded.length : 0), 0),
    ...(input.extra ? { extra: { ...input.extra } } : {}),
  };
  const generatedBy = `dkl @dkl/models (TensorFlow.js tfjs-core v${tf.version_core})`;
  await writeDirectoryAtomic(options.out, async (dir) => {
    if (format === 'onnx') {
      await fs.writeFile(path.join(dir, ONNX_FILE), writeOnnx(graph, { dkl: JSON.stringify(metadata) }));
    } else {
      const parts = format === 'tfjs-layers' ? writeTfjsLayers(graph) : writeTfjsGraph(graph);
      const { specs, data } = encodeWeights(parts.weights, quantization);
      await fileSystemIOHandler(dir).save!({
        format: format === 'tfjs-layers' ? 'layers-model' : 'graph-model',
        generatedBy,
        convertedBy: 'dkl export',
        modelTopology: parts.modelTopology as unknown as tf.io.ModelArtifacts['modelTopology'],
        ...('signature' in parts ? { signature: parts.signature } : {}),
        weightSpecs: specs,
        weightData: data,
        userDefinedMetadata: { dkl: metadata as unknown as Record<string, unknown> } as unknown as Record<string, object>,
      });
    }
    await fs.writeFile(path.join(dir, EXPORT_METADATA_FILE), JSON.stringify(metadata, null, 1));
  });
  const out = path.resolve(options.out);
  const files = (await fs.readdir(out)).sort();
  const sizes = await Promise.all(files.map((f) => fs.stat(path.join(out, f)).then((s) => s.size)));
  return { out, metadata, files, bytes: sizes.reduce((a, b) => a + b, 0) };
}
