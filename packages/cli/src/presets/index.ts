/** Presets reproducing the DKL/IKL/GKL authors' published settings. */
export { listPresets, getPreset } from './registry.js';
export { CIFAR100_PAIRS } from './kd-presets.js';
export type { PresetEntry } from './preset.js';
