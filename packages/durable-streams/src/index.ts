/**
 * `@resumable-sse/durable-streams`: the Durable Streams protocol over any resumable-sse
 * `EventStore` (memory, SQLite, Redis), as one Web Fetch handler. Hono and other Fetch-based
 * frameworks call it directly; Express and Fastify go through `@resumable-sse/durable-streams/node`
 * and `@resumable-sse/durable-streams/fastify`.
 * @module
 */
export { streamKey } from './context.ts';
export { DurableStreamsError, type DurableStreamsErrorCode } from './errors.ts';
export { createDurableStreamsHandler, type DurableStreamsHandler } from './handler.ts';
export type { DurableStreamsOptions } from './options.ts';
