/**
 * What a multi-master cluster changes for the store: notifications stay on their shard, live
 * subscriptions follow their slot through a reshard and a failover, and `waitForReplicas` makes an
 * append wait for a replica (and fail, stored but unconfirmed, when none answers).
 */
import { describe, expect, it } from 'vitest';
import { keySlot } from '../key-slot.ts';
import type { RedisStoreOptions } from '../options.ts';
import type { RedisStore } from '../redis-store.ts';
import { streamWhere, useRedisCluster } from '../test-support/cluster-fixture.ts';
import { Recorder, range } from '../test-support/recorder.ts';
import { startReplyHoldingProxy } from '../test-support/reply-holding-proxy.ts';
import { sleep, waitFor } from '../test-support/wait.ts';

const fixture = useRedisCluster();

function store(options: Omit<RedisStoreOptions, 'client'> = {}): RedisStore {
  return fixture.store({ resubscribeGraceMs: 15_000, ...options });
}

async function publishCounters(): Promise<Map<number, { publish: number; shard: number }>> {
  const counters = new Map<number, { publish: number; shard: number }>();
  for (const port of fixture.cluster.ports) {
    const info = await fixture.cluster.command(port, 'CLUSTER', 'INFO');
    const read = (name: string) => Number(new RegExp(`${name}:(\\d+)`).exec(info)?.[1] ?? 0);
    counters.set(port, {
      publish: read('cluster_stats_messages_publish_received'),
      shard: read('cluster_stats_messages_publishshard_received'),
    });
  }
  return counters;
}

