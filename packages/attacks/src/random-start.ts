import * as tf from '@tensorflow/tfjs';
import type { SeededRng } from '@dkl/core';
import { perExampleL2, perExampleLinf, projectToThreatModel, type Norm } from './project.js';

/** How an attack picks its starting point; see {@link randomStart}. */
export type RandomStartMode = 'uniform' | 'boundary' | 'normal';

/**
 * A seeded random starting point around `x`.
 * - `uniform` (PGD, Madry et al.): L-inf uniform in the cube; L2 a uniform direction with a
 *   uniform radius in [0, eps]. Projected to the ball and [0, 1].
 * - `boundary` (APGD): a random direction scaled onto the sphere of radius eps. Projected.
 * - `normal` (TRADES and the authors' IKL-AT scripts): `x + 0.001 * N(0, 1)`, not projected: the
 *   first gradient is taken there, and every step projects (`x_adv = x.detach() + 0.001 *
 *   torch.randn(x.shape)` followed by step, clip to the ball, clamp to [0, 1]).
 */
export function randomStart(x: tf.Tensor, eps: number, norm: Norm, rng: SeededRng, mode: RandomStartMode): tf.Tensor {
  if (mode === 'normal') return tf.tidy(() => x.add(tf.randomNormal(x.shape, 0, 0.001, 'float32', rng.tfSeed())));
  return tf.tidy(() => {
    const b = x.shape[0]!;
    const perExample = [b, ...x.shape.slice(1).map(() => 1)];
    let delta: tf.Tensor;
    if (norm === 'linf') {
      const t = tf.randomUniform(x.shape, -1, 1, 'float32', rng.tfSeed());
      delta = mode === 'uniform' ? t.mul(eps) : t.div(perExampleLinf(t).add(1e-12)).mul(eps);
    } else {
      const t = tf.randomNormal(x.shape, 0, 1, 'float32', rng.tfSeed());
      const unit = t.div(perExampleL2(t).add(1e-12));
      const radius = mode === 'uniform' ? tf.randomUniform(perExample, 0, 1, 'float32', rng.tfSeed()).mul(eps) : tf.scalar(eps);
      delta = unit.mul(radius);
    }
    return projectToThreatModel(x.add(delta), x, eps, norm);
  });
}
