/**
 * @dkl/core for browsers (the `browser` export condition): everything in the Node entry (index.ts,
 * which re-exports this file) except the checkpoint file container (`writeSnapshotFile`,
 * `readSnapshotFile`), which needs `node:fs`, and the test-suite backend helper.
 *
 * @dkl/core: the contracts every dkl plugin package implements.
 *
 * - DI: `createContainer`, `coreModule`, contribution providers and named registries.
 * - Training events (rxjs) with the tensor-ownership rule, plugin and control contracts,
 *   plugin-state (de)serialisation.
 * - Loss, dataset, model and class-prior contracts.
 * - Backend selection (`initBackend`) and the wasm convolution-gradient kernels.
 * - Config parsing with zod, the error hierarchy, and the seeded RNG.
 *
 * @packageDocumentation
 */
import 'reflect-metadata';

export * from './errors.js';
export * from './random/seeded-rng.js';

export * from './di/contribution-provider.js';
export * from './di/create-container.js';
export * from './registry/named-registry.js';
export * from './core-module.js';

export * from './config/parse-config.js';
export * from './config/schemas.js';

export * from './events/training-events.js';
export * from './events/event-bus.js';
export * from './events/operators.js';

export * from './plugins/training-control.js';
export * from './plugins/training-plugin.js';
export * from './plugins/plugin-state.js';
export * from './plugins/plugin-definition.js';

export * from './losses/loss-term.js';
export * from './losses/loss-registry.js';
export * from './losses/feature-taps.js';

export * from './contracts/class-prior-store.js';
export * from './contracts/dataset.js';
export * from './contracts/model.js';
export * from './contracts/model-source.js';
export * from './contracts/batch-loader.js';
export * from './testing/fault-points.js';

export * from './backend/init-backend.js';
export * from './ops/batch-norm-training.js';
export * from './ops/batch-norm-inference.js';
export * from './ops/sgd-update.js';
export * from './backend/wasm-conv-grad-kernels.js';
export * from './backend/cpu-fallback-kernels.js';
export * from './backend/backend-contribution.js';
export { describeAdapter, webgpuBackend } from './backend/contributions/webgpu-backend.js';
export { BUILTIN_BACKENDS } from './backend/contributions/builtin-backends.js';
export * from './backend/async-reads.js';
export * from './backend/tensor-storage.js';