describe('on a six-node cluster (three masters, three replicas)', () => {
  it('computes the same slot as the server for every key shape', async () => {
    const keys = [
      'rsse:{orders}:log',
      'plain',
      '{}empty-tag',
      'a{b}c{d}',
      'x{}y{z}',
      'ünï{cödé}',
      '{{nested}}',
    ];
    for (const key of keys) expect(keySlot(key), key).toBe(await fixture.cluster.slotOf(key));
  });

  it('keeps sharded notifications on the stream’s shard; classic ones reach every node', async () => {
    const appends = 50;
    const figures: string[] = [];
    const reach: Record<string, { publish: number; shard: number; nodes: number }> = {};
    for (const pubSub of ['classic', 'sharded'] as const) {
      const writer = store({ pubSub });
      const reader = store({ pubSub });
      const stream = `reach-${pubSub}`;
      const recorder = new Recorder(pubSub);
      const subscription = reader.subscribe(stream, recorder);
      await subscription.ready;
      const before = await publishCounters();
      for (let n = 1; n <= appends; n += 1) await writer.append(stream, [{ data: String(n) }]);
      await recorder.waitForEvents(appends);
      expect(recorder.offsets).toEqual(range(1, appends));
      await sleep(300); // bus messages to the other nodes are asynchronous
      const after = await publishCounters();
      let publish = 0;
      let shard = 0;
      let nodes = 0;
      for (const [port, counts] of after) {
        const got = counts.publish - before.get(port)!.publish + counts.shard - before.get(port)!.shard;
        publish += counts.publish - before.get(port)!.publish;
        shard += counts.shard - before.get(port)!.shard;
        if (got > 0) nodes += 1;
      }
      reach[pubSub] = { publish, shard, nodes };
      figures.push(
        `${pubSub}: ${appends} appends → ${publish + shard} notifications received over the cluster bus by ${nodes} of ${fixture.cluster.ports.length} nodes`,
      );
      subscription.unsubscribe();
    }
    console.log(figures.join('\n'));
    // Classic: every node but the one that ran the script hears every append.
    expect(reach.classic).toMatchObject({ publish: appends * 5, shard: 0, nodes: 5 });
    // Sharded: only the shard's replica hears it.
    expect(reach.sharded).toMatchObject({ publish: 0, shard: appends, nodes: 1 });
  });

  it('delivers live with an ioredis keyPrefix on the Cluster client', async () => {
    const prefixed = () => fixture.connect({ keyPrefix: 'app:', redisOptions: { keyPrefix: 'app:' } });
    const writer = fixture.store({}, prefixed());
    const reader = fixture.store({}, prefixed());
    const recorder = new Recorder();
    await reader.subscribe('prefixed', recorder).ready;
    await writer.append('prefixed', [{ data: 'a' }, { data: 'b' }]);
    await recorder.waitForEvents(2);
    expect(recorder.offsets).toEqual([1, 2]);
  });

  it('live subscribers follow their slots through a reshard and a failover without loss', async () => {
    const masters = await fixture.masters();
    const [reshardFrom, reshardTo, failing] = masters as [number, number, number];
    const moving = new Set(await fixture.cluster.lowestSlots(reshardFrom, 64));
    const failingNode = (await fixture.cluster.nodes()).find((node) => node.port === failing)!;
    const onFailing = (slot: number) => failingNode.slots.some(([from, to]) => slot >= from && slot <= to);
    const streams = [
      streamWhere('moves-a', (slot) => moving.has(slot)),
      streamWhere('moves-b', (slot) => moving.has(slot)),
      streamWhere('fails-over', onFailing),
      streamWhere('stays', (slot) => !moving.has(slot) && !onFailing(slot)),
    ];
    const writer = store();
    const reader = store();
    const recorders = streams.map((stream) => new Recorder(stream));
    await Promise.all(streams.map((stream, index) => reader.subscribe(stream, recorders[index]!).ready));

    const total = 300;
    let appended = 0;
    const writing = (async () => {
      for (let n = 1; n <= total; n += 1) {
        for (const stream of streams) {
          // The writer retries like an app would while a slot is between nodes.
          for (let attempt = 0; ; attempt += 1) {
            try {
              await writer.append(stream, [{ data: String(n), idempotencyKey: `n${n}` }]);
              break;
            } catch (error) {
              if (attempt > 100) throw error;
              await sleep(50);
            }
          }
        }
        appended = n;
        await sleep(3);
      }
    })();
    while (appended < 60) await sleep(10);
    await fixture.cluster.reshard(reshardFrom, reshardTo, moving.size);
    while (appended < 150) await sleep(10);
    const promoted = await fixture.cluster.failover(failing);
    await writing;
    for (const recorder of recorders) await recorder.waitForEvents(total, 15_000);

    for (const [index, stream] of streams.entries()) {
      expect(recorders[index]!.offsets, stream).toEqual(range(1, total));
      expect(recorders[index]!.closes, stream).toEqual([]);
    }
    // The moves really happened under the streams.
    const movedSlot = keySlot(`rsse:{${streams[0]}}:live`);
    expect(await fixture.cluster.ownerOf(movedSlot)).toBe(reshardTo);
    expect(await fixture.cluster.ownerOf(keySlot(`rsse:{${streams[2]}}:live`))).toBe(promoted);
  }, 60_000);

  it('a channel whose slot leaves its node just after SSUBSCRIBE was answered still hears every append', async () => {
    const masters = await fixture.masters();
    const [from, to] = masters as [number, number];
    const [slot] = await fixture.cluster.lowestSlots(from, 1);
    const stream = streamWhere('answered-then-moved', (candidate) => candidate === slot);
    // The reader reaches the node through a proxy (a NAT mapping, as behind Docker or a cloud
    // gateway), which makes the node's SSUBSCRIBE reply and its later unsolicited `sunsubscribe`
    // (the slot left) arrive in one read, as they do when a reshard starts under load.
    const proxy = await startReplyHoldingProxy(from);
    try {
      const reader = fixture.store(
        { commandTimeoutMs: 30_000, resubscribeGraceMs: 15_000 },
        fixture.connect(fixture.through(from, proxy.port)),
      );
      const writer = store();

      proxy.holdAfter('ssubscribe');
      const recorder = new Recorder(stream);
      const subscription = reader.subscribe(stream, recorder);
      await waitFor(
        () => proxy.held().includes('ssubscribe'),
        () => `node ${from} never answered SSUBSCRIBE through the proxy`,
        10_000,
      );
      await fixture.cluster.reshard(from, to, 1);
      expect(await fixture.cluster.ownerOf(slot!)).toBe(to);
      await waitFor(
        () => proxy.held().includes('sunsubscribe'),
        () => `node ${from} did not drop the channel when its slot left`,
        10_000,
      );
      proxy.release();
      await subscription.ready;

      await writer.append(stream, [{ data: 'one' }, { data: 'two' }]);
      await recorder.waitForEvents(2, 5_000);
      expect(recorder.offsets).toEqual([1, 2]);
      expect(recorder.closes).toEqual([]);
      subscription.unsubscribe();
    } finally {
      await proxy.close();
    }
  }, 60_000);

  it('waitForReplicas: an append waits for a replica, and fails (stored, unconfirmed) when none answers', async () => {
    const stream = 'durable';
    const slot = keySlot(`rsse:{${stream}}:log`);
    const masterPort = await fixture.cluster.ownerOf(slot);
    const master = (await fixture.cluster.nodes()).find((node) => node.port === masterPort)!;
    const replica = (await fixture.cluster.nodes()).find(
      (node) => node.masterId === master.id && !node.failed,
    )!;
    const replicaServer = fixture.cluster.servers[fixture.cluster.ports.indexOf(replica.port)]!;
    const durable = store({ waitForReplicas: 1, replicaWaitTimeoutMs: 300 });
    const plain = store();

    await expect(durable.append(stream, [{ data: 'one', idempotencyKey: 'k1' }])).resolves.toHaveLength(1);
    replicaServer.kill('SIGSTOP');
    try {
      // Without the option an append is acknowledged by the master alone.
      await expect(plain.append(stream, [{ data: 'two' }])).resolves.toHaveLength(1);
      await expect(durable.append(stream, [{ data: 'three', idempotencyKey: 'k3' }])).rejects.toMatchObject({
        code: 'STORE_UNAVAILABLE',
        message: expect.stringMatching(/only 0 of 1 replicas confirmed it .*same idempotencyKey/),
      });
    } finally {
      replicaServer.kill('SIGCONT');
    }
    // The master kept it: the retry is recognised, and now confirmed.
    const [retry] = await durable.append(stream, [{ data: 'three', idempotencyKey: 'k3' }]);
    expect(retry).toMatchObject({ offset: 3, duplicate: true });
    await fixture.cluster.waitHealthy();
  }, 30_000);
});
