import { bundlePage } from '@resumable-sse/demo-support';

/** The page's HTML and its bundled script, built once at startup (no build step to forget). */
export interface JobsPage {
  readonly html: string;
  readonly script: string;
  /** Where the HTML loads the script from. */
  readonly scriptPath: '/page.js';
}

export async function buildJobsPage(): Promise<JobsPage> {
  const { html, script } = await bundlePage(
    new URL('./index.html', import.meta.url),
    new URL('./page.ts', import.meta.url),
  );
  return { html, script, scriptPath: '/page.js' };
}
