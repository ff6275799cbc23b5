import { defineConfig } from 'vitest/config';

/** `npm run test:export-full`: the export matrix of the architectures too large for CI. */
export default defineConfig({
  test: {
    include: ['test/export-full/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 1_800_000,
    hookTimeout: 120_000,
  },
});
