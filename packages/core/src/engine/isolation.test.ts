import { afterEach, describe, expect, it } from 'vitest';
import { createHub, type Hub } from '../hub.ts';
import type { DisconnectReason, UserCodeError } from '../hub-hooks.ts';
import { createCursorCodec } from '../protocol/cursor-codec.ts';
import { memoryStore } from '../store/memory-store.ts';
import type { EventStore, LiveEvent, StoreSubscriber } from '../store/types.ts';
import { CollectingSink, until } from '../test-support/collecting-sink.ts';
import { openSession } from '../test-support/open-session.ts';
import { Channel } from './channel.ts';
import { PageKeeper } from './shared-pages.ts';

const hubs: Hub[] = [];
afterEach(async () => {
  for (const hub of hubs.splice(0)) await hub.close();
});

function recordingHub(store: EventStore = memoryStore(), throwing: Partial<Record<string, boolean>> = {}) {
  const disconnects: DisconnectReason[] = [];
  const errors: UserCodeError[] = [];
  const fail = (name: string) => {
    if (throwing[name]) throw new Error(`${name} hook failed`);
  };
  const hub = createHub({
    store,
    hooks: {
      onConnect: () => fail('onConnect'),
      onCaughtUp: () => fail('onCaughtUp'),
      onDisconnect: ({ reason }) => {
        disconnects.push(reason);
        fail('onDisconnect');
      },
      onError: (info) => {
        errors.push(info);
        if (throwing.onError) throw new Error('onError failed too');
      },
    },
  });
  hubs.push(hub);
  return { hub, disconnects, errors };
}

const caughtUp = (session: Awaited<ReturnType<typeof openSession>>) =>
  until(() => session.sink.named('caught-up').length === 1, 5_000, 'caught-up');

describe('user code is fenced per connection', () => {
  it('a filter that throws on the live path ends only its own connection', async () => {
    const { hub, disconnects, errors } = recordingHub();
    const others = await Promise.all(Array.from({ length: 5 }, () => openSession(hub)));
    const bad = await openSession(hub, {
      filter: (event) => {
        if (event.data === 'e2') throw new Error('filter bug');
        return true;
      },
    });
    await Promise.all([...others, bad].map(caughtUp));
    for (let i = 1; i <= 4; i++) await hub.publish('test', { data: `e${i}` });
    for (const session of others) await until(() => session.sink.events.length === 4);
    await bad.done;
    for (const session of others)
      expect(session.sink.events.map((frame) => frame.data)).toEqual(['e1', 'e2', 'e3', 'e4']);
    expect(bad.sink.events.map((frame) => frame.data)).toEqual(['e1']);
    expect(disconnects).toEqual(['user-code-error']);
    expect(errors.map((error) => [error.source, error.stream, (error.error as Error).message])).toEqual([
      ['filter', 'test', 'filter bug'],
    ]);
    expect(hub.stats()).toMatchObject({ connections: 5, streams: 1 });
  });

  it('a filter that throws on replay ends only its own connection', async () => {
    const { hub, disconnects } = recordingHub();
    for (let i = 1; i <= 3; i++) await hub.publish('test', { data: `e${i}` });
    const good = await openSession(hub, { initial: 'earliest' });
    const bad = await openSession(hub, {
      initial: 'earliest',
      filter: () => {
        throw new Error('filter bug');
      },
    });
    await caughtUp(good);
    await bad.done;
    await hub.publish('test', { data: 'e4' });
    await until(() => good.sink.events.length === 4);
    expect(bad.sink.events).toEqual([]);
    expect(disconnects).toEqual(['user-code-error']);
  });

  it('throwing hooks, and a throwing onError, change nothing for the connections', async () => {
    const { hub, disconnects } = recordingHub(memoryStore(), {
      onConnect: true,
      onCaughtUp: true,
      onDisconnect: true,
      onError: true,
    });
    const sessions = await Promise.all(Array.from({ length: 5 }, () => openSession(hub)));
    await Promise.all(sessions.map(caughtUp));
    sessions[0]!.abort();
    await sessions[0]!.done;
    for (let i = 1; i <= 10; i++) await hub.publish('test', { data: `e${i}` });
    for (const session of sessions.slice(1)) await until(() => session.sink.events.length === 10);
    expect(disconnects).toEqual(['client-closed']);
    expect(hub.stats()).toMatchObject({ connections: 4, streams: 1 });
  });

  it('an async hook that rejects is reported, never an unhandled rejection', async () => {
    const errors: UserCodeError[] = [];
    const hub = createHub({
      store: memoryStore(),
      hooks: {
        onConnect: (async () => {
          throw new Error('async hook failed');
        }) as () => void,
        onError: (info) => errors.push(info),
      },
    });
    hubs.push(hub);
    const session = await openSession(hub);
    await caughtUp(session);
    await until(() => errors.length === 1);
    expect(errors[0]).toMatchObject({ source: 'hook', hook: 'onConnect' });
  });

  it.each([
    ['authorize', { authorize: () => Promise.reject(new Error('auth backend down')) }],
    [
      'stream',
      {
        stream: () => {
          throw new Error('no stream for you');
        },
      },
    ],
    [
      'initial',
      {
        initial: () => {
          throw new Error('initial bug');
        },
      },
    ],
  ] as const)('a throwing %s answers that request alone with a 500', async (source, options) => {
    const { hub, errors } = recordingHub();
    const live = await openSession(hub);
    await caughtUp(live);
    const failed = await openSession(hub, options);
    expect(failed.plan).toMatchObject({ kind: 'response', status: 500 });
    expect(errors.map((error) => error.source)).toEqual([source]);
    await hub.publish('test', { data: 'still here' });
    await until(() => live.sink.events.length === 1);
  });
});

