import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createHub, type Hub } from '../hub.ts';
import { createCursorCodec } from '../protocol/cursor-codec.ts';
import { memoryStore } from '../store/memory-store.ts';
import type { EventStore } from '../store/types.ts';
import { until } from '../test-support/collecting-sink.ts';
import { openSession } from '../test-support/open-session.ts';

const codec = createCursorCodec();

async function hubWith(count: number, options: { maxEvents?: number; store?: EventStore } = {}) {
  const store = options.store ?? memoryStore({ maxEvents: options.maxEvents ?? 500 });
  const hub = createHub({ store });
  const ids: string[] = [];
  for (let i = 1; i <= count; i++) ids.push((await hub.publish('test', { event: 'tick', data: `e${i}` })).id);
  return { hub, store, ids };
}

const caughtUp = (session: Awaited<ReturnType<typeof openSession>>) =>
  until(() => session.sink.named('caught-up').length === 1, 5_000, 'caught-up');

const dataOf = (session: Awaited<ReturnType<typeof openSession>>) =>
  session.sink.events.map((frame) => frame.data);

function resetOf(session: Awaited<ReturnType<typeof openSession>>) {
  const [reset] = session.sink.named('reset');
  return reset && { id: reset.id, payload: JSON.parse(reset.data) };
}

describe('replay table (docs/protocol.md §5.1)', () => {
  it('row "absent", initial now: live events only, no reset', async () => {
    const { hub } = await hubWith(3);
    const session = await openSession(hub, { initial: 'now' });
    await caughtUp(session);
    await hub.publish('test', { data: 'live' });
    await until(() => session.sink.events.length === 1);
    expect(dataOf(session)).toEqual(['live']);
    expect(resetOf(session)).toBeUndefined();
    expect(JSON.parse(session.sink.named('caught-up')[0]!.data)).toMatchObject({ replayed: 0 });
    session.abort();
  });

  it('row "absent", initial earliest: everything retained', async () => {
    const { hub } = await hubWith(3);
    const session = await openSession(hub, { initial: 'earliest' });
    await caughtUp(session);
    expect(dataOf(session)).toEqual(['e1', 'e2', 'e3']);
    session.abort();
  });

  it('row "absent", initial last N: the last N events', async () => {
    const { hub } = await hubWith(5);
    const session = await openSession(hub, { initial: { last: 2 } });
    await caughtUp(session);
    expect(dataOf(session)).toEqual(['e4', 'e5']);
    session.abort();
  });

  it('row "malformed / foreign": reset{malformed}, then as if absent', async () => {
    const { hub } = await hubWith(3);
    const session = await openSession(hub, { initial: { last: 1 }, lastEventId: 'not a cursor' });
    await caughtUp(session);
    expect(resetOf(session)?.payload).toEqual({
      reason: 'malformed',
      requested: 'not a cursor',
      oldest: expect.any(String),
    });
    expect(dataOf(session)).toEqual(['e3']);
    session.abort();
  });

  it('row "other epoch": reset{epoch}, then everything retained', async () => {
    const { hub } = await hubWith(3);
    const foreign = codec.encode({ epoch: 'OtherEpoch', offset: 2 });
    const session = await openSession(hub, { lastEventId: foreign });
    await caughtUp(session);
    expect(resetOf(session)?.payload).toMatchObject({ reason: 'epoch', requested: foreign });
    expect(dataOf(session)).toEqual(['e1', 'e2', 'e3']);
    session.abort();
  });

  it('row "older than the oldest retained": reset{evicted}, then everything retained', async () => {
    const { hub, ids } = await hubWith(10, { maxEvents: 5 });
    const session = await openSession(hub, { lastEventId: ids[1] });
    await caughtUp(session);
    expect(resetOf(session)?.payload).toEqual({ reason: 'evicted', requested: ids[1], oldest: ids[5] });
    expect(dataOf(session)).toEqual(['e6', 'e7', 'e8', 'e9', 'e10']);
    session.abort();
  });

  it('a cursor just before the oldest retained event loses nothing: no reset', async () => {
    const { hub, ids } = await hubWith(10, { maxEvents: 5 });
    const session = await openSession(hub, { lastEventId: ids[4] });
    await caughtUp(session);
    expect(resetOf(session)).toBeUndefined();
    expect(dataOf(session)).toEqual(['e6', 'e7', 'e8', 'e9', 'e10']);
    session.abort();
  });

  it('row "ahead of the head": waits the grace, then reset{future}, then as if absent', async () => {
    const { hub, ids } = await hubWith(3);
    const future = codec.encode({
      epoch: codec.decode(ids[0]).ok
        ? (codec.decode(ids[0]) as { cursor: { epoch: string } }).cursor.epoch
        : '',
      offset: 9,
    });
    const started = Date.now();
    const session = await openSession(hub, { lastEventId: future, futureGraceMs: 150, initial: 'now' });
    await caughtUp(session);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(resetOf(session)?.payload).toMatchObject({ reason: 'future', requested: future });
    expect(dataOf(session)).toEqual([]);
    session.abort();
  });

  it('row "ahead of the head" within the grace: resumes when the head catches up (replica lag)', async () => {
    const { hub, ids } = await hubWith(3);
    const epoch = (codec.decode(ids[0]) as { cursor: { epoch: string } }).cursor.epoch;
    const ahead = codec.encode({ epoch, offset: 4 });
    const sessionPromise = openSession(hub, { lastEventId: ahead, futureGraceMs: 2_000 });
    await new Promise((resolve) => setTimeout(resolve, 60));
    await hub.publish('test', { data: 'e4' });
    await hub.publish('test', { data: 'e5' });
    const session = await sessionPromise;
    await caughtUp(session);
    await until(() => session.sink.events.length >= 1);
    expect(resetOf(session)).toBeUndefined();
    expect(dataOf(session)).toEqual(['e5']);
    session.abort();
  });

  it('row "within retention": every event after the cursor, in order, with their ids', async () => {
    const { hub, ids } = await hubWith(6);
    const session = await openSession(hub, { lastEventId: ids[2] });
    await caughtUp(session);
    expect(session.sink.events.map((frame) => [frame.id, frame.data])).toEqual([
      [ids[3], 'e4'],
      [ids[4], 'e5'],
      [ids[5], 'e6'],
    ]);
    expect(resetOf(session)).toBeUndefined();
    expect(JSON.parse(session.sink.named('caught-up')[0]!.data)).toEqual({ replayed: 3, head: ids[5] });
    session.abort();
  });
});

