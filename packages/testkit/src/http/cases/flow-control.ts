import { expect, it } from 'vitest';
import type { SuiteContext } from '../fixture.ts';
import { sleep } from '../wait.ts';

const KEEP = { keepDataChars: 8 };
const numbers = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `e${from + i}`);
const dataOf = (events: ReadonlyArray<{ data: string }>) => events.map((event) => event.data.split(' ')[0]);

/** Slow consumers (docs/protocol.md §5.2, §7.2): backpressure during replay, the high-water mark while live. */
export function flowControlCases<Req>(ctx: SuiteContext<Req>): void {
  it('disconnects a reader that stops reading once its unsent bytes pass the high-water mark, while another keeps receiving everything', async () => {
    const served = await ctx.serve({
      maxEvents: 20_000,
      endpoint: { highWaterMarkBytes: 65_536, heartbeatMs: 0 },
    });
    const stalled = await ctx.open(served.url, KEEP);
    const reading = await ctx.open(served.url, KEEP);
    await Promise.all([stalled.waitForCaughtUp(), reading.waitForCaughtUp()]);
    stalled.pause();

    // Batches stay well under the mark and wait for the reading client, so only the stalled one lags.
    let published = 0;
    while (served.hub.stats().connections === 2) {
      if (published >= 16_384) throw new Error('the stalled reader was not disconnected after 64 MiB');
      await served.publish(8, { pad: 4_096 });
      published += 8;
      await reading.waitForEvents(published);
    }
    await served.publish(8, { pad: 4_096 });
    published += 8;
    await reading.waitForEvents(published);
    expect(dataOf(reading.appEvents)).toEqual(numbers(1, published));
    expect(reading.ended).toBe(false);
    expect(served.hub.stats().connections).toBe(1);

    // The stalled reader got a gap-free prefix and an end; its cursor resumes to the rest.
    stalled.resume();
    await stalled.waitForEnd();
    const got = stalled.appEvents.length;
    expect(got).toBeLessThan(published);
    expect(dataOf(stalled.appEvents)).toEqual(numbers(1, got));
    const lastId = stalled.appEvents.at(-1)?.id;
    const resumed = await ctx.open(served.url, {
      ...KEEP,
      headers: lastId ? { 'last-event-id': lastId } : {},
    });
    await resumed.waitForCaughtUp(15_000);
    expect(resumed.resets).toEqual([]);
    expect(dataOf(resumed.appEvents)).toEqual(numbers(got + 1, published));
  }, 60_000);

  it('honours backpressure: a slow but reading client gets every event in order, and stays connected', async () => {
    const served = await ctx.serve({
      maxEvents: 10_000,
      endpoint: { initial: 'earliest', highWaterMarkBytes: 65_536, heartbeatMs: 0 },
    });
    // ~6 MiB to replay, about 100 times the high-water mark: only awaiting drain gets it through.
    await served.publish(6_000, { pad: 1_024 });
    const slow = await ctx.open(served.url, { ...KEEP, slowRead: { bytes: 65_536, pauseMs: 10 } });
    // Live events keep arriving during the replay.
    const live = (async () => {
      for (let i = 0; i < 20; i++) {
        await sleep(25);
        await served.publish(1, { pad: 1_024 });
      }
    })();
    await slow.waitForCaughtUp(30_000);
    await live;
    await slow.waitForEvents(6_020, 10_000);
    expect(dataOf(slow.appEvents)).toEqual(numbers(1, 6_020));
    expect(slow.resets).toEqual([]);
    expect(slow.ended).toBe(false);
    expect(served.hub.stats().connections).toBe(1);
  }, 60_000);
}