describe('channel listeners are fenced from each other', () => {
  it('a listener that throws is dropped alone; the others and the subscription carry on', async () => {
    const store = memoryStore();
    const codec = createCursorCodec();
    const channel = new Channel('test', store, codec, new PageKeeper(), () => {});
    const seen: number[] = [];
    const ended: string[] = [];
    channel.add({
      deliver: () => {
        throw new Error('listener bug');
      },
      end: (reason) => ended.push(reason.code),
    });
    channel.add({
      deliver: (event) => seen.push(event.offset),
      end: (reason) => ended.push(`other ${reason.code}`),
    });
    await channel.ready;
    await store.append('test', [{ data: 'a' }, { data: 'b' }]);
    expect(seen).toEqual([1, 2]);
    expect(ended).toEqual(['store-unavailable']);
    expect(channel.size).toBe(1);
    expect(channel.ended).toBe(false);
  });
});

describe('one event larger than the high-water mark', () => {
  const big = 'x'.repeat(2 * 1_048_576);

  it('reaches a reader that keeps reading, and the next events follow', async () => {
    const { hub, disconnects } = recordingHub();
    const sink = new CollectingSink({ highWaterMark: 64 * 1024 });
    const session = await openSession(hub, { sink });
    await caughtUp(session);
    sink.pause();
    await hub.publish('test', { data: big });
    // Still sending the big frame when the next event comes: not held against the reader.
    await hub.publish('test', { data: 'after' });
    sink.resume();
    await hub.publish('test', { data: 'later' });
    await until(() => sink.events.length === 3);
    expect(sink.events.map((frame) => frame.data.length)).toEqual([big.length, 5, 5]);
    expect(disconnects).toEqual([]);
  });

  it('a reader that stops reading is still cut once it falls behind', async () => {
    const { hub, disconnects } = recordingHub();
    const sink = new CollectingSink({ highWaterMark: 64 * 1024 });
    const session = await openSession(hub, { sink });
    await caughtUp(session);
    sink.pause();
    for (let i = 0; i < 3; i++) await hub.publish('test', { data: big });
    await session.done;
    expect(disconnects).toEqual(['slow-consumer']);
  });
});

