/**
 * A master that stops answering without closing its connections (frozen with SIGSTOP here; a
 * network partition looks the same) sends no `sunsubscribe` and no close when its replica takes
 * over: the subscriber has to notice the silence itself. A live channel on it must move to the
 * promoted replica and hear what is appended there while the old master is still frozen — and a
 * healthy, idle or busy, connection must never be taken for a silent one.
 */
import { type ClusterNode, parseClusterNodes } from '@resumable-sse/testkit/redis-cluster';
import { Redis } from 'ioredis';
import { describe, expect, it, vi } from 'vitest';
import { keySlot } from '../key-slot.ts';
import type { RedisStoreOptions } from '../options.ts';
import type { RedisStore } from '../redis-store.ts';
import { streamWhere, useRedisCluster } from '../test-support/cluster-fixture.ts';
import { clusterCommandCalls } from '../test-support/command-stats.ts';
import { Recorder, range } from '../test-support/recorder.ts';
import { sleep } from '../test-support/wait.ts';

const fixture = useRedisCluster({ nodeTimeoutMs: 1_000 });

function store(options: Omit<RedisStoreOptions, 'client'> = {}, ports?: readonly number[]): RedisStore {
  return fixture.store(options, fixture.connect({}, ports));
}

const serves = (node: ClusterNode, slot: number) =>
  node.slots.some(([from, to]) => slot >= from && slot <= to);

/** A master and a replica of it that is in sync (right after the cluster was made, one may not be yet). */
async function syncedShard(): Promise<{ master: ClusterNode; replica: ClusterNode }> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const view = await fixture.cluster.nodes();
    for (const master of view.filter((node) => node.role === 'master' && !node.failed)) {
      const replica = view.find((node) => node.masterId === master.id && !node.failed);
      if (replica === undefined) continue;
      const info = await fixture.cluster.command(replica.port, 'INFO', 'replication');
      if (info.includes('master_link_status:up')) return { master, replica };
    }
    if (Date.now() > deadline) throw new Error('no master with a replica in sync');
    await sleep(100);
  }
}

