import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EventStore, memoryStore } from '@resumable-sse/core';
import { redisStore } from '@resumable-sse/redis';
import { sqliteStore } from '@resumable-sse/sqlite';
import { type RedisServerHandle, startRedisServer } from '@resumable-sse/testkit/redis-server';
import { Redis } from 'ioredis';

export type StoreName = 'memory' | 'sqlite' | 'redis';

/**
 * Retention for Durable Streams: every record of a stream must stay. The memory store allocates
 * its ring per stream up front, so it gets a bound that holds every suite case but not a huge one.
 */
export const MEMORY_MAX_EVENTS = 20_000;

export interface OpenStore {
  readonly store: EventStore;
  close(): Promise<void>;
}

/** A real store: memory, a SQLite file in a temp dir, or a redis-server on loopback. */
export async function openTestStore(name: StoreName): Promise<OpenStore> {
  switch (name) {
    case 'memory': {
      const store = memoryStore({ maxEvents: MEMORY_MAX_EVENTS });
      return { store, close: () => store.close() };
    }
    case 'sqlite': {
      const dir = mkdtempSync(join(tmpdir(), 'durable-streams-'));
      const store = sqliteStore({ path: join(dir, 'streams.db'), maxEvents: Number.MAX_SAFE_INTEGER });
      return {
        store,
        async close() {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    case 'redis': {
      const server: RedisServerHandle = await startRedisServer();
      const client = new Redis(server.url, { maxRetriesPerRequest: 2 });
      const store = redisStore({ client, maxEvents: Number.MAX_SAFE_INTEGER });
      return {
        store,
        async close() {
          await store.close();
          client.disconnect();
          await server.stop();
        },
      };
    }
  }
}