describe('resume input', () => {
  it('falls back to the lastEventId query parameter; the header wins', async () => {
    const { hub, ids } = await hubWith(4);
    const byQuery = await openSession(hub, {}, { query: { lastEventId: ids[1]! } });
    await caughtUp(byQuery);
    expect(dataOf(byQuery)).toEqual(['e3', 'e4']);
    const both = await openSession(
      hub,
      {},
      { query: { lastEventId: ids[0]! }, headers: { 'Last-Event-ID': ids[2]! } },
    );
    await caughtUp(both);
    expect(dataOf(both)).toEqual(['e4']);
    byQuery.abort();
    both.abort();
  });

  it('a cursor over 256 characters is malformed, and is echoed truncated', async () => {
    const { hub, ids } = await hubWith(2);
    const long = `${ids[0]}${'x'.repeat(10_000)}`;
    const session = await openSession(hub, { lastEventId: long, initial: 'now' });
    await caughtUp(session);
    const reset = resetOf(session);
    expect(reset?.payload.reason).toBe('malformed');
    expect(reset?.payload.requested.length).toBeLessThanOrEqual(256);
  });
});

describe('reset baseline', () => {
  it('the reset id is the position just before what follows: resuming from it loses nothing', async () => {
    const { hub, ids } = await hubWith(10, { maxEvents: 5 });
    const first = await openSession(hub, { lastEventId: ids[0] });
    await until(() => first.sink.named('reset').length === 1);
    const baseline = resetOf(first)!.id!;
    first.abort();
    const second = await openSession(hub, { lastEventId: baseline });
    await caughtUp(second);
    expect(resetOf(second)).toBeUndefined();
    expect(dataOf(second)).toEqual(['e6', 'e7', 'e8', 'e9', 'e10']);
  });

  it('a reset for an empty stream carries a cursor that later resumes from the first event', async () => {
    const hub = createHub({ store: memoryStore() });
    const first = await openSession(hub, { lastEventId: 'garbage' });
    await caughtUp(first);
    const baseline = resetOf(first)!.id!;
    first.abort();
    await hub.publish('test', { data: 'e1' });
    const second = await openSession(hub, { lastEventId: baseline });
    await caughtUp(second);
    expect(dataOf(second)).toEqual(['e1']);
  });
});

