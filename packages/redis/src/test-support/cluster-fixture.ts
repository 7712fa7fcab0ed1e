/**
 * One real Redis Cluster per test file, with the clients and stores the file's tests make (all
 * closed after the file), and the questions cluster tests ask of it.
 */
import {
  type RedisClusterHandle,
  type RedisClusterOptions,
  startRedisCluster,
} from '@resumable-sse/testkit/redis-cluster';
import { Cluster, type ClusterOptions } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { keySlot } from '../key-slot.ts';
import type { RedisStoreOptions } from '../options.ts';
import { type RedisStore, redisStore } from '../redis-store.ts';

export interface ClusterFixture {
  /** The running cluster (from the file's `beforeAll` on). */
  readonly cluster: RedisClusterHandle;
  /** A Cluster client starting from the nodes at `ports` (every node by default). */
  connect(options?: ClusterOptions, ports?: readonly number[]): Cluster;
  /** A store on a client of its own. */
  store(options?: Omit<RedisStoreOptions, 'client'>, client?: Cluster): RedisStore;
  /** The masters' ports. */
  masters(): Promise<number[]>;
  /** Client options that reach the node at `port` through `proxyPort` instead (a NAT mapping). */
  through(port: number, proxyPort: number): ClusterOptions;
}

/** Starts a cluster before the file's tests and stops it, with every client and store, after them. */
export function useRedisCluster(options: RedisClusterOptions = {}): ClusterFixture {
  let cluster: RedisClusterHandle | undefined;
  const clients: Cluster[] = [];
  const stores: RedisStore[] = [];
  beforeAll(async () => {
    cluster = await startRedisCluster(options);
  }, 60_000);
  afterAll(async () => {
    for (const created of stores) await created.close();
    for (const client of clients) client.disconnect();
    await cluster?.stop();
  });
  const running = (): RedisClusterHandle => {
    if (cluster === undefined) throw new Error('the cluster starts in beforeAll; use it inside a test');
    return cluster;
  };
  const fixture: ClusterFixture = {
    get cluster() {
      return running();
    },
    connect(clientOptions = {}, ports = running().ports) {
      const client = new Cluster(
        ports.map((port) => ({ host: running().host, port })),
        clientOptions,
      );
      client.on('error', () => {});
      clients.push(client);
      return client;
    },
    store(storeOptions = {}, client = fixture.connect()) {
      const created = redisStore({ client, ...storeOptions });
      stores.push(created);
      return created;
    },
    async masters() {
      return (await running().nodes()).filter((node) => node.role === 'master').map((node) => node.port);
    },
    through(port, proxyPort) {
      const { host } = running();
      return { natMap: { [`${host}:${port}`]: { host, port: proxyPort } } };
    },
  };
  return fixture;
}

/** A stream name whose live channel's slot satisfies `wanted` (names are cheap; slots are what tests need). */
export function streamWhere(label: string, wanted: (slot: number) => boolean): string {
  for (let index = 0; ; index += 1) {
    const name = `${label}-${index}`;
    if (wanted(keySlot(`rsse:{${name}}:live`))) return name;
  }
}

/** Subscribers of `channel` on the node at `port` (`PUBSUB SHARDNUMSUB`). */
export async function shardSubscribers(
  cluster: RedisClusterHandle,
  port: number,
  channel: string,
): Promise<number> {
  const reply = await cluster.command(port, 'PUBSUB', 'SHARDNUMSUB', channel);
  const numbers = reply.match(/\d+/g) ?? [];
  return Number(numbers[numbers.length - 1] ?? 0);
}

/** Connections on the nodes at `ports` that hold shard subscriptions (`CLIENT LIST` `ssub=`). */
export async function shardSubscribedConnections(
  cluster: RedisClusterHandle,
  ports: readonly number[] = cluster.ports,
): Promise<string[]> {
  const found: string[] = [];
  for (const port of ports) {
    const list = await cluster.command(port, 'CLIENT', 'LIST');
    for (const line of list.split('\n')) {
      const ssub = /\bssub=(\d+)/.exec(line)?.[1];
      if (ssub !== undefined && Number(ssub) > 0) found.push(`${port}: ${line.trim()}`);
    }
  }
  return found;
}
