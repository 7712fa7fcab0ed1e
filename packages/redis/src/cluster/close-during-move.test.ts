/**
 * close() while a channel is being moved (here: its master crashed and the
 * subscriber is asking the cluster for the slot's new owner) must not leave a Pub/Sub
 * connection behind. The natMap function pins the timing: it closes the store while the
 * subscriber's CLUSTER SLOTS answer is being read, which is when a real close() can land.
 */
import { type RedisClusterHandle, startRedisCluster } from '@resumable-sse/testkit/redis-cluster';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keySlot } from '../key-slot.ts';
import { type RedisStore, redisStore } from '../redis-store.ts';
import { Recorder } from '../test-support/recorder.ts';
import { sleep, waitFor } from '../test-support/wait.ts';

let cluster: RedisClusterHandle;
const clients: Cluster[] = [];
const stores: RedisStore[] = [];

beforeAll(async () => {
  cluster = await startRedisCluster({ nodeTimeoutMs: 1_000 });
}, 60_000);

afterAll(async () => {
  for (const created of stores) await created.close();
  for (const client of clients) client.disconnect();
  await cluster?.stop();
});

async function shardSubscribedConnections(ports: readonly number[]): Promise<string[]> {
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

describe('close() while a channel follows its slot to a new master', () => {
  it('leaves no shard-subscribed connection open', async () => {
    const stream = 'closing';
    const slot = keySlot(`rsse:{${stream}}:live`);
    const master = await cluster.ownerOf(slot);
    let reader: RedisStore | undefined;
    let armed = false;
    let closedFromNatMap = false;
    const client = new Cluster([...cluster.startupNodes], {
      natMap: (address: string) => {
        if (
          armed &&
          address !== `${cluster.host}:${master}` &&
          new Error().stack?.includes('ownerOf') === true
        ) {
          armed = false;
          closedFromNatMap = true;
          void reader!.close();
        }
        return null as never;
      },
    });
    client.on('error', () => {});
    clients.push(client);
    reader = redisStore({ client, commandTimeoutMs: 2_000, resubscribeGraceMs: 20_000 });
    stores.push(reader);
    const recorder = new Recorder(stream);
    await reader.subscribe(stream, recorder).ready;

    armed = true;
    await cluster.killMaster(master);
    await waitFor(
      () => closedFromNatMap,
      () => 'the subscriber never asked for the new owner',
      10_000,
    );
    await recorder.waitForClose(5_000);
    expect(recorder.closes.map((close) => close.code)).toEqual(['store-closed']);
    await sleep(1_000);
    const live = cluster.ports.filter((port) => port !== master);
    expect(await shardSubscribedConnections(live)).toEqual([]);
  }, 60_000);
});