describe('subscribe first, then read history', () => {
  it('events published while replay reads the store arrive once, in order', async () => {
    const inner = memoryStore();
    let publishDuringRead: (() => Promise<void>) | undefined;
    const store: EventStore = {
      kind: 'slow-memory',
      append: (stream, events) => inner.append(stream, events),
      position: (stream) => inner.position(stream),
      subscribe: (stream, subscriber) => inner.subscribe(stream, subscriber),
      close: () => inner.close(),
      async readAfter(stream, after, limit) {
        const page = await inner.readAfter(stream, after, limit);
        const hook = publishDuringRead;
        publishDuringRead = undefined;
        await hook?.();
        return page;
      },
    };
    const { hub } = await hubWith(5, { store });
    publishDuringRead = async () => {
      for (let i = 6; i <= 8; i++) await hub.publish('test', { event: 'tick', data: `e${i}` });
    };
    const session = await openSession(hub, { initial: 'earliest', replayPageSize: 2 });
    await caughtUp(session);
    await hub.publish('test', { event: 'tick', data: 'e9' });
    await until(() => session.sink.events.length === 9);
    expect(dataOf(session)).toEqual(['e1', 'e2', 'e3', 'e4', 'e5', 'e6', 'e7', 'e8', 'e9']);
    const offsets = session.sink.events.map(
      (frame) => (codec.decode(frame.id) as { cursor: { offset: number } }).cursor.offset,
    );
    expect(offsets).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    session.abort();
  });

  it('caught-up comes after replay and before live events, once', async () => {
    const { hub } = await hubWith(3);
    const session = await openSession(hub, { initial: 'earliest' });
    await caughtUp(session);
    await hub.publish('test', { event: 'tick', data: 'live' });
    await until(() => session.sink.events.length === 4);
    const names = session.sink.frames.map((frame) => frame.event);
    expect(names).toEqual(['tick', 'tick', 'tick', 'caught-up', 'tick']);
    // caught-up names the position it was reached at, so a client resumes from there.
    expect(session.sink.named('caught-up')[0]!.id).toBe(session.sink.frames[2]!.id);
  });
});

describe('paged replay and backpressure', () => {
  it('replay pauses while the client is not reading, and never buffers the whole log', async () => {
    const { hub } = await hubWith(2_000, { maxEvents: 5_000 });
    const { CollectingSink } = await import('../test-support/collecting-sink.ts');
    const sink = new CollectingSink({ highWaterMark: 2_048, paused: true });
    const session = await openSession(hub, { initial: 'earliest', replayPageSize: 50, sink });
    await until(() => sink.bufferedBytes >= 2_048);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const stalledAt = sink.events.length;
    expect(stalledAt).toBeLessThan(200);
    for (let i = 0; i < 1_000 && sink.named('caught-up').length === 0; i++) {
      sink.resume();
      sink.pause();
      await new Promise((resolve) => setImmediate(resolve));
    }
    sink.resume();
    await caughtUp(session);
    expect(sink.events.length).toBe(2_000);
    expect(sink.maxBuffered).toBeLessThan(2_048 + 4_096);
    session.abort();
  });
});

