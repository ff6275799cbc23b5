/** The export matrix covers the whole zoo: every architecture is in CI or in test:export-full. */
import { describe, expect, it } from 'vitest';
import { ARCHITECTURE_NAMES } from '../../src/index.js';
import { CI_ARCHITECTURES, CI_PARAMETER_LIMIT, LARGE_ARCHITECTURES, parametersOf } from './export-matrix.js';

describe('export matrix coverage', () => {
  it('every zoo architecture is exported in CI or in npm run test:export-full', () => {
    expect([...CI_ARCHITECTURES, ...LARGE_ARCHITECTURES].sort()).toEqual([...ARCHITECTURE_NAMES].sort());
    expect(CI_ARCHITECTURES.length).toBeGreaterThan(LARGE_ARCHITECTURES.length);
    const listed = LARGE_ARCHITECTURES.map((n) => `${n} (${(parametersOf(n) / 1e6).toFixed(1)}M)`).join(', ');
    console.log(`[export matrix] not in CI, above ${CI_PARAMETER_LIMIT / 1e6}M parameters (npm run test:export-full runs them): ${listed}`);
  });
});
