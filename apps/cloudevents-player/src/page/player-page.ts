import { bundlePage } from '@resumable-sse/demo-support';

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
  /** The page signs in (`AUTH_TOKENS` is set) before it opens the stream. @default false */
  readonly auth?: boolean;
}

const AUTH_PLACEHOLDER = '%AUTH%';

export async function buildPlayerPage(options: PlayerPageOptions): Promise<PlayerPage> {
  const { html, script } = await bundlePage(
    new URL('./index.html', import.meta.url),
    new URL('./player.ts', import.meta.url),
    { heartbeatMs: options.heartbeatMs },
  );
  if (!html.includes(AUTH_PLACEHOLDER)) throw new Error(`index.html has no ${AUTH_PLACEHOLDER} placeholder`);
  return {
    html: html.replaceAll(AUTH_PLACEHOLDER, options.auth ? 'on' : 'off'),
    script,
    scriptPath: '/player.js',
  };
}
