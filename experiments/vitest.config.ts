import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { include: ['test/**/*.test.ts'], environment: 'node', pool: 'forks', testTimeout: 1_600_000, hookTimeout: 900_000 },
});
