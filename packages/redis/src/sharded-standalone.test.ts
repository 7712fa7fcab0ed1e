import { type RedisServerHandle, startRedisServer } from '@resumable-sse/testkit/redis-server';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisStore } from './index.ts';
import { Recorder, range } from './test-support/recorder.ts';

/** `pubSub: 'sharded'` also works on a standalone Redis 7 (SPUBLISH/SSUBSCRIBE without a cluster). */
let server: RedisServerHandle;
const clients: Redis[] = [];

beforeAll(async () => {
  server = await startRedisServer();
});

afterAll(async () => {
  for (const client of clients) client.disconnect();
  await server?.stop();
});

function connect(): Redis {
  const client = new Redis(server.url);
  clients.push(client);
  return client;
}

describe('sharded Pub/Sub on a standalone server', () => {
  it('delivers across stores with SPUBLISH, and resumes after the Pub/Sub connection is killed', async () => {
    const writer = redisStore({ client: connect(), pubSub: 'sharded' });
    const reader = redisStore({ client: connect(), pubSub: 'sharded', resubscribeGraceMs: 5_000 });
    const recorder = new Recorder();
    await reader.subscribe('s', recorder).ready;
    await writer.append(
      's',
      range(1, 5).map((n) => ({ data: String(n) })),
    );
    await recorder.waitForEvents(5);
    // Only the sharded channel has a subscriber: classic PUBLISH would reach nobody.
    expect(await server.command('PUBSUB', 'SHARDNUMSUB', reader.keysOf('s').channel)).toMatch(/\n1$/);
    expect(await server.command('PUBSUB', 'NUMSUB', reader.keysOf('s').channel)).toMatch(/\n0$/);

    // The server drops the store's Pub/Sub connection; it reconnects, resubscribes and fills the gap.
    expect(Number(await server.command('CLIENT', 'KILL', 'TYPE', 'pubsub'))).toBe(1);
    await writer.append('s', [{ data: '6' }]);
    await recorder.waitForEvents(6);
    await writer.append('s', [{ data: '7' }]);
    await recorder.waitForEvents(7);
    expect(recorder.offsets).toEqual(range(1, 7));
    expect(recorder.closes).toEqual([]);
    await Promise.all([writer.close(), reader.close()]);
  });

  it('refuses sharded Pub/Sub on a server without SPUBLISH with INVALID_OPTION, before writing anything', async () => {
    // What a Redis 6.2 server looks like to the store: no SPUBLISH.
    const old = await startRedisServer({ args: ['--rename-command', 'SPUBLISH', ''] });
    const client = new Redis(old.url);
    clients.push(client);
    try {
      const store = redisStore({ client, pubSub: 'sharded' });
      await expect(store.append('s', [{ data: 'x' }])).rejects.toMatchObject({
        code: 'INVALID_OPTION',
        message: expect.stringContaining("pass pubSub: 'classic'"),
      });
      await expect(store.append('s', [{ data: 'x' }])).rejects.toMatchObject({ code: 'INVALID_OPTION' });
      expect(await client.exists('rsse:{s}:log', 'rsse:{s}:meta')).toBe(0);
      const recorder = new Recorder();
      await expect(store.subscribe('s', recorder).ready).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
      expect(recorder.closes[0]?.error).toMatchObject({ code: 'INVALID_OPTION' });
      await store.close();
      // Classic Pub/Sub works there.
      const classic = redisStore({ client, pubSub: 'classic' });
      await expect(classic.append('s', [{ data: 'x' }])).resolves.toHaveLength(1);
      await classic.close();
    } finally {
      await old.stop();
    }
  });

  it('delivers when the app’s client has an ioredis keyPrefix (which would prefix SSUBSCRIBE’s channel)', async () => {
    const prefixed = () => {
      const client = new Redis(server.url, { keyPrefix: 'app:' });
      clients.push(client);
      return client;
    };
    const writer = redisStore({ client: prefixed(), pubSub: 'sharded' });
    const reader = redisStore({ client: prefixed(), pubSub: 'sharded' });
    const recorder = new Recorder();
    await reader.subscribe('prefixed', recorder).ready;
    await writer.append('prefixed', [{ data: 'a' }, { data: 'b' }]);
    await recorder.waitForEvents(2);
    expect(recorder.offsets).toEqual([1, 2]);
    await Promise.all([writer.close(), reader.close()]);
  });
});
