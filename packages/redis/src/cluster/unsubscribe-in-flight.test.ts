/**
 * A subscription given up while its SSUBSCRIBE is still on its way must leave
 * nothing behind — no shard channel subscribed on the node, no link kept open for it.
 */
import { type RedisClusterHandle, startRedisCluster } from '@resumable-sse/testkit/redis-cluster';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keySlot } from '../key-slot.ts';
import { type RedisStore, redisStore } from '../redis-store.ts';
import { Recorder } from '../test-support/recorder.ts';
import { startReplyHoldingProxy } from '../test-support/reply-holding-proxy.ts';
import { sleep, waitFor } from '../test-support/wait.ts';

let cluster: RedisClusterHandle;
const clients: Cluster[] = [];
const stores: RedisStore[] = [];

beforeAll(async () => {
  cluster = await startRedisCluster();
}, 60_000);

afterAll(async () => {
  for (const created of stores) await created.close();
  for (const client of clients) client.disconnect();
  await cluster?.stop();
});

function connect(options: ConstructorParameters<typeof Cluster>[1] = {}): Cluster {
  const client = new Cluster([...cluster.startupNodes], options);
  client.on('error', () => {});
  clients.push(client);
  return client;
}

/** Subscribers of `channel` on the node at `port` (PUBSUB SHARDNUMSUB). */
async function shardSubscribers(port: number, channel: string): Promise<number> {
  const reply = await cluster.command(port, 'PUBSUB', 'SHARDNUMSUB', channel);
  const numbers = reply.match(/\d+/g) ?? [];
  return Number(numbers[numbers.length - 1] ?? 0);
}

/** Connections on any node that hold shard subscriptions (CLIENT LIST `ssub=`). */
async function shardSubscribedConnections(): Promise<string[]> {
  const found: string[] = [];
  for (const port of cluster.ports) {
    const list = await cluster.command(port, 'CLIENT', 'LIST');
    for (const line of list.split('\n')) {
      const ssub = /\bssub=(\d+)/.exec(line)?.[1];
      if (ssub !== undefined && Number(ssub) > 0) found.push(`${port}: ${line.trim()}`);
    }
  }
  return found;
}

describe('unsubscribing before the subscription is ready', () => {
  it('unsubscribe right after subscribe leaves no shard subscription on the node', async () => {
    const reader = redisStore({ client: connect() });
    stores.push(reader);
    const stream = 'gone-at-once';
    const channel = reader.keysOf(stream).channel;
    const owner = await cluster.ownerOf(keySlot(channel));
    // Warm up: the store has checked sharded Pub/Sub and holds a link already.
    const warm = reader.subscribe('warm-up', new Recorder());
    await warm.ready;

    const subscription = reader.subscribe(stream, new Recorder(stream));
    subscription.unsubscribe();
    await sleep(500);
    expect(await shardSubscribers(owner, channel), `${channel} still subscribed on ${owner}`).toBe(0);
    warm.unsubscribe();
    await sleep(300);
    expect(await shardSubscribedConnections()).toEqual([]);
  }, 30_000);

  it('unsubscribe while SSUBSCRIBE is in flight leaves no shard subscription and no link', async () => {
    const masters = (await cluster.nodes()).filter((node) => node.role === 'master').map((node) => node.port);
    const from = masters[0]!;
    const proxy = await startReplyHoldingProxy(from);
    try {
      const client = connect({
        natMap: { [`${cluster.host}:${from}`]: { host: cluster.host, port: proxy.port } },
      });
      const reader = redisStore({ client, commandTimeoutMs: 30_000 });
      stores.push(reader);
      let stream = '';
      for (let index = 0; ; index += 1) {
        stream = `in-flight-${index}`;
        if ((await cluster.ownerOf(keySlot(reader.keysOf(stream).channel))) === from) break;
      }
      const channel = reader.keysOf(stream).channel;
      proxy.holdAfter('ssubscribe');
      const subscription = reader.subscribe(stream, new Recorder(stream));
      await waitFor(
        () => proxy.held().includes('ssubscribe'),
        () => 'SSUBSCRIBE was never answered through the proxy',
        10_000,
      );
      subscription.unsubscribe();
      proxy.release();
      await sleep(500);
      expect(await shardSubscribers(from, channel), `${channel} still subscribed on ${from}`).toBe(0);
      expect(await shardSubscribedConnections()).toEqual([]);
    } finally {
      await proxy.close();
    }
  }, 30_000);
});
