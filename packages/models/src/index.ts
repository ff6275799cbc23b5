/**
 * @dkl/models: the knowledge-distillation and adversarial-robustness model zoo for TensorFlow.js.
 *
 * - `createModel(name, { numClasses, inputShape?, seed?, extra? })`: mdistiller's CIFAR models
 *   (ResNet, WRN, VGG-BN, MobileNetV2, ShuffleNet V1/V2, ResNet18/50), TRADES WideResNets,
 *   torchvision ImageNet ResNets, MobileNetV1 and a tiny test CNN, with PyTorch layer semantics,
 *   PyTorch BatchNorm (eps 1e-5, momentum 0.1) and PyTorch initialisation, seeded.
 * - `modelsModule`: registers every architecture as a core `ModelDefinition`.
 * - `saveModel` / `loadModel` / `loadWeights` / `fileSystemIOHandler`: TensorFlow.js format on disk.
 * - `loadTorchCheckpoint`: imports `torch.save` state dicts without Python.
 *
 * @packageDocumentation
 */

/** The package name. */
export const PACKAGE_NAME = '@dkl/models';

export { DklModel, type ArchitectureDescriptor } from './model/dkl-model.js';
export { createModel, countModelParams, type ModelOptions } from './model/create-model.js';
export { ARCHITECTURE_NAMES, wrnExtraSchema, type WrnExtra } from './model/architectures.js';
export { modelDefinitions, modelsModule } from './model/definitions.js';

export { BN_EPSILON, BN_MOMENTUM, type ForwardContext } from './nn/layers.js';
export type { Param, ParamSpec, ParamLayout } from './nn/param.js';
export type { InitSpec } from './nn/init.js';

export { fileSystemIOHandler, DEFAULT_SHARD_BYTES } from './io/fs-io-handler.js';
export { saveModel, loadModel, loadWeights, MODEL_FORMAT } from './io/save-load.js';

export { loadTorchCheckpoint, type LoadTorchCheckpointOptions, type TorchImportReport } from './torch/load-torch-checkpoint.js';
export { readTorchCheckpoint, extractStateDict, type TorchCheckpoint } from './torch/read-torch-checkpoint.js';
export { TorchTensor, type TorchDtype } from './torch/torch-tensor.js';

export {
  exportModel,
  EXPORT_FORMATS,
  EXPORT_METADATA_FILE,
  ONNX_FILE,
  type ExportFormat,
  type ExportModelOptions,
  type ExportInputInfo,
  type ExportMetadata,
  type ExportResult,
} from './export/export-model.js';
export { QUANTIZATIONS, type Quantization } from './export/encode-weights.js';
export { ExportError } from './export/export-error.js';
export { buildInferenceGraph } from './export/inference-graph.js';
export type { InferenceGraph, IrNode, IrOp } from './export/graph-ir.js';

export { modelSources, modelSourcesModule } from './sources/sources-module.js';
export { zooSource, zooSourceSchema, loadZooWeights, type ZooSourceOptions } from './sources/zoo-source.js';
export { tfjsSource, tfjsSourceSchema, tfjsClassifier, saveLayersClassifier, type TfjsSourceOptions } from './sources/tfjs-source.js';
export { onnxSource, onnxSourceSchema, openOnnxClassifier, type OnnxSourceOptions } from './sources/onnx-source.js';
export { LayersClassifier, type LayersClassifierOptions } from './sources/layers-classifier.js';
export { FrozenClassifier, type FrozenClassifierOptions } from './sources/frozen-classifier.js';
export { GraphClassifier, type GraphClassifierOptions } from './sources/graph-classifier.js';
export { OnnxClassifier, type OnnxClassifierOptions } from './sources/onnx-classifier.js';
export type { OnnxValueInfo } from './sources/onnx-session.js';
