import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The live feed's HTML and its bundled script, built once at startup (no build step to forget). */
export interface PlayerPage {
  readonly html: string;
  readonly script: string;
  /** Where the HTML loads the script from. */
  readonly scriptPath: '/player.js';
}

export interface PlayerPageOptions {
  /**
   * The stream's heartbeat interval (pings, or comments when pings are off): the page reconnects
   * after two of them pass in silence. 0: never.
   */
  readonly heartbeatMs: number;
}

export async function buildPlayerPage(options: PlayerPageOptions): Promise<PlayerPage> {
  const [template, bundle] = await Promise.all([
    readFile(new URL('./index.html', import.meta.url), 'utf8'),
    build({
      entryPoints: [fileURLToPath(new URL('./player.ts', import.meta.url))],
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
  const html = template.replace('%HEARTBEAT_MS%', String(options.heartbeatMs));
  return { html, script: bundle.outputFiles[0]!.text, scriptPath: '/player.js' };
}
