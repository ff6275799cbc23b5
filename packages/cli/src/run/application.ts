import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { attacksModule } from '@dkl/attacks';
import { callbacksModule } from '@dkl/callbacks';
import {
  ConfigError,
  createContainer,
  DatasetDefinition,
  LossRegistry,
  ModelDefinition,
  ModelSource,
  NamedRegistry,
  TrainingPluginDefinition,
} from '@dkl/core';
import { dataModule, ImageTransformDefinition, TransformRegistry } from '@dkl/data';
import { distillersModule } from '@dkl/distillers';
import { lossesModule } from '@dkl/losses';
import { modelSourcesModule, modelsModule } from '@dkl/models';
import { OptimizerDefinition, ScheduleDefinition, TrainerDefinition, trainersModule } from '@dkl/trainers';
import { ContainerModule, type Container } from 'inversify';

/** The container of a run plus name lookups for every extension point. */
export interface Application {
  readonly container: Container;
  readonly losses: LossRegistry;
  readonly datasets: NamedRegistry<DatasetDefinition>;
  readonly models: NamedRegistry<ModelDefinition>;
  /** Where models come from (`models.<role>.source`: zoo, tfjs, onnx, or a package's). */
  readonly modelSources: NamedRegistry<ModelSource>;
  readonly plugins: NamedRegistry<TrainingPluginDefinition>;
  readonly trainers: NamedRegistry<TrainerDefinition>;
  readonly optimizers: NamedRegistry<OptimizerDefinition>;
  readonly schedules: NamedRegistry<ScheduleDefinition>;
  readonly transforms: TransformRegistry;
}

/** The framework's own modules, in load order. */
export const FRAMEWORK_MODULES: readonly ContainerModule[] = [lossesModule, distillersModule, dataModule, modelsModule, modelSourcesModule, trainersModule, callbacksModule, attacksModule];

/**
 * Loads a third-party plugin package's ContainerModule. The package names it in its
 * package.json (`"dkl": { "module": "myModule" }`) or exports `dklModule` or a default module.
 */
export async function loadPluginPackage(specifier: string, fromDir: string, keyPath: string): Promise<ContainerModule> {
  const require = createRequire(path.join(fromDir, 'noop.js'));
  let entry: string;
  let exportName: string | undefined;
  try {
    entry = require.resolve(specifier);
    try {
      const pkg = require(`${specifier}/package.json`) as { dkl?: { module?: string } };
      exportName = pkg.dkl?.module;
    } catch {
      exportName = undefined;
    }
  } catch {
    try {
      entry = import.meta.resolve(specifier);
    } catch (error) {
      throw new ConfigError(keyPath, `cannot find package '${specifier}' from ${fromDir}: install it (npm install ${specifier})`, { cause: error });
    }
  }
  const mod = (await import(entry.startsWith('file:') ? entry : pathToFileURL(entry).href)) as Record<string, unknown>;
  const candidate = exportName ? mod[exportName] : (mod['dklModule'] ?? mod['default']);
  if (!(candidate instanceof ContainerModule)) {
    const wanted = exportName ? `export '${exportName}' (named in its package.json "dkl.module")` : "an export 'dklModule' or a default export";
    throw new ConfigError(keyPath, `package '${specifier}' has no inversify ContainerModule as ${wanted}; exports: ${Object.keys(mod).join(', ') || '(none)'}`);
  }
  return candidate;
}

/** Builds the application container: framework modules plus the given plugin packages. */
export async function createApplication(packages: readonly string[] = [], fromDir = process.cwd()): Promise<Application> {
  const extra = await Promise.all(packages.map((p, i) => loadPluginPackage(p, fromDir, `packages[${i}]`)));
  const container = createContainer([...FRAMEWORK_MODULES, ...extra]);
  const all = <T>(token: symbol) => (container.isBound(token) ? container.getAll<T>(token) : []);
  return {
    container,
    losses: container.get(LossRegistry),
    datasets: new NamedRegistry('dataset', all<DatasetDefinition>(DatasetDefinition)),
    models: new NamedRegistry('model', all<ModelDefinition>(ModelDefinition)),
    modelSources: new NamedRegistry('model source', all<ModelSource>(ModelSource)),
    plugins: new NamedRegistry('plugin', all<TrainingPluginDefinition>(TrainingPluginDefinition)),
    trainers: new NamedRegistry('trainer', all<TrainerDefinition>(TrainerDefinition)),
    optimizers: new NamedRegistry('optimizer', all<OptimizerDefinition>(OptimizerDefinition)),
    schedules: new NamedRegistry('schedule', all<ScheduleDefinition>(ScheduleDefinition)),
    transforms: new TransformRegistry(all<ImageTransformDefinition<any>>(ImageTransformDefinition)),
  };
}
