import { readdir, readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Spotlight UI bundle: its page and the files under `assets/`, read once at startup. */
export interface SpotlightUi {
  readonly indexHtml: Uint8Array;
  /** `assets/<name>` → file, for every file the bundle ships. */
  asset(path: string): { readonly body: Uint8Array; readonly contentType: string } | undefined;
}

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

/** Where `@spotlightjs/spotlight` keeps its UI (`dist/ui`), or undefined when it is not installed. */
export function spotlightUiDirectory(): string | undefined {
  try {
    // Its main entry is dist/server/main.js; the UI sits beside the server.
    return fileURLToPath(new URL('../ui/', import.meta.resolve('@spotlightjs/spotlight')));
  } catch {
    return undefined;
  }
}

/**
 * Loads the UI as Spotlight's own CLI does (its page plus every bundled asset, served from
 * memory). Only those files are ever served: a request names a key, never a path.
 */
export async function loadSpotlightUi(directory: string): Promise<SpotlightUi> {
  const indexHtml = await readFile(new URL('index.html', `file://${directory}`));
  const assets = new Map<string, { body: Uint8Array; contentType: string }>();
  for (const entry of await readdir(`${directory}/assets`, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    assets.set(`assets/${entry.name}`, {
      body: await readFile(`${directory}/assets/${entry.name}`),
      contentType: CONTENT_TYPES[extname(entry.name)] ?? 'application/octet-stream',
    });
  }
  return { indexHtml, asset: (path) => assets.get(path) };
}
