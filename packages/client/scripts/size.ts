/**
 * Minified + gzipped size of the client bundle, as an app would ship it.
 * Run: `pnpm --filter @resumable-sse/client size`.
 */
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const entry = new URL('../src/index.ts', import.meta.url).pathname;

async function measure(external: string[]): Promise<{ minified: number; gzipped: number }> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['@resumable-sse/source'],
    external,
    write: false,
    logLevel: 'error',
  });
  const code = result.outputFiles[0]!.contents;
  return { minified: code.byteLength, gzipped: gzipSync(code, { level: 9 }).byteLength };
}

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(2)} KB (${bytes} B)`;
const rows: [string, { minified: number; gzipped: number }][] = [
  ['client (eventsource-parser external)', await measure(['eventsource-parser'])],
  ['client + eventsource-parser', await measure([])],
];
for (const [name, size] of rows) {
  console.log(`${name}: ${kb(size.minified)} minified, ${kb(size.gzipped)} min+gzip`);
}
