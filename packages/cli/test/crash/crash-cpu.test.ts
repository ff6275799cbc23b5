import { describe, it } from 'vitest';
import { FULL_CHAIN, runCrashChain } from './harness.js';

// The cpu backend is several times slower per step: a kill mid-epoch and one during an
// evaluation (both resumed from a mid-epoch snapshot), for every trainer. dkl-native runs every point.
const CPU_CHAIN = FULL_CHAIN.slice(0, 2);

describe('crash points on cpu: killed and resumed, the run equals the uninterrupted one', () => {
  for (const trainer of ['supervised', 'distillation', 'adversarial'] as const) {
    it(trainer, () => runCrashChain(trainer, 'cpu', CPU_CHAIN), 240_000);
  }
});
