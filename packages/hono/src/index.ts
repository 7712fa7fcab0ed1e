/**
 * Hono handler for resumable Server-Sent Events: a Web `Response` with a `ReadableStream` body,
 * so it runs on Node (`@hono/node-server`), Bun, Deno and workers alike. On `@hono/node-server`
 * it writes to the Node response directly instead (see `nodeBindings`).
 *
 * @example
 * ```ts
 * const hub = createHub({ store: memoryStore() });
 * app.get('/stream', sse({ hub, stream: 'news' }));
 * ```
 * @module
 */
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import {
  createSseEndpoint,
  type Hub,
  type SseEndpoint,
  type SseEndpointOptions,
  type SsePlainResponse,
  type SseRequest,
  type SseStreamResponse,
} from '@resumable-sse/core';
import { type NodeResponse, toSseRequest, toSseSink } from '@resumable-sse/core/node';
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
    const node = nodeBindings(c.env);
    if (node) return serveNode(endpoint, c, node);
    const gone = new AbortController();
    const leave = (): void => gone.abort();
    const clientSignal = c.req.raw.signal;
    clientSignal.addEventListener('abort', leave, { once: true });
    const plan = await endpoint.handle(webSseRequest(c, gone.signal), c);
    if (plan.kind === 'response') {
      clientSignal.removeEventListener('abort', leave);
      return plainResponse(c, plan);
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

/** What `@hono/node-server` puts in `c.env`: the Node request and response. */
interface NodeBindings {
  readonly incoming: IncomingMessage | Http2ServerRequest;
  readonly outgoing: NodeResponse & {
    readonly headersSent: boolean;
    writeHead(status: number, headers: OutgoingHttpHeaders): unknown;
    flushHeaders(): void;
    destroy(): unknown;
  };
}

/**
 * The Node request and response when served by `@hono/node-server`, else undefined (Bun, Deno,
 * workers, `app.request()`). Bridging every frame through a Web `ReadableStream` costs a promise
 * per chunk per connection there; writing to the Node response costs what Express does.
 */
function nodeBindings(env: unknown): NodeBindings | undefined {
  if (typeof env !== 'object' || env === null) return undefined;
  const { incoming, outgoing } = env as { incoming?: unknown; outgoing?: Partial<NodeBindings['outgoing']> };
  if (typeof incoming !== 'object' || incoming === null || typeof outgoing !== 'object' || outgoing === null)
    return undefined;
  if (typeof outgoing.writeHead !== 'function' || typeof outgoing.write !== 'function') return undefined;
  if (typeof outgoing.flushHeaders !== 'function' || outgoing.headersSent !== false) return undefined;
  return env as NodeBindings;
}

/**
 * `@hono/node-server` leaves the Node response alone when the handler's `Response` carries this
 * header (its `RESPONSE_ALREADY_SENT`, built here so the adapter does not depend on the package).
 * One per request: middleware running after the handler may write headers onto it.
 */
const ALREADY_SENT_HEADER = 'x-hono-already-sent';

/**
 * `@hono/node-server` swaps the global `Response` for a lighter class (whose parent is the real
 * one) and writes a body-less instance of it without looking at `x-hono-already-sent`; the
 * sentinel must be a real `Response`, as its own `RESPONSE_ALREADY_SENT` (built at import) is.
 */
function nativeResponse(): typeof Response {
  const parent: unknown = Object.getPrototypeOf(Response);
  return typeof parent === 'function' && parent.name === 'Response' ? (parent as typeof Response) : Response;
}

async function serveNode<E extends Env>(
  endpoint: SseEndpoint<Context<E>>,
  c: Context<E>,
  { incoming, outgoing }: NodeBindings,
): Promise<Response> {
  const plan = await endpoint.handle(toSseRequest(incoming, outgoing), c);
  if (plan.kind === 'response') return plainResponse(c, plan);
  outgoing.writeHead(plan.status, nodeHeaders(c, plan));
  outgoing.flushHeaders();
  // `pipe` ends the response itself when the connection is over; it never rejects.
  plan.pipe(toSseSink(outgoing)).catch(() => outgoing.destroy());
  return new (nativeResponse())(null, { headers: { [ALREADY_SENT_HEADER]: 'true' } });
}

/** The stream's headers merged over those middleware set on `c` before the handler, as `newResponse` does. */
function nodeHeaders<E extends Env>(c: Context<E>, plan: SseStreamResponse): OutgoingHttpHeaders {
  const merged = c.newResponse(null, { status: plan.status, headers: plan.headers }).headers;
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of merged) {
    if (name !== 'set-cookie') headers[name] = value;
  }
  const cookies = merged.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  return headers;
}

function plainResponse<E extends Env>(c: Context<E>, plan: SsePlainResponse): Response {
  // A 204 (preflight) must have a null body: Web `Response` throws on an empty string.
  const body = plan.body === '' ? null : plan.body;
  return c.newResponse(body, { status: plan.status as StatusCode, headers: plan.headers });
}

function webSseRequest<E extends Env>(c: Context<E>, signal: AbortSignal): SseRequest {
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
