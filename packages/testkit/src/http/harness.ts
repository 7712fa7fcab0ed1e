import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Hub, SseEndpointOptions } from '@resumable-sse/core';
import type { SuiteStore } from './suite-store.ts';

/** What an adapter's test file gives the HTTP conformance suite. */
export interface SseAdapterHarness<Req> {
  /**
   * Starts a real HTTP server on 127.0.0.1, port 0, with the adapter mounted at `/stream` for
   * `GET`, `HEAD` and `OPTIONS` (CORS preflight). With `compression`, the framework's usual
   * compression middleware runs in front of it (Hono `compress`, `compression`, `@fastify/compress`),
   * and `GET /compressible` answers `COMPRESSIBLE_BODY` as `text/plain`, so the suite can check the
   * middleware is really on.
   */
  start(options: StartOptions<Req>): Promise<StartedServer>;
  /** Reads a request header from the framework's request, so the suite's hooks can look at it. */
  header(request: Req, name: string): string | undefined;
  /**
   * Stores the per-store groups run on besides memory (`sqliteSuiteStore`, `redisSuiteStore`).
   * The suite cannot depend on the store packages itself; the adapter's test passes them in.
   * @default [] (memory only)
   */
  readonly stores?: readonly SuiteStore[];
}

/** What `GET /compressible` answers in the compression variant: big enough to be compressed. */
export const COMPRESSIBLE_BODY = 'resumable-sse '.repeat(300);

export interface StartOptions<Req> {
  readonly hub: Hub;
  /** Pass through as `sse({ hub, ...endpoint })` (or the framework's equivalent). */
  readonly endpoint: SseEndpointOptions<Req>;
  readonly compression: boolean;
}

export interface StartedServer {
  /** Absolute URL of the stream endpoint, e.g. `http://127.0.0.1:41234/stream`. */
  readonly url: string;
  /** Open TCP connections on the server (`server.getConnections`). */
  connections(): Promise<number>;
  /** Stops the server; resolves once it no longer listens. */
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1:0 and describes the server for the suite. `close` waits for the
 * streams to end (the suite closes its clients first) and cuts whatever is still open after 1 s.
 */
export async function listen(server: Server, path = '/stream'): Promise<StartedServer> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    connections: () => connectionsOf(server),
    close: () => closeServer(server),
  };
}

export function connectionsOf(server: Server): Promise<number> {
  return new Promise((resolve, reject) =>
    server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  );
}

export function closeServer(server: Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve, reject) => {
    // HTTP/2 servers have neither method; their sessions end with `close`.
    const force = setTimeout(() => server.closeAllConnections?.(), 1_000);
    server.close((error) => {
      clearTimeout(force);
      if (error) reject(error);
      else resolve();
    });
    server.closeIdleConnections?.();
  });
}
