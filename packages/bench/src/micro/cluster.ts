/**
 * Scenario 7 — one Redis against a three-master Redis Cluster, without HTTP: append throughput
 * (32 appenders at once over several streams, which a cluster spreads over its masters) and
 * fan-out (a second store, on connections of its own as another app process would have, holds
 * live subscribers on every stream; the clock stops when each has every event). On the cluster
 * it also counts the notifications the nodes received over the cluster bus per append: classic
 * `PUBLISH` reaches every node, sharded `SPUBLISH` only the stream's shard.
 */
import type { LiveEvent } from '@resumable-sse/core';
import type { RedisStore } from '@resumable-sse/redis';
import { rawRedisCommand } from '@resumable-sse/testkit/redis-server';
import { nowMs } from '../harness/clock.ts';
import { answerCommands } from '../harness/ipc-server.ts';
import { makePayload } from '../harness/payload.ts';

export type ClusterTarget =
  | { readonly kind: 'redis'; readonly url: string }
  | {
      readonly kind: 'cluster';
      readonly nodes: ReadonlyArray<{ host: string; port: number }>;
      readonly pubSub: 'sharded' | 'classic';
    };

export interface ClusterCommand {
  readonly target: ClusterTarget;
  readonly events: number;
  readonly streams: number;
  readonly subscribersPerStream: number;
  readonly payloadBytes: number;
}

export interface ClusterRow {
  /** Events per second, 32 appenders at once spread over the streams, nobody subscribed. */
  readonly appendsPerSec: number;
  /** Deliveries per second to the live subscribers while the same appends run. */
  readonly deliveriesPerSec: number;
  /** Notifications the nodes received over the cluster bus per append (0 on one Redis). */
  readonly busMessagesPerAppend: number;
}

const APPENDERS = 32;

async function openStores(target: ClusterTarget): Promise<{ stores: RedisStore[]; release: () => void }> {
  const [{ redisStore }, { Redis, Cluster }] = await Promise.all([
    import('@resumable-sse/redis'),
    import('ioredis'),
  ]);
  // Two "app processes": one appends, one holds the subscribers.
  const clients = [0, 1].map(() =>
    target.kind === 'redis' ? new Redis(target.url) : new Cluster([...target.nodes]),
  );
  const pubSub = target.kind === 'cluster' ? target.pubSub : 'classic';
  const stores = clients.map((client) => redisStore({ client, maxEvents: 10_000, pubSub }));
  const release = () => {
    for (const client of clients) client.disconnect();
  };
  return { stores, release };
}

async function busMessages(target: ClusterTarget): Promise<number> {
  if (target.kind !== 'cluster') return 0;
  let total = 0;
  for (const node of target.nodes) {
    const info = await rawRedisCommand(node.port, ['CLUSTER', 'INFO']);
    for (const name of ['publish', 'publishshard']) {
      total += Number(new RegExp(`cluster_stats_messages_${name}_received:(\\d+)`).exec(info)?.[1] ?? 0);
    }
  }
  return total;
}

async function appendAll(store: RedisStore, streams: readonly string[], events: number, data: string) {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < events) {
      const index = next++;
      await store.append(streams[index % streams.length]!, [{ data }]);
    }
  };
  await Promise.all(Array.from({ length: APPENDERS }, worker));
}

async function measure(command: ClusterCommand): Promise<ClusterRow> {
  const { stores, release } = await openStores(command.target);
  const [writer, reader] = stores as [RedisStore, RedisStore];
  const data = makePayload(command.payloadBytes);
  const run = `${process.pid}-${Date.now()}`;
  const streams = (phase: string) =>
    Array.from({ length: command.streams }, (_, index) => `${phase}-${run}-${index}`);
  try {
    const quiet = streams('append');
    for (const stream of quiet) await writer.append(stream, [{ data }]); // epochs, scripts
    let start = nowMs();
    await appendAll(writer, quiet, command.events, data);
    const appendsPerSec = command.events / ((nowMs() - start) / 1000);

    const live = streams('fanout');
    for (const stream of live) await writer.append(stream, [{ data }]);
    const expected = command.events * command.subscribersPerStream;
    let delivered = 0;
    let allDelivered!: () => void;
    const done = new Promise<void>((resolve) => {
      allDelivered = resolve;
    });
    const subscriptions = live.flatMap((stream) =>
      Array.from({ length: command.subscribersPerStream }, () =>
        reader.subscribe(stream, {
          onEvent: (_event: LiveEvent) => {
            delivered += 1;
            if (delivered === expected) allDelivered();
          },
          onClose: () => {},
        }),
      ),
    );
    await Promise.all(subscriptions.map((subscription) => subscription.ready));
    const busBefore = await busMessages(command.target);
    start = nowMs();
    await appendAll(writer, live, command.events, data);
    await done;
    const deliveriesPerSec = expected / ((nowMs() - start) / 1000);
    // Bus messages to other nodes are asynchronous; give them a moment to be counted.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const busMessagesPerAppend = ((await busMessages(command.target)) - busBefore) / command.events;
    for (const subscription of subscriptions) subscription.unsubscribe();
    return { appendsPerSec, deliveriesPerSec, busMessagesPerAppend };
  } finally {
    for (const store of stores) await store.close();
    release();
  }
}

answerCommands(
  (command) => measure(command as unknown as ClusterCommand),
  async () => {},
);
