import { createHub, type Hub, type StoredEvent } from '@resumable-sse/core';
import { describe, expect, it } from 'vitest';
import { range, type SuiteContext } from '../context.ts';
import { HubConnection } from '../hub-connection.ts';

/** More than two replay pages (256 events each), so resumes share full pages and a short last one. */
const SEEDED = 600;
const WAVES = 3;
const PER_WAVE = 20;
/** Appended one by one while the waves resume. */
const APPENDED_DURING = 60;

const data = (n: number) => `event-${n}`;

/**
 * Connections of one hub that resume from the same place share the store's answers (core's
 * shared page reads); what each connection receives must stay exactly its own replay.
 */
export function sharedReplayCases(ctx: SuiteContext): void {
  describe('replays that share reads', () => {
    it(`gives ${WAVES * PER_WAVE} connections resuming from one cursor while events are appended every event once, in order`, async () => {
      const store = await ctx.create({ maxEvents: 10_000 });
      const stream = ctx.stream('shared-replay-storm');
      const hub = createHub({ store });
      const connections: HubConnection[] = [];
      try {
        const seeded = await hub.publishBatch(
          stream,
          range(1, SEEDED).map((n) => ({ data: data(n) })),
        );
        const cursor = seeded[0]!.id;
        let appended = SEEDED;
        const appending = (async () => {
          while (appended < SEEDED + APPENDED_DURING) {
            appended += 1;
            await hub.publish(stream, { data: data(appended) });
          }
        })();
        for (let wave = 0; wave < WAVES; wave++) {
          const opened = await Promise.all(
            range(1, PER_WAVE).map(() => HubConnection.open(hub, stream, cursor)),
          );
          connections.push(...opened);
          await opened[0]!.waitForEvents(SEEDED / 2, 20_000);
        }
        await appending;
        const total = SEEDED + APPENDED_DURING;
        await Promise.all(
          connections.map((connection) =>
            connection.settled(() => connection.data.length >= total - 1, `${total - 1} events`, 30_000),
          ),
        );
        const expected = range(2, total).map(data);
        for (const [index, connection] of connections.entries()) {
          expect(connection.ended, `connection ${index} ended`).toBe(false);
          expect(connection.resets, `connection ${index} resets`).toEqual([]);
          expect(connection.data, `connection ${index}`).toEqual(expected);
        }
      } finally {
        for (const connection of connections) await connection.close();
        await hub.close();
      }
    });

    it('gives a connection that let go of held live events while it replayed every event, not a page read before it let them go', async () => {
      const store = await ctx.create({ maxEvents: 10_000 });
      const stream = ctx.stream('shared-replay-overflow');
      const hub = createHub({ store });
      const connections: HubConnection[] = [];
      try {
        await hub.publishBatch(
          stream,
          range(1, 4).map((n) => ({ data: data(n) })),
        );
        // Stops reading after its first event; more than 300 bytes held live are let go.
        const stalled = await HubConnection.open(hub, stream, undefined, {
          stalled: true,
          replayPageSize: 2,
          highWaterMarkBytes: 300,
        });
        connections.push(stalled);
        await stalled.waitForEvents(1);
        // Replays to the end, so the empty page after event 4 is read — after `stalled` subscribed.
        const reader = await HubConnection.open(hub, stream, undefined, { replayPageSize: 2 });
        connections.push(reader);
        await reader.waitForCaughtUp();
        const big = `${data(6)}:${'x'.repeat(400)}`;
        await hub.publish(stream, { data: data(5) });
        await hub.publish(stream, { data: big });
        // Both connections are handed each live event together: `stalled` has let these go now.
        await reader.waitForEvents(6);
        stalled.resume();
        await stalled.settled(() => stalled.data.length >= 6, 'events 1 to 6', 5_000).catch(() => undefined);

        expect(stalled.ended, 'the stalled connection ended').toBe(false);
        expect(stalled.data).toEqual([...range(1, 5).map(data), big]);
        expect(reader.data).toEqual([...range(1, 5).map(data), big]);
      } finally {
        for (const connection of connections) await connection.close();
        await hub.close();
      }
    });

    it('ends a connection whose filter rewrites the replayed events it is shown, and no other connection sees the rewrite', async () => {
      const store = await ctx.create();
      const stream = ctx.stream('shared-replay-rewrite');
      const hub: Hub = createHub({ store, hooks: { onError: () => {} } });
      try {
        const published = await hub.publishBatch(
          stream,
          range(1, 10).map((n) => ({ data: data(n) })),
        );
        const cursor = published[0]!.id;
        const rewriting = await HubConnection.open(hub, stream, cursor, {
          filter: (event: StoredEvent) => {
            (event as { data: string }).data = 'rewritten';
            return true;
          },
        });
        await rewriting.settled(() => false, 'the rewriting connection to end', 10_000);
        const honest = await HubConnection.open(hub, stream, cursor);
        await honest.waitForCaughtUp();

        expect(rewriting.caughtUps).toEqual([]);
        expect(rewriting.data).not.toContain('rewritten');
        expect(honest.data).toEqual(range(2, 10).map(data));
        expect((await store.readAfter(stream, 0, 10)).map((event) => event.data)).toEqual(
          range(1, 10).map(data),
        );
        await honest.close();
      } finally {
        await hub.close();
      }
    });
  });
}
