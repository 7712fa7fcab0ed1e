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
}

export async function buildPlayerPage(options: PlayerPageOptions): Promise<PlayerPage> {
  const { html, script } = await bundlePage(
    new URL('./index.html', import.meta.url),
    new URL('./player.ts', import.meta.url),
    { heartbeatMs: options.heartbeatMs },
  );
  return { html, script, scriptPath: '/player.js' };
}
