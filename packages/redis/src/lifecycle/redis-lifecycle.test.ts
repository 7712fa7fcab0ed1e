import { describeLifecycleStore } from '@resumable-sse/testkit/lifecycle';
import { type RedisServerHandle, startRedisServer } from '@resumable-sse/testkit/redis-server';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisLifecycle } from './redis-lifecycle.ts';

let server: RedisServerHandle;
/** One client per simulated process: concurrent claims really race on the server. */
const clients: Redis[] = [];
let backdoor: Redis;

beforeAll(async () => {
  server = await startRedisServer();
  backdoor = new Redis(server.url);
});

afterAll(async () => {
  for (const client of clients) client.disconnect();
  backdoor?.disconnect();
  await server?.stop();
});

describeLifecycleStore('redis', {
  create: async ({ now, recordTtlMs }) => {
    const client = new Redis(server.url);
    clients.push(client);
    return redisLifecycle({ client, now, recordTtlMs });
  },
  inspect: {
    state: async (streamId) => (await backdoor.hget(`rsse:lc:{${streamId}}:rec`, 'state')) ?? undefined,
    hasCompletion: async (streamId) => (await backdoor.exists(`rsse:lc:{${streamId}}:done`)) === 1,
  },
  // Heartbeats and staleness take the injected clock; retention is Redis key TTLs, in real time.
  capabilities: { injectableClock: true, ttlFollowsClock: false, sharedBacking: true },
});

describe('redis lifecycle keys', () => {
  it('keeps per-stream keys with TTLs, and the indexes in keys of their own', async () => {
    const client = new Redis(server.url);
    clients.push(client);
    const lifecycle = redisLifecycle({ client, recordTtlMs: 60_000 });
    await lifecycle.register({ streamId: 'job-keys', type: 'export', owner: 'ada' });
    expect(await backdoor.zscore('rsse:lc:active', 'job-keys')).not.toBeNull();
    await lifecycle.complete(
      'job-keys',
      { event: 'completed', data: '{}', id: 'e.1', state: 'completed' },
      30_000,
    );
    for (const key of ['rsse:lc:{job-keys}:rec', 'rsse:lc:{job-keys}:done', 'rsse:lc:owned:ada']) {
      expect(await backdoor.pttl(key)).toBeGreaterThan(0);
    }
    expect(await backdoor.pttl('rsse:lc:{job-keys}:done')).toBeLessThanOrEqual(30_000);
    expect(await backdoor.zscore('rsse:lc:active', 'job-keys')).toBeNull();
    const startedAt = (await lifecycle.get('job-keys'))!.startedAt;
    // The owner's index orders by start time as text: one lexicographic range per page.
    expect(await backdoor.zrange('rsse:lc:owned:ada', '0', '-1', 'WITHSCORES')).toEqual([
      `${String(startedAt).padStart(16, '0')}.job-keys`,
      '0',
    ]);
    expect(await backdoor.hget('rsse:lc:{job-keys}:rec', 'done')).toBe('1');
  });

  it("renews the owner's index with every write that renews a record, so a listed job stays listed while it answers", async () => {
    const client = new Redis(server.url);
    clients.push(client);
    const lifecycle = redisLifecycle({ client, recordTtlMs: 60_000 });
    const ownerKey = 'rsse:lc:owned:renewed';
    const renewedBy = async (write: () => Promise<unknown>) => {
      await backdoor.pexpire(ownerKey, 10_000);
      await write();
      return backdoor.pttl(ownerKey);
    };
    await lifecycle.register({ streamId: 'job-renew-a', type: 'export', owner: 'renewed' });
    await lifecycle.register({ streamId: 'job-renew-b', type: 'export', owner: 'renewed' });
    await lifecycle.register({ streamId: 'job-renew-c', type: 'export', owner: 'renewed' });
    expect(await renewedBy(() => lifecycle.heartbeat('job-renew-a'))).toBeGreaterThan(50_000);
    expect(await renewedBy(() => lifecycle.requestCancel('job-renew-a'))).toBeGreaterThan(50_000);
    expect(
      await renewedBy(() =>
        lifecycle.complete('job-renew-a', { event: 'completed', data: '{}', id: 'e.1', state: 'completed' }),
      ),
    ).toBeGreaterThan(50_000);
    expect(await renewedBy(() => lifecycle.setState('job-renew-b', 'failed'))).toBeGreaterThan(50_000);
    expect(await renewedBy(() => lifecycle.claimStale(0, Date.now() + 1_000))).toBeGreaterThan(50_000);
    expect((await lifecycle.get('job-renew-c'))?.state).toBe('orphaned');
  });

  it('fails with STORE_UNAVAILABLE, not a hang, when Redis is unreachable', async () => {
    const client = new Redis({
      port: 1,
      host: '127.0.0.1',
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
    });
    client.on('error', () => {});
    clients.push(client);
    const lifecycle = redisLifecycle({ client, commandTimeoutMs: 300 });
    await expect(lifecycle.get('job-x')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });
});

/**
 * A one-node Redis Cluster (every slot on one server): Cluster refuses any multi-key command or
 * script whose keys span slots (CROSSSLOT) even on one node, so the whole suite passing here shows
 * every script stays within one stream's slot.
 */
describe('on Redis Cluster', () => {
  let clusterServer: RedisServerHandle;
  const clusterClients: Cluster[] = [];

  beforeAll(async () => {
    clusterServer = await startRedisServer({
      args: [
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        'nodes.conf',
        '--cluster-announce-ip',
        '127.0.0.1',
      ],
    });
    await clusterServer.command('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
    const deadline = Date.now() + 10_000;
    while (!(await clusterServer.command('CLUSTER', 'INFO')).includes('cluster_state:ok')) {
      if (Date.now() > deadline) throw new Error('the one-node cluster did not become ready');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });

  afterAll(async () => {
    await Promise.all(clusterClients.map((client) => client.quit().catch(() => {})));
    await clusterServer?.stop();
  });

  it("keeps a stream's record and completion in the slot of its events", async () => {
    const [log, record, done] = await Promise.all(
      ['rsse:{job-slot}:log', 'rsse:lc:{job-slot}:rec', 'rsse:lc:{job-slot}:done'].map((key) =>
        clusterServer.command('CLUSTER', 'KEYSLOT', key),
      ),
    );
    expect(record).toBe(log);
    expect(done).toBe(log);
  });

  describeLifecycleStore('redis cluster', {
    create: async ({ now, recordTtlMs }) => {
      const client = new Cluster([{ host: clusterServer.host, port: clusterServer.port }]);
      clusterClients.push(client);
      return redisLifecycle({ client, now, recordTtlMs });
    },
    capabilities: { injectableClock: true, ttlFollowsClock: false, sharedBacking: true },
  });
});
