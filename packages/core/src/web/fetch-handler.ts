import { createSseEndpoint } from '../engine/endpoint.ts';
import type { EngineHost } from '../engine/host.ts';
import type { SseEndpointOptions } from '../engine/types.ts';
import { webConnection } from './web-connection.ts';
import { toSseRequest } from './web-request.ts';

/**
 * A Web Fetch handler — `(request) => Promise<Response>` — for runtimes that serve one: Bun,
 * Deno, Cloudflare Workers, or Node behind any Fetch bridge. Mount it for `GET` (and `OPTIONS`
 * for CORS); `options` are the endpoint's, with the Web `Request` as the framework request.
 */
export function createFetchHandler(
  hub: EngineHost,
  options: SseEndpointOptions<Request>,
): (request: Request) => Promise<Response> {
  const endpoint = createSseEndpoint<Request>(hub, options);
  return async (request) => {
    const connection = webConnection(request.signal);
    const plan = await endpoint.handle(toSseRequest(request, connection.signal), request);
    return new Response(connection.body(plan), { status: plan.status, headers: plan.headers });
  };
}
