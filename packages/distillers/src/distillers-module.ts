import { ContainerModule } from 'inversify';
import { LossDefinition } from '@dkl/core';
import { atDefinition } from './at.js';
import { crdDefinition } from './crd.js';
import { fitnetDefinition } from './fitnet.js';
import { kdsvdDefinition } from './kdsvd.js';
import { nstDefinition } from './nst.js';
import { ofdDefinition } from './ofd.js';
import { pktDefinition } from './pkt.js';
import { reviewkdDefinition } from './reviewkd.js';
import { rkdDefinition } from './rkd.js';
import { spDefinition } from './sp.js';
import { vidDefinition } from './vid.js';

/** Every distiller of the package, in mdistiller's order of its baselines table. */
export const distillerDefinitions: readonly LossDefinition[] = [fitnetDefinition, atDefinition, rkdDefinition, pktDefinition, spDefinition, vidDefinition, nstDefinition, reviewkdDefinition, crdDefinition, kdsvdDefinition, ofdDefinition];

/** The package's ContainerModule: multi-binds one `LossDefinition` per distiller (`fitnet`, `at`, `rkd`, `pkt`, `sp`, `vid`, `nst`, `reviewkd`, `crd`, `kdsvd`, `ofd`). */
export const distillersModule = new ContainerModule((options) => {
  for (const definition of distillerDefinitions) options.bind<LossDefinition>(LossDefinition).toConstantValue(definition);
});
