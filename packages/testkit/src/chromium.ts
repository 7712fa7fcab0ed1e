/** Headless Chromium for browser tests; lives in its own package so `@resumable-sse/client` can use it too. */
export * from '@resumable-sse/browser-harness';
