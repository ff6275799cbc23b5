import { ContainerModule } from 'inversify';
import { DatasetDefinition } from '@dkl/core';
import { datasetDefinitions } from './definitions.js';

/**
 * The package's bindings: every dataset source as a `DatasetDefinition` multi-binding
 * (`cifar10`, `cifar100`, `fashion-mnist`, `mnist`, `mnist-idx`, `image-folder`, `synthetic`).
 */
export const dataModule = new ContainerModule((options) => {
  for (const definition of datasetDefinitions) options.bind<DatasetDefinition>(DatasetDefinition).toConstantValue(definition);
});
