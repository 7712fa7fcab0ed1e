import { describe, expect, it } from 'vitest';
import { createHub } from '../hub.ts';
import { memoryStore } from '../store/memory-store.ts';
import type { EventStore } from '../store/types.ts';
import { CollectingSink, until } from '../test-support/collecting-sink.ts';
import { limitPageReads, wrapStore } from '../test-support/hubs.ts';
import { openSession } from '../test-support/open-session.ts';

/** Keeps every chunk it is handed, as the socket would get it. */
class ChunkSink extends CollectingSink {
  readonly chunks: Uint8Array[] = [];

  override write(chunk: Uint8Array): boolean {
    this.chunks.push(chunk);
    return super.write(chunk);
  }
}

/** A store whose replay reads are counted, page by page. */
function countingReads(store: EventStore): { store: EventStore; pageReads: () => number } {
  let pageReads = 0;
  const counted = wrapStore(store, {
    readAfter: (stream, after, limit) => {
      if (limit > 1) pageReads++;
      return store.readAfter(stream, after, limit);
    },
  });
  return { store: counted, pageReads: () => pageReads };
}

describe('connections replaying the same events', () => {
  it('are handed the same bytes for each event: it is encoded once between them', async () => {
    const hub = createHub({ store: memoryStore() });
    const published = await hub.publishBatch(
      'test',
      Array.from({ length: 5 }, (_, n) => ({ data: `e${n + 1}` })),
    );
    const sessions = [];
    for (let n = 0; n < 2; n++) {
      const sink = new ChunkSink();
      const session = await openSession(hub, { lastEventId: published[0]!.id, sink });
      await until(() => sink.frames.some((frame) => frame.event === 'caught-up'));
      sessions.push(session);
    }
    const eventChunks = (sink: ChunkSink) =>
      sink.chunks.filter((chunk) => new TextDecoder().decode(chunk).includes('data: e'));
    const [first, second] = sessions.map((session) => eventChunks(session.sink as ChunkSink));
    expect(first).toHaveLength(4);
    expect(second).toHaveLength(4);
    for (let n = 0; n < 4; n++) expect(second![n]).toBe(first![n]);
    for (const session of sessions) session.abort();
    await hub.close();
  });

  it('from one cursor at once read each page from the store far fewer times than there are connections', async () => {
    const { store, pageReads } = countingReads(memoryStore({ maxEvents: 10_000 }));
    const hub = createHub({ store });
    const published = await hub.publishBatch(
      'test',
      Array.from({ length: 600 }, (_, n) => ({ data: `e${n + 1}` })),
    );
    const before = pageReads();
    const sessions = await Promise.all(
      Array.from({ length: 50 }, () => openSession(hub, { lastEventId: published[0]!.id })),
    );
    await until(() =>
      sessions.every((session) => session.sink.frames.some((frame) => frame.event === 'caught-up')),
    );
    for (const session of sessions) {
      const data = session.sink.frames.filter((frame) => frame.event !== 'caught-up').map((f) => f.data);
      expect(data).toEqual(Array.from({ length: 599 }, (_, n) => `e${n + 2}`));
    }
    // Three pages (256, 256, 87) for each of 50 connections would be 150 reads.
    expect(pageReads() - before).toBeLessThanOrEqual(6);
    for (const session of sessions) session.abort();
    await hub.close();
  });
});

describe('a connection whose held live events overflowed while it replayed', () => {
  /**
   * S stops reading after e1 of e1..e4; T then replays to the end, so the (empty) page after e4
   * is kept, read after S subscribed. Events published next overflow S's 300-byte mark and are let
   * go; when S reads on, that page must not stand in for what S let go.
   */
  async function slowBehindKeptPage() {
    const hub = createHub({ store: memoryStore({ maxEvents: 10_000 }) });
    await hub.publishBatch(
      'test',
      [1, 2, 3, 4].map((n) => ({ data: `e${n}` })),
    );
    const sink = new CollectingSink({ highWaterMark: 1, paused: true });
    const slow = await openSession(hub, {
      initial: 'earliest',
      replayPageSize: 2,
      highWaterMarkBytes: 300,
      sink,
    });
    await until(() => sink.events.length >= 1);
    const other = await openSession(hub, { initial: 'earliest', replayPageSize: 2 });
    await until(() => other.sink.named('caught-up').length === 1);
    return { hub, sink, slow, other };
  }

  it('gets the events it let go when nothing is held after them', async () => {
    const { hub, sink, slow, other } = await slowBehindKeptPage();
    await hub.publish('test', { data: 'e5' });
    await hub.publish('test', { data: `e6-${'x'.repeat(400)}` });
    sink.resume();
    await until(() => sink.named('caught-up').length === 1 || sink.closed);
    await until(() => sink.events.length >= 6, 1_000, 'e5 and e6').catch(() => undefined);
    expect(sink.events.map((frame) => frame.data.slice(0, 2))).toEqual(['e1', 'e2', 'e3', 'e4', 'e5', 'e6']);
    slow.abort();
    other.abort();
    await hub.close();
  });

  it('reads the gap before the events it still holds, instead of being served the kept page over and over', async () => {
    const { hub, sink, slow, other } = await slowBehindKeptPage();
    // The replay loop must reach the store: without a guard, a loop on an already-answered page
    // never yields and no timer — this test's timeout included — would run again.
    const pageReads = limitPageReads(hub);
    for (let n = 5; n <= 30; n++) await hub.publish('test', { data: `e${n}-${'x'.repeat(40)}` });
    sink.resume();
    await until(() => sink.named('caught-up').length === 1 || sink.closed);
    expect(sink.closed).toBe(false);
    expect(sink.events.map((frame) => frame.data.split('-')[0])).toEqual(
      Array.from({ length: 30 }, (_, n) => `e${n + 1}`),
    );
    expect(pageReads()).toBeLessThan(50);
    slow.abort();
    other.abort();
    await hub.close();
  });
});
