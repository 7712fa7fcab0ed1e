import { expect, it } from 'vitest';
import type { SuiteContext } from '../fixture.ts';
import { recordHooks } from '../hook-recorder.ts';
import { waitUntil } from '../wait.ts';
import { dataOf, numbers, waitForEach } from './isolation-support.ts';

const KEEP = { keepDataChars: 8 };
/** Well under the mark, so only the reader that stopped falls behind it. */
const BATCH = { events: 4, pad: 8_192 };
const STALL_LIMIT_EVENTS = 8_192;

/** Hub hooks that throw change nothing for any connection, and leave nothing behind. */
export function hookIsolationCases<Req>(ctx: SuiteContext<Req>): void {
  it('a throwing onDisconnect hook leaves no zombie connections', async () => {
    const record = recordHooks(['onDisconnect']);
    const served = await ctx.serve({
      hooks: record.hooks,
      maxEvents: 10_000,
      endpoint: { highWaterMarkBytes: 65_536, heartbeatMs: 0 },
    });
    const readers = await Promise.all(Array.from({ length: 4 }, () => ctx.open(served.url, KEEP)));
    const leaving = await ctx.open(served.url, KEEP);
    const stalled = await ctx.open(served.url, KEEP);
    await Promise.all([...readers, leaving, stalled].map((client) => client.waitForCaughtUp()));

    // One client leaves on its own, one is cut at the high-water mark: the hook throws both times.
    leaving.close();
    await waitUntil(() => record.disconnects.includes('client-closed'), 'the leaving client’s disconnect');
    stalled.pause();
    let published = 0;
    while (!record.disconnects.includes('slow-consumer')) {
      if (published >= STALL_LIMIT_EVENTS) throw new Error('the stalled reader was never cut');
      await served.publish(BATCH.events, { pad: BATCH.pad });
      published += BATCH.events;
      await waitForEach(readers, published);
      if (readers.some((reader) => reader.ended)) break;
    }
    await served.publish(10);
    published += 10;
    await waitForEach(readers, published);

    for (const reader of readers) {
      expect(dataOf(reader.appEvents)).toEqual(numbers(1, published));
      expect(reader.ended).toBe(false);
    }
    expect(record.disconnects).toEqual(['client-closed', 'slow-consumer']);
    expect(served.hub.stats()).toMatchObject({ connections: 4, streams: 1 });
    expect(record.errors.length).toBeGreaterThanOrEqual(1);
    expect(record.errors.length).toBeLessThanOrEqual(2);
    for (const info of record.errors) expect(info).toMatchObject({ source: 'hook', hook: 'onDisconnect' });
  }, 30_000);

  it('throwing onConnect, onCaughtUp, onReset and onError hooks do not stop delivery', async () => {
    const record = recordHooks(['onConnect', 'onCaughtUp', 'onReset', 'onError']);
    const served = await ctx.serve({ hooks: record.hooks, maxEvents: 5, endpoint: { heartbeatMs: 0 } });
    const ids = (await served.publish(8)).map((p) => p.id);
    const fresh = await ctx.open(served.url);
    const evicted = await ctx.open(served.url, { headers: { 'last-event-id': ids[0]! } });
    await Promise.all([fresh.waitForCaughtUp(), evicted.waitForCaughtUp()]);
    await served.publish(3);
    await Promise.all([waitForEach([fresh], 3), waitForEach([evicted], 8)]);

    expect(dataOf(fresh.appEvents)).toEqual(numbers(9, 11));
    expect(evicted.resets).toHaveLength(1);
    expect(dataOf(evicted.appEvents)).toEqual(numbers(4, 11));
    for (const client of [fresh, evicted]) expect(client.ended).toBe(false);
    expect(record.connects).toHaveLength(2);
    expect(record.caughtUps).toHaveLength(2);
    expect(record.resets).toEqual(['evicted']);
    expect(record.disconnects).toEqual([]);
    expect(served.hub.stats()).toMatchObject({ connections: 2, streams: 1 });
    const failedHooks = new Set(record.errors.map((info) => info.source === 'hook' && info.hook));
    expect(failedHooks).toEqual(new Set(['onConnect', 'onCaughtUp', 'onReset']));
  });
}
