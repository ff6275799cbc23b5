/** ModelDefinition contributions (one per architecture) and the package's inversify module. */
import { ContainerModule } from 'inversify';
import { ModelDefinition, type ClassifierModel } from '@dkl/core';
import { z } from 'zod';
import { ARCHITECTURE_NAMES, findArchitecture } from './architectures.js';
import { createModel } from './create-model.js';

/** One ModelDefinition per registered architecture name. */
export const modelDefinitions: readonly ModelDefinition[] = ARCHITECTURE_NAMES.map((name) => {
  const entry = findArchitecture(name)!;
  const definition: ModelDefinition = {
    name,
    description: entry.description,
    ...(entry.extraSchema ? { schema: entry.extraSchema as z.ZodType } : {}),
    create(options): ClassifierModel {
      return createModel(name, {
        numClasses: options.numClasses,
        ...(options.inputShape ? { inputShape: options.inputShape } : {}),
        ...(options.seed !== undefined ? { seed: options.seed } : {}),
        ...(options.extra !== undefined ? { extra: options.extra as Record<string, unknown> } : {}),
      });
    },
  };
  return definition;
});

/** Multi-binds every architecture to the core `ModelDefinition` token. */
export const modelsModule = new ContainerModule((options) => {
  for (const definition of modelDefinitions) options.bind<ModelDefinition>(ModelDefinition).toConstantValue(definition);
});
