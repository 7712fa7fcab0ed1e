import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The page's HTML and its bundled script, built once at startup (no build step to forget). */
export interface JobsPage {
  readonly html: string;
  readonly script: string;
  /** Where the HTML loads the script from. */
  readonly scriptPath: '/page.js';
}

export async function buildJobsPage(): Promise<JobsPage> {
  const [html, bundle] = await Promise.all([
    readFile(new URL('./index.html', import.meta.url), 'utf8'),
    build({
      entryPoints: [fileURLToPath(new URL('./page.ts', import.meta.url))],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      // Workspace packages are bundled from their TypeScript source, like everything else here.
      conditions: ['@resumable-sse/source'],
      minify: true,
      legalComments: 'none',
      logLevel: 'silent',
    }),
  ]);
  return { html, script: bundle.outputFiles[0]!.text, scriptPath: '/page.js' };
}
