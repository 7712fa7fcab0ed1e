/**
 * The store and lifecycle conformance suites on a real six-node Redis Cluster (three masters,
 * three replicas), through ioredis' `Cluster` client: every stream's keys must share a slot, and
 * the suite's streams land on all three masters.
 */
import { describeLifecycleStore } from '@resumable-sse/testkit/lifecycle';
import { type RedisClusterHandle, startRedisCluster } from '@resumable-sse/testkit/redis-cluster';
import { describeEventStore } from '@resumable-sse/testkit/store';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { redisLifecycle } from '../lifecycle/redis-lifecycle.ts';
import { redisStore } from '../redis-store.ts';

let cluster: RedisClusterHandle;
const clients: Cluster[] = [];
let backdoor: Cluster;

function connect(): Cluster {
  const client = new Cluster([...cluster.startupNodes]);
  client.on('error', () => {});
  clients.push(client);
  return client;
}

beforeAll(async () => {
  cluster = await startRedisCluster();
  backdoor = connect();
}, 60_000);

afterAll(async () => {
  for (const client of clients) client.disconnect();
  await cluster?.stop();
});

describeEventStore('redis on a 3-master cluster', {
  create: async (options) => redisStore({ client: connect(), ...options }),
  inspect: {
    countEvents: (stream) => backdoor.xlen(`rsse:{${stream}}:log`),
  },
  loseLog: async (stream, store) => {
    // What eviction or an operator's DEL does; the four keys share the stream's slot.
    const keys = ['meta', 'log', 'idem', 'idem-exp'].map((suffix) => `rsse:{${stream}}:${suffix}`);
    if ((await backdoor.exists(...keys)) === 0) throw new Error(`no keys found for stream ${stream}`);
    await backdoor.del(...keys);
    return store;
  },
  reopen: async (store) => {
    await store.close();
    return redisStore({ client: connect() });
  },
  capabilities: { injectableClock: true, sharedBacking: true, crossInstanceLive: true },
});

describeLifecycleStore('redis on a 3-master cluster', {
  create: async ({ now, recordTtlMs }) => redisLifecycle({ client: connect(), now, recordTtlMs }),
  inspect: {
    state: async (streamId) => (await backdoor.hget(`rsse:lc:{${streamId}}:rec`, 'state')) ?? undefined,
    hasCompletion: async (streamId) => (await backdoor.exists(`rsse:lc:{${streamId}}:done`)) === 1,
  },
  capabilities: { injectableClock: true, ttlFollowsClock: false, sharedBacking: true },
});
