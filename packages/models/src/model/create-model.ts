/** `createModel` and shape-only parameter counting over the architecture table. */
import { ArgumentError, ConfigError, SeededRng, type CreateModelOptions } from '@dkl/core';
import { ParamStore } from '../nn/param.js';
import type { Network } from '../architectures/network.js';
import { ARCHITECTURE_NAMES, findArchitecture, type ArchitectureEntry } from './architectures.js';
import { DklModel, type ArchitectureDescriptor } from './dkl-model.js';

/** Options of `createModel`: the core options plus architecture-specific `extra` (e.g. `wrn`'s depth). */
export interface ModelOptions extends CreateModelOptions {
  readonly extra?: Readonly<Record<string, unknown>>;
}

let instanceCounter = 0;

function resolve(name: string, options: ModelOptions): { entry: ArchitectureEntry; descriptor: ArchitectureDescriptor } {
  const entry = findArchitecture(name);
  if (!entry) {
    throw new ArgumentError('name', `unknown model '${name}'; known: ${ARCHITECTURE_NAMES.join(', ')} (and wrn_<depth>_<width>)`);
  }
  if (!options || !Number.isInteger(options.numClasses) || options.numClasses < 1) {
    throw new ArgumentError('numClasses', `must be a positive integer, got ${options?.numClasses}`);
  }
  const inputShape = options.inputShape ?? entry.defaultInputShape;
  if (
    inputShape.length !== 3 ||
    inputShape.some((v) => !Number.isInteger(v) || v < 1) ||
    inputShape[2] !== 3 ||
    inputShape[0] < entry.minInputSize ||
    inputShape[1] < entry.minInputSize
  ) {
    throw new ArgumentError(
      'inputShape',
      `must be [height, width, 3] with height and width >= ${entry.minInputSize} for ${name}, got [${inputShape.join(', ')}]`,
    );
  }
  let extra = options.extra;
  if (entry.extraSchema) {
    const parsed = entry.extraSchema.safeParse(extra ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ConfigError(['extra', ...(issue?.path ?? []).map(String)].join('.'), `${issue?.message ?? 'invalid'} (model ${name})`);
    }
    extra = parsed.data as Record<string, unknown>;
  } else if (extra && Object.keys(extra).length > 0) {
    throw new ConfigError('extra', `model ${name} takes no extra options, got ${Object.keys(extra).join(', ')}`);
  }
  const descriptor: ArchitectureDescriptor = {
    architecture: name,
    numClasses: options.numClasses,
    inputShape: [inputShape[0], inputShape[1], inputShape[2]],
    ...(extra && Object.keys(extra).length > 0 ? { extra } : {}),
  };
  return { entry, descriptor };
}

function buildNetwork(entry: ArchitectureEntry, descriptor: ArchitectureDescriptor): { store: ParamStore; network: Network } {
  const store = new ParamStore();
  const network = entry.build(descriptor.extra)(store, { numClasses: descriptor.numClasses, inputShape: descriptor.inputShape });
  return { store, network };
}

/**
 * Builds a model by architecture name with seeded PyTorch-equivalent initialisation.
 * @param name an architecture name (`resnet8x4`, `wrn_40_2`, `wrn` with `extra`, ...)
 * @param options `numClasses`, optional `inputShape` ([H, W, 3]; default 32x32 or 224x224), `seed` (default 0), `extra`
 */
export function createModel(name: string, options: ModelOptions): DklModel {
  const { entry, descriptor } = resolve(name, options);
  const { store, network } = buildNetwork(entry, descriptor);
  store.materialize(new SeededRng(options.seed ?? 0), `dkl_${name}_${instanceCounter++}`);
  return new DklModel(descriptor, network, store, entry.ignoredCheckpointPrefixes?.(descriptor.extra) ?? []);
}

/**
 * Counts an architecture's parameters without allocating any tensor (the same builder code as
 * `createModel`, run in shape-only mode).
 */
export function countModelParams(name: string, options: ModelOptions & { trainableOnly?: boolean }): number {
  const { entry, descriptor } = resolve(name, options);
  return buildNetwork(entry, descriptor).store.count(options.trainableOnly ?? true);
}
