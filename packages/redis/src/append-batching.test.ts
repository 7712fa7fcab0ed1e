import { isResumableSseError } from '@resumable-sse/core';
import { type RedisServerHandle, startRedisServer } from '@resumable-sse/testkit/redis-server';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisStore } from './index.ts';
import { commandCalls } from './test-support/command-stats.ts';

let server: RedisServerHandle;
let client: Redis;
/** Reads the server's counters, apart from the client under test. */
let admin: Redis;
let streams = 0;

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

/** Script calls made while `work` ran. */
async function countScripts(work: () => Promise<unknown>): Promise<number> {
  const before = await commandCalls(admin, 'evalsha', 'eval');
  await work();
  return (await commandCalls(admin, 'evalsha', 'eval')) - before;
}

const nextStream = () => `batching-${++streams}`;

describe('appends made within one tick', () => {
  it('keep call order on a fresh store even when the clock readings come back out of order', async () => {
    // On a cluster each TIME may go to another node; here the first reading is simply slower.
    const timed = new Redis(server.url);
    timed.on('error', () => {});
    const time = timed.time.bind(timed);
    let readings = 0;
    Object.assign(timed, {
      time: async () => {
        const delayMs = readings++ === 0 ? 60 : 0;
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        return time();
      },
    });
    try {
      const store = redisStore({ client: timed });
      const stream = nextStream();
      // 17 events: two joint calls, each of which would measure the clock on its own.
      const sizes = [1, 3, 1, 5, 2, 1, 4];
      const results = await Promise.all(
        sizes.map((size, call) =>
          store.append(
            stream,
            Array.from({ length: size }, (_, item) => ({ data: `${call}:${item}` })),
          ),
        ),
      );
      expect(results.map((batch) => batch[0]?.offset)).toEqual([1, 2, 5, 6, 11, 13, 14]);
      expect(readings).toBe(1);
      await store.close();
    } finally {
      timed.disconnect();
    }
  });

  it('reach Redis as one script call per 16 events, numbered in call order', async () => {
    const store = redisStore({ client });
    const stream = nextStream();
    await store.append(stream, [{ data: 'warm-up' }]);
    const appendAll = async (producers: number) =>
      Promise.all(
        Array.from({ length: producers }, (_, n) => store.append(stream, [{ data: `producer-${n}` }])),
      );
    expect(await countScripts(() => appendAll(16))).toBe(1);
    let results: Awaited<ReturnType<typeof appendAll>> = [];
    expect(
      await countScripts(async () => {
        results = await appendAll(40);
      }),
    ).toBe(3);
    expect(results.map((result) => result[0]?.offset)).toEqual(Array.from({ length: 40 }, (_, n) => n + 18));
    const stored = await store.readAfter(stream, 17, 100);
    expect(stored.map((event) => event.data)).toEqual(Array.from({ length: 40 }, (_, n) => `producer-${n}`));
    await store.close();
  });

  it('to different streams go in a call per stream', async () => {
    const store = redisStore({ client });
    const [a, b] = [nextStream(), nextStream()];
    await store.append(a, [{ data: 'warm-up' }]);
    const calls = await countScripts(() =>
      Promise.all([
        store.append(a, [{ data: 'a1' }]),
        store.append(b, [{ data: 'b1' }]),
        store.append(a, [{ data: 'a2' }]),
        store.append(b, [{ data: 'b2' }]),
      ]),
    );
    expect(calls).toBe(2);
    expect((await store.readAfter(a, 1, 10)).map((event) => event.data)).toEqual(['a1', 'a2']);
    expect((await store.readAfter(b, 0, 10)).map((event) => event.data)).toEqual(['b1', 'b2']);
    await store.close();
  });

  it('leave a big append a call of its own and keep it in call order', async () => {
    const store = redisStore({ client });
    const stream = nextStream();
    await store.append(stream, [{ data: 'warm-up' }]);
    const big = 'x'.repeat(1_500_000);
    let offsets: (number | undefined)[] = [];
    const calls = await countScripts(async () => {
      const results = await Promise.all([
        store.append(stream, [{ data: 'small-1' }]),
        store.append(stream, [{ data: big }]),
        store.append(stream, [{ data: 'small-2' }]),
        store.append(stream, [{ data: 'small-3' }]),
      ]);
      offsets = results.map((result) => result[0]?.offset);
    });
    // small-1 | big | small-2 + small-3: a later call never joins a batch opened before the big one.
    expect(calls).toBe(3);
    expect(offsets).toEqual([2, 3, 4, 5]);
    const stored = await store.readAfter(stream, 1, 10);
    expect(stored.map((event) => event.data.length)).toEqual([7, big.length, 7, 7]);
    await store.close();
  });

  it('all fail, with nothing stored, when their joint call misses its deadline', async () => {
    const store = redisStore({ client, commandTimeoutMs: 300 });
    const stream = nextStream();
    await store.append(stream, [{ data: 'warm-up' }]);
    await admin.call('CLIENT', 'PAUSE', '1000', 'WRITE');
    const outcomes = await Promise.allSettled(
      Array.from({ length: 5 }, (_, n) => store.append(stream, [{ data: `paused-${n}` }])),
    );
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      if (outcome.status === 'rejected')
        expect(isResumableSseError(outcome.reason, 'STORE_UNAVAILABLE')).toBe(true);
    }
    await admin.call('CLIENT', 'UNPAUSE');
    // The script waiting behind the pause now runs, finds its deadline passed and stores nothing.
    const after = await store.append(stream, [{ data: 'after' }]);
    expect(after[0]?.offset).toBe(2);
    expect((await store.readAfter(stream, 0, 10)).map((event) => event.data)).toEqual(['warm-up', 'after']);
    await store.close();
  });
});