describe('caught-up names the position', () => {
  it('a client with no event yet resumes from the caught-up id and gets exactly what followed', async () => {
    const { hub } = recordingHub();
    for (let i = 1; i <= 3; i++) await hub.publish('test', { data: `old${i}` });
    const first = await openSession(hub, { initial: 'now' });
    await caughtUp(first);
    const position = first.sink.named('caught-up')[0]!.id;
    expect(position).toBeDefined();
    first.abort();
    await first.done;
    for (let i = 1; i <= 2; i++) await hub.publish('test', { data: `new${i}` });
    const resumed = await openSession(hub, { lastEventId: position });
    await caughtUp(resumed);
    expect(resumed.sink.named('reset')).toEqual([]);
    expect(resumed.sink.events.map((frame) => frame.data)).toEqual(['new1', 'new2']);
  });
});

/** A store whose log can be put back to an older copy under the same epoch, as a restored backup is. */
function restorableStore() {
  let restoringAt: number | undefined;
  const clock = () => restoringAt ?? Date.now();
  let inner = memoryStore({ now: clock });
  let epoch: string | undefined;
  const subscribers = new Set<{ stream: string; subscriber: StoreSubscriber; leave: () => void }>();
  const sameEpoch = <T extends { epoch: string }>(value: T): T => {
    epoch ??= value.epoch;
    return { ...value, epoch };
  };
  const attach = (entry: { stream: string; subscriber: StoreSubscriber; leave: () => void }) => {
    entry.leave = inner.subscribe(entry.stream, {
      onEvent: (event: LiveEvent) => entry.subscriber.onEvent(sameEpoch(event)),
      onClose: (reason) => entry.subscriber.onClose(reason),
    }).unsubscribe;
  };
  const store: EventStore = {
    kind: 'restorable',
    append: async (stream, events) => (await inner.append(stream, events)).map(sameEpoch),
    readAfter: (stream, after, limit) => inner.readAfter(stream, after, limit),
    position: async (stream) => sameEpoch(await inner.position(stream)),
    subscribe(stream, subscriber) {
      const entry = { stream, subscriber, leave: () => {} };
      attach(entry);
      subscribers.add(entry);
      const unsubscribe = () => {
        subscribers.delete(entry);
        entry.leave();
      };
      return { ready: Promise.resolve(), unsubscribe };
    },
    close: () => inner.close(),
  };
  return {
    store,
    /** Puts the log back to its first `keep` events, exactly as they were stored. */
    async restore(stream: string, keep: number): Promise<void> {
      const events = await inner.readAfter(stream, 0, keep);
      for (const entry of subscribers) entry.leave();
      inner = memoryStore({ now: clock });
      for (const { event, data, time } of events) {
        restoringAt = time;
        await inner.append(stream, [{ event, data }]);
      }
      restoringAt = undefined;
      await new Promise((resolve) => setTimeout(resolve, 5));
      for (const entry of subscribers) attach(entry);
    },
  };
}

