/**
 * A connection whose replay starts at the head the store reported after it subscribed (a new
 * client on `initial: 'now'`, or a client resuming with the newest id) has nothing to read: what
 * follows reaches it live. It asks the store for nothing after its start, and still gets every
 * later event once, in order — also one published while it started, and one whose live
 * notification never came.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Hub } from '../hub.ts';
import { memoryStore } from '../store/memory-store.ts';
import type { EventStore, LiveEvent, StoreSubscriber } from '../store/types.ts';
import { until } from '../test-support/collecting-sink.ts';
import { closeHubs, hubOver, wrapStore } from '../test-support/hubs.ts';
import { openSession } from '../test-support/open-session.ts';

afterEach(closeHubs);

/** A memory store that records the `after` of every `readAfter` it is asked. */
function recordingReads(inner: EventStore = memoryStore(), overrides: Partial<EventStore> = {}) {
  const reads: number[] = [];
  const store = wrapStore(inner, {
    readAfter: (stream, after, limit) => {
      reads.push(after);
      return inner.readAfter(stream, after, limit);
    },
    ...overrides,
  });
  return { store, reads };
}

async function publishNumbered(hub: Hub, from: number, to: number): Promise<string> {
  let id = '';
  for (let n = from; n <= to; n += 1) id = (await hub.publish('test', { data: `e${n}` })).id;
  return id;
}

const dataOf = (frames: ReadonlyArray<{ data: string }>) => frames.map((frame) => frame.data);

describe('a connection that starts at the head', () => {
  it('new, on initial "now": reads nothing after the head, then gets what is published', async () => {
    const { store, reads } = recordingReads();
    const hub = hubOver(store);
    await publishNumbered(hub, 1, 10);
    const session = await openSession(hub, { initial: 'now' });
    await until(() => session.sink.named('caught-up').length === 1, 5_000, 'caught-up');
    expect(reads.filter((after) => after >= 10)).toEqual([]);
    await publishNumbered(hub, 11, 12);
    await until(() => session.sink.events.length === 2, 5_000, 'two live events');
    expect(dataOf(session.sink.events)).toEqual(['e11', 'e12']);
    session.abort();
  });

  it('resuming with the newest id: reads nothing after it, then gets what is published', async () => {
    const { store, reads } = recordingReads();
    const hub = hubOver(store);
    const newest = await publishNumbered(hub, 1, 10);
    const session = await openSession(hub, { lastEventId: newest });
    await until(() => session.sink.named('caught-up').length === 1, 5_000, 'caught-up');
    expect(reads.filter((after) => after >= 10)).toEqual([]);
    expect(JSON.parse(session.sink.named('caught-up')[0]!.data)).toMatchObject({ replayed: 0 });
    await publishNumbered(hub, 11, 11);
    await until(() => session.sink.events.length === 1, 5_000, 'the live event');
    expect(dataOf(session.sink.events)).toEqual(['e11']);
    session.abort();
  });

  it('gets an event published while it read its position once, live', async () => {
    const inner = memoryStore();
    let hub: Hub | undefined;
    let publishDuringPosition = false;
    const { store } = recordingReads(inner, {
      position: async (stream) => {
        const position = await inner.position(stream);
        if (publishDuringPosition) {
          publishDuringPosition = false;
          await hub!.publish('test', { data: 'while starting' });
        }
        return position;
      },
    });
    hub = hubOver(store);
    await publishNumbered(hub, 1, 3);
    publishDuringPosition = true;
    const session = await openSession(hub, { initial: 'now' });
    await until(() => session.sink.events.length >= 1, 5_000, 'the event published while starting');
    await publishNumbered(hub, 5, 5);
    await until(() => session.sink.events.length >= 2, 5_000, 'the next event');
    expect(dataOf(session.sink.events)).toEqual(['while starting', 'e5']);
    session.abort();
  });

  it('gets an event whose live notification never came, before the next one', async () => {
    const inner = memoryStore();
    let dropNext = false;
    const { store } = recordingReads(inner, {
      subscribe: (stream, subscriber) =>
        inner.subscribe(stream, {
          onEvent(event: LiveEvent) {
            if (dropNext) {
              dropNext = false;
              return;
            }
            subscriber.onEvent(event);
          },
          onClose: (reason) => subscriber.onClose(reason),
        } satisfies StoreSubscriber),
    });
    const hub = hubOver(store);
    await publishNumbered(hub, 1, 3);
    const session = await openSession(hub, { initial: 'now' });
    await until(() => session.sink.named('caught-up').length === 1, 5_000, 'caught-up');
    dropNext = true;
    await publishNumbered(hub, 4, 5);
    await until(() => session.sink.events.length >= 2, 5_000, 'both events');
    expect(dataOf(session.sink.events)).toEqual(['e4', 'e5']);
    session.abort();
  });
});
