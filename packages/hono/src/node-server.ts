/**
 * The Hono handler on `@hono/node-server`: it writes to the Node response directly, which costs
 * what Express does, instead of bridging every frame through a Web `ReadableStream`.
 */
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import type { SseEndpoint, SseStreamResponse } from '@resumable-sse/core';
import { type NodeResponse, toSseRequest, toSseSink } from '@resumable-sse/core/node';
import type { Context, Env } from 'hono';
import { plainResponse } from './plain-response.ts';

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
export function nodeBindings(env: unknown): NodeBindings | undefined {
  if (typeof env !== 'object' || env === null) return undefined;
  const { incoming, outgoing } = env as { incoming?: unknown; outgoing?: Partial<NodeBindings['outgoing']> };
  if (typeof incoming !== 'object' || incoming === null || typeof outgoing !== 'object' || outgoing === null)
    return undefined;
  if (typeof outgoing.writeHead !== 'function' || typeof outgoing.write !== 'function') return undefined;
  if (typeof outgoing.flushHeaders !== 'function' || outgoing.headersSent !== false) return undefined;
  return env as NodeBindings;
}

/**
 * What this adapter relies on in `@hono/node-server` (an optional peer, `>=2.1 <3`), each pinned by
 * a test in `node-server-contract.test.ts`:
 * - the bindings it puts in `c.env` (`incoming`, `outgoing`), as documented;
 * - it leaves the Node response alone when the handler's `Response` carries this header — the
 *   one its public `RESPONSE_ALREADY_SENT` (from `@hono/node-server/utils/response`) carries;
 * - it swaps the global `Response` for a lighter class whose parent is the real one, and writes a
 *   body-less instance of that class without looking at the header, so the sentinel must be a
 *   real `Response`.
 * The sentinel is built per request: middleware running after the handler may write headers onto it.
 */
export const ALREADY_SENT_HEADER = 'x-hono-already-sent';

export function nativeResponse(): typeof Response {
  const parent: unknown = Object.getPrototypeOf(Response);
  return typeof parent === 'function' && parent.name === 'Response' ? (parent as typeof Response) : Response;
}

export async function serveNode<E extends Env>(
  endpoint: SseEndpoint<Context<E>>,
  c: Context<E>,
  { incoming, outgoing }: NodeBindings,
): Promise<Response> {
  const plan = await endpoint.handle(toSseRequest(incoming, outgoing), c);
  if (plan.kind === 'response') return plainResponse(c, plan);
  outgoing.writeHead(plan.status, nodeHeaders(c, plan));
  outgoing.flushHeaders();
  // `pipe` ends the response itself when the connection is over, and never rejects: nothing here
  // waits on it, so a live connection holds no promise reaction of this handler's.
  void plan.pipe(toSseSink(outgoing));
  return new (nativeResponse())(null, { headers: { [ALREADY_SENT_HEADER]: 'true' } });
}

/**
 * The stream's headers merged over those middleware set on `c` before the handler, as
 * `newResponse` would merge them — without building a response with the stream's headers and
 * sorting them back out, which every connection would pay for.
 */
function nodeHeaders<E extends Env>(c: Context<E>, plan: SseStreamResponse): OutgoingHttpHeaders {
  const preset = c.newResponse(null).headers;
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of preset) {
    if (name !== 'set-cookie') headers[name] = value;
  }
  const cookies = preset.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  for (const [name, value] of Object.entries(plan.headers)) headers[name.toLowerCase()] = value;
  return headers;
}