describe('a log that goes backwards', () => {
  async function scenario() {
    const restorable = restorableStore();
    const { hub, disconnects } = recordingHub(restorable.store);
    const ids: string[] = [];
    for (let i = 1; i <= 30; i++) ids.push((await hub.publish('test', { data: `old${i}` })).id);
    return { ...restorable, hub, ids, disconnects };
  }

  it('a resume from a cursor the restore rewrote is reset{epoch}, then everything retained', async () => {
    const { hub, ids, restore } = await scenario();
    await restore('test', 20);
    for (let i = 21; i <= 35; i++) await hub.publish('test', { data: `new${i}` });
    for (const cursor of [ids[29]!, ids[24]!]) {
      const session = await openSession(hub, { lastEventId: cursor });
      await caughtUp(session);
      expect(JSON.parse(session.sink.named('reset')[0]!.data)).toMatchObject({
        reason: 'epoch',
        requested: cursor,
      });
      expect(session.sink.events).toHaveLength(35);
      expect(session.sink.events.at(-1)!.data).toBe('new35');
    }
  });

  it('a resume from before the restore point continues with no reset', async () => {
    const { hub, ids, restore } = await scenario();
    await restore('test', 20);
    for (let i = 21; i <= 35; i++) await hub.publish('test', { data: `new${i}` });
    const session = await openSession(hub, { lastEventId: ids[19] });
    await caughtUp(session);
    expect(session.sink.named('reset')).toEqual([]);
    expect(session.sink.events.map((frame) => frame.data)).toEqual(
      Array.from({ length: 15 }, (_, i) => `new${21 + i}`),
    );
  });

  it('a live connection whose channel saw the old events is closed at the first rewritten offset', async () => {
    const { hub, restore, disconnects } = await scenario();
    const session = await openSession(hub, { initial: 'now' });
    await caughtUp(session);
    await hub.publish('test', { data: 'old31' });
    await until(() => session.sink.events.length === 1);
    await restore('test', 20);
    await hub.publish('test', { data: 'new21' });
    await session.done;
    expect(disconnects).toEqual(['epoch-changed']);
    expect(session.sink.events.map((frame) => frame.data)).toEqual(['old31']);
  });

  it('a live connection that replayed the old events is closed when its own position is rewritten', async () => {
    const { hub, ids, restore, disconnects } = await scenario();
    const session = await openSession(hub, { initial: 'earliest' });
    await caughtUp(session);
    await restore('test', 20);
    for (let i = 21; i <= 35; i++) await hub.publish('test', { data: `new${i}` });
    await session.done;
    expect(disconnects).toEqual(['epoch-changed']);
    expect(session.sink.events.map((frame) => frame.data).filter((data) => data.startsWith('new'))).toEqual(
      [],
    );
    const resumed = await openSession(hub, { lastEventId: session.sink.events.at(-1)!.id });
    await caughtUp(resumed);
    expect(JSON.parse(resumed.sink.named('reset')[0]!.data)).toMatchObject({ reason: 'epoch' });
    expect(session.sink.events.at(-1)!.id).toBe(ids[29]);
  });
});

describe('regressions found reading the protocol against the code', () => {
  it('a terminal event the filter removes still hands the client its position, so it resumes into 204', async () => {
    const { hub } = recordingHub();
    await hub.publish('test', { event: 'step', data: 'one' });
    const { id: terminalId } = await hub.publish('test', { event: 'done', data: '{}' });
    const options = { initial: 'earliest' as const, terminalEvents: ['done'] };
    const session = await openSession(hub, { ...options, filter: (event) => event.event !== 'done' });
    await session.done;
    expect(session.sink.events.map((frame) => frame.data)).toEqual(['one']);
    // The last bytes are an id-only frame: it moves EventSource's lastEventId and dispatches nothing.
    expect(session.sink.text.endsWith(`id: ${terminalId}\n\n`)).toBe(true);
    const resumed = await openSession(hub, { ...options, lastEventId: terminalId });
    expect(resumed.plan).toMatchObject({ kind: 'response', status: 204 });
  });

  it('maxConnectionMs does not send heartbeats more often than heartbeatMs', async () => {
    const { hub } = recordingHub();
    const session = await openSession(hub, { heartbeatMs: 600, maxConnectionMs: 1_500, retry: false });
    await session.done;
    // The first byte is a comment too; then one heartbeat per 600 ms of a ~1.5 s connection.
    expect(session.sink.comments.length).toBeLessThanOrEqual(4);
  });

  it('an authorize that returns nothing usable is the app’s bug: a 500, reported', async () => {
    const { hub, errors } = recordingHub();
    const session = await openSession(hub, { authorize: (() => undefined) as unknown as () => boolean });
    expect(session.plan).toMatchObject({ kind: 'response', status: 500 });
    expect(errors.map((error) => error.source)).toEqual(['authorize']);
  });
});
