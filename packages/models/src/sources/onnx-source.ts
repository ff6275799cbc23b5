/**
 * `source: onnx`: a frozen teacher from an ONNX file, run by onnxruntime-node (CPU, or CUDA
 * where the installed runtime has it). The model's input is checked against the run's data
 * (layout, channels, size) and its logits output against the class count when the model is
 * opened; errors list the model's inputs and outputs.
 */
import { ConfigError, type ClassifierModel, type ModelSource, type ModelSourceContext } from '@dkl/core';
import { z } from 'zod';
import { resolveModelLocation } from './model-location.js';
import { OnnxClassifier } from './onnx-classifier.js';
import { OnnxSession, type OnnxValueInfo } from './onnx-session.js';
import { checkDims, formatShape } from './shape-checks.js';

const channelValues = z.array(z.number()).min(1);

export const onnxSourceSchema = z
  .object({
    /** The .onnx file. */
    path: z.string().min(1),
    /** The model's image input layout; dkl's batches are NHWC and are transposed for `nchw`. */
    inputLayout: z.enum(['nchw', 'nhwc']).default('nchw'),
    /** Per-channel `(x - mean) / std` applied to dkl's input before the model (omit when the data pipeline already normalises as the model expects). */
    normalize: z.object({ mean: channelValues, std: z.array(z.number().positive()).min(1) }).strict().optional(),
    /** The image input, when the model has several inputs. */
    input: z.string().min(1).optional(),
    /** The output holding the logits (default: the first output). */
    logits: z.string().min(1).optional(),
    /** dkl feature name -> ONNX output name: `{ embedding: 'pooled' }`. */
    features: z.record(z.string(), z.string().min(1)).optional(),
    /** At most this many rows per onnxruntime run (default: the whole batch, or the model's fixed batch size). */
    batchSize: z.number().int().positive().optional(),
    /** Execution provider: `cuda` needs an onnxruntime-node build with CUDA. */
    device: z.enum(['cpu', 'cuda']).default('cpu'),
    /** onnxruntime intra-op threads (default: every core). */
    threads: z.number().int().positive().optional(),
  })
  .strict();

export type OnnxSourceOptions = z.output<typeof onnxSourceSchema>;

function listValues(values: readonly OnnxValueInfo[]): string {
  return values.map((v) => `${v.name} ${v.type} ${formatShape(v.shape)}`).join(', ');
}

/** Opens `options.path` and checks it against the run's input shape and class count. */
export function openOnnxClassifier(options: OnnxSourceOptions, context: Pick<ModelSourceContext, 'numClasses' | 'inputShape' | 'keyPath'>): ClassifierModel {
  const { keyPath } = context;
  const location = resolveModelLocation(options.path, 'model.onnx', `${keyPath}.path`);
  if (location.kind !== 'file') throw new ConfigError(`${keyPath}.path`, `an ONNX model is read from a local file, not a URL ('${options.path}'): download it first`);
  const session = new OnnxSession(location.file, { device: options.device, keyPath, ...(options.threads ? { threads: options.threads } : {}) });
  try {
    const model = `${location.file} (inputs: ${listValues(session.inputs)}; outputs: ${listValues(session.outputs)})`;
    const input = options.input ? session.inputs.find((i) => i.name === options.input) : session.inputs.length === 1 ? session.inputs[0] : undefined;
    if (!input) throw new ConfigError(`${keyPath}.input`, `model ${model}: ${options.input ? `has no input '${options.input}'` : 'has several inputs; name the image input'}`);
    if (input.type !== 'float32') throw new ConfigError(keyPath, `model ${model}: input '${input.name}' is ${input.type}; dkl feeds float32 images`);
    const [h, w, c] = context.inputShape;
    const expected = options.inputLayout === 'nchw' ? [null, c, h, w] : [null, h, w, c];
    checkDims(input.shape, expected, { keyPath, model, label: `input '${input.name}' (${options.inputLayout.toUpperCase()}, inputLayout: ${options.inputLayout})`, hint: 'check inputLayout and the data transforms' });
    if (options.normalize) {
      for (const key of ['mean', 'std'] as const) {
        if (options.normalize[key].length !== c) throw new ConfigError(`${keyPath}.normalize.${key}`, `has ${options.normalize[key].length} values; the input has ${c} channels`);
      }
    }
    const outputNames = session.outputs.map((o) => o.name);
    const logits = options.logits ?? outputNames[0]!;
    const named = (name: string, key: string) => {
      const found = session.outputs.find((o) => o.name === name);
      if (!found) throw new ConfigError(key, `model ${model} has no output '${name}'`);
      return found;
    };
    const logitsInfo = named(logits, `${keyPath}.logits`);
    checkDims(logitsInfo.shape, [null, context.numClasses], { keyPath, model, label: `output '${logits}' (logits)`, hint: 'one logit per class of the data' });
    for (const [feature, output] of Object.entries(options.features ?? {})) named(output, `${keyPath}.features.${feature}`);
    const fixed = typeof input.shape[0] === 'number' && input.shape[0] > 0 ? input.shape[0] : undefined;
    if (fixed !== undefined && options.batchSize !== undefined && options.batchSize !== fixed) {
      throw new ConfigError(`${keyPath}.batchSize`, `is ${options.batchSize}, but model ${model} fixes the batch at ${fixed}`);
    }
    const chunk = fixed ?? options.batchSize;
    return new OnnxClassifier(session, {
      name: location.file,
      numClasses: context.numClasses,
      inputShape: context.inputShape,
      inputLayout: options.inputLayout,
      ...(options.normalize ? { normalize: options.normalize } : {}),
      input: input.name,
      logits,
      features: options.features ?? {},
      ...(chunk !== undefined ? { chunk } : {}),
      fixedBatch: fixed !== undefined,
    });
  } catch (error) {
    session.dispose();
    throw error;
  }
}

export const onnxSource: ModelSource<typeof onnxSourceSchema> = {
  name: 'onnx',
  description: 'a frozen teacher from an ONNX file, run by onnxruntime-node (inputLayout, normalize, logits/features outputs)',
  schema: onnxSourceSchema,
  roles: ['teacher'],
  create: async (options, context) => openOnnxClassifier(options, context),
};
