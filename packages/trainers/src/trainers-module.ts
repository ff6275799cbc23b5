import { ContainerModule } from 'inversify';

/**
 * The trainers package's container module. Trainers are constructed with explicit objects
 * (models, loaders, loss terms) rather than resolved, so it binds nothing yet; it exists so an
 * application lists every package the same way.
 */
export const trainersModule = new ContainerModule(() => undefined);
