import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export interface BundledPage {
  readonly html: string;
  /** The page's script, bundled into one ES module. */
  readonly script: string;
}

/**
 * Reads a page's HTML and bundles its browser script with esbuild, once at startup (no build step
 * to forget). Workspace packages are bundled from their TypeScript source, like everything else.
 *
 * @example
 * const page = await bundlePage(new URL('./index.html', import.meta.url), new URL('./page.ts', import.meta.url));
 */
export async function bundlePage(htmlFile: URL, scriptEntry: URL): Promise<BundledPage> {
  // Loaded here, so a process that serves no page never loads esbuild.
  const { build } = await import('esbuild');
  const [html, bundle] = await Promise.all([
    readFile(htmlFile, 'utf8'),
    build({
      entryPoints: [fileURLToPath(scriptEntry)],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      conditions: ['@resumable-sse/source'],
      minify: true,
      legalComments: 'none',
      logLevel: 'silent',
    }),
  ]);
  return { html, script: bundle.outputFiles[0]!.text };
}
