/**
 * `@resumable-sse/durable-streams/node`: the protocol on Node's `http` types, for Express, Fastify
 * or a bare `http.createServer`. It turns the request into a Web `Request`, runs the one protocol
 * handler, and streams its `Response` back with backpressure.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { DurableStreamsHandler } from './handler.ts';

export type NodeDurableStreamsHandler = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

function requestUrl(request: IncomingMessage): string {
  // Express strips its mount path from `url`; the stream's name is the whole path.
  const path = (request as IncomingMessage & { originalUrl?: string }).originalUrl ?? request.url ?? '/';
  const host = request.headers.host ?? 'localhost';
  const secure = (request.socket as { encrypted?: boolean } | undefined)?.encrypted === true;
  return `${secure ? 'https' : 'http'}://${host}${path}`;
}

function toWebRequest(request: IncomingMessage, signal: AbortSignal): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || name.startsWith(':')) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, value);
  }
  const method = request.method ?? 'GET';
  const hasBody = method !== 'GET' && method !== 'HEAD';
  return new Request(requestUrl(request), {
    method,
    headers,
    signal,
    ...(hasBody ? { body: Readable.toWeb(request) as ReadableStream<Uint8Array>, duplex: 'half' } : {}),
  } as RequestInit);
}

async function writeBody(
  body: ReadableStream<Uint8Array>,
  response: ServerResponse,
  signal: AbortSignal,
): Promise<void> {
  const reader = body.getReader();
  const stop = () => {
    reader.cancel().catch(() => undefined);
  };
  signal.addEventListener('abort', stop, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!response.write(value)) {
        await new Promise<void>((resolve) => {
          const settle = () => {
            response.off('drain', settle);
            response.off('close', settle);
            resolve();
          };
          response.on('drain', settle);
          response.on('close', settle);
        });
      }
      if (signal.aborted) break;
    }
  } catch {
    // The client went away mid-stream; nothing left to tell it.
  } finally {
    signal.removeEventListener('abort', stop);
  }
}

/** Wraps the protocol handler for Node's `(req, res)` servers. */
export function toNodeHandler(handler: DurableStreamsHandler): NodeDurableStreamsHandler {
  return async (request, response) => {
    const abort = new AbortController();
    response.on('close', () => {
      if (!response.writableFinished) abort.abort();
    });
    const webResponse = await handler(toWebRequest(request, abort.signal));
    const headers: Record<string, string> = {};
    webResponse.headers.forEach((value, name) => {
      headers[name] = value;
    });
    response.writeHead(webResponse.status, headers);
    if (request.method !== 'HEAD' && webResponse.body !== null) {
      response.flushHeaders();
      await writeBody(webResponse.body, response, abort.signal);
    }
    response.end();
  };
}
