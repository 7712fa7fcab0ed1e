/**
 * Hono handler for resumable Server-Sent Events: a Web `Response` with a `ReadableStream` body,
 * so it runs on Node (`@hono/node-server`), Bun, Deno and workers alike. On `@hono/node-server`
 * it writes to the Node response directly instead (`node-server.ts`).
 *
 * @example
 * ```ts
 * const hub = createHub({ store: memoryStore() });
 * app.get('/stream', sse({ hub, stream: 'news' }));
 * ```
 * @module
 */
import { createSseEndpoint, type Hub, type SseEndpointOptions } from '@resumable-sse/core';
import { toSseRequest, webConnection } from '@resumable-sse/core/web';
import type { Context, Env, Handler } from 'hono';
import type { StatusCode } from 'hono/utils/http-status';
import { nodeBindings, serveNode } from './node-server.ts';

export interface SseOptions<E extends Env = Env> extends SseEndpointOptions<Context<E>> {
  /** Where events are published and read from. */
  readonly hub: Hub;
}

/**
 * A handler answering `GET` with the stream (and `OPTIONS` with the CORS preflight when mounted
 * for it, e.g. `app.on(['GET', 'OPTIONS'], '/stream', sse(…))`).
 */
export function sse<E extends Env = Env>(options: SseOptions<E>): Handler<E> {
  const { hub, ...endpointOptions } = options;
  const endpoint = createSseEndpoint<Context<E>>(hub, endpointOptions);

  return async (c) => {
    const node = nodeBindings(c.env);
    if (node) return serveNode(endpoint, c, node);
    const connection = webConnection(c.req.raw.signal);
    const plan = await endpoint.handle(toSseRequest(c.req.raw, connection.signal, httpVersion(c)), c);
    // `newResponse` keeps headers that middleware set with `c.header()` before the handler.
    return c.newResponse(connection.body(plan), {
      status: plan.status as StatusCode,
      headers: plan.headers,
    });
  };
}

/** On @hono/node-server the Node request is in `env.incoming`; elsewhere HTTP/1.1 is assumed. */
function httpVersion<E extends Env>(c: Context<E>): number {
  const incoming = (c.env as { incoming?: { httpVersionMajor?: unknown } } | undefined)?.incoming;
  return typeof incoming?.httpVersionMajor === 'number' ? incoming.httpVersionMajor : 1;
}
