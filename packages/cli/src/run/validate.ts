import { parseConfig } from '@dkl/core';
import type { RunConfig } from '../config/run-config.js';
import type { Application } from './application.js';
import { checkRunRequirements } from './requirements.js';

/**
 * Checks every name and options block against the registries, and every loss's and plugin's
 * requirements against the trainer, without loading data or building models: what `--dry-run`
 * promises, and what every run passes before it is assembled. Throws ConfigError with the key
 * path of the first problem.
 */
export function validateAgainstRegistries(app: Application, config: RunConfig): void {
  const dataset = app.datasets.get(config.data.dataset.name, 'data.dataset.name');
  parseConfig(dataset.schema, config.data.dataset.options, 'data.dataset.options');
  for (const role of ['student', 'teacher'] as const) {
    const model = config.models[role];
    if (!model) continue;
    const definition = app.models.get(model.name, `models.${role}.name`);
    if (definition.schema) parseConfig(definition.schema, model.options ?? {}, `models.${role}.options`);
  }
  config.trainer.losses.forEach((ref, i) => {
    const definition = app.losses.definition(ref.name, `trainer.losses[${i}].name`);
    parseConfig(definition.schema, ref.options, `trainer.losses[${i}].options`);
  });
  config.plugins.forEach((ref, i) => parseConfig(app.plugins.get(ref.name, `plugins[${i}].name`).schema, ref.options, `plugins[${i}].options`));
  checkRunRequirements(app, config);
}
