import { describe, it } from 'vitest';
import { FULL_CHAIN, runCrashChain } from './harness.js';

// Every crash point on cpu too (the issue asks for both backends); cpu is several times slower
// per step than dkl-native, hence the longer timeout.
describe('crash points on cpu: killed and resumed, the run equals the uninterrupted one', () => {
  for (const trainer of ['supervised', 'distillation', 'adversarial'] as const) {
    it(trainer, () => runCrashChain(trainer, 'cpu', FULL_CHAIN), 600_000);
  }
});
