import { type RedisServerHandle, startRedisServer } from '@resumable-sse/testkit/redis-server';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisStore } from './index.ts';
import { range } from './test-support/recorder.ts';

let server: RedisServerHandle;
let client: Redis;

beforeAll(async () => {
  server = await startRedisServer();
  client = new Redis(server.url);
});

afterAll(async () => {
  client?.disconnect();
  await server?.stop();
});

describe('retention by age', () => {
  it('cuts exactly the expired prefix of a long log in one step, keeping an event exactly maxAgeMs old', async () => {
    let now = 1_700_000_000_000;
    const start = now;
    const store = redisStore({ client, maxEvents: 10_000, maxAgeMs: 10_000, now: () => now });
    const stream = 'age-prefix';
    for (const n of range(1, 500)) {
      now = start + (n - 1) * 10;
      await store.append(stream, [{ data: String(n) }]);
    }
    expect(await client.xlen(`rsse:{${stream}}:log`)).toBe(500);
    // Event n was appended at start + (n - 1) * 10; the cutoff lands exactly on event 321.
    now = start + 3_200 + 10_000;
    expect(await store.position(stream)).toMatchObject({ oldest: 321, head: 500 });
    expect(await client.xlen(`rsse:{${stream}}:log`)).toBe(180);
    expect((await store.readAfter(stream, 0, 1_000)).map((event) => event.offset)).toEqual(range(321, 500));
    await store.close();
  });

  it('keeps append times non-decreasing when processes disagree about the time', async () => {
    let ahead = 1_700_000_000_000;
    const behind = ahead - 5_000;
    const a = redisStore({ client, now: () => ahead });
    const b = redisStore({ client, now: () => behind });
    const stream = 'skewed-clocks';
    await a.append(stream, [{ data: 'from a' }]);
    await b.append(stream, [{ data: 'from b' }]);
    ahead += 1;
    await a.append(stream, [{ data: 'from a again' }]);
    const times = (await a.readAfter(stream, 0, 10)).map((event) => event.time);
    expect(times).toEqual([ahead - 1, ahead - 1, ahead]);
    await a.close();
    await b.close();
  });
});

describe('idempotency keys', () => {
  it('keeps them in keys that expire with the window, so idle streams leave nothing behind', async () => {
    const store = redisStore({ client, idempotencyWindowMs: 60_000 });
    const stream = 'idem-ttl';
    await store.append(stream, [{ data: 'x', idempotencyKey: 'a' }]);
    for (const key of [`rsse:{${stream}}:idem`, `rsse:{${stream}}:idem-exp`]) {
      const ttl = await client.pttl(key);
      expect(ttl).toBeGreaterThan(50_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
    }
    // The meta hash carries the epoch and never expires.
    expect(await client.pttl(`rsse:{${stream}}:meta`)).toBe(-1);
    await store.close();
  });
});