describe('a master that stops answering (frozen, or cut off by a partition)', () => {
  it('a live channel on it moves to the promoted replica and hears every append there, with the old master still frozen', async () => {
    const { master, replica } = await syncedShard();
    const stream = streamWhere('frozen', (slot) => serves(master, slot));
    const slot = keySlot(`rsse:{${stream}}:live`);
    const others = fixture.cluster.ports.filter((port) => port !== master.port);

    const reader = store({ resubscribeGraceMs: 15_000, pubSubHeartbeatMs: 500 });
    // The first events are on the replica before the master freezes: the promoted replica has them.
    const before = store({ waitForReplicas: 1, replicaWaitTimeoutMs: 1_000 });
    // Without a grace period a lost connection ends its subscriptions: so does a silent one.
    const impatient = store({ resubscribeGraceMs: 0, pubSubHeartbeatMs: 500 });
    const recorder = new Recorder(stream);
    const ended = new Recorder(`${stream} (no grace)`);
    const subscription = reader.subscribe(stream, recorder);
    await subscription.ready;
    await impatient.subscribe(stream, ended).ready;
    await before.append(stream, [{ data: 'one' }, { data: 'two' }]);
    await recorder.waitForEvents(2, 5_000);
    await ended.waitForEvents(2, 5_000);

    const frozen = fixture.cluster.servers[fixture.cluster.ports.indexOf(master.port)]!;
    frozen.kill('SIGSTOP');
    const frozenAt = Date.now();
    try {
      // The replica takes over without its master's consent (it cannot give it).
      const promotedAt = Date.now();
      for (;;) {
        await fixture.cluster.command(replica.port, 'CLUSTER', 'FAILOVER', 'FORCE').catch(() => {});
        await sleep(200);
        const seen = parseClusterNodes(await fixture.cluster.command(replica.port, 'CLUSTER', 'NODES'));
        const owner = seen.find((node) => node.role === 'master' && !node.failed && serves(node, slot));
        if (owner?.port === replica.port) break;
        if (Date.now() - promotedAt > 8_000) throw new Error(`replica ${replica.port} was not promoted`);
      }

      // A writer elsewhere (it never knew the frozen master) appends on the promoted replica.
      const after = store({}, others);
      for (let attempt = 0; ; attempt += 1) {
        try {
          await after.append(stream, [{ data: 'three' }, { data: 'four' }]);
          break;
        } catch (error) {
          if (attempt > 50) throw error;
          await sleep(100);
        }
      }
      const appendedAt = Date.now();
      await recorder.waitForEvents(4, 8_000);
      console.log(`heard the promoted replica's appends ${Date.now() - appendedAt} ms after they were made`);
      expect(recorder.offsets).toEqual(range(1, 4));
      expect(recorder.events.map((event) => event.data)).toEqual(['one', 'two', 'three', 'four']);
      expect(recorder.closes).toEqual([]);
      // Heartbeat 500 ms: silent for 1–1.5 s, then taken as lost.
      await ended.waitForClose(1_000);
      expect(ended.closes.map((reason) => reason.code)).toEqual(['store-unavailable']);
      expect(ended.offsets).toEqual([1, 2]);
      expect(Date.now() - frozenAt).toBeLessThan(10_000);

      // And it stays live there.
      await after.append(stream, [{ data: 'five' }]);
      await recorder.waitForEvents(5, 5_000);
      expect(recorder.offsets).toEqual(range(1, 5));
      expect(recorder.closes).toEqual([]);
      subscription.unsubscribe();
    } finally {
      frozen.kill('SIGCONT');
    }
  }, 30_000);

  it('a healthy connection, idle or flooded with notifications, is never moved', async () => {
    // Left over from the test above: wait until the thawed master rejoined as a replica.
    await fixture.cluster.waitHealthy();
    const view = await fixture.cluster.nodes();
    const master = view.find((node) => node.role === 'master')!;
    const stream = streamWhere('healthy', (slot) => serves(master, slot));
    const reader = store({ resubscribeGraceMs: 15_000, pubSubHeartbeatMs: 200 });
    const writer = store();
    const recorder = new Recorder(stream);
    const subscription = reader.subscribe(stream, recorder);
    await subscription.ready;
    const subscribedBefore = await clusterCommandCalls(fixture.cluster, fixture.cluster.ports, 'ssubscribe');

    // Idle for many heartbeats: PINGs are answered.
    await sleep(1_500);
    // Then a flood: big events (read back from the log) and many small ones, on one connection.
    const big = 'x'.repeat(64 * 1024);
    const total = 400;
    await Promise.all(
      range(1, total).map((n) => writer.append(stream, [{ data: n % 10 === 0 ? big : String(n) }])),
    );
    await recorder.waitForEvents(total, 15_000);
    await sleep(1_000);

    expect(recorder.offsets).toEqual(range(1, total));
    expect(recorder.closes).toEqual([]);
    expect(await clusterCommandCalls(fixture.cluster, fixture.cluster.ports, 'ssubscribe')).toBe(
      subscribedBefore,
    );
    subscription.unsubscribe();
  }, 30_000);

  it('a process too busy to read a PING reply in time does not take the connection for a silent one', async () => {
    const view = await fixture.cluster.nodes();
    const master = view.find((node) => node.role === 'master')!;
    const stream = streamWhere('busy-process', (slot) => serves(master, slot));
    const heartbeatMs = 200;
    const reader = store({ resubscribeGraceMs: 15_000, pubSubHeartbeatMs: heartbeatMs });
    const writer = store();
    const recorder = new Recorder(stream);
    const subscription = reader.subscribe(stream, recorder);
    await subscription.ready;
    const subscribedBefore = await clusterCommandCalls(fixture.cluster, fixture.cluster.ports, 'ssubscribe');

    // Right after each PING is sent, the process is blocked for longer than the heartbeat: the
    // reply arrives meanwhile, but is still unread when the next heartbeat check comes due.
    let blocked = 0;
    const ping = vi.spyOn(Redis.prototype, 'ping');
    const original = ping.getMockImplementation();
    ping.mockImplementation(function (this: Redis, ...args: unknown[]) {
      const reply = (original ?? Object.getPrototypeOf(Redis.prototype).ping).apply(this, args);
      setImmediate(() => {
        blocked += 1;
        const until = performance.now() + 3 * heartbeatMs;
        while (performance.now() < until) {
          // busy
        }
      });
      return reply;
    } as never);
    try {
      await sleep(3_000);
    } finally {
      ping.mockRestore();
    }
    expect(blocked).toBeGreaterThanOrEqual(3);

    await writer.append(stream, [{ data: 'still here' }]);
    await recorder.waitForEvents(1, 5_000);
    expect(recorder.offsets).toEqual([1]);
    expect(recorder.closes).toEqual([]);
    expect(await clusterCommandCalls(fixture.cluster, fixture.cluster.ports, 'ssubscribe')).toBe(
      subscribedBefore,
    );
    subscription.unsubscribe();
  }, 30_000);
});
