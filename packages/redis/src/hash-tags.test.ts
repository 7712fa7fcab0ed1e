import { type RedisServerHandle, startRedisServer } from '@resumable-sse/testkit/redis-server';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisStore } from './index.ts';
import { Recorder, range } from './test-support/recorder.ts';
import { sleep } from './test-support/wait.ts';

/**
 * Every key of a stream must hash to one Redis Cluster slot, or the append script is refused on
 * a cluster. A one-node cluster (all 16384 slots on one server) enforces exactly that rule
 * (CROSSSLOT) and answers CLUSTER KEYSLOT, so it proves the layout without a six-node setup.
 */
let plain: RedisServerHandle;
let clustered: RedisServerHandle;
let client: Redis;
let clusterAdmin: Redis;

async function waitForClusterOk(admin: Redis): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const info = await admin.cluster('INFO');
    if (String(info).includes('cluster_state:ok')) return;
    await sleep(25);
  }
  throw new Error('single-node cluster never reached cluster_state:ok');
}

beforeAll(async () => {
  [plain, clustered] = await Promise.all([
    startRedisServer(),
    startRedisServer({ args: ['--cluster-enabled', 'yes', '--cluster-announce-ip', '127.0.0.1'] }),
  ]);
  client = new Redis(plain.url);
  clusterAdmin = new Redis(clustered.url);
  await clusterAdmin.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
  await waitForClusterOk(clusterAdmin);
});

afterAll(async () => {
  client?.disconnect();
  clusterAdmin?.disconnect();
  await Promise.all([plain?.stop(), clustered?.stop()]);
});

describe('key layout', () => {
  it('puts every key of a stream under one {stream} hash tag, hashing to one cluster slot', async () => {
    const store = redisStore({ client, keyPrefix: 'tags' });
    const stream = 'orders/eu:42';
    await store.append(stream, [
      { data: 'a', idempotencyKey: 'k1' },
      { event: 'x', data: 'b' },
    ]);
    await store.append('another-stream', [{ data: 'c' }]);

    const keys = (await client.keys('tags:*')).sort();
    expect(keys).toEqual([
      'tags:{another-stream}:log',
      'tags:{another-stream}:meta',
      'tags:{orders/eu:42}:idem',
      'tags:{orders/eu:42}:idem-exp',
      'tags:{orders/eu:42}:log',
      'tags:{orders/eu:42}:meta',
    ]);
    const streamKeys = keys.filter((key) => key.startsWith('tags:{orders/eu:42}:'));
    const { channel } = store.keysOf(stream);
    const slots = await Promise.all(
      [...streamKeys, channel].map((key) => clusterAdmin.cluster('KEYSLOT', key)),
    );
    expect(new Set(slots).size).toBe(1);
    // The slot is the tag's slot: the prefix and suffixes do not take part.
    expect(slots[0]).toBe(await clusterAdmin.cluster('KEYSLOT', stream));
    // …while two streams do spread over slots (the tag is the stream, not the prefix).
    expect(await clusterAdmin.cluster('KEYSLOT', 'tags:{another-stream}:log')).not.toBe(slots[0]);
    await store.close();
  });

  it('keeps meta (epoch, head) when trimming empties the log', async () => {
    const store = redisStore({ client, keyPrefix: 'meta', maxEvents: 2 });
    await store.append(
      's',
      range(1, 5).map((n) => ({ data: String(n) })),
    );
    expect(await client.xlen('meta:{s}:log')).toBe(2);
    const meta = await client.hgetall('meta:{s}:meta');
    expect(meta).toMatchObject({ head: '5' });
    expect(meta.epoch).toBe((await store.position('s')).epoch);
    const entries = await client.xrange('meta:{s}:log', '-', '+');
    // The entry ID is the offset: seeking a cursor is an XRANGE by ID, not a scan.
    expect(entries.map(([id]) => id)).toEqual(['4-0', '5-0']);
    await store.close();
  });
});

describe('on a Redis Cluster (one node holding every slot)', () => {
  it('appends, reads, trims and delivers live through an ioredis Cluster client', async () => {
    const cluster = new Cluster([{ host: clustered.host, port: clustered.port }]);
    const store = redisStore({ client: cluster, maxEvents: 50 });
    const stream = 'cluster-stream';
    const recorder = new Recorder();
    const subscription = store.subscribe(stream, recorder);
    await subscription.ready;

    const results = await store.append(
      stream,
      range(1, 60).map((n) => ({ data: `e${n}`, idempotencyKey: `k${n}` })),
    );
    expect(results.map((result) => result.offset)).toEqual(range(1, 60));
    const [duplicate] = await store.append(stream, [{ data: 'again', idempotencyKey: 'k60' }]);
    expect(duplicate).toMatchObject({ offset: 60, duplicate: true });
    expect(await store.position(stream)).toMatchObject({ oldest: 11, head: 60 });
    expect((await store.readAfter(stream, 55, 100)).map((event) => event.data)).toEqual([
      'e56',
      'e57',
      'e58',
      'e59',
      'e60',
    ]);
    await recorder.waitForEvents(60);
    expect(recorder.offsets).toEqual(range(1, 60));
    subscription.unsubscribe();
    await store.close();
    cluster.disconnect();
  });
});
