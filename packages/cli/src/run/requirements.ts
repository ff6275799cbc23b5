/**
 * The run's contracts, checked before anything is built: every loss gets what it declares it
 * needs (reference logits, a class-prior writer) and every plugin finds the batch outputs it
 * declares it reads. A miswired config is refused with the loss or plugin, the requirement and
 * the fix, instead of silently training a different objective.
 */
import { ConfigError, lossRequirements, parseConfig, type BatchOutputKey } from '@dkl/core';
import type { TrainerDefinition } from '@dkl/trainers';
import type { RunConfig } from '../config/run-config.js';
import type { Application } from './application.js';

export function checkRunRequirements(app: Application, config: RunConfig, trainer: TrainerDefinition, trainerOptions: unknown): void {
  const type = trainer.name;
  const produced: readonly BatchOutputKey[] = trainer.outputs;
  const plugins = config.plugins.map((ref, i) => ({ ref, key: `plugins[${i}]`, definition: app.plugins.get(ref.name, `plugins[${i}].name`) }));
  const priorWriters = plugins.filter((p) => p.definition.writesClassPrior);
  const losses = [
    ...config.trainer.losses.map((ref, i) => ({ ref, key: `trainer.losses[${i}]`, reference: trainer.providesReference })),
    ...(trainer.lossRefs?.(trainerOptions) ?? []).map(({ ref, keyPath, reference }) => ({ ref, key: keyPath, reference: reference ?? trainer.providesReference })),
  ];
  for (const { ref, key, reference } of losses) {
    const definition = app.losses.definition(ref.name, `${key}.name`);
    const needs = lossRequirements(definition, parseConfig(definition.schema, ref.options, `${key}.options`));
    if (needs.reference && !reference) {
      throw new ConfigError(
        key,
        `loss '${ref.name}' needs reference logits (a teacher's, or the natural logits of adversarial training), which trainer.type '${type}' does not produce: use trainer.type 'distillation' with models.teacher, or 'adversarial', or a loss without a reference such as 'ce'`,
      );
    }
    if (needs.features && !trainer.providesFeatures) {
      throw new ConfigError(
        key,
        `loss '${ref.name}' reads the feature taps of the student and the teacher, which trainer.type '${type}' does not provide: use trainer.type 'distillation' with models.teacher`,
      );
    }
    if (needs.exampleIndices && !trainer.providesIndices) {
      throw new ConfigError(
        key,
        `loss '${ref.name}' keys state by training example (it reads each row's dataset index), which trainer.type '${type}' does not pass to its losses: use trainer.type 'distillation' with models.teacher`,
      );
    }
    if (needs.referenceTrainingMode && !trainer.referenceTrainingMode) {
      throw new ConfigError(
        key,
        `loss '${ref.name}' runs the teacher in training mode (batch statistics), which trainer.type '${type}' does not do: use trainer.type 'distillation' with models.teacher`,
      );
    }
    if (needs.hardLabels && config.data.train.mix) {
      throw new ConfigError(
        key,
        `loss '${ref.name}' needs one true class per example${needs.classPrior ? ' (its class-prior weights)' : ''}, but data.train.mix mixes examples into soft targets: remove data.train.mix, or use a loss whose hard-label part takes soft targets (ce, kd, or ${ref.name === 'ikl' || ref.name === 'gkl' ? `${ref.name} with classPrior: false` : 'dkl'})`,
      );
    }
    if (needs.classPrior && priorWriters.length === 0) {
      const source = (['teacherLogits', 'unlabelledTeacherLogits'] as const).find((s) => produced.includes(s)) ?? 'naturalLogits';
      throw new ConfigError(
        `${key}.options.classPrior`,
        `loss '${ref.name}' uses the class prior (classPrior is on), but no plugin writes it: add { name: class-prior, options: { source: ${source}, temperature: <T> } } to plugins, or set classPrior: false`,
      );
    }
  }
  for (const { ref, key, definition } of plugins) {
    const reads = definition.reads?.(parseConfig(definition.schema, ref.options, `${key}.options`)) ?? [];
    for (const wanted of reads) {
      const options = typeof wanted === 'string' ? [wanted] : wanted;
      if (!options.some((o) => produced.includes(o))) {
        throw new ConfigError(
          `${key}.options`,
          `plugin '${ref.name}' reads the batch output ${options.map((o) => `'${o}'`).join(' or ')}, which trainer.type '${type}' does not produce (it produces ${produced.join(', ')})`,
        );
      }
    }
  }
}
