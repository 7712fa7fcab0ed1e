import { describe, expect, it } from 'vitest';
import { expectConsecutiveIds, expectSession } from '../assertions.ts';
import type { Served, ServeOptions, SuiteContext } from '../fixture.ts';
import { sleep } from '../wait.ts';

/**
 * Every row of the replay table (docs/protocol.md §5.1), over HTTP. The store keeps 5 events and 8 are
 * published, so offsets 4–8 are retained and a cursor at offset 3 is the oldest still honoured.
 */
export function replayTableCases<Req>(ctx: SuiteContext<Req>): void {
  const retained = ['e4', 'e5', 'e6', 'e7', 'e8'];
  const setup = async (options: ServeOptions<Req> = {}) => {
    const served = await ctx.serve({ maxEvents: 5, ...options });
    const published = await served.publish(8);
    return { served, ids: published.map((p) => p.id), epoch: published[0]!.epoch };
  };

  /** The reset's id must resume to exactly what followed it. */
  const expectBaselineResumes = async (served: Served, resetId: string | undefined, replay: string[]) => {
    const again = await ctx.open(served.url, { headers: { 'last-event-id': resetId! } });
    await expectSession(served, again, { replay });
  };

  describe('absent cursor', () => {
    it('initial now (the default): nothing replayed, then live', async () => {
      const { served, ids } = await setup();
      const connection = await ctx.open(served.url);
      await expectSession(served, connection, { replay: [] });
      const [live] = await served.publish(1);
      await connection.waitForEvents(1);
      expect(connection.appEvents).toEqual([{ id: live!.id, event: undefined, data: 'e9' }]);
      expect(ids).toHaveLength(8);
    });

    it('initial earliest: everything retained, no reset', async () => {
      const { served } = await setup({ endpoint: { initial: 'earliest' } });
      const connection = await ctx.open(served.url);
      await expectSession(served, connection, { replay: retained });
      expectConsecutiveIds(
        served,
        connection.appEvents.map((event) => event.id),
        4,
      );
    });

    it('initial last N: the last N events', async () => {
      const { served } = await setup({ endpoint: { initial: { last: 2 } } });
      const connection = await ctx.open(served.url);
      await expectSession(served, connection, { replay: ['e7', 'e8'] });
    });

    it('initial last N with N above what is retained: everything retained, no reset', async () => {
      const { served } = await setup({ endpoint: { initial: { last: 50 } } });
      const connection = await ctx.open(served.url);
      await expectSession(served, connection, { replay: retained });
    });

    it('initial earliest on an empty stream: caught-up with head null', async () => {
      const served = await ctx.serve({ endpoint: { initial: 'earliest' } });
      const connection = await ctx.open(served.url);
      await expectSession(served, connection, { replay: [] });
      expect(JSON.parse(connection.caughtUps[0]!.data)).toEqual({ replayed: 0, head: null });
    });
  });

  describe('malformed cursor', () => {
    it('reset{malformed}, then as if absent (initial last 2)', async () => {
      const { served } = await setup({ endpoint: { initial: { last: 2 } } });
      const connection = await ctx.open(served.url, { headers: { 'last-event-id': 'not-a-cursor' } });
      const { resetId } = await expectSession(served, connection, {
        reset: { reason: 'malformed', requested: 'not-a-cursor' },
        replay: ['e7', 'e8'],
      });
      await expectBaselineResumes(served, resetId, ['e7', 'e8']);
    });

    it('reset{malformed}, then as if absent (initial now): baseline is the head', async () => {
      const { served } = await setup();
      const connection = await ctx.open(served.url, { headers: { 'last-event-id': 'x'.repeat(10_000) } });
      await expectSession(served, connection, {
        reset: { reason: 'malformed', requested: 'x'.repeat(10_000) },
        replay: [],
      });
      expect(JSON.parse(connection.resets[0]!.data).requested.length).toBeLessThanOrEqual(256);
    });

    it('reset{malformed} for junk characters in the query parameter', async () => {
      const { served, ids } = await setup({ endpoint: { initial: 'earliest' } });
      const junk = `${ids[7]}\u0000/?&=`;
      const connection = await ctx.open(served.withQuery(junk));
      await expectSession(served, connection, {
        reset: { reason: 'malformed', requested: junk },
        replay: retained,
      });
    });
  });

  it('other epoch: reset{epoch}, then everything retained', async () => {
    const { served, epoch } = await setup();
    const foreign = served.hub.codec.encode({
      epoch: epoch === 'OtherEpoch' ? 'ElseEpoch0' : 'OtherEpoch',
      offset: 6,
    });
    const connection = await ctx.open(served.url, { headers: { 'last-event-id': foreign } });
    const { resetId } = await expectSession(served, connection, {
      reset: { reason: 'epoch', requested: foreign },
      replay: retained,
    });
    await expectBaselineResumes(served, resetId, retained);
  });

  it('older than the oldest retained: reset{evicted}, then everything retained', async () => {
    const { served, ids } = await setup();
    const connection = await ctx.open(served.url, { headers: { 'last-event-id': ids[1]! } });
    const { resetId } = await expectSession(served, connection, {
      reset: { reason: 'evicted', requested: ids[1]! },
      replay: retained,
    });
    await expectBaselineResumes(served, resetId, retained);
  });

  it('just before the oldest retained: every event after it, no reset', async () => {
    const { served, ids } = await setup();
    const connection = await ctx.open(served.url, { headers: { 'last-event-id': ids[2]! } });
    await expectSession(served, connection, { replay: retained });
  });

  it('ahead of the head: waits out futureGraceMs, then reset{future}, then as if absent', async () => {
    const { served, epoch } = await setup({ endpoint: { futureGraceMs: 200, initial: { last: 1 } } });
    const future = served.hub.codec.encode({ epoch, offset: 11 });
    const started = performance.now();
    const connection = await ctx.open(served.url, { headers: { 'last-event-id': future } });
    const { resetId } = await expectSession(served, connection, {
      reset: { reason: 'future', requested: future },
      replay: ['e8'],
    });
    expect(connection.eventTimes[0]! - started).toBeGreaterThanOrEqual(180);
    await expectBaselineResumes(served, resetId, ['e8']);
  });

  it('ahead of the head but reached within the grace (replica lag): no reset, the events after it', async () => {
    const { served, ids, epoch } = await setup({ endpoint: { futureGraceMs: 3_000 } });
    const ahead = served.hub.codec.encode({ epoch, offset: 9 });
    const connection = await ctx.open(served.url, { headers: { 'last-event-id': ahead } });
    await sleep(100);
    await served.publish(3);
    await expectSession(served, connection, { replay: ['e10', 'e11'] });
    expect(connection.resets).toEqual([]);
    expect(ids).toHaveLength(8);
  });

  it('within retention: exactly the events after it, then live', async () => {
    const { served, ids } = await setup();
    const connection = await ctx.open(served.url, { headers: { 'last-event-id': ids[4]! } });
    await expectSession(served, connection, { replay: ['e6', 'e7', 'e8'] });
    expectConsecutiveIds(
      served,
      connection.appEvents.map((event) => event.id),
      6,
    );
    await served.publish(1);
    await connection.waitForEvents(4);
    expect(connection.appEvents.map((event) => event.data)).toEqual(['e6', 'e7', 'e8', 'e9']);
  });

  it('at the head: nothing replayed, caught-up, then live', async () => {
    const { served, ids } = await setup();
    const connection = await ctx.open(served.url, { headers: { 'last-event-id': ids[7]! } });
    await expectSession(served, connection, { replay: [] });
    await served.publish(1);
    await connection.waitForEvents(1);
    expect(connection.appEvents.map((event) => event.data)).toEqual(['e9']);
  });
}
