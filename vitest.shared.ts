import { defineConfig } from 'vitest/config';

/**
 * Tests read each workspace package from its source, never from a stale build. Vitest passes
 * these to the test worker as Node `--conditions` too, so nothing here may change what a CJS
 * `require` picks (`import` would: Express 5's router then loads `is-promise`'s ESM build).
 */
const sourceConditions = ['@resumable-sse/source', 'node', 'development|production'];

export default defineConfig({
  resolve: { conditions: sourceConditions },
  ssr: { resolve: { conditions: sourceConditions, externalConditions: ['@resumable-sse/source'] } },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
