import { bundlePage } from '@resumable-sse/demo-support';

/** The page's HTML and its bundled script, built once at startup (no build step to forget). */
export interface JobsPage {
  readonly html: string;
  readonly script: string;
  /** Where the HTML loads the script from. */
  readonly scriptPath: '/page.js';
}

export interface JobsPageOptions {
  /** The stream's `:` heartbeat interval (`HEARTBEAT_MS`), for the page's heartbeat timeout. 0: none. */
  readonly heartbeatMs: number;
}

export async function buildJobsPage(options: JobsPageOptions): Promise<JobsPage> {
  const { html, script } = await bundlePage(
    new URL('./index.html', import.meta.url),
    new URL('./page.ts', import.meta.url),
    { heartbeatMs: options.heartbeatMs },
  );
  return { html, script, scriptPath: '/page.js' };
}
