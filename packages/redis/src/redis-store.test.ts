import type { EventStore } from '@resumable-sse/core';
import { waitUntil } from '@resumable-sse/testkit/http';
import { type RedisServerHandle, startRedisServer } from '@resumable-sse/testkit/redis-server';
import { describeEventStore } from '@resumable-sse/testkit/store';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { redisStore } from './index.ts';

let server: RedisServerHandle;
/** The app's client, shared by every store as an app would; the store never closes it. */
let client: Redis;
/** A separate connection for the backdoor, so the suite checks writes with something else than the store. */
let backdoor: Redis;

beforeAll(async () => {
  server = await startRedisServer();
  client = new Redis(server.url);
  backdoor = new Redis(server.url);
  // The rollback cases restart the server: both connections see it drop and reconnect.
  for (const connection of [client, backdoor]) connection.on('error', () => {});
});

afterAll(async () => {
  client?.disconnect();
  backdoor?.disconnect();
  await server?.stop();
});

describeEventStore('redis', {
  create: async (options) => redisStore({ client, ...options }),
  inspect: {
    countEvents: (stream) => backdoor.xlen(`rsse:{${stream}}:log`),
  },
  loseLog: async (stream, store) => {
    // What eviction or an operator's DEL does: every key of the stream is gone, the store lives on.
    const keys = await backdoor.keys(`rsse:{${stream}}:*`);
    if (keys.length === 0) throw new Error(`no keys found for stream ${stream}`);
    await backdoor.del(...keys);
    return store;
  },
  reopen: async (store: EventStore) => {
    await store.close();
    return redisStore({ client });
  },
  // SAVE and keep the RDB file; later crash redis-server and start it from that older file on the
  // same port. The store and its client live on and reconnect, as an app's would.
  rollback: {
    snapshot: () => server.saveSnapshot(),
    restore: async (store, rdbPath: string) => {
      await server.restartFrom(rdbPath);
      // The store refuses commands while its client reconnects; an app would retry, the suite waits.
      await client.ping();
      await waitUntil(() => client.status === 'ready', 'the client to reconnect after the restore');
      return store;
    },
  },
  capabilities: { injectableClock: true, sharedBacking: true, crossInstanceLive: true },
});
