import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { EventStore } from '@resumable-sse/core';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { durableStreamsFastify } from '../fastify.ts';
import { createDurableStreamsHandler, type DurableStreamsOptions } from '../index.ts';
import { toNodeHandler } from '../node.ts';

export type AdapterName = 'hono' | 'express' | 'fastify' | 'node';

export interface RunningServer {
  readonly baseUrl: string;
  close(): Promise<void>;
}

/**
 * Short waits so the suite's long-poll and SSE cases finish quickly. The suite's long-poll case
 * appends 500 ms after it starts polling and allows the poll timeout + 1 s: a 1 s poll keeps that
 * append inside the first poll, so the case checks the wake-up path; an append on the boundary
 * between two polls is long-poll.test.ts's case.
 */
export const TEST_TIMINGS = { longPollTimeoutMs: 1_000, sseMaxConnectionMs: 5_000 } as const;

function listening(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve(`http://127.0.0.1:${port}`);
    });
  });
}

function closing(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** The protocol on a real HTTP server through one framework adapter. */
export async function startServer(
  adapter: AdapterName,
  store: EventStore,
  options: Omit<DurableStreamsOptions, 'store'> = TEST_TIMINGS,
): Promise<RunningServer> {
  const settings = { ...options, store };
  switch (adapter) {
    case 'hono': {
      const handler = createDurableStreamsHandler(settings);
      const app = new Hono();
      app.all('/v1/stream/*', (c) => handler(c.req.raw));
      const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
      await new Promise<void>((resolve) => server.once('listening', () => resolve()));
      const { port } = server.address() as AddressInfo;
      return { baseUrl: `http://127.0.0.1:${port}`, close: () => closing(server) };
    }
    case 'express': {
      const app = express();
      app.use('/v1/stream', toNodeHandler(createDurableStreamsHandler(settings)));
      const server = createServer(app);
      return { baseUrl: await listening(server), close: () => closing(server) };
    }
    case 'fastify': {
      const app = Fastify();
      await app.register(durableStreamsFastify, { ...settings, prefix: '/v1/stream' });
      const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
      return { baseUrl, close: () => app.close() };
    }
    case 'node': {
      const server = createServer(toNodeHandler(createDurableStreamsHandler(settings)));
      return { baseUrl: await listening(server), close: () => closing(server) };
    }
  }
}
