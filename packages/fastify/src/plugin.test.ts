/** Fastify specifics: the plugin's encapsulation and `fastify.close()` with streams open. */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createHub,
  type DisconnectReason,
  type Hub,
  isResumableSseError,
  memoryStore,
} from '@resumable-sse/core';
import { openHttp2Sse, openSse } from '@resumable-sse/testkit/http';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { resumableSse, sseRoute } from './index.ts';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function newHub() {
  const store = memoryStore();
  const hub = createHub({ store });
  cleanups.push(
    () => store.close(),
    () => hub.close(),
  );
  return hub;
}

describe('resumableSse plugin', () => {
  it('binds each registration to its own hub, and leaves unregistered contexts without reply.sse', async () => {
    const [red, blue] = [newHub(), newHub()];
    await red.publish('feed', { data: 'red' });
    await blue.publish('feed', { data: 'blue' });
    const app = Fastify();
    cleanups.push(() => app.close());
    const options = { stream: 'feed', initial: 'earliest' } as const;
    await app.register(async (scope) => {
      await scope.register(resumableSse, { hub: red });
      scope.get('/red', sseRoute(options));
    });
    await app.register(async (scope) => {
      await scope.register(resumableSse, { hub: blue });
      scope.get('/blue', sseRoute(options));
    });
    app.get('/outside', async (_request, reply) => ({ hasSse: typeof (reply as { sse?: unknown }).sse }));
    const base = await app.listen({ host: '127.0.0.1', port: 0 });

    for (const color of ['red', 'blue']) {
      const connection = await openSse(`${base}/${color}`);
      cleanups.push(() => connection.close());
      await connection.waitForCaughtUp();
      expect(connection.appEvents.map((event) => event.data)).toEqual([color]);
    }
    const outside = await app.inject({ method: 'GET', url: '/outside' });
    expect(outside.json()).toEqual({ hasSse: 'undefined' });
  });

  it('makes reply.sse visible to routes registered next to the plugin (fastify-plugin)', async () => {
    const hub = newHub();
    const app = Fastify();
    cleanups.push(() => app.close());
    await app.register(resumableSse, { hub });
    await app.register(async (child) => {
      child.get('/nested', (_request, reply) => reply.sse({ stream: 'feed' }));
    });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const connection = await openSse(`${base}/nested`);
    cleanups.push(() => connection.close());
    await connection.waitForCaughtUp();
    expect(connection.status).toBe(200);
  });

  it('keeps headers that hooks set on the reply before the stream', async () => {
    const hub = newHub();
    const app = Fastify();
    cleanups.push(() => app.close());
    app.addHook('onRequest', async (_request, reply) => {
      reply.header('x-request-id', 'r-1');
    });
    await app.register(resumableSse, { hub });
    app.get('/stream', sseRoute({ stream: 'feed' }));
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const connection = await openSse(`${base}/stream`);
    cleanups.push(() => connection.close());
    expect(connection.headers['x-request-id']).toBe('r-1');
    expect(connection.headers['content-type']).toBe('text/event-stream; charset=utf-8');
  });

  it('ends open streams when fastify closes, so close() does not hang', async () => {
    const hub = newHub();
    const app = Fastify();
    await app.register(resumableSse, { hub });
    app.get('/stream', sseRoute({ stream: 'feed' }));
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const connection = await openSse(`${base}/stream`);
    cleanups.push(() => connection.close());
    await connection.waitForCaughtUp();
    const started = performance.now();
    await app.close();
    expect(performance.now() - started).toBeLessThan(1_000);
    await connection.waitForEnd();
    expect(hub.stats().connections).toBe(0);
  });

  it.each([100, 0])(
    'close() does not hang on a client that stopped reading (heartbeatMs %i): its socket is dropped after drainGraceMs',
    async (heartbeatMs) => {
      const disconnects: DisconnectReason[] = [];
      const store = memoryStore();
      const hub = createHub({ store, hooks: { onDisconnect: ({ reason }) => disconnects.push(reason) } });
      cleanups.push(
        () => store.close(),
        () => hub.close(),
      );
      const app = Fastify();
      await app.register(resumableSse, { hub });
      // A mark above the backlog: the stalled client is only behind, never a slow consumer.
      const options = { stream: 'feed', heartbeatMs, highWaterMarkBytes: 64 << 20, drainGraceMs: 300 };
      app.get('/stream', sseRoute(options));
      const base = await app.listen({ host: '127.0.0.1', port: 0 });
      const stalled = await openSse(`${base}/stream`, { keepDataChars: 8 });
      cleanups.push(() => stalled.close());
      await stalled.waitForCaughtUp();
      stalled.pause();
      // Far more than loopback's socket buffers take from a client that does not read.
      await hub.publishBatch(
        'feed',
        Array.from({ length: 8 }, () => ({ data: 'x'.repeat(2 << 20) })),
      );
      await sleep(50);
      const started = performance.now();
      const closed = await Promise.race([app.close().then(() => true), sleep(5_000).then(() => false)]);
      expect(closed, 'app.close() finished').toBe(true);
      expect(performance.now() - started).toBeLessThan(2_000);
      expect(hub.stats().connections).toBe(0);
      expect(disconnects).toEqual(['server-closed']);
    },
  );
});

