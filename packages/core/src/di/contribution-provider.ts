import type { ContainerModuleLoadOptions, ResolutionContext, ServiceIdentifier } from 'inversify';

/**
 * Lazily collects every binding of a multi-bound token (Theia's ContributionProvider). Nobody
 * keeps a global registry object: the container is the registry.
 */
export class ContributionProvider<T> {
  private cached?: T[];

  constructor(private readonly resolve: () => T[]) {}

  getContributions(): T[] {
    this.cached ??= this.resolve();
    return this.cached;
  }
}

/**
 * Binds `providerToken` to a ContributionProvider over all `token` bindings (zero is fine).
 * Call it from a ContainerModule: `bindContributionProvider(options, LossDefinition, LossDefinitionProvider)`.
 */
export function bindContributionProvider<T>(
  options: Pick<ContainerModuleLoadOptions, 'bind'>,
  token: ServiceIdentifier<T>,
  providerToken: ServiceIdentifier<ContributionProvider<T>>,
): void {
  options
    .bind(providerToken)
    .toDynamicValue(
      (context: ResolutionContext) => new ContributionProvider<T>(() => context.getAll<T>(token, { optional: true }) ?? []),
    )
    .inSingletonScope();
}
