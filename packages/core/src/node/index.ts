/**
 * `@resumable-sse/core/node`: core's request and sink for Node's `http` and `http2` servers.
 * Adapters for frameworks that hand out Node requests and responses (Express, Fastify, plain
 * `node:http`) are a few lines on top of these.
 * @module
 */
export { type NodeResponse, toSseRequest, toSseSink } from './node-http.ts';
