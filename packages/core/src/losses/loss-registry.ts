import { inject, injectable } from 'inversify';
import { ContributionProvider } from '../di/contribution-provider.js';
import { parseConfig } from '../config/parse-config.js';
import { NamedRegistry } from '../registry/named-registry.js';
import { LossDefinition, type LossCreationContext, type LossTerm } from './loss-term.js';

/** Token of the contribution provider that lists every bound LossDefinition. */
export const LossDefinitionProvider = Symbol('ContributionProvider<LossDefinition>');

/** Resolves loss terms by name from config; entries come from `LossDefinition` bindings. */
@injectable()
export class LossRegistry {
  private registry?: NamedRegistry<LossDefinition>;

  constructor(@inject(LossDefinitionProvider) private readonly provider: ContributionProvider<LossDefinition>) {}

  private get entries(): NamedRegistry<LossDefinition> {
    this.registry ??= new NamedRegistry('loss', this.provider.getContributions());
    return this.registry;
  }

  names(): string[] {
    return this.entries.names();
  }

  definition(name: string, keyPath = 'loss.name'): LossDefinition {
    return this.entries.get(name, keyPath);
  }

  /**
   * Validates `options` with the loss's schema and builds the term. `keyPath` prefixes config
   * errors, e.g. `losses[1]` gives `losses[1].options.temperature: ...`. `context` carries what
   * feature-based terms size their variables from (see LossCreationContext).
   */
  create(name: string, options: unknown = {}, keyPath = 'loss', context: LossCreationContext = {}): LossTerm {
    const definition = this.definition(name, `${keyPath}.name`);
    const parsed = parseConfig(definition.schema, options ?? {}, `${keyPath}.options`);
    return definition.create(parsed, { keyPath, ...context });
  }
}
