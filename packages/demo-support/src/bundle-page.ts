import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export interface BundledPage {
  readonly html: string;
  /** The page's script, bundled into one ES module. */
  readonly script: string;
}

export interface BundlePageOptions {
  /**
   * The page's stream heartbeat interval (0: none). Written where the HTML has the
   * `%HEARTBEAT_MS%` placeholder — `<meta name="heartbeat-ms" content="%HEARTBEAT_MS%" />` —
   * for the script's `pageHeartbeatTimeoutMs()` (`@resumable-sse/demo-support/page`).
   */
  readonly heartbeatMs?: number;
}

/** Where `BundlePageOptions.heartbeatMs` goes in a page's HTML. */
export const HEARTBEAT_MS_PLACEHOLDER = '%HEARTBEAT_MS%';

/**
 * Reads a page's HTML and bundles its browser script with esbuild, once at startup (no build step
 * to forget). Workspace packages are bundled from their TypeScript source, like everything else.
 *
 * @example
 * const page = await bundlePage(new URL('./index.html', import.meta.url), new URL('./page.ts', import.meta.url), { heartbeatMs: 15_000 });
 */
export async function bundlePage(
  htmlFile: URL,
  scriptEntry: URL,
  options: BundlePageOptions = {},
): Promise<BundledPage> {
  // Loaded here, so a process that serves no page never loads esbuild.
  const { build } = await import('esbuild');
  const [template, bundle] = await Promise.all([
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
  const { heartbeatMs } = options;
  let html = template;
  if (heartbeatMs !== undefined) {
    if (!template.includes(HEARTBEAT_MS_PLACEHOLDER)) {
      throw new Error(
        `${fileURLToPath(htmlFile)} has no ${HEARTBEAT_MS_PLACEHOLDER} placeholder: add <meta name="heartbeat-ms" content="${HEARTBEAT_MS_PLACEHOLDER}" /> to its <head>.`,
      );
    }
    html = template.replaceAll(HEARTBEAT_MS_PLACEHOLDER, String(heartbeatMs));
  }
  return { html, script: bundle.outputFiles[0]!.text };
}
