import { describe, expect, it } from 'vitest';
import { createHub } from '../hub.ts';
import type { DisconnectReason } from '../hub-hooks.ts';
import { createCursorCodec } from '../protocol/cursor-codec.ts';
import { memoryStore } from '../store/memory-store.ts';
import type { EventStore } from '../store/types.ts';
import { until } from '../test-support/collecting-sink.ts';
import { type OpenSession, openSession } from '../test-support/open-session.ts';
import {
  DEFAULT_REPLAY_READ_CONCURRENCY,
  REPLAY_READ_BACKOFF_MS,
  ReplayReadLimiter,
} from './replay-reads.ts';

const codec = createCursorCodec();

/**
 * `memoryStore` behind a wrapper that can fail chosen reads and counts reads in flight.
 * `failRead(n)` says whether the n-th call (1-based, `position` and `readAfter` counted apart) fails.
 */
function instrumentedStore(
  options: {
    failReadAfter?: (call: number) => boolean;
    failPosition?: (call: number) => boolean;
    readDelayMs?: number;
  } = {},
) {
  const inner = memoryStore({ maxEvents: 10_000 });
  const counts = { readAfter: 0, position: 0, inFlight: 0, maxInFlight: 0 };
  const delay = () =>
    options.readDelayMs === undefined
      ? Promise.resolve()
      : new Promise((resolve) => setTimeout(resolve, options.readDelayMs));
  async function counted<T>(read: () => Promise<T>): Promise<T> {
    counts.inFlight++;
    counts.maxInFlight = Math.max(counts.maxInFlight, counts.inFlight);
    try {
      await delay();
      return await read();
    } finally {
      counts.inFlight--;
    }
  }
  const store: EventStore = {
    kind: 'instrumented-memory',
    append: (stream, events) => inner.append(stream, events),
    subscribe: (stream, subscriber) => inner.subscribe(stream, subscriber),
    close: () => inner.close(),
    position: (stream) =>
      counted(async () => {
        if (options.failPosition?.(++counts.position)) throw new Error('position timed out');
        return inner.position(stream);
      }),
    readAfter: (stream, after, limit) =>
      counted(async () => {
        if (options.failReadAfter?.(++counts.readAfter)) throw new Error('readAfter timed out');
        return inner.readAfter(stream, after, limit);
      }),
  };
  return { store, counts };
}

async function hubOver(store: EventStore, events: number) {
  const disconnects: DisconnectReason[] = [];
  const hub = createHub({ store, hooks: { onDisconnect: ({ reason }) => disconnects.push(reason) } });
  const ids: string[] = [];
  for (let i = 1; i <= events; i++)
    ids.push((await hub.publish('test', { event: 'tick', data: `e${i}` })).id);
  return { hub, ids, disconnects };
}

const caughtUp = (session: OpenSession, ms = 5_000) =>
  until(() => session.sink.named('caught-up').length === 1, ms, 'caught-up');

