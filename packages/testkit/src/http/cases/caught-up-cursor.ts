import { createEventStreamClient, type StreamEvent } from '@resumable-sse/client';
import { expect, it } from 'vitest';
import type { SuiteContext } from '../fixture.ts';
import { waitUntil } from '../wait.ts';
import { dataOf, numbers } from './isolation-support.ts';

/** A client that caught up holds a cursor, even when no event has reached it yet. */
export function caughtUpCursorCases<Req>(ctx: SuiteContext<Req>): void {
  for (const before of [0, 2]) {
    it(`caught-up carries the position to resume from (initial 'now', ${before} events published before)`, async () => {
      const served = await ctx.serve({ endpoint: { initial: 'now', heartbeatMs: 0 } });
      if (before > 0) await served.publish(before);
      const first = await ctx.open(served.url);
      await first.waitForCaughtUp();
      expect(first.appEvents).toEqual([]);
      const cursor = first.caughtUps[0]!.id;
      expect(cursor).toEqual(expect.any(String));
      first.close();
      await waitUntil(() => served.hub.stats().connections === 0, 'the first connection to close');

      await served.publish(3);
      const resumed = await ctx.open(served.url, { headers: { 'last-event-id': cursor! } });
      await resumed.waitForCaughtUp();
      expect(resumed.resets).toEqual([]);
      expect(dataOf(resumed.appEvents)).toEqual(numbers(before + 1, before + 3));
      expect(JSON.parse(resumed.caughtUps[0]!.data).replayed).toBe(3);
      // Caught up again, at the head: that position is the last event's.
      expect(resumed.caughtUps[0]!.id).toBe(resumed.appEvents.at(-1)!.id);
    });
  }

  it('@resumable-sse/client resumes from the caught-up position when it holds no event id yet', async () => {
    let attempts = 0;
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const served = await ctx.serve({
      endpoint: {
        initial: 'now',
        maxConnectionMs: 200,
        heartbeatMs: 50,
        retry: 20,
        // The second connection waits here, so an event is published while the client is away.
        async authorize() {
          attempts += 1;
          if (attempts === 2) await held;
          return true;
        },
      },
    });
    const events: StreamEvent[] = [];
    const client = createEventStreamClient(served.url, {
      backoff: { initialMs: 20, maxMs: 100 },
      onEvent: (event) => void events.push(event),
    });
    ctx.onCleanup(() => client.close());
    ctx.onCleanup(release);
    await waitUntil(() => client.status === 'live', 'live');
    await waitUntil(() => attempts >= 2, 'the client to reconnect');
    await served.publish(1);
    release();
    await waitUntil(() => events.length >= 1, 'the event published while the client was away');
    expect(events.map((event) => event.data)).toEqual(['e1']);
    expect(client.metrics.reconnects).toBeGreaterThanOrEqual(1);
  });
}
