import { describe, it } from 'vitest';
import { FULL_CHAIN, runCrashChain } from './harness.js';

// The default backend: every crash point, for every trainer.
describe('crash points on dkl-native: killed at each point and resumed, the run equals the uninterrupted one', () => {
  for (const trainer of ['supervised', 'distillation', 'adversarial'] as const) {
    it(trainer, () => runCrashChain(trainer, 'dkl-native', FULL_CHAIN), 240_000);
  }
});
