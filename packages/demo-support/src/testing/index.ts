/**
 * Test helpers for the demo apps: run an app as a real child process on a free port, and talk
 * to it as its clients do.
 * @module
 */
export * from './live-reader.ts';
export * from './read-answer.ts';
export * from './replay-stream.ts';
export * from './start-app.ts';
export * from './startup-error-cases.ts';
export * from './streamed-upload.ts';
