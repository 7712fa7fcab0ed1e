/**
 * `@resumable-sse/durable-streams/node`: the protocol on Node's `http` types, for Express, Fastify
 * or a bare `http.createServer`. The request is read straight from `IncomingMessage` (no Web
 * stream in between); a streamed answer (SSE) is written with backpressure.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DurableStreamsHandler } from './handler.ts';
import { collectBody, type ProtocolRequest } from './protocol-request.ts';
import { wholeBodyOf } from './whole-body.ts';

export type NodeDurableStreamsHandler = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

function requestUrl(request: IncomingMessage): URL {
  // Express strips its mount path from `url`; the stream's name is the whole path.
  const path = (request as IncomingMessage & { originalUrl?: string }).originalUrl ?? request.url ?? '/';
  const host = request.headers.host ?? 'localhost';
  const secure = (request.socket as { encrypted?: boolean } | undefined)?.encrypted === true;
  try {
    return new URL(path, `${secure ? 'https' : 'http'}://${host}`);
  } catch {
    // A Host header that is not a host: the stream's path is all the protocol needs.
    return new URL(path, 'http://localhost');
  }
}

function nodeRequest(request: IncomingMessage, signal: AbortSignal): ProtocolRequest {
  return {
    method: request.method ?? 'GET',
    url: requestUrl(request),
    headers: {
      get(name) {
        const value = request.headers[name.toLowerCase()];
        if (value === undefined) return null;
        return Array.isArray(value) ? value.join(', ') : value;
      },
    },
    signal,
    readBody(limit) {
      const declared = request.headers['content-length'] ?? null;
      // Past the limit the rest is not read: Node discards it once the answer is sent.
      return collectBody(declared, request, limit, () => request.pause());
    },
  };
}

async function writeStream(
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
      if (done || signal.aborted) break;
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
    const answer = await handler.serve(nodeRequest(request, abort.signal));
    const headers: Record<string, string> = {};
    answer.headers.forEach((value, name) => {
      headers[name] = value;
    });
    if (answer.body === null || request.method === 'HEAD') {
      response.writeHead(answer.status, headers);
      response.end();
      return;
    }
    if (answer.headers.get('content-type') === 'text/event-stream') {
      response.writeHead(answer.status, headers);
      response.flushHeaders();
      await writeStream(answer.body, response, abort.signal);
      response.end();
      return;
    }
    // A catch-up read is already whole: one write, with its length.
    const whole = wholeBodyOf(answer);
    const bytes =
      whole === undefined
        ? Buffer.from(await answer.arrayBuffer())
        : typeof whole === 'string'
          ? Buffer.from(whole)
          : whole;
    headers['content-length'] = String(bytes.byteLength);
    response.writeHead(answer.status, headers);
    response.end(bytes);
  };
}
