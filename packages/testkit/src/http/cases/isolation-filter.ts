import { createEventStreamClient } from '@resumable-sse/client';
import { expect, it } from 'vitest';
import { STREAM, type SuiteContext } from '../fixture.ts';
import { recordHooks } from '../hook-recorder.ts';
import type { RawSseConnection } from '../raw-sse-client.ts';
import { sleep, waitUntil } from '../wait.ts';
import { BAD, dataOf, failingFilter, good, numbers, waitForEach } from './isolation-support.ts';

/** A `filter` that throws ends its own connection and nothing else, live or while replaying. */
export function filterIsolationCases<Req>(ctx: SuiteContext<Req>): void {
  it('a filter that throws for one client ends only that client’s stream', async () => {
    const record = recordHooks();
    const { filter, thrown } = failingFilter(ctx.harness, (event) => event.data === 'e5');
    const served = await ctx.serve({ hooks: record.hooks, endpoint: { heartbeatMs: 0, filter } });
    // The bad client in the middle: listeners after it must get the event it failed on.
    const clients: RawSseConnection[] = [];
    for (let n = 0; n < 11; n++) {
      const client = await ctx.open(served.url, { headers: n === 5 ? BAD : good(n) });
      await client.waitForCaughtUp();
      clients.push(client);
    }
    const bad = clients[5]!;
    const others = clients.filter((client) => client !== bad);

    await served.publish(10);
    await bad.waitForEnd();
    // The channel's store subscription lives on: later events still arrive.
    await served.publish(10);
    await waitForEach(others, 20);

    for (const client of others) {
      expect(dataOf(client.appEvents)).toEqual(numbers(1, 20));
      expect(client.ended).toBe(false);
    }
    expect(dataOf(bad.appEvents)).toEqual(numbers(1, 4));
    expect(record.disconnects).toEqual(['user-code-error']);
    expect(thrown).toHaveLength(1);
    expect(record.errors).toEqual([
      expect.objectContaining({ stream: STREAM, source: 'filter', error: thrown[0] }),
    ]);
    expect(served.hub.stats()).toMatchObject({ connections: 10, streams: 1 });
  });

  it('a filter that throws on every event for one reconnecting client disconnects no other client', async () => {
    const record = recordHooks();
    const { filter, thrown } = failingFilter(ctx.harness, () => true);
    const served = await ctx.serve({ hooks: record.hooks, endpoint: { heartbeatMs: 0, retry: 10, filter } });
    const others: RawSseConnection[] = [];
    for (let n = 0; n < 10; n++) others.push(await ctx.open(served.url, { headers: good(n) }));
    await Promise.all(others.map((client) => client.waitForCaughtUp()));
    // The bad client comes back after every cut, so its filter throws again and again.
    const badClient = createEventStreamClient(served.url, {
      headers: BAD,
      backoff: { initialMs: 5, maxMs: 20 },
    });
    ctx.onCleanup(() => badClient.close());
    await waitUntil(() => badClient.status === 'live', 'the bad client live');

    for (let i = 0; i < 40; i++) {
      await served.publish(1);
      await sleep(10);
    }
    await waitForEach(others, 40);

    for (const client of others) {
      expect(dataOf(client.appEvents)).toEqual(numbers(1, 40));
      expect(client.ended).toBe(false);
    }
    expect(thrown.length).toBeGreaterThanOrEqual(2);
    expect(record.disconnects.filter((reason) => reason !== 'user-code-error')).toEqual([]);
    expect(record.disconnects).toHaveLength(thrown.length);
    expect(record.errors.every((info) => info.source === 'filter')).toBe(true);
    expect(served.hub.stats().streams).toBe(1);
  });

  it('a filter that throws while replaying ends only that client’s stream', async () => {
    const record = recordHooks();
    const { filter, thrown } = failingFilter(ctx.harness, (event) => event.data === 'e4');
    const served = await ctx.serve({ hooks: record.hooks, endpoint: { heartbeatMs: 0, filter } });
    const ids = (await served.publish(6)).map((p) => p.id);
    const live = [
      await ctx.open(served.url, { headers: good(0) }),
      await ctx.open(served.url, { headers: good(1) }),
    ];
    await Promise.all(live.map((client) => client.waitForCaughtUp()));
    const resume = { 'last-event-id': ids[0]! };
    const replaying = await ctx.open(served.url, { headers: { ...good(2), ...resume } });
    const bad = await ctx.open(served.url, { headers: { ...BAD, ...resume } });
    await replaying.waitForCaughtUp();
    await bad.waitForEnd();
    await served.publish(4);
    await waitForEach([replaying], 9);
    await waitForEach(live, 4);

    expect(dataOf(replaying.appEvents)).toEqual(numbers(2, 10));
    for (const client of live) expect(dataOf(client.appEvents)).toEqual(numbers(7, 10));
    for (const client of [...live, replaying]) expect(client.ended).toBe(false);
    expect(dataOf(bad.appEvents)).toEqual(numbers(2, 3));
    expect(bad.caughtUps).toEqual([]);
    expect(record.disconnects).toEqual(['user-code-error']);
    expect(record.errors).toEqual([
      expect.objectContaining({ stream: STREAM, source: 'filter', error: thrown[0] }),
    ]);
    expect(served.hub.stats()).toMatchObject({ connections: 3, streams: 1 });
  });
}
