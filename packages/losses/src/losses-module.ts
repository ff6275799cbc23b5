import { ContainerModule, type ResolutionContext } from 'inversify';
import { ClassPriorStore, LossDefinition } from '@dkl/core';
import { crossEntropyLossDefinition } from './plugins/ce-plugin.js';
import { decoupledKLLossDefinition } from './plugins/decoupled-kl-plugins.js';
import { dkdLossDefinition } from './plugins/dkd-plugin.js';
import { kdLossDefinition } from './plugins/kd-plugin.js';
import { tradesLossDefinition } from './plugins/trades-plugin.js';
import { probabilityMseLossDefinition } from './plugins/probability-mse-plugin.js';

/**
 * The package's single ContainerModule: multi-binds one `LossDefinition` per loss
 * (`ce`, `kd`, `dkl`, `ikl`, `gkl`, `dkd`, `trades`, `prob-mse`). The DKL family resolves the core
 * `ClassPriorStore` when the container builds them. Load with
 * `createContainer([lossesModule])` and pick losses with `container.get(LossRegistry).create(name, options)`.
 */
export const lossesModule = new ContainerModule((options) => {
  options.bind<LossDefinition>(LossDefinition).toConstantValue(crossEntropyLossDefinition);
  options.bind<LossDefinition>(LossDefinition).toConstantValue(kdLossDefinition);
  options.bind<LossDefinition>(LossDefinition).toConstantValue(dkdLossDefinition);
  options.bind<LossDefinition>(LossDefinition).toConstantValue(tradesLossDefinition);
  options.bind<LossDefinition>(LossDefinition).toConstantValue(probabilityMseLossDefinition);
  for (const name of ['dkl', 'ikl', 'gkl'] as const) {
    options
      .bind<LossDefinition>(LossDefinition)
      .toDynamicValue((context: ResolutionContext) => decoupledKLLossDefinition(name, context.get<ClassPriorStore>(ClassPriorStore)))
      .inSingletonScope();
  }
});