describe('live delivery', () => {
  it('publishes once and hands the same bytes to every subscriber', async () => {
    const { hub } = await hubWith(0);
    const frames: Uint8Array[][] = [[], []];
    const leaves = await Promise.all(
      frames.map((list) =>
        hub.attach('test', { deliver: (_event, frame) => list.push(frame), end: () => {} }),
      ),
    );
    await hub.publish('test', { data: 'shared' });
    expect(frames[0]![0]).toBeDefined();
    expect(frames[0]![0]).toBe(frames[1]![0]);
    for (const leave of leaves) leave();
    expect(hub.stats().streams).toBe(0);
  });

  it('fills a gap in live notifications from the store instead of skipping it', async () => {
    const inner = memoryStore();
    let dropOffset = 3;
    const store: EventStore = {
      kind: 'lossy-memory',
      append: (stream, events) => inner.append(stream, events),
      position: (stream) => inner.position(stream),
      readAfter: (stream, after, limit) => inner.readAfter(stream, after, limit),
      close: () => inner.close(),
      subscribe: (stream, subscriber) =>
        inner.subscribe(stream, {
          onEvent: (event) => {
            if (event.offset === dropOffset) return;
            subscriber.onEvent(event);
          },
          onClose: (reason) => subscriber.onClose(reason),
        }),
    };
    const hub = createHub({ store });
    const session = await openSession(hub, { initial: 'now' });
    await caughtUp(session);
    for (let i = 1; i <= 5; i++) await hub.publish('test', { data: `e${i}` });
    await until(() => session.sink.events.length === 5);
    expect(dataOf(session)).toEqual(['e1', 'e2', 'e3', 'e4', 'e5']);
    dropOffset = -1;
    session.abort();
  });

  it('disconnects a subscriber that stops reading once its unsent bytes pass the high-water mark; others go on', async () => {
    const { hub } = await hubWith(0);
    const { CollectingSink } = await import('../test-support/collecting-sink.ts');
    const stalled = new CollectingSink({ paused: true });
    const slow = await openSession(hub, { sink: stalled, highWaterMarkBytes: 4_096 });
    const healthy = await openSession(hub, { highWaterMarkBytes: 4_096 });
    await caughtUp(slow);
    await caughtUp(healthy);
    for (let i = 1; i <= 100; i++) await hub.publish('test', { data: 'x'.repeat(100) });
    await slow.done;
    expect(stalled.closed).toBe(true);
    expect(stalled.bufferedBytes).toBeLessThan(4_096 + 200);
    await until(() => healthy.sink.events.length === 100);
    expect(healthy.sink.closed).toBe(false);
    healthy.abort();
  });

  it('applies the filter to replay and live alike', async () => {
    const { hub } = await hubWith(4);
    const session = await openSession(hub, {
      initial: 'earliest',
      filter: (event) => event.data.endsWith('2') || event.data.endsWith('4') || event.data === 'live2',
    });
    await caughtUp(session);
    await hub.publish('test', { data: 'live1' });
    await hub.publish('test', { data: 'live2' });
    await until(() => session.sink.events.length === 3);
    expect(dataOf(session)).toEqual(['e2', 'e4', 'live2']);
    expect(JSON.parse(session.sink.named('caught-up')[0]!.data).replayed).toBe(2);
    session.abort();
  });

  it('a client abort frees its subscription, its heartbeat registration and its hub slot', async () => {
    const { hub } = await hubWith(1);
    for (let i = 0; i < 200; i++) {
      const session = await openSession(hub, { heartbeatMs: 1_000 });
      session.abort();
      await session.done;
    }
    expect(hub.stats()).toEqual({ connections: 0, streams: 0, heartbeatTimers: 0 });
  });

  it('store closing ends open connections so clients resume elsewhere', async () => {
    const { hub, store } = await hubWith(1);
    const session = await openSession(hub);
    await caughtUp(session);
    await store.close();
    await session.done;
    expect(session.sink.closed).toBe(true);
  });
});

