import { build } from 'esbuild';
import type { TestSseServer } from './test-sse-server.ts';

const PAGE_SCRIPT = new URL('./browser-page.ts', import.meta.url).pathname;

let bundled: Promise<string> | undefined;

/** The test page script bundled for the browser, once per test file. */
export function bundlePageScript(): Promise<string> {
  bundled ??= build({
    entryPoints: [PAGE_SCRIPT],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    conditions: ['@resumable-sse/source'],
    write: false,
    logLevel: 'error',
  }).then((result) => result.outputFiles[0]!.text);
  return bundled;
}

/** Serves the test page at `/` (and its script) from `server`, so the page shares its origin. */
export async function servePage(server: TestSseServer): Promise<string> {
  server.serve('/page.js', 'text/javascript; charset=utf-8', await bundlePageScript());
  server.serve(
    '/',
    'text/html; charset=utf-8',
    '<!doctype html><html><head><meta charset="utf-8"><title>client test</title>' +
      '<script src="/page.js"></script></head><body></body></html>',
  );
  return `${server.origin}/`;
}
