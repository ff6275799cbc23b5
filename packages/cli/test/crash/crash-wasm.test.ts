import { describe, it } from 'vitest';
import { FULL_CHAIN, runCrashChain } from './harness.js';

// Resume bit-identity on the wasm backend too: the same chain of crash points as cpu and
// dkl-native (XNNPACK's kernels and the wasm backend's RNG-free ops must resume to the same bits).
describe('crash points on wasm: killed and resumed, the run equals the uninterrupted one', () => {
  for (const trainer of ['supervised', 'distillation', 'adversarial'] as const) {
    it(trainer, () => runCrashChain(trainer, 'wasm', FULL_CHAIN), 600_000);
  }
});
