import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

const config = mergeConfig(
  shared,
  defineConfig({
    test: {
      // These drills measure delivery rates and memory of real processes on a 2-core machine:
      // two files at once would measure each other. One file at a time, each test bounded.
      fileParallelism: false,
      testTimeout: 120_000,
      hookTimeout: 60_000,
      teardownTimeout: 30_000,
    },
  }),
);
// Vitest hands `ssr.resolve.conditions` to the worker as Node `--conditions`; keep only conditions
// that are safe for `require` (Express 5's router is CJS), as the adapter packages do.
config.ssr.resolve.conditions = ['@resumable-sse/source', 'node', 'development|production'];
export default config;
