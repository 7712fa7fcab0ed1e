import { bundlePage } from '@resumable-sse/demo-support';

/** The overlay's HTML and its bundled script, built once at startup (no build step to forget). */
export interface OverlayPage {
  readonly html: string;
  readonly script: string;
  /** Where the HTML loads the script from. */
  readonly scriptPath: '/overlay.js';
}

export async function buildOverlayPage(): Promise<OverlayPage> {
  const { html, script } = await bundlePage(
    new URL('./index.html', import.meta.url),
    new URL('./overlay.ts', import.meta.url),
  );
  return { html, script, scriptPath: '/overlay.js' };
}
