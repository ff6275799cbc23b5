import { describe, it } from 'vitest';
import { FULL_CHAIN, runCrashChain } from './harness.js';

// The cpu backend is several times slower per step: the points where restored numeric state
// matters (mid-epoch, and an evaluation redone), for every trainer. dkl-native runs them all.
const CPU_CHAIN = FULL_CHAIN.slice(0, 2);

describe('crash points on cpu: killed and resumed, the run equals the uninterrupted one', () => {
  for (const trainer of ['supervised', 'distillation', 'adversarial'] as const) {
    it(trainer, () => runCrashChain(trainer, 'cpu', CPU_CHAIN), 240_000);
  }
});
