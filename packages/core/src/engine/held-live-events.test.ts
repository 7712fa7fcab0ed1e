import { describe, expect, it } from 'vitest';
import { createHub } from '../hub.ts';
import { memoryStore } from '../store/memory-store.ts';
import { CollectingSink, until } from '../test-support/collecting-sink.ts';
import { limitPageReads, wrapStore } from '../test-support/hubs.ts';
import { openSession } from '../test-support/open-session.ts';

const names = (sink: CollectingSink) =>
  sink.frames.map((frame) => (frame.event === undefined ? frame.data.slice(0, 2) : frame.event));

/**
 * A connection that reads e1 of its one short page [e1, e2] and stops reading: what is published
 * next is held, and let go of past its 300-byte mark while the page is still in hand.
 */
async function stalledInShortPage(options: { terminalEvents?: string[] } = {}) {
  const hub = createHub({ store: memoryStore({ maxEvents: 10_000 }) });
  await hub.publishBatch('test', [{ data: 'e1' }, { data: 'e2' }]);
  const sink = new CollectingSink({ highWaterMark: 1, paused: true });
  const session = await openSession(hub, {
    initial: 'earliest',
    replayPageSize: 10,
    highWaterMarkBytes: 300,
    sink,
    ...options,
  });
  await until(() => sink.events.length >= 1);
  return { hub, sink, session };
}

describe('a connection that lets go of held live events while it replays', () => {
  it('gets them before caught-up, though the page in hand was the last', async () => {
    const { hub, sink, session } = await stalledInShortPage();
    await hub.publish('test', { data: 'e3' });
    await hub.publish('test', { data: `e4-${'x'.repeat(400)}` });
    sink.resume();
    await until(() => sink.named('caught-up').length === 1 || sink.closed);
    expect(names(sink)).toEqual(['e1', 'e2', 'e3', 'e4', 'caught-up']);
    expect(JSON.parse(sink.named('caught-up')[0]!.data)).toMatchObject({ replayed: 4 });
    session.abort();
    await hub.close();
  });

  it('is sent the terminal event it let go of, and ends', async () => {
    const { hub, sink } = await stalledInShortPage({ terminalEvents: ['done'] });
    await hub.publish('test', { data: 'e3' });
    await hub.publish('test', { event: 'done', data: `end-${'x'.repeat(400)}` });
    sink.resume();
    await until(() => sink.closed, 2_000, 'the connection to end').catch(() => undefined);
    expect(sink.closed).toBe(true);
    expect(names(sink)).toEqual(['e1', 'e2', 'e3', 'done']);
    await hub.close();
  });
});

describe('caught-up', () => {
  it('comes before the first live event, also one published as the replay ends', async () => {
    const hub = createHub({ store: memoryStore() });
    await hub.publishBatch('test', [{ data: 'e1' }, { data: 'e2' }]);
    const sink = new CollectingSink({ highWaterMark: 1, paused: true });
    const session = await openSession(hub, { initial: 'earliest', sink });
    await until(() => sink.events.length >= 1);
    sink.resume();
    await hub.publish('test', { data: 'e3' });
    await until(() => sink.events.length >= 3 || sink.closed);
    expect(names(sink)).toEqual(['e1', 'e2', 'caught-up', 'e3']);
    expect(JSON.parse(sink.named('caught-up')[0]!.data)).toMatchObject({ replayed: 2 });
    session.abort();
    await hub.close();
  });
});

describe('a store whose reads skip events', () => {
  it('gets a reset where a page skips an offset, never a silent gap', async () => {
    const inner = memoryStore();
    const store = wrapStore(inner, {
      readAfter: async (stream, after, limit) =>
        (await inner.readAfter(stream, after, limit)).filter((event) => event.offset !== 2),
    });
    const hub = createHub({ store });
    await hub.publishBatch('test', [{ data: 'e1' }, { data: 'e2' }, { data: 'e3' }]);
    const session = await openSession(hub, { initial: 'earliest' });
    await until(() => session.sink.named('caught-up').length === 1 || session.sink.closed);
    expect(names(session.sink)).toEqual(['e1', 'reset', 'e3', 'caught-up']);
    expect(JSON.parse(session.sink.named('reset')[0]!.data)).toMatchObject({ reason: 'evicted' });
    session.abort();
    await hub.close();
  });

  it('ends a connection whose reads keep lagging the live events it holds, without spinning', async () => {
    const inner = memoryStore();
    // A replica behind its primary: reads show nothing past e1, while notifications go on.
    const store = wrapStore(inner, {
      readAfter: async (stream, after, limit) =>
        (await inner.readAfter(stream, after, limit)).filter((event) => event.offset <= 1),
    });
    const hub = createHub({ store });
    const pageReads = limitPageReads(hub);
    const watcher = await openSession(hub, { initial: 'now' });
    await until(() => watcher.sink.named('caught-up').length === 1);
    await hub.publishBatch('test', [{ data: 'e1' }, { data: 'e2' }]);
    const session = await openSession(hub, { initial: 'earliest' });
    await until(() => session.sink.named('caught-up').length === 1);
    // Handed live after a gap (e2) that only the store can fill, and it does not.
    await hub.publish('test', { data: 'e3' });
    await until(() => session.sink.closed, 3_000, 'the connection to end');
    expect(pageReads()).toBeLessThan(20);
    expect(session.sink.events.map((frame) => frame.data)).toEqual(['e1']);
    watcher.abort();
    await hub.close();
  });
});
