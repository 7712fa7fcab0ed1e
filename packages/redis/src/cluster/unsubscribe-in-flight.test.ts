/**
 * A subscription given up while its SSUBSCRIBE is still on its way must leave
 * nothing behind — no shard channel subscribed on the node, no link kept open for it.
 */
import { describe, expect, it } from 'vitest';
import { keySlot } from '../key-slot.ts';
import {
  shardSubscribedConnections,
  shardSubscribers,
  useRedisCluster,
} from '../test-support/cluster-fixture.ts';
import { Recorder } from '../test-support/recorder.ts';
import { startReplyHoldingProxy } from '../test-support/reply-holding-proxy.ts';
import { sleep, waitFor } from '../test-support/wait.ts';

const fixture = useRedisCluster();

describe('unsubscribing before the subscription is ready', () => {
  it('unsubscribe right after subscribe leaves no shard subscription on the node', async () => {
    const reader = fixture.store();
    const stream = 'gone-at-once';
    const channel = reader.keysOf(stream).channel;
    const owner = await fixture.cluster.ownerOf(keySlot(channel));
    // Warm up: the store has checked sharded Pub/Sub and holds a link already.
    const warm = reader.subscribe('warm-up', new Recorder());
    await warm.ready;

    const subscription = reader.subscribe(stream, new Recorder(stream));
    subscription.unsubscribe();
    await sleep(500);
    expect(
      await shardSubscribers(fixture.cluster, owner, channel),
      `${channel} still subscribed on ${owner}`,
    ).toBe(0);
    warm.unsubscribe();
    await sleep(300);
    expect(await shardSubscribedConnections(fixture.cluster)).toEqual([]);
  }, 30_000);

  it('unsubscribe while SSUBSCRIBE is in flight leaves no shard subscription and no link', async () => {
    const masters = await fixture.masters();
    const from = masters[0]!;
    const proxy = await startReplyHoldingProxy(from);
    try {
      const reader = fixture.store(
        { commandTimeoutMs: 30_000 },
        fixture.connect(fixture.through(from, proxy.port)),
      );
      let stream = '';
      for (let index = 0; ; index += 1) {
        stream = `in-flight-${index}`;
        if ((await fixture.cluster.ownerOf(keySlot(reader.keysOf(stream).channel))) === from) break;
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
      expect(
        await shardSubscribers(fixture.cluster, from, channel),
        `${channel} still subscribed on ${from}`,
      ).toBe(0);
      expect(await shardSubscribedConnections(fixture.cluster)).toEqual([]);
    } finally {
      await proxy.close();
    }
  }, 30_000);
});
