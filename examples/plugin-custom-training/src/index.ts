/**
 * An example third-party dkl plugin package. It adds a trainer (`flip-consistency`) and an
 * augmentation (`gaussian-noise`) through its own ContainerModule; a config loads it with
 * `packages: ['@dkl-examples/plugin-custom-training']`, then sets `trainer.type:
 * flip-consistency` and uses `{ kind: gaussian-noise }` in any split's `transforms`. Both get
 * `--dry-run` validation and editor completion (`dkl schema --package ...`) from their schemas.
 * @packageDocumentation
 */
import { ImageTransformDefinition } from '@dkl/data';
import { TrainerDefinition } from '@dkl/trainers';
import { ContainerModule } from 'inversify';
import { flipConsistencyTrainer } from './flip-consistency-trainer.js';
import { gaussianNoise } from './gaussian-noise.js';

export { flipConsistencyTrainer, flipConsistencySchema, mirror } from './flip-consistency-trainer.js';
export { gaussianNoise, gaussianNoiseSchema, addGaussianNoise, type GaussianNoiseSpec } from './gaussian-noise.js';

/** The module named in package.json (`"dkl": { "module": "customTrainingModule" }`). */
export const customTrainingModule = new ContainerModule(({ bind }) => {
  bind(TrainerDefinition).toConstantValue(flipConsistencyTrainer);
  bind(ImageTransformDefinition).toConstantValue(gaussianNoise);
});
