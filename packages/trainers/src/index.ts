/**
 * @dkl/trainers: the training engine and the supervised, distillation, adversarial and
 * semi-supervised (FixMatch, Mean Teacher) trainers,
 * PyTorch-exact optimizers and learning-rate schedules (each a contribution, as the trainers).
 * @packageDocumentation
 */
export * from './optim/optimizer.js';
export * from './optim/sgd.js';
export * from './optim/adamw.js';
export * from './optim/optimizer-config.js';
export * from './optim/optimizer-definition.js';
export * from './optim/builtin-optimizers.js';
export * from './schedules/schedules.js';
export * from './schedules/schedule-definition.js';
export * from './schedules/builtin-schedules.js';
export * from './schedules/schedule-config.js';
export * from './engine/step.js';
export * from './engine/evaluate.js';
export * from './engine/loss-terms.js';
export * from './engine/training-engine.js';
export * from './engine/run-snapshot.js';
export * from './engine/snapshot-variables.js';
export * from './engine/batch-stream.js';
export * from './adversarial/attack-budget.js';
export * from './adversarial/awp.js';
export * from './trainers/supervised-trainer.js';
export * from './trainers/distillation-trainer.js';
export * from './trainers/adversarial-trainer.js';
export * from './trainers/trainer-definition.js';
export * from './distillation/teacher-logits-cache.js';
export * from './semi-supervised/fixmatch-trainer.js';
export * from './semi-supervised/mean-teacher-trainer.js';
export * from './semi-supervised/ema-teacher.js';
export * from './semi-supervised/ramp-up.js';
export * from './semi-supervised/distribution-alignment.js';
export { unlabelledStream, consistencyOnRows } from './semi-supervised/unlabelled-batches.js';
export * from './trainers-module.js';
