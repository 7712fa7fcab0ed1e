import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

const config = mergeConfig(shared, defineConfig({}));
// Vitest hands `ssr.resolve.conditions` to test workers as Node `--conditions`; with `import`
// among them a CommonJS `require` (Fastify and its dependencies are CommonJS) can load a
// dependency's ESM build. Keep only conditions that are safe for `require`.
config.ssr.resolve.conditions = ['@resumable-sse/source', 'node', 'development|production'];
export default config;
