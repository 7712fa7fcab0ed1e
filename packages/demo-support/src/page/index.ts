/**
 * What the demo apps' browser pages share. Browser-safe: nothing here imports `node:` modules.
 * @module
 */
export * from './heartbeat-timeout.ts';
