import type { Server } from 'node:http';
import { createServer as createHttp2Server } from 'node:http2';
import { createAdaptorServer } from '@hono/node-server';
import { createHub, memoryStore } from '@resumable-sse/core';
import { redisStore } from '@resumable-sse/redis';
import { sqliteStore } from '@resumable-sse/sqlite';
import {
  COMPRESSIBLE_BODY,
  describeSseAdapter,
  listen,
  openHttp2Sse,
  sqliteAndRedisSuiteStores,
} from '@resumable-sse/testkit/http';
import { type Context, Hono } from 'hono';
import { compress } from 'hono/compress';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { sse } from './index.ts';

describeSseAdapter<Context>('hono (on Node via @hono/node-server)', {
  header: (c, name) => c.req.header(name),
  stores: sqliteAndRedisSuiteStores({ sqliteStore, redisStore, Redis }),
  async start({ hub, endpoint, compression }) {
    const app = new Hono();
    if (compression) {
      app.use(compress());
      app.get('/compressible', (c) => c.text(COMPRESSIBLE_BODY));
    }
    app.on(['GET', 'OPTIONS'], '/stream', sse({ hub, ...endpoint }));
    return listen(createAdaptorServer({ fetch: app.fetch }) as Server);
  },
});

describe('hono on Node over HTTP/2', () => {
  it('streams without the Connection header HTTP/2 forbids', async () => {
    const store = memoryStore();
    const hub = createHub({ store });
    const app = new Hono();
    app.get('/stream', sse({ hub, stream: 'feed' }));
    const server = await listen(
      createAdaptorServer({ fetch: app.fetch, createServer: createHttp2Server }) as unknown as Server,
    );
    const response = await openHttp2Sse(server.url);
    try {
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      expect(response.headers.connection).toBeUndefined();
      expect(response.headers['transfer-encoding']).toBeUndefined();
      await response.waitForText('event: caught-up');
      await hub.publish('feed', { data: 'over h2' });
      await response.waitForText('data: over h2');
    } finally {
      await response.close();
      await hub.close();
      await server.close();
      await store.close();
    }
  });
});

describe('hono on Node: headers set by middleware', () => {
  it('reach the stream response, cookies each on their own, the stream’s own headers winning', async () => {
    const store = memoryStore();
    const hub = createHub({ store });
    const app = new Hono();
    app.use(async (c, next) => {
      c.header('x-request-id', 'r-1');
      c.header('cache-control', 'max-age=60');
      c.header('set-cookie', 'a=1; Path=/', { append: true });
      c.header('set-cookie', 'b=2; Path=/', { append: true });
      await next();
    });
    app.get('/stream', sse({ hub, stream: 'feed' }));
    const server = await listen(createAdaptorServer({ fetch: app.fetch }) as Server);
    const controller = new AbortController();
    try {
      const response = await fetch(server.url, { signal: controller.signal });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-request-id')).toBe('r-1');
      expect(response.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; Path=/']);
      expect(response.headers.get('cache-control')).not.toContain('max-age=60');
      expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    } finally {
      controller.abort();
      await hub.close();
      await server.close();
      await store.close();
    }
  });
});
