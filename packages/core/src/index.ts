/**
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
// The browser entry is everything that does not need Node; this entry adds what does.
export * from './browser.js';
export * from './checkpoint/snapshot-file.js';
export * from './testing/suite-backends.js';
