import { type LaunchedChromium, launchChromium } from '@resumable-sse/browser-harness';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Headless Chromium that can reach loopback only: any other request is aborted. */
export async function launchLoopbackChromium(): Promise<LaunchedChromium> {
  const browser = await launchChromium();
  await browser.context.route(
    (url) => !LOOPBACK.has(url.hostname),
    (route) => route.abort('blockedbyclient'),
  );
  return browser;
}

/** Collects the duration of every long task the page reports, from before its first script. */
export const LONG_TASK_PROBE = `
  window.__longTasks = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) window.__longTasks.push(Math.round(entry.duration));
  }).observe({ type: 'longtask', buffered: true });
`;
