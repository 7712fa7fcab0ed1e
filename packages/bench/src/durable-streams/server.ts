/**
 * One Durable Streams server for the bench, in its own process: `BENCH_DS_SERVER` is `reference`
 * (`@durable-streams/server`, in memory) or `memory` / `sqlite` / `redis` (ours on bare
 * `node:http` through `@resumable-sse/durable-streams/node`). Prints `PORT <n>` when listening.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DurableStreamTestServer } from '@durable-streams/server';
import { type EventStore, memoryStore } from '@resumable-sse/core';
import { createDurableStreamsHandler } from '@resumable-sse/durable-streams';
import { toNodeHandler } from '@resumable-sse/durable-streams/node';

const kind = process.env.BENCH_DS_SERVER ?? 'memory';
/** The memory store sizes each stream's ring up front; every scenario stays under this per stream. */
const MEMORY_MAX_EVENTS = Number(process.env.BENCH_DS_MEMORY_MAX_EVENTS ?? 2_000);

async function openStore(): Promise<EventStore> {
  switch (kind) {
    case 'memory':
      return memoryStore({ maxEvents: MEMORY_MAX_EVENTS });
    case 'sqlite': {
      const { sqliteStore } = await import('@resumable-sse/sqlite');
      return sqliteStore({ path: process.env.BENCH_DS_SQLITE_PATH!, maxEvents: Number.MAX_SAFE_INTEGER });
    }
    case 'redis': {
      const { redisStore } = await import('@resumable-sse/redis');
      const { Redis } = await import('ioredis');
      const client = new Redis(process.env.BENCH_DS_REDIS_URL!);
      return redisStore({ client, maxEvents: Number.POSITIVE_INFINITY, commandTimeoutMs: 30_000 });
    }
    default:
      throw new Error(`BENCH_DS_SERVER=${kind}: use reference, memory, sqlite or redis.`);
  }
}

if (kind === 'reference') {
  // Compression off: ours does not compress either, and the bench compares protocol work.
  const server = new DurableStreamTestServer({
    port: 0,
    host: '127.0.0.1',
    compression: false,
    longPollTimeout: 30_000,
  });
  const url = await server.start();
  console.log(`PORT ${new URL(url).port}`);
} else {
  const store = await openStore();
  const handler = toNodeHandler(createDurableStreamsHandler({ store, sseMaxConnectionMs: 600_000 }));
  const server = createServer((request, response) => {
    handler(request, response).catch(() => response.destroy());
  });
  server.listen(0, '127.0.0.1', () => console.log(`PORT ${(server.address() as AddressInfo).port}`));
}
