/**
 * `@resumable-sse/core/web`: the endpoint on Web Fetch `Request` and `Response` — a ready
 * handler for Bun, Deno and Workers, and the pieces a Fetch-based framework adapter maps onto
 * (the Hono adapter uses them off Node).
 * @module
 */
export { createFetchHandler } from './fetch-handler.ts';
export { type WebConnection, webConnection } from './web-connection.ts';
export { toSseRequest } from './web-request.ts';
export { type WebStreamSink, webStreamSink } from './web-stream-sink.ts';
