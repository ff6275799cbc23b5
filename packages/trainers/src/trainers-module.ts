import { ContainerModule } from 'inversify';
import { adversarialTrainer } from './trainers/adversarial-trainer.js';
import { distillationTrainer } from './trainers/distillation-trainer.js';
import { supervisedTrainer } from './trainers/supervised-trainer.js';
import { TrainerDefinition } from './trainers/trainer-definition.js';
import { fixMatchTrainer } from './semi-supervised/fixmatch-trainer.js';
import { meanTeacherTrainer } from './semi-supervised/mean-teacher-trainer.js';

/** The built-in trainers, in the order `dkl` lists them. */
export const builtinTrainers: readonly TrainerDefinition<any>[] = [supervisedTrainer, distillationTrainer, adversarialTrainer, fixMatchTrainer, meanTeacherTrainer];

/**
 * The package's bindings: one `TrainerDefinition` per built-in trainer. A third-party package adds
 * a trainer the same way: `options.bind(TrainerDefinition).toConstantValue(defineTrainer({...}))`.
 */
export const trainersModule = new ContainerModule((options) => {
  for (const definition of builtinTrainers) options.bind<TrainerDefinition<any>>(TrainerDefinition).toConstantValue(definition);
});
