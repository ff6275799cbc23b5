import 'reflect-metadata';
import { Container, type ContainerModule } from 'inversify';
import { coreModule } from '../core-module.js';

export interface CreateContainerOptions {
  /** Load `coreModule` first (default true); set false when the caller already lists it. */
  readonly includeCore?: boolean;
}

/**
 * Builds an application container from package modules, as Theia builds an app from its
 * extensions: `createContainer([lossesModule, dataModule, myPluginModule])`.
 */
export function createContainer(modules: readonly ContainerModule[] = [], options: CreateContainerOptions = {}): Container {
  const container = new Container({ defaultScope: 'Singleton' });
  const all = options.includeCore === false ? [...modules] : [coreModule, ...modules.filter((m) => m !== coreModule)];
  container.load(...all);
  return container;
}
