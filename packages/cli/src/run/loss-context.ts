import { featureShapesOf, lossRequirements, parseConfig, preactNormsOf, type ClassifierModel, type Dataset, type LossCreationContext } from '@dkl/core';
import { labelsOf } from '@dkl/data';
import type { RunConfig } from '../config/run-config.js';
import type { Application } from './application.js';

/**
 * What the run's loss terms are created with: the class count and, when a term reads feature
 * taps, the per-example feature shapes of the student and the teacher (one inference-mode probe
 * of each; feature-based distillers size their connectors from them); when a term keys state by
 * example, the label of every training example; the teacher's BatchNorm parameters before its
 * pre-activation taps when it has them.
 */
export function lossCreationContext(app: Application, config: RunConfig, student: ClassifierModel, teacher: ClassifierModel | undefined, train: Dataset): LossCreationContext {
  const needs = config.trainer.losses.map((ref, i) => {
    const definition = app.losses.definition(ref.name, `trainer.losses[${i}].name`);
    return lossRequirements(definition, parseConfig(definition.schema, ref.options, `trainer.losses[${i}].options`));
  });
  const referencePreactNorms = needs.some((n) => n.features) && teacher ? preactNormsOf(teacher) : undefined;
  return {
    numClasses: student.numClasses,
    ...(needs.some((n) => n.features) ? { featureShapes: { model: featureShapesOf(student), ...(teacher ? { reference: featureShapesOf(teacher) } : {}) } } : {}),
    ...(referencePreactNorms ? { referencePreactNorms } : {}),
    ...(needs.some((n) => n.exampleIndices) ? { trainingLabels: labelsOf(train) } : {}),
  };
}
