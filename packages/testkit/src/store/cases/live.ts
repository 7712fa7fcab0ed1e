import { describe, expect, it } from 'vitest';
import { collector } from '../collector.ts';
import { expectStoreError, offsets, type SuiteContext } from '../context.ts';
import { SETTLE_MS, sleep } from '../wait.ts';

export function liveCases(ctx: SuiteContext): void {
  describe('live notification', () => {
    it('delivers events appended after subscribe, in offset order, across single and batch appends', async () => {
      const store = await ctx.create();
      const stream = ctx.stream('live');
      const listener = collector();
      await store.subscribe(stream, listener).ready;
      await store.append(stream, [{ data: 'one' }]);
      await store.append(stream, [{ event: 'b', data: 'two' }, { data: 'three' }, { data: 'four' }]);
      await store.append(stream, [{ data: 'five' }]);
      await listener.waitForEvents(5);
      await sleep(SETTLE_MS);
      const { epoch } = await store.position(stream);
      expect(offsets(listener.events)).toEqual([1, 2, 3, 4, 5]);
      expect(listener.events.map((event) => event.data)).toEqual(['one', 'two', 'three', 'four', 'five']);
      expect(listener.events.map((event) => event.event)).toEqual([
        undefined,
        'b',
        undefined,
        undefined,
        undefined,
      ]);
      expect(listener.events.every((event) => event.epoch === epoch)).toBe(true);
      const stored = await ctx.readAll(store, stream);
      expect(listener.events.map((event) => event.time)).toEqual(stored.map((event) => event.time));
    });

    it('does not deliver events appended before subscribe', async () => {
      const store = await ctx.create();
      const stream = ctx.stream('only-after');
      await store.append(stream, [{ data: 'early-1' }, { data: 'early-2' }]);
      const listener = collector();
      await store.subscribe(stream, listener).ready;
      await store.append(stream, [{ data: 'late' }]);
      await listener.waitForEvents(1);
      await sleep(SETTLE_MS);
      expect(listener.events.map((event) => [event.offset, event.data])).toEqual([[3, 'late']]);
    });

    it('stops delivery after unsubscribe, for that subscriber only', async () => {
      const store = await ctx.create();
      const stream = ctx.stream('unsubscribe');
      const leaving = collector('leaving');
      const staying = collector('staying');
      const leavingSubscription = store.subscribe(stream, leaving);
      const stayingSubscription = store.subscribe(stream, staying);
      await Promise.all([leavingSubscription.ready, stayingSubscription.ready]);
      await store.append(stream, [{ data: 'both' }]);
      await Promise.all([leaving.waitForEvents(1), staying.waitForEvents(1)]);
      leavingSubscription.unsubscribe();
      await store.append(stream, [{ data: 'after-1' }]);
      await store.append(stream, [{ data: 'after-2' }, { data: 'after-3' }]);
      await staying.waitForEvents(4);
      await sleep(SETTLE_MS);
      expect(offsets(leaving.events)).toEqual([1]);
      expect(offsets(staying.events)).toEqual([1, 2, 3, 4]);
      stayingSubscription.unsubscribe();
    });

    it('gives every subscriber every event, in the same order', async () => {
      const store = await ctx.create();
      const stream = ctx.stream('fan-out');
      const listeners = [collector('first'), collector('second'), collector('third')];
      await Promise.all(listeners.map((listener) => store.subscribe(stream, listener).ready));
      await Promise.all([
        store.append(stream, [{ data: 'a' }, { data: 'b' }]),
        store.append(stream, [{ data: 'c' }]),
        store.append(stream, [{ data: 'd' }, { data: 'e' }, { data: 'f' }]),
      ]);
      await Promise.all(listeners.map((listener) => listener.waitForEvents(6)));
      await sleep(SETTLE_MS);
      const stored = await ctx.readAll(store, stream);
      for (const listener of listeners) {
        expect(offsets(listener.events)).toEqual([1, 2, 3, 4, 5, 6]);
        expect(listener.events.map((event) => event.data)).toEqual(stored.map((event) => event.data));
      }
    });

    it('delivers nothing from another stream', async () => {
      const store = await ctx.create();
      const watched = ctx.stream('watched');
      const other = ctx.stream('other');
      const listener = collector();
      await store.subscribe(watched, listener).ready;
      await store.append(other, [{ data: 'not for you' }]);
      await store.append(watched, [{ data: 'for you' }]);
      await listener.waitForEvents(1);
      await sleep(SETTLE_MS);
      expect(listener.events.map((event) => event.data)).toEqual(['for you']);
    });

    it.skipIf(!ctx.crossInstanceLive)(
      `delivers an append made on one instance to a subscriber on another${ctx.crossInstanceLive ? '' : ' — skipped: capabilities.crossInstanceLive is off'}`,
      async () => {
        const publisher = await ctx.create();
        const listenerStore = await ctx.create();
        const stream = ctx.stream('cross-instance');
        const listener = collector();
        await listenerStore.subscribe(stream, listener).ready;
        await publisher.append(stream, [{ data: 'x' }, { data: 'y' }]);
        await publisher.append(stream, [{ data: 'z' }]);
        await listener.waitForEvents(3);
        expect(listener.events.map((event) => [event.offset, event.data])).toEqual([
          [1, 'x'],
          [2, 'y'],
          [3, 'z'],
        ]);
        expect(listener.events[0]?.epoch).toBe((await publisher.position(stream)).epoch);
      },
    );
  });

  describe('close', () => {
    it('ends every subscription with store-closed and refuses later appends with STORE_CLOSED', async () => {
      const store = await ctx.create();
      const a = ctx.stream('close-a');
      const b = ctx.stream('close-b');
      const [a1, a2, b1] = [collector('a1'), collector('a2'), collector('b1')];
      const listeners = [a1, a2, b1];
      await Promise.all([
        store.subscribe(a, a1).ready,
        store.subscribe(a, a2).ready,
        store.subscribe(b, b1).ready,
      ]);
      await store.close();
      await Promise.all(listeners.map((listener) => listener.waitForClose()));
      for (const listener of listeners)
        expect(listener.closes.map((reason) => reason.code)).toEqual(['store-closed']);
      await expectStoreError(() => store.append(a, [{ data: 'too late' }]), 'STORE_CLOSED');
      await store.close();
    });
  });
}
