import { expect, it } from 'vitest';
import { expectSession } from '../assertions.ts';
import type { SuiteContext } from '../fixture.ts';

/** Where the resume position comes from (docs/protocol.md §3.2). */
export function resumeCases<Req>(ctx: SuiteContext<Req>): void {
  it('resumes from the Last-Event-ID header', async () => {
    const served = await ctx.serve();
    const ids = (await served.publish(5)).map((p) => p.id);
    const connection = await ctx.open(served.url, { headers: { 'last-event-id': ids[1]! } });
    await expectSession(served, connection, { replay: ['e3', 'e4', 'e5'] });
    expect(connection.appEvents.map((event) => event.id)).toEqual(ids.slice(2));
  });

  it('resumes from the lastEventId query parameter (a browser’s first connect)', async () => {
    const served = await ctx.serve();
    const ids = (await served.publish(5)).map((p) => p.id);
    const connection = await ctx.open(served.withQuery(ids[1]!));
    await expectSession(served, connection, { replay: ['e3', 'e4', 'e5'] });
  });

  it('lets the header win over the query parameter', async () => {
    const served = await ctx.serve();
    const ids = (await served.publish(5)).map((p) => p.id);
    const connection = await ctx.open(served.withQuery(ids[0]!), { headers: { 'last-event-id': ids[2]! } });
    await expectSession(served, connection, { replay: ['e4', 'e5'] });
  });

  it('continues live after the replay, with no gap and no duplicate, and says caught-up once', async () => {
    const served = await ctx.serve();
    const ids = (await served.publish(3)).map((p) => p.id);
    const connection = await ctx.open(served.url, { headers: { 'last-event-id': ids[0]! } });
    // Published while the connection subscribes and replays: each event exactly once either way.
    const racing = Promise.all(Array.from({ length: 20 }, () => served.publish(1)));
    await connection.waitForCaughtUp();
    await racing;
    await connection.waitForEvents(22);
    expect(connection.appEvents.map((event) => event.data)).toEqual(
      Array.from({ length: 22 }, (_, i) => `e${i + 2}`),
    );
    expect(connection.caughtUps).toHaveLength(1);
    const caughtUpAt = connection.events.indexOf(connection.caughtUps[0]!);
    expect(JSON.parse(connection.caughtUps[0]!.data).replayed).toBe(caughtUpAt);
  });
}
