import { expect, it } from 'vitest';
import type { SuiteContext } from '../fixture.ts';
import { recordHooks } from '../hook-recorder.ts';
import { dataOf, numbers, waitForEach } from './isolation-support.ts';

const KEEP = { keepDataChars: 8 };
const MiB = 1_048_576;
const STALL_LIMIT_EVENTS = 32;
const BURST_MARK = 64 * 1024;
const BURST_EVENTS = 60;

/** The high-water mark bounds what waits unsent, not how large one event may be. */
export function largeFrameCases<Req>(ctx: SuiteContext<Req>): void {
  for (const size of [2 * MiB, 10 * MiB]) {
    it(`one event larger than the high-water mark reaches every fast reader (${size / MiB} MiB, default mark)`, async () => {
      const record = recordHooks();
      const served = await ctx.serve({ hooks: record.hooks, maxEvents: 10 });
      const readers = await Promise.all(Array.from({ length: 4 }, () => ctx.open(served.url, KEEP)));
      await Promise.all(readers.map((reader) => reader.waitForCaughtUp()));

      await served.publish(1, { pad: size });
      await waitForEach(readers, 1, 20_000);
      await served.publish(1);
      await waitForEach(readers, 2);

      for (const reader of readers) {
        expect(dataOf(reader.appEvents)).toEqual(['e1', 'e2']);
        expect(reader.bytes).toBeGreaterThan(size);
        expect(reader.ended).toBe(false);
      }
      expect(record.disconnects).toEqual([]);
      expect(served.hub.stats().connections).toBe(4);
    }, 30_000);
  }

  for (const filtered of [false, true]) {
    it(`a burst larger than the high-water mark, published at once, reaches every fast reader${filtered ? ' (with a filter)' : ''}`, async () => {
      const record = recordHooks();
      const served = await ctx.serve({
        hooks: record.hooks,
        maxEvents: 1_000,
        endpoint: {
          highWaterMarkBytes: BURST_MARK,
          heartbeatMs: 0,
          ...(filtered && { filter: () => true }),
        },
      });
      const readers = await Promise.all(Array.from({ length: 4 }, () => ctx.open(served.url, KEEP)));
      await Promise.all(readers.map((reader) => reader.waitForCaughtUp()));

      // 60 events of ~2 KB in one publish: ~120 KB, about twice the mark, in one tick.
      await served.publish(BURST_EVENTS, { pad: 2_000 });
      await waitForEach(readers, BURST_EVENTS, 20_000);
      await served.publish(1);
      await waitForEach(readers, BURST_EVENTS + 1);

      for (const reader of readers) {
        expect(dataOf(reader.appEvents)).toEqual(numbers(1, BURST_EVENTS + 1));
        expect(reader.ended).toBe(false);
      }
      expect(record.disconnects).toEqual([]);
      expect(served.hub.stats().connections).toBe(4);
    }, 30_000);
  }

  it('a stalled reader is still cut when every event is larger than the high-water mark', async () => {
    const record = recordHooks();
    const served = await ctx.serve({ hooks: record.hooks, maxEvents: 10, endpoint: { heartbeatMs: 0 } });
    const stalled = await ctx.open(served.url, KEEP);
    const readers = [await ctx.open(served.url, KEEP), await ctx.open(served.url, KEEP)];
    await Promise.all([stalled, ...readers].map((client) => client.waitForCaughtUp()));
    stalled.pause();

    let published = 0;
    while (record.disconnects.length === 0) {
      if (published >= STALL_LIMIT_EVENTS) throw new Error('the stalled reader was never cut');
      await served.publish(1, { pad: 2 * MiB });
      published += 1;
      await waitForEach(readers, published, 20_000);
      if (readers.some((reader) => reader.ended)) break;
    }

    expect(record.disconnects).toEqual(['slow-consumer']);
    for (const reader of readers) {
      expect(dataOf(reader.appEvents)).toEqual(numbers(1, published));
      expect(reader.ended).toBe(false);
    }
    expect(served.hub.stats().connections).toBe(2);
    stalled.resume();
    await stalled.waitForEnd();
    expect(stalled.appEvents.length).toBeLessThan(published);
  }, 60_000);
}
