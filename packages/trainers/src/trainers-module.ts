import { ContainerModule } from 'inversify';
import { builtinOptimizers } from './optim/builtin-optimizers.js';
import { OptimizerDefinition } from './optim/optimizer-definition.js';
import { builtinSchedules } from './schedules/builtin-schedules.js';
import { ScheduleDefinition } from './schedules/schedule-definition.js';
import { adversarialTrainer } from './trainers/adversarial-trainer.js';
import { distillationTrainer } from './trainers/distillation-trainer.js';
import { supervisedTrainer } from './trainers/supervised-trainer.js';
import { TrainerDefinition } from './trainers/trainer-definition.js';
import { fixMatchTrainer } from './semi-supervised/fixmatch-trainer.js';
import { meanTeacherTrainer } from './semi-supervised/mean-teacher-trainer.js';

/** The built-in trainers, in the order `dkl` lists them. */
export const builtinTrainers: readonly TrainerDefinition<any>[] = [supervisedTrainer, distillationTrainer, adversarialTrainer, fixMatchTrainer, meanTeacherTrainer];

/**
 * The package's bindings: one `TrainerDefinition` per built-in trainer, one `OptimizerDefinition`
 * per optimizer and one `ScheduleDefinition` per learning-rate schedule. A third-party package adds
 * one the same way: `options.bind(TrainerDefinition).toConstantValue(defineTrainer({...}))`.
 */
export const trainersModule = new ContainerModule((options) => {
  for (const definition of builtinTrainers) options.bind<TrainerDefinition<any>>(TrainerDefinition).toConstantValue(definition);
  for (const definition of builtinOptimizers) options.bind<OptimizerDefinition<any>>(OptimizerDefinition).toConstantValue(definition);
  for (const definition of builtinSchedules) options.bind<ScheduleDefinition<any>>(ScheduleDefinition).toConstantValue(definition);
});
