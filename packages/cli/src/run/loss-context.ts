import { featureShapesOf, lossRequirements, parseConfig, type ClassifierModel, type LossCreationContext } from '@dkl/core';
import type { RunConfig } from '../config/run-config.js';
import type { Application } from './application.js';

/**
 * What the run's loss terms are created with: the class count and, when a term reads feature
 * taps, the per-example feature shapes of the student and the teacher (one inference-mode probe
 * of each; feature-based distillers size their connectors from them).
 */
export function lossCreationContext(app: Application, config: RunConfig, student: ClassifierModel, teacher: ClassifierModel | undefined): LossCreationContext {
  const readsFeatures = config.trainer.losses.some((ref, i) => {
    const definition = app.losses.definition(ref.name, `trainer.losses[${i}].name`);
    return lossRequirements(definition, parseConfig(definition.schema, ref.options, `trainer.losses[${i}].options`)).features === true;
  });
  return {
    numClasses: student.numClasses,
    ...(readsFeatures ? { featureShapes: { model: featureShapesOf(student), ...(teacher ? { reference: featureShapesOf(teacher) } : {}) } } : {}),
  };
}
