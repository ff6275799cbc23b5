/** mdistiller / DKL-authors config compatibility. */
export { parseMdistillerConfig } from './parse-mdistiller.js';
export { mdistillerToRunConfig, resolveMdistillerConfig, type MdistillerOptions, type MdistillerMappingOptions } from './to-run-config.js';
export { MDISTILLER_TREE, SUPPORTED_DISTILLERS, type MdistillerConfig, type MdistillerConfigInput } from './defaults.js';
export { CIFAR_MODEL_NAMES, IMAGENET_MODEL_NAMES, dklModelName, teacherWeightsPath } from './model-names.js';
