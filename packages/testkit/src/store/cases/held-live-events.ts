import { createHub } from '@resumable-sse/core';
import { describe, expect, it } from 'vitest';
import type { SuiteContext } from '../context.ts';
import { HubConnection } from '../hub-connection.ts';

/**
 * A replaying connection holds the live events that arrive meanwhile, and lets go of them past
 * its high-water mark: the store still has them, and the connection must get them from there.
 */
export function heldLiveEventCases(ctx: SuiteContext): void {
  describe('held live events let go of while replaying', () => {
    it('are sent before caught-up, though the page in hand was the last', async () => {
      const store = await ctx.create({ maxEvents: 10_000 });
      const stream = ctx.stream('held-let-go');
      const hub = createHub({ store });
      const connections: HubConnection[] = [];
      try {
        await hub.publishBatch(stream, [{ data: 'e1' }, { data: 'e2' }]);
        // Reads e1 of its one page [e1, e2], then stops reading.
        const stalled = await HubConnection.open(hub, stream, undefined, {
          stalled: true,
          replayPageSize: 10,
          highWaterMarkBytes: 300,
        });
        connections.push(stalled);
        await stalled.waitForEvents(1);
        const watcher = await HubConnection.open(hub, stream, undefined, { replayPageSize: 10 });
        connections.push(watcher);
        await watcher.waitForCaughtUp();
        const big = `e4:${'x'.repeat(400)}`;
        await hub.publish(stream, { data: 'e3' });
        await hub.publish(stream, { data: big });
        // Both are handed each live event together: `stalled` has let these go by now.
        await watcher.waitForEvents(4);
        stalled.resume();
        await stalled.waitForCaughtUp();

        expect(stalled.data, 'events before caught-up').toEqual(['e1', 'e2', 'e3', big]);
        expect(JSON.parse(stalled.caughtUps[0]!.data)).toMatchObject({ replayed: 4 });
        expect(stalled.ended).toBe(false);
      } finally {
        for (const connection of connections) await connection.close();
        await hub.close();
      }
    });
  });
}
