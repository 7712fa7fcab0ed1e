import { isResumableSseError, type LiveEvent, memoryStore, type StoreCloseReason } from '@resumable-sse/core';
import { describe, expect, it } from 'vitest';
import { collector, describeEventStore, ManualClock } from './store.ts';

describeEventStore('memory', {
  create: async (options) => memoryStore(options),
  // A memory log lives only as long as its store: losing it means starting a new one.
  loseLog: async (_stream, store) => {
    await store.close();
    return memoryStore();
  },
  capabilities: { injectableClock: true },
});

// The same suite on the real clock, so its real-time branch (used by stores without `now`) runs too.
describeEventStore('memory on the real clock', {
  create: async ({ now: _suiteClock, ...retention }) => memoryStore(retention),
  loseLog: async () => memoryStore(),
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('memoryStore specifics', () => {
  it('delivers to subscribers before append resolves (synchronously after storing)', async () => {
    const store = memoryStore();
    const listener = collector();
    store.subscribe('s', listener);
    const pending = store.append('s', [{ data: 'a' }, { data: 'b' }]);
    expect(listener.events.map((event) => event.offset)).toEqual([1, 2]);
    await pending;
  });

  it('keeps offset order when a subscriber appends from inside onEvent', async () => {
    const store = memoryStore();
    const seen: number[] = [];
    const echo = {
      onEvent(event: LiveEvent) {
        seen.push(event.offset);
        if (event.data === 'ping') void store.append('s', [{ data: 'pong' }]);
      },
      onClose() {},
    };
    const second = collector();
    store.subscribe('s', echo);
    store.subscribe('s', second);
    await store.append('s', [{ data: 'ping' }, { data: 'after-ping' }]);
    expect(seen).toEqual([1, 2, 3]);
    expect(second.events.map((event) => [event.offset, event.data])).toEqual([
      [1, 'ping'],
      [2, 'after-ping'],
      [3, 'pong'],
    ]);
  });

  it('ends only the subscription whose onEvent throws, with the error, and keeps delivering to others', async () => {
    const store = memoryStore();
    const failure = new Error('subscriber bug');
    const closes: StoreCloseReason[] = [];
    let calls = 0;
    store.subscribe('s', {
      onEvent() {
        calls += 1;
        throw failure;
      },
      onClose(reason) {
        closes.push(reason);
      },
    });
    const healthy = collector();
    store.subscribe('s', healthy);
    await store.append('s', [{ data: 'a' }, { data: 'b' }]);
    expect(calls).toBe(1);
    expect(closes).toEqual([{ code: 'store-unavailable', error: failure }]);
    expect(healthy.events.map((event) => event.data)).toEqual(['a', 'b']);
  });

  it('stops the rest of a batch for a subscriber that unsubscribes mid-batch', async () => {
    const store = memoryStore();
    const seen: string[] = [];
    const subscription = store.subscribe('s', {
      onEvent(event) {
        seen.push(event.data);
        subscription.unsubscribe();
      },
      onClose() {},
    });
    await store.append('s', [{ data: 'a' }, { data: 'b' }]);
    expect(seen).toEqual(['a']);
  });

  it('gives the same stream a new epoch in every store instance', async () => {
    const epochs = new Set<string>();
    for (let n = 0; n < 20; n += 1) epochs.add((await memoryStore().position('s')).epoch);
    expect(epochs.size).toBe(20);
  });

  it('keeps lone surrogates exactly (it stores JavaScript strings as they are)', async () => {
    const store = memoryStore();
    await store.append('s', [{ data: 'x\uD800y\uDC00' }]);
    expect((await store.readAfter('s', 0, 1))[0]?.data).toBe('x\uD800y\uDC00');
  });

  it('hands out frozen events, so one reader cannot change what another reads', async () => {
    const store = memoryStore();
    const listener = collector();
    store.subscribe('s', listener);
    await store.append('s', [{ data: 'a' }]);
    const [stored] = await store.readAfter('s', 0, 1);
    expect(Object.isFrozen(stored)).toBe(true);
    expect(Object.isFrozen(listener.events[0])).toBe(true);
  });

  it('forgets expired idempotency keys, so they cannot pile up', async () => {
    const clock = new ManualClock();
    const store = memoryStore({ idempotencyWindowMs: 1_000, now: clock.now });
    await store.append('s', [
      { data: 'a', idempotencyKey: 'k1' },
      { data: 'b', idempotencyKey: 'k2' },
    ]);
    clock.advance(600);
    await store.append('s', [{ data: 'c', idempotencyKey: 'k3' }]);
    expect(store.stats().idempotencyKeys).toBe(3);
    clock.advance(500);
    await store.readAfter('s', 0, 10);
    expect(store.stats().idempotencyKeys).toBe(1);
    clock.advance(500);
    await store.append('s', [{ data: 'd' }]);
    expect(store.stats()).toEqual({ streams: 1, events: 4, idempotencyKeys: 0, subscribers: 0 });
  });

  it('counts subscribers in stats and forgets them on unsubscribe', () => {
    const store = memoryStore();
    const subscription = store.subscribe('s', collector());
    store.subscribe('t', collector());
    expect(store.stats()).toMatchObject({ streams: 2, subscribers: 2 });
    subscription.unsubscribe();
    expect(store.stats().subscribers).toBe(1);
  });

  it('applies age retention in position() too', async () => {
    const clock = new ManualClock();
    const store = memoryStore({ maxAgeMs: 1_000, now: clock.now });
    await store.append('s', [{ data: 'a' }]);
    clock.advance(1_000);
    expect(await store.position('s')).toMatchObject({ oldest: 1, head: 1 });
    clock.advance(1);
    expect(await store.position('s')).toMatchObject({ oldest: null, head: 1 });
  });

  describe('maxBytes', () => {
    it('evicts the oldest events to stay within the byte budget, counting UTF-8 bytes', async () => {
      // 'ab' = 2 bytes, '🙂' = 4 bytes, event name 'é' = 2 bytes.
      const store = memoryStore({ maxBytes: 8 });
      await store.append('s', [{ data: 'ab' }, { data: '🙂' }]);
      expect((await store.readAfter('s', 0, 10)).map((event) => event.data)).toEqual(['ab', '🙂']);
      await store.append('s', [{ event: 'é', data: 'x' }]);
      expect((await store.readAfter('s', 0, 10)).map((event) => event.data)).toEqual(['🙂', 'x']);
      expect(await store.position('s')).toMatchObject({ oldest: 2, head: 3 });
    });

    it('refuses a batch holding an event larger than maxBytes with PAYLOAD_TOO_LARGE, storing none of it', async () => {
      const store = memoryStore({ maxBytes: 10 });
      await store.append('s', [{ data: 'kept' }]);
      const error = await rejection(store.append('s', [{ data: 'ok' }, { data: '漢字漢字' }]));
      expect(isResumableSseError(error, 'PAYLOAD_TOO_LARGE')).toBe(true);
      expect(await store.position('s')).toMatchObject({ oldest: 1, head: 1 });
      expect((await store.readAfter('s', 0, 10)).map((event) => event.data)).toEqual(['kept']);
    });
  });

  describe('after close', () => {
    it('refuses reads and positions with STORE_CLOSED', async () => {
      const store = memoryStore();
      await store.append('s', [{ data: 'a' }]);
      await store.close();
      expect(isResumableSseError(await rejection(store.readAfter('s', 0, 1)), 'STORE_CLOSED')).toBe(true);
      expect(isResumableSseError(await rejection(store.position('s')), 'STORE_CLOSED')).toBe(true);
    });

    it('ends a new subscription at once with store-closed', async () => {
      const store = memoryStore();
      await store.close();
      const listener = collector();
      const subscription = store.subscribe('s', listener);
      await subscription.ready;
      await listener.waitForClose(1_000);
      expect(listener.closes).toEqual([{ code: 'store-closed' }]);
    });
  });

  it.each([
    [{ maxEvents: 0 }],
    [{ maxEvents: 2.5 }],
    [{ maxAgeMs: 0 }],
    [{ maxAgeMs: Number.POSITIVE_INFINITY }],
    [{ maxBytes: -1 }],
    [{ idempotencyWindowMs: -1 }],
  ])('rejects %j with INVALID_OPTION', (options) => {
    expect(() => memoryStore(options)).toThrowError(expect.objectContaining({ code: 'INVALID_OPTION' }));
  });
});
