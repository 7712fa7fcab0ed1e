import type { AppendInput } from '@resumable-sse/core';
import { describe, expect, it } from 'vitest';
import { collector } from '../collector.ts';
import { essentials, expectStoreError, offsets, type SuiteContext } from '../context.ts';

const INVALID_ITEMS: [string, unknown][] = [
  ['an event name with LF', { event: 'bad\nname', data: 'x' }],
  ['an event name with CR', { event: 'bad\rname', data: 'x' }],
  ['an event name with NUL', { event: 'bad\0name', data: 'x' }],
  ['a number as data', { data: 42 }],
  ['no data at all', { event: 'x' }],
  ['the reserved control event name "reset"', { event: 'reset', data: '{}' }],
  ['the reserved control event name "caught-up"', { event: 'caught-up', data: '{}' }],
];

export function appendCases(ctx: SuiteContext): void {
  describe('append', () => {
    it('gives a single event offset 1, the next offset 2, tagged with the stream epoch', async () => {
      const store = await ctx.create();
      const stream = ctx.stream('single');
      const [first] = await store.append(stream, [{ data: 'one' }]);
      const [second] = await store.append(stream, [{ event: 'named', data: 'two' }]);
      const { epoch } = await store.position(stream);
      expect(first).toEqual({ epoch, offset: 1, duplicate: false, time: expect.any(Number) });
      expect(second).toEqual({ epoch, offset: 2, duplicate: false, time: expect.any(Number) });
      expect(essentials(await ctx.readAll(store, stream))).toEqual([
        { offset: 1, event: undefined, data: 'one' },
        { offset: 2, event: 'named', data: 'two' },
      ]);
      await ctx.expectRetained(store, stream, 2);
    });

    it('reports the time it stored each new event with, as reads and live events give it', async () => {
      const store = await ctx.create();
      const stream = ctx.stream('stored-time');
      const live = collector();
      await store.subscribe(stream, live).ready;
      const results = await store.append(stream, [{ data: 'a' }, { event: 'b', data: 'b' }]);
      await live.waitForEvents(2);
      const read = await ctx.readAll(store, stream);
      expect(results.map((result) => result.time)).toEqual(read.map((event) => event.time));
      expect(live.events.map((event) => event.time)).toEqual(read.map((event) => event.time));
    });

    it('gives a batch consecutive offsets continuing from the head, in input order', async () => {
      const store = await ctx.create();
      const stream = ctx.stream('batch');
      await store.append(stream, [{ data: 'a' }]);
      const results = await store.append(stream, [{ data: 'b' }, { data: 'c' }, { data: 'd' }]);
      expect(offsets(results)).toEqual([2, 3, 4]);
      expect(results.every((result) => !result.duplicate)).toBe(true);
      expect(new Set(results.map((result) => result.epoch)).size).toBe(1);
      expect((await ctx.readAll(store, stream)).map((event) => event.data)).toEqual(['a', 'b', 'c', 'd']);
      expect(await store.position(stream)).toMatchObject({ oldest: 1, head: 4 });
      await ctx.expectRetained(store, stream, 4);
    });

    it('stores nothing for an empty batch', async () => {
      const store = await ctx.create();
      const stream = ctx.stream('empty-batch');
      expect(await store.append(stream, [])).toEqual([]);
      expect(await store.position(stream)).toMatchObject({ oldest: null, head: 0 });
    });

    it.each(INVALID_ITEMS)(
      'rejects a batch holding %s with INVALID_FIELD and stores none of it',
      async (_, bad) => {
        const store = await ctx.create();
        const stream = ctx.stream('atomic');
        await store.append(stream, [{ data: 'before-1' }, { data: 'before-2' }]);
        const batch = [{ data: 'valid-first' }, bad, { data: 'valid-last' }] as AppendInput[];
        await expectStoreError(() => store.append(stream, batch), 'INVALID_FIELD');
        expect(await store.position(stream)).toMatchObject({ oldest: 1, head: 2 });
        await ctx.expectRetained(store, stream, 2);
        // No offset was consumed by the refused batch: the next event follows on without a hole.
        const [next] = await store.append(stream, [{ data: 'after' }]);
        expect(next?.offset).toBe(3);
        expect((await ctx.readAll(store, stream)).map((event) => event.data)).toEqual([
          'before-1',
          'before-2',
          'after',
        ]);
      },
    );

    it('stamps each event with its append time in milliseconds', async () => {
      const store = await ctx.create();
      const stream = ctx.stream('time');
      const before = ctx.clock.now();
      const realBefore = Date.now();
      await store.append(stream, [{ data: 'a' }]);
      const realAfter = Date.now();
      const [event] = await ctx.readAll(store, stream);
      if (ctx.injectableClock) {
        expect(event?.time).toBe(before);
      } else {
        // A store on another clock (a Redis server's) may differ a little; seconds or 0 would not.
        expect(event?.time).toBeGreaterThanOrEqual(realBefore - 1_000);
        expect(event?.time).toBeLessThanOrEqual(realAfter + 1_000);
      }
    });
  });
}
