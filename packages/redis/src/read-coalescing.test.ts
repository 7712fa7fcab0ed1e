import { createHub } from '@resumable-sse/core';
import { type RedisServerHandle, startRedisServer } from '@resumable-sse/testkit/redis-server';
import { HubConnection } from '@resumable-sse/testkit/store';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisStore } from './index.ts';
import { commandCalls } from './test-support/command-stats.ts';

let server: RedisServerHandle;
let client: Redis;
/** Reads the server's counters, apart from the client under test. */
let admin: Redis;

beforeAll(async () => {
  server = await startRedisServer();
  client = new Redis(server.url);
  admin = new Redis(server.url);
  client.on('error', () => {});
  admin.on('error', () => {});
});

afterAll(async () => {
  client?.disconnect();
  admin?.disconnect();
  await server?.stop();
});

describe('identical reads asked within one tick', () => {
  it('are one XRANGE, and each caller gets an array of its own', async () => {
    const store = redisStore({ client });
    const stream = 'coalesce-pages';
    await store.append(
      stream,
      Array.from({ length: 20 }, (_, n) => ({ data: `e${n + 1}` })),
    );
    const before = await commandCalls(admin, 'xrange');
    const pages = await Promise.all(Array.from({ length: 100 }, () => store.readAfter(stream, 5, 10)));
    expect((await commandCalls(admin, 'xrange')) - before).toBe(1);
    pages[0]!.splice(0);
    for (const page of pages.slice(1)) {
      expect(page.map((event) => event.offset)).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    }
    // Different questions are not joined.
    const mixed = await Promise.all([store.readAfter(stream, 5, 10), store.readAfter(stream, 6, 10)]);
    expect(mixed.map((page) => page[0]?.offset)).toEqual([6, 7]);
    await store.close();
  });

  it('see an append that finished before they were asked', async () => {
    const store = redisStore({ client });
    const stream = 'coalesce-fresh';
    await store.append(stream, [{ data: 'first' }]);
    const early = store.readAfter(stream, 0, 10);
    await store.append(stream, [{ data: 'second' }]);
    const late = await store.readAfter(stream, 0, 10);
    expect((await early).map((event) => event.data)).toEqual(['first']);
    expect(late.map((event) => event.data)).toEqual(['first', 'second']);
    expect((await store.position(stream)).head).toBe(2);
    await store.close();
  });

  it('let a reconnect storm of 200 clients from one cursor read each page far fewer than 200 times', async () => {
    const store = redisStore({ client, maxEvents: 10_000 });
    const hub = createHub({ store });
    const stream = 'coalesce-storm';
    const published = await hub.publishBatch(
      stream,
      Array.from({ length: 1_000 }, (_, n) => ({ data: `event-${n + 1}` })),
    );
    const cursor = published[0]!.id;
    const before = await commandCalls(admin, 'xrange');
    const connections = await Promise.all(
      Array.from({ length: 200 }, () => HubConnection.open(hub, stream, cursor)),
    );
    try {
      await Promise.all(connections.map((connection) => connection.waitForCaughtUp(20_000)));
      for (const connection of connections) {
        expect(connection.data.length).toBe(999);
        expect(connection.data[0]).toBe('event-2');
        expect(connection.data.at(-1)).toBe('event-1000');
      }
    } finally {
      await Promise.all(connections.map((connection) => connection.close()));
    }
    const reads = (await commandCalls(admin, 'xrange')) - before;
    // Without joining: 200 clients × (the cursor's event + every page) reads.
    expect(reads).toBeLessThan(200);
    await store.close();
  });
});
