import { ContainerModule } from 'inversify';
import { DatasetDefinition } from '@dkl/core';
import { datasetDefinitions } from './definitions.js';
import { ImageTransformDefinition } from './transforms/definition.js';
import { builtinTransformDefinitions } from './transforms/registry.js';

/**
 * The package's bindings: every dataset source as a `DatasetDefinition` multi-binding
 * (`cifar10`, `cifar100`, `fashion-mnist`, `mnist`, `mnist-idx`, `image-folder`, `synthetic`), and
 * every transform kind (`random-crop`, `normalize`, `random-resized-crop`, ...) as an
 * `ImageTransformDefinition` multi-binding (a plugin package adds its own kinds the same way).
 */
export const dataModule = new ContainerModule((options) => {
  for (const definition of datasetDefinitions) options.bind<DatasetDefinition>(DatasetDefinition).toConstantValue(definition);
  for (const definition of builtinTransformDefinitions) options.bind<ImageTransformDefinition<any>>(ImageTransformDefinition).toConstantValue(definition);
});
