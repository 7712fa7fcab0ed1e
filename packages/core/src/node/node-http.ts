import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import type { SseRequest, SseSink } from '../engine/types.ts';

/** What Node's HTTP/1 `ServerResponse` and HTTP/2 `Http2ServerResponse` both offer. */
export interface NodeResponse {
  write(chunk: Uint8Array): boolean;
  end(): unknown;
  readonly writableLength: number;
  readonly writableNeedDrain: boolean;
  readonly writableEnded: boolean;
  readonly closed?: boolean;
  /** Added by the `compression` middleware. */
  flush?(): void;
  on(event: 'drain' | 'close' | 'error', listener: () => void): unknown;
  once(event: 'close', listener: () => void): unknown;
}

/**
 * Core's view of a Node request. The signal aborts on the response's `close`, which Node emits
 * both when the client vanishes and after the response ended: either way the connection is over.
 */
export function toSseRequest(req: IncomingMessage | Http2ServerRequest, res: NodeResponse): SseRequest {
  const gone = new AbortController();
  if (res.closed) gone.abort();
  else res.once('close', () => gone.abort());
  const url = req.url ?? '';
  const queryStart = url.indexOf('?');
  let params: URLSearchParams | undefined;
  return {
    method: req.method ?? 'GET',
    header: (name) => {
      const key = name.toLowerCase();
      // HTTP/1 `headersDistinct` keeps repeated headers apart, so "first value" is exact.
      if ('headersDistinct' in req) return req.headersDistinct[key]?.[0];
      const value = req.headers[key];
      return Array.isArray(value) ? value[0] : value;
    },
    query: (name) => {
      params ??= new URLSearchParams(queryStart === -1 ? '' : url.slice(queryStart + 1));
      return params.get(name) ?? undefined;
    },
    signal: gone.signal,
    httpVersionMajor: req.httpVersionMajor,
  };
}

/**
 * Core's view of a Node response. `flush` is what the `compression` middleware adds: calling it
 * after each write means a compressing middleware can never sit on an event.
 */
export function toSseSink(res: NodeResponse): SseSink {
  let closed = res.closed === true || res.writableEnded;
  let waiters: Array<() => void> = [];
  const release = (): void => {
    const pending = waiters;
    waiters = [];
    for (const resolve of pending) resolve();
  };
  const finish = (): void => {
    closed = true;
    release();
  };
  res.on('drain', release);
  res.on('close', finish);
  res.on('error', finish);

  return {
    write(chunk) {
      if (closed) return false;
      const hasRoom = res.write(chunk);
      res.flush?.();
      return hasRoom;
    },
    drain: () =>
      closed || !res.writableNeedDrain
        ? Promise.resolve()
        : new Promise<void>((resolve) => waiters.push(resolve)),
    get bufferedBytes() {
      return res.writableLength;
    },
    get closed() {
      return closed;
    },
    end() {
      if (closed) return;
      closed = true;
      res.end();
      release();
    },
  };
}