describe('timers', () => {
  it('sends retry at connect and a heartbeat comment on the shared timer', async () => {
    const { hub } = await hubWith(0);
    const session = await openSession(hub, { heartbeatMs: 20, retry: 1_234 });
    await until(() => session.sink.comments.length >= 2, 2_000, 'heartbeats');
    expect(session.sink.retry).toBe(1_234);
    expect(hub.stats().heartbeatTimers).toBe(1);
    session.abort();
  });

  it('sends heartbeats as a named event without id when heartbeatEvent is set, leaving the cursor alone', async () => {
    const { hub, ids } = await hubWith(1);
    const session = await openSession(hub, {
      heartbeatMs: 20,
      initial: 'earliest',
      heartbeatEvent: {
        event: 'ping',
        data: (now) => JSON.stringify({ type: 'ping', timestamp: new Date(now).toISOString() }),
      },
    });
    await until(() => session.sink.named('ping').length >= 2, 2_000, 'pings');
    const [ping] = session.sink.named('ping');
    expect(ping!.id).toBeUndefined();
    expect(JSON.parse(ping!.data)).toMatchObject({ type: 'ping' });
    expect(session.sink.comments).toEqual([]);
    expect(session.sink.frames.filter((frame) => frame.id !== undefined).map((frame) => frame.id)).toEqual([
      ids[0],
      ids[0],
    ]);
    session.abort();
  });

  it('maxConnectionMs ends the connection gracefully', async () => {
    const { hub } = await hubWith(0);
    const session = await openSession(hub, { maxConnectionMs: 150 });
    await session.done;
    expect(session.sink.closed).toBe(true);
  });
});

describe('property: random publish / disconnect / resume', () => {
  it('what a resuming subscriber receives equals what was published: no gap, no duplicate', async () => {
    type Step = { kind: 'publish'; count: number } | { kind: 'disconnect' } | { kind: 'settle' };
    const step = fc.oneof(
      fc.record({ kind: fc.constant('publish' as const), count: fc.integer({ min: 1, max: 5 }) }),
      fc.constant({ kind: 'disconnect' as const }),
      fc.constant({ kind: 'settle' as const }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 1, maxLength: 25 }),
        fc.integer({ min: 1, max: 4 }),
        async (steps: Step[], pageSize) => {
          const hub: Hub = createHub({ store: memoryStore({ maxEvents: 10_000 }) });
          const published: string[] = [];
          const received: string[] = [];
          let lastId: string | undefined;
          let session = await openSession(hub, { initial: 'earliest', replayPageSize: pageSize });
          const harvest = () => {
            for (const frame of session.sink.frames) {
              if (frame.id !== undefined) lastId = frame.id;
              if (frame.event === 'tick') received.push(frame.data);
            }
          };
          for (const action of steps) {
            if (action.kind === 'publish') {
              for (let i = 0; i < action.count; i++) {
                const data = `p${published.length + 1}`;
                published.push(data);
                await hub.publish('test', { event: 'tick', data });
              }
            } else if (action.kind === 'disconnect') {
              session.abort();
              await session.done;
              harvest();
              session = await openSession(hub, {
                initial: 'earliest',
                replayPageSize: pageSize,
                ...(lastId ? { lastEventId: lastId } : {}),
              });
            } else {
              await new Promise((resolve) => setImmediate(resolve));
            }
          }
          await until(() => session.sink.named('caught-up').length === 1);
          await until(
            () => session.sink.events.length + received.length >= published.length,
            2_000,
            'all events',
          );
          session.abort();
          await session.done;
          harvest();
          expect(received).toEqual(published);
          await hub.close();
        },
      ),
      { numRuns: 60 },
    );
  });
});
