import { createHub } from '@resumable-sse/core';
import { openSse, serveHub } from '@resumable-sse/testkit/http';
import { type RedisServerHandle, startRedisServer } from '@resumable-sse/testkit/redis-server';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisStore } from './index.ts';

let server: RedisServerHandle;
let client: Redis;

beforeAll(async () => {
  server = await startRedisServer();
  client = new Redis(server.url);
});

afterAll(async () => {
  await client.quit();
  await server.stop();
});

describe('an old cursor after Redis lost the log, over HTTP', () => {
  it.each([
    ['FLUSHALL', () => server.flushAll()],
    [
      'the stream keys deleted',
      async () => void (await client.del(...(await client.keys('*{epoch-test}*')))),
    ],
  ])(
    'after %s: the next publish starts a new epoch and the old cursor gets reset{epoch}, then everything retained',
    async (_case, loseLog) => {
      const store = redisStore({ client });
      const hub = createHub({ store });
      const http = await serveHub(hub, { stream: 'epoch-test', heartbeatMs: 0 });
      try {
        const before = [];
        for (let i = 1; i <= 3; i++) before.push(await hub.publish('epoch-test', { data: `old${i}` }));
        await loseLog();
        const after = [];
        for (let i = 1; i <= 2; i++) after.push(await hub.publish('epoch-test', { data: `new${i}` }));
        expect(after[0]!.epoch).not.toBe(before[0]!.epoch);
        expect(after[0]!.offset).toBe(1);

        const reader = await openSse(http.url, { headers: { 'Last-Event-ID': before[1]!.id } });
        await reader.waitForCaughtUp();
        reader.close();
        expect(reader.resets.map((reset) => JSON.parse(reset.data))).toEqual([
          { reason: 'epoch', requested: before[1]!.id, oldest: after[0]!.id },
        ]);
        expect(reader.appEvents.map((event) => [event.id, event.data])).toEqual(
          after.map((sent, i) => [sent.id, `new${i + 1}`]),
        );
      } finally {
        await hub.close();
        await http.close();
        await store.close();
      }
    },
  );
});
