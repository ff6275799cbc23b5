import { describe, it } from 'vitest';
import { runCrashChain, type ChainLink } from './harness.js';

// Semi-supervised runs killed mid-epoch (the unlabelled stream mid-pass, the EMA teacher and the
// class prior's partial sums in the snapshot) and after an epoch end, then resumed: the run
// directory equals the uninterrupted run's (summary, metrics, class prior, report data, weights).
const SSL_CHAIN: readonly ChainLink[] = [
  { point: 'mid-epoch after step 5', faults: 'step:kill@5' }, // snapshot at step 3 exists
  { point: 'after epoch-end, before evaluation', faults: 'epoch-end:kill@2' }, // from step 3: through epoch 1 and step 6's snapshot, dies at epoch 2's end
];

describe('semi-supervised crash points on cpu: killed and resumed, the run equals the uninterrupted one', () => {
  for (const trainer of ['fixmatch', 'mean-teacher'] as const) {
    it(trainer, () => runCrashChain(trainer, 'cpu', SSL_CHAIN), 600_000);
  }
});
