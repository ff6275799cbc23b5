/**
 * @dkl/attacks: adversarial attacks for TensorFlow.js models. Projection utilities today; PGD,
 * APGD and AutoAttack arrive with their issue.
 * @packageDocumentation
 */
export { projectLinf } from './project.js';
