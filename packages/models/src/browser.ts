/**
 * @dkl/models for browsers (the `browser` export condition): the zoo and its DI module, without the
 * file-system model I/O, the PyTorch checkpoint reader and the exporters (node:fs).
 *
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

