import { isResumableSseError } from '@resumable-sse/core';
import { handlePost } from './append.ts';
import { type Context, liveState, streamKey } from './context.ts';
import { handlePut } from './create.ts';
import { DurableStreamsError } from './errors.ts';
import { deleteRecord } from './log-records.ts';
import { type DurableStreamsOptions, resolveOptions } from './options.ts';
import { fromWebRequest, type ProtocolRequest } from './protocol-request.ts';
import { handleGet, handleHead } from './read.ts';
import { baseHeaders, NO_STORE, preflightHeaders } from './response-headers.ts';
import { SharedReads } from './shared-reads.ts';
import { StreamRegistry } from './stream-state.ts';

/**
 * A Web Fetch handler: Fetch frameworks hand it a `Request` and send back its `Response`. `serve`
 * takes the protocol's own request view, which the Node entry point builds without Web streams.
 */
export type DurableStreamsHandler = ((request: Request) => Promise<Response>) & {
  readonly serve: (request: ProtocolRequest) => Promise<Response>;
};

/**
 * Creates the protocol handler over one store. Streams are named by their URL path, so mount it
 * wherever the streams should live (`/v1/stream/*` for the official conformance suite).
 *
 * @example
 * const handler = createDurableStreamsHandler({ store: memoryStore({ maxEvents: 10_000 }) });
 * const response = await handler(new Request('http://localhost/v1/stream/chat', { method: 'PUT' }));
 */
export function createDurableStreamsHandler(options: DurableStreamsOptions): DurableStreamsHandler {
  const resolved = resolveOptions(options);
  const context: Context = {
    options: resolved,
    store: resolved.store,
    registry: new StreamRegistry(resolved.store, resolved.now),
    sseReads: new SharedReads(),
  };
  const serve = async (request: ProtocolRequest): Promise<Response> => {
    try {
      return await route(context, request);
    } catch (error) {
      return errorResponse(error);
    }
  };
  return Object.assign((request: Request) => serve(fromWebRequest(request)), { serve });
}

async function route(context: Context, request: ProtocolRequest): Promise<Response> {
  const key = streamKey(request.url.pathname);
  switch (request.method) {
    case 'OPTIONS':
      return new Response(null, { status: 204, headers: preflightHeaders() });
    case 'PUT':
      return handlePut(context, request, key);
    case 'POST':
      return handlePost(context, request, key);
    case 'DELETE':
      return handleDelete(context, key);
    case 'HEAD':
      return handleHead(context, key);
    case 'GET':
      return handleGet(context, request, key);
    default: {
      const response = errorResponse(
        new DurableStreamsError('METHOD_NOT_ALLOWED', `${request.method} is not part of the protocol.`),
      );
      response.headers.set('Allow', 'GET, HEAD, PUT, POST, DELETE, OPTIONS');
      return response;
    }
  }
}

function jsonError(status: number, code: string, message: string, headers: Headers): Response {
  return new Response(JSON.stringify({ code, message }), { status, headers });
}

/** Client mistakes keep their 4xx; a store that cannot be reached is 503, never a hang or a 500. */
export function errorResponse(error: unknown): Response {
  const headers = baseHeaders();
  headers.set('Content-Type', 'application/json');
  headers.set('Cache-Control', NO_STORE);
  if (error instanceof DurableStreamsError) {
    for (const [name, value] of Object.entries(error.headers)) headers.set(name, value);
    return jsonError(error.status, error.code, error.message, headers);
  }
  if (isResumableSseError(error, 'STORE_UNAVAILABLE') || isResumableSseError(error, 'STORE_CLOSED')) {
    headers.set('Retry-After', '1');
    return jsonError(503, 'STORE_UNAVAILABLE', 'The event store cannot be reached; retry shortly.', headers);
  }
  if (isResumableSseError(error, 'PAYLOAD_TOO_LARGE')) {
    return jsonError(
      413,
      'PAYLOAD_TOO_LARGE',
      'The append is larger than the store accepts; split it.',
      headers,
    );
  }
  return jsonError(500, 'INTERNAL', 'Internal error.', headers);
}

async function handleDelete(context: Context, key: string): Promise<Response> {
  return context.registry.exclusive(key, async () => {
    await liveState(context, key);
    await context.store.append(key, [deleteRecord()]);
    return new Response(null, { status: 204, headers: baseHeaders() });
  });
}