/** A heartbeat event's `data`, counting its calls and the distinct ticks they were for. */
function countedHeartbeat() {
  const counter = {
    calls: 0,
    ticks: new Set<number>(),
    data: (now: number) => {
      counter.calls += 1;
      counter.ticks.add(now);
      return String(now);
    },
    reset() {
      counter.calls = 0;
      counter.ticks.clear();
    },
  };
  return counter;
}

describe('endpoints', () => {
  it('builds an sseRoute endpoint when the route is added, so bad options throw from app.get', async () => {
    const app = Fastify();
    cleanups.push(() => app.close());
    await app.register(resumableSse, { hub: newHub() });
    let error: unknown;
    try {
      app.get('/bad', sseRoute({ stream: 'feed', heartbeatMs: -1 }));
    } catch (thrown) {
      error = thrown;
    }
    expect(isResumableSseError(error, 'INVALID_OPTION')).toBe(true);
    expect((error as Error).message).toMatch(/heartbeatMs must be a whole number/);
    expect(() => app.get('/bad-name', sseRoute({ stream: '' }))).toThrow(/valid stream name/);
  });

  it('refuses an sseRoute in a context without the plugin when the route is added, and a plugin without a hub', async () => {
    const app = Fastify();
    cleanups.push(() => app.close());
    expect(() => app.get('/orphan', sseRoute({ stream: 'feed' }))).toThrow(
      expect.objectContaining({
        code: 'INVALID_OPTION',
        message: expect.stringMatching(/register\(resumableSse, \{ hub \}\) before adding the route/),
      }),
    );
    const other = Fastify();
    cleanups.push(() => other.close());
    await expect(other.register(resumableSse, {} as { hub: Hub }).ready()).rejects.toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringMatching(/needs \{ hub \}/) }),
    );
  });

  it('shares one endpoint across the requests of an sseRoute route; a new options object per request gets its own', async () => {
    const hub = newHub();
    const app = Fastify();
    cleanups.push(() => app.close());
    await app.register(resumableSse, { hub });
    const [shared, inline] = [countedHeartbeat(), countedHeartbeat()];
    app.get(
      '/route',
      sseRoute({ stream: 'feed', heartbeatMs: 20, heartbeatEvent: { event: 'ping', data: shared.data } }),
    );
    app.get('/inline', (_request, reply) =>
      reply.sse({ stream: 'feed', heartbeatMs: 20, heartbeatEvent: { event: 'ping', data: inline.data } }),
    );
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    for (const path of ['route', 'route', 'route', 'inline', 'inline', 'inline']) {
      const connection = await openSse(`${base}/${path}`);
      cleanups.push(() => connection.close());
      await connection.waitForCaughtUp();
    }
    shared.reset();
    inline.reset();
    await sleep(200);
    // One endpoint encodes the heartbeat event once per tick for all its connections.
    expect(shared.ticks.size).toBeGreaterThan(2);
    expect(shared.calls).toBe(shared.ticks.size);
    expect(inline.calls).toBe(3 * inline.ticks.size);
  });
});

describe('over HTTP/2', () => {
  it('streams without the Connection header HTTP/2 forbids', async () => {
    const hub = newHub();
    const app = Fastify({ http2: true });
    cleanups.push(() => app.close());
    await app.register(resumableSse, { hub });
    app.get('/stream', sseRoute({ stream: 'feed' }));
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const response = await openHttp2Sse(`${base}/stream`);
    cleanups.push(() => response.close());
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.connection).toBeUndefined();
    expect(response.headers['transfer-encoding']).toBeUndefined();
    await response.waitForText('event: caught-up');
    await hub.publish('feed', { data: 'over h2' });
    await response.waitForText('data: over h2');
  });
});
