import { bundlePage } from '@resumable-sse/demo-support';

/** The overlay's HTML and its bundled script, built once at startup (no build step to forget). */
export interface OverlayPage {
  readonly html: string;
  readonly script: string;
  /** Where the HTML loads the script from. */
  readonly scriptPath: '/overlay.js';
}

export interface OverlayPageOptions {
  /** The stream's `:` heartbeat interval (`HEARTBEAT_MS`), for the page's heartbeat timeout. 0: none. */
  readonly heartbeatMs: number;
}

export async function buildOverlayPage(options: OverlayPageOptions): Promise<OverlayPage> {
  const { html, script } = await bundlePage(
    new URL('./index.html', import.meta.url),
    new URL('./overlay.ts', import.meta.url),
    { heartbeatMs: options.heartbeatMs },
  );
  return { html, script, scriptPath: '/overlay.js' };
}
