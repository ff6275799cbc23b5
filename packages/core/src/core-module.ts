import { ContainerModule } from 'inversify';
import { ClassPriorStore, InMemoryClassPriorStore } from './contracts/class-prior-store.js';
import { bindContributionProvider } from './di/contribution-provider.js';
import { LossDefinition } from './losses/loss-term.js';
import { LossDefinitionProvider, LossRegistry } from './losses/loss-registry.js';

/** The core bindings every application loads first: registries and shared stores. */
export const coreModule = new ContainerModule((options) => {
  bindContributionProvider(options, LossDefinition, LossDefinitionProvider);
  options.bind(LossRegistry).toSelf().inSingletonScope();
  options.bind(ClassPriorStore).to(InMemoryClassPriorStore).inSingletonScope();
});
