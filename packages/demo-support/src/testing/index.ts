/**
 * Test helpers for the demo apps: run an app as a real child process on a free port.
 * @module
 */
export * from './start-app.ts';
