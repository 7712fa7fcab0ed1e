import type { EventStore } from '@resumable-sse/core';
import { describe, expect, it } from 'vitest';
import { offsets, range, type SuiteContext } from '../context.ts';

async function appendNumbered(store: EventStore, stream: string, count: number): Promise<void> {
  await store.append(
    stream,
    range(1, count).map((n) => ({ data: `event-${n}` })),
  );
}

export function readCases(ctx: SuiteContext): void {
  describe('readAfter', () => {
    it('pages from after=0 with a limit, oldest first', async () => {
      const store = await ctx.create();
      const stream = ctx.stream('paging');
      await appendNumbered(store, stream, 10);
      const first = await store.readAfter(stream, 0, 3);
      expect(offsets(first)).toEqual([1, 2, 3]);
      expect(first.map((event) => event.data)).toEqual(['event-1', 'event-2', 'event-3']);
      expect(offsets(await store.readAfter(stream, 3, 3))).toEqual([4, 5, 6]);
      expect(offsets(await store.readAfter(stream, 8, 5))).toEqual([9, 10]);
    });

    it('returns everything retained when the limit is larger', async () => {
      const store = await ctx.create();
      const stream = ctx.stream('large-limit');
      await appendNumbered(store, stream, 10);
      expect(offsets(await store.readAfter(stream, 0, 1_000))).toEqual(range(1, 10));
    });

    it('returns nothing for after=head', async () => {
      const store = await ctx.create();
      const stream = ctx.stream('at-head');
      await appendNumbered(store, stream, 10);
      expect(await store.readAfter(stream, 10, 100)).toEqual([]);
    });

    it('returns nothing for after beyond the head', async () => {
      const store = await ctx.create();
      const stream = ctx.stream('beyond-head');
      await appendNumbered(store, stream, 10);
      expect(await store.readAfter(stream, 11, 100)).toEqual([]);
      expect(await store.readAfter(stream, 1_000_000, 100)).toEqual([]);
      expect(await store.readAfter(stream, Number.MAX_SAFE_INTEGER, 100)).toEqual([]);
    });

    it('returns nothing for limit 0', async () => {
      const store = await ctx.create();
      const stream = ctx.stream('limit-zero');
      await appendNumbered(store, stream, 3);
      expect(await store.readAfter(stream, 0, 0)).toEqual([]);
    });

    it('reads from the oldest retained event when after is below it', async () => {
      const store = await ctx.create({ maxEvents: 5 });
      const stream = ctx.stream('below-oldest');
      await appendNumbered(store, stream, 10);
      expect(offsets(await store.readAfter(stream, 0, 100))).toEqual([6, 7, 8, 9, 10]);
      expect(offsets(await store.readAfter(stream, 3, 2))).toEqual([6, 7]);
      expect(offsets(await store.readAfter(stream, 5, 100))).toEqual([6, 7, 8, 9, 10]);
      expect(offsets(await store.readAfter(stream, 7, 100))).toEqual([8, 9, 10]);
    });

    it('reads an unknown stream as empty', async () => {
      const store = await ctx.create();
      expect(await store.readAfter(ctx.stream('never-written'), 0, 100)).toEqual([]);
    });
  });

  describe('position', () => {
    it('reports head 0, oldest null and a stable epoch for a new stream', async () => {
      const store = await ctx.create();
      const stream = ctx.stream('fresh');
      const first = await store.position(stream);
      expect(first.head).toBe(0);
      expect(first.oldest).toBeNull();
      // The epoch goes into cursors as `<epoch>.<offset>`: alphanumeric, at most 16 characters.
      expect(first.epoch).toMatch(/^[A-Za-z0-9]{8,16}$/);
      expect((await store.position(stream)).epoch).toBe(first.epoch);
      const [appended] = await store.append(stream, [{ data: 'x' }]);
      expect(appended?.epoch).toBe(first.epoch);
      expect(await store.position(stream)).toEqual({ epoch: first.epoch, oldest: 1, head: 1 });
    });

    it('keeps streams independent: offsets, reads and positions', async () => {
      const store = await ctx.create();
      const a = ctx.stream('independent-a');
      const b = ctx.stream('independent-b');
      const resultsA = await store.append(a, [{ data: 'a1' }, { data: 'a2' }, { data: 'a3' }]);
      const resultsB = await store.append(b, [{ data: 'b1' }, { data: 'b2' }]);
      expect(offsets(resultsA)).toEqual([1, 2, 3]);
      expect(offsets(resultsB)).toEqual([1, 2]);
      expect((await ctx.readAll(store, a)).map((event) => event.data)).toEqual(['a1', 'a2', 'a3']);
      expect((await ctx.readAll(store, b)).map((event) => event.data)).toEqual(['b1', 'b2']);
      expect(await store.position(a)).toMatchObject({ oldest: 1, head: 3 });
      expect(await store.position(b)).toMatchObject({ oldest: 1, head: 2 });
      await ctx.expectRetained(store, a, 3);
      await ctx.expectRetained(store, b, 2);
    });
  });
}
