/**
 * Hono handler for resumable Server-Sent Events: a Web `Response` with a `ReadableStream` body,
 * so it runs on Node (`@hono/node-server`), Bun, Deno and workers alike.
 *
 * @example
 * ```ts
 * const hub = createHub({ store: memoryStore() });
 * app.get('/stream', sse({ hub, stream: 'news' }));
 * ```
 * @module
 */
import { createSseEndpoint, type Hub, type SseEndpointOptions, type SseRequest } from '@resumable-sse/core';
import type { Context, Env, Handler } from 'hono';
import type { StatusCode } from 'hono/utils/http-status';
import { webStreamSink } from './web-stream-sink.ts';

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
    const gone = new AbortController();
    const leave = (): void => gone.abort();
    const clientSignal = c.req.raw.signal;
    clientSignal.addEventListener('abort', leave, { once: true });
    const plan = await endpoint.handle(toSseRequest(c, gone.signal), c);
    if (plan.kind === 'response') {
      clientSignal.removeEventListener('abort', leave);
      // A 204 (preflight) must have a null body: Web `Response` throws on an empty string.
      const body = plan.body === '' ? null : plan.body;
      return c.newResponse(body, { status: plan.status as StatusCode, headers: plan.headers });
    }
    const sink = webStreamSink(leave);
    plan
      .pipe(sink)
      .then(
        () => sink.end(),
        (error: unknown) => sink.fail(error),
      )
      .finally(() => {
        clientSignal.removeEventListener('abort', leave);
        leave();
      });
    // `newResponse` keeps headers that middleware set with `c.header()` before the handler.
    return c.newResponse(sink.body, { status: plan.status, headers: plan.headers });
  };
}

function toSseRequest<E extends Env>(c: Context<E>, signal: AbortSignal): SseRequest {
  // On @hono/node-server the Node request is in `env.incoming`; elsewhere HTTP/1.1 is assumed.
  const incoming = (c.env as { incoming?: { httpVersionMajor?: unknown } } | undefined)?.incoming;
  const httpVersionMajor = typeof incoming?.httpVersionMajor === 'number' ? incoming.httpVersionMajor : 1;
  return {
    method: c.req.method,
    header: (name) => c.req.header(name),
    query: (name) => c.req.query(name),
    signal,
    httpVersionMajor,
  };
}
