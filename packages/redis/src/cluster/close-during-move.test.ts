/**
 * close() while a channel is being moved (here: its master crashed and the
 * subscriber is asking the cluster for the slot's new owner) must not leave a Pub/Sub
 * connection behind. The natMap function pins the timing: it closes the store while the
 * subscriber's CLUSTER SLOTS answer is being read, which is when a real close() can land.
 */
import { describe, expect, it } from 'vitest';
import { keySlot } from '../key-slot.ts';
import type { RedisStore } from '../redis-store.ts';
import { shardSubscribedConnections, useRedisCluster } from '../test-support/cluster-fixture.ts';
import { Recorder } from '../test-support/recorder.ts';
import { sleep, waitFor } from '../test-support/wait.ts';

const fixture = useRedisCluster({ nodeTimeoutMs: 1_000 });

describe('close() while a channel follows its slot to a new master', () => {
  it('leaves no shard-subscribed connection open', async () => {
    const stream = 'closing';
    const slot = keySlot(`rsse:{${stream}}:live`);
    const master = await fixture.cluster.ownerOf(slot);
    let reader: RedisStore | undefined;
    let armed = false;
    let closedFromNatMap = false;
    const client = fixture.connect({
      natMap: (address: string) => {
        if (
          armed &&
          address !== `${fixture.cluster.host}:${master}` &&
          new Error().stack?.includes('ownerOf') === true
        ) {
          armed = false;
          closedFromNatMap = true;
          void reader!.close();
        }
        return null as never;
      },
    });
    reader = fixture.store({ commandTimeoutMs: 2_000, resubscribeGraceMs: 20_000 }, client);
    const recorder = new Recorder(stream);
    await reader.subscribe(stream, recorder).ready;

    armed = true;
    await fixture.cluster.killMaster(master);
    await waitFor(
      () => closedFromNatMap,
      () => 'the subscriber never asked for the new owner',
      10_000,
    );
    await recorder.waitForClose(5_000);
    expect(recorder.closes.map((close) => close.code)).toEqual(['store-closed']);
    await sleep(1_000);
    const live = fixture.cluster.ports.filter((port) => port !== master);
    expect(await shardSubscribedConnections(fixture.cluster, live)).toEqual([]);
  }, 60_000);
});