const offsetsOf = (session: OpenSession) =>
  session.sink.events.map(
    (frame) => (codec.decode(frame.id) as { cursor: { offset: number } }).cursor.offset,
  );

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('replay reads that fail', () => {
  it('a page read that fails once is retried: every event once, in order, and the session stays open', async () => {
    // The 2nd and 4th page reads fail once each, mid-replay.
    const { store, counts } = instrumentedStore({ failReadAfter: (call) => call === 2 || call === 4 });
    const { hub, ids, disconnects } = await hubOver(store, 10);
    const session = await openSession(hub, { lastEventId: ids[0], replayPageSize: 2 });
    await caughtUp(session);
    await hub.publish('test', { event: 'tick', data: 'e11' });
    await until(() => session.sink.events.length === 10);
    expect(session.sink.events.map((frame) => frame.data)).toEqual(range(2, 11).map((i) => `e${i}`));
    expect(offsetsOf(session)).toEqual(range(2, 11));
    expect(session.sink.named('reset')).toEqual([]);
    expect(counts.readAfter).toBeGreaterThanOrEqual(7);
    expect(session.sink.closed).toBe(false);
    expect(disconnects).toEqual([]);
    session.abort();
  });

  it('a position read that fails once is retried', async () => {
    const { store } = instrumentedStore({ failPosition: (call) => call === 1 });
    const { hub, ids, disconnects } = await hubOver(store, 4);
    const session = await openSession(hub, { lastEventId: ids[1] });
    await caughtUp(session);
    expect(session.sink.events.map((frame) => frame.data)).toEqual(['e3', 'e4']);
    expect(disconnects).toEqual([]);
    session.abort();
  });

  it('a store that stays down ends the session with store-unavailable after the retries', async () => {
    const { store, counts } = instrumentedStore({ failReadAfter: () => true });
    const { hub, ids, disconnects } = await hubOver(store, 5);
    const session = await openSession(hub, { lastEventId: ids[0] });
    await session.done;
    expect(disconnects).toEqual(['store-unavailable']);
    expect(counts.readAfter).toBe(1 + REPLAY_READ_BACKOFF_MS.length);
    expect(session.sink.named('caught-up')).toEqual([]);
    expect(session.sink.closed).toBe(true);
  });

  it('a client that leaves while its read waits to retry stops retrying', async () => {
    const { store, counts } = instrumentedStore({ failReadAfter: () => true });
    const { hub, ids, disconnects } = await hubOver(store, 5);
    const session = await openSession(hub, { lastEventId: ids[0] });
    await until(() => counts.readAfter === 1);
    session.abort();
    await session.done;
    await new Promise((resolve) => setTimeout(resolve, REPLAY_READ_BACKOFF_MS.reduce((a, b) => a + b) * 2));
    expect(counts.readAfter).toBe(1);
    expect(disconnects).toEqual(['client-closed']);
  });

  it('a session the hub ends while it waits on a future cursor reads the store no more', async () => {
    // Failing nothing, but counting every read.
    const { store, counts } = instrumentedStore({
      readDelayMs: 2,
      failPosition: () => false,
      failReadAfter: () => false,
    });
    const { hub, ids } = await hubOver(store, 1);
    const { cursor } = codec.decode(ids[0]!) as { cursor: { epoch: string } };
    const ahead = codec.encode({ epoch: cursor.epoch, offset: 100 });
    const session = await openSession(hub, { lastEventId: ahead, futureGraceMs: 1_000 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await hub.close();
    const readsAtClose = counts.position + counts.readAfter;
    await session.done;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(readsAtClose).toBeGreaterThan(0);
    expect(counts.position + counts.readAfter - readsAtClose).toBe(0);
  });

  it('a live gap fill that fails once is retried instead of ending the stream', async () => {
    const inner = memoryStore();
    let failNextRead = false;
    const store: EventStore = {
      kind: 'lossy-flaky-memory',
      append: (stream, events) => inner.append(stream, events),
      position: (stream) => inner.position(stream),
      close: () => inner.close(),
      async readAfter(stream, after, limit) {
        if (failNextRead) {
          failNextRead = false;
          throw new Error('readAfter timed out');
        }
        return inner.readAfter(stream, after, limit);
      },
      subscribe: (stream, subscriber) =>
        inner.subscribe(stream, {
          // Offset 3's notification is lost: the channel must read it from the store.
          onEvent: (event) => {
            if (event.offset === 3) {
              failNextRead = true;
              return;
            }
            subscriber.onEvent(event);
          },
          onClose: (reason) => subscriber.onClose(reason),
        }),
    };
    const { hub, disconnects } = await hubOver(store, 0);
    const session = await openSession(hub, { initial: 'now' });
    await caughtUp(session);
    for (let i = 1; i <= 5; i++) await hub.publish('test', { data: `e${i}` });
    await until(() => session.sink.events.length === 5);
    expect(session.sink.events.map((frame) => frame.data)).toEqual(['e1', 'e2', 'e3', 'e4', 'e5']);
    expect(failNextRead).toBe(false);
    expect(disconnects).toEqual([]);
    session.abort();
  });
});

describe('replay reads under a reconnect storm', () => {
  it(`200 sessions replaying at once never have more than ${DEFAULT_REPLAY_READ_CONCURRENCY} reads in flight, and all catch up`, async () => {
    const { store, counts } = instrumentedStore({ readDelayMs: 2 });
    const { hub, ids } = await hubOver(store, 60);
    const sessions = await Promise.all(
      Array.from({ length: 200 }, () => openSession(hub, { lastEventId: ids[9], replayPageSize: 10 })),
    );
    await Promise.all(sessions.map((session) => caughtUp(session, 20_000)));
    expect(counts.maxInFlight).toBeLessThanOrEqual(DEFAULT_REPLAY_READ_CONCURRENCY);
    // The limit was reached, not undercut: the storm did queue.
    expect(counts.maxInFlight).toBe(DEFAULT_REPLAY_READ_CONCURRENCY);
    for (const session of sessions) {
      expect(offsetsOf(session)).toEqual(range(11, 60));
      session.abort();
    }
    await Promise.all(sessions.map((session) => session.done));
    expect(hub.stats().connections).toBe(0);
  }, 30_000);
});

describe('ReplayReadLimiter', () => {
  it('runs at most `limit` tasks at once, first come first served', async () => {
    const limiter = new ReplayReadLimiter(2);
    const started: number[] = [];
    const releases: Array<() => void> = [];
    const tasks = [0, 1, 2, 3].map((n) =>
      limiter.run(() => {
        started.push(n);
        return new Promise<number>((resolve) => releases.push(() => resolve(n)));
      }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([0, 1]);
    releases[1]!();
    await until(() => started.length === 3);
    expect(started).toEqual([0, 1, 2]);
    releases[0]!();
    releases[2]!();
    await until(() => started.length === 4);
    releases[3]!();
    expect(await Promise.all(tasks)).toEqual([0, 1, 2, 3]);
    expect(limiter.active).toBe(0);
  });

  it('a waiter whose signal aborts leaves the queue without running', async () => {
    const limiter = new ReplayReadLimiter(1);
    let release!: () => void;
    const first = limiter.run(() => new Promise<void>((resolve) => (release = resolve)));
    const controller = new AbortController();
    let ran = false;
    const queued = limiter.run(async () => {
      ran = true;
    }, controller.signal);
    controller.abort();
    await expect(queued).rejects.toThrow();
    release();
    await first;
    expect(ran).toBe(false);
    expect(limiter.active).toBe(0);
  });

  it('rejects a limit that is not a whole number ≥ 1', () => {
    expect(() => new ReplayReadLimiter(0)).toThrow(/whole number/);
    expect(() => new ReplayReadLimiter(1.5)).toThrow(/whole number/);
  });
});

describe('HubOptions.replayReadConcurrency', () => {
  it('sets the hub-wide limit (default 64) and refuses a bad value with INVALID_OPTION', () => {
    expect(createHub({ store: memoryStore() }).replayReads.limit).toBe(64);
    expect(createHub({ store: memoryStore(), replayReadConcurrency: 5 }).replayReads.limit).toBe(5);
    expect(() => createHub({ store: memoryStore(), replayReadConcurrency: 0 })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION' }),
    );
  });
});
