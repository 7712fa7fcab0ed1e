import { describe, expect, it } from 'vitest';
import { offsets, range, type SuiteContext } from '../context.ts';

export function retentionCases(ctx: SuiteContext): void {
  describe('retention by count', () => {
    it('keeps the newest maxEvents, advances oldest and never reuses an offset', async () => {
      const store = await ctx.create({ maxEvents: 5 });
      const stream = ctx.stream('count');
      await store.append(stream, [{ data: '1' }]);
      await store.append(
        stream,
        range(2, 8)
          .map(String)
          .map((data) => ({ data })),
      );
      for (const n of range(9, 12)) await store.append(stream, [{ data: String(n) }]);
      expect(await store.position(stream)).toMatchObject({ oldest: 8, head: 12 });
      expect((await ctx.readAll(store, stream)).map((event) => event.data)).toEqual([
        '8',
        '9',
        '10',
        '11',
        '12',
      ]);
      await ctx.expectRetained(store, stream, 5);
      const [next] = await store.append(stream, [{ data: '13' }]);
      expect(next?.offset).toBe(13);
      expect(await store.position(stream)).toMatchObject({ oldest: 9, head: 13 });
    });

    it('keeps the tail of a batch larger than maxEvents', async () => {
      const store = await ctx.create({ maxEvents: 3 });
      const stream = ctx.stream('big-batch');
      const results = await store.append(
        stream,
        range(1, 7).map((n) => ({ data: String(n) })),
      );
      expect(offsets(results)).toEqual(range(1, 7));
      expect(offsets(await ctx.readAll(store, stream))).toEqual([5, 6, 7]);
      expect(await store.position(stream)).toMatchObject({ oldest: 5, head: 7 });
      await ctx.expectRetained(store, stream, 3);
    });

    it('retains 500 events per stream by default', async () => {
      const store = await ctx.create();
      const stream = ctx.stream('default-count');
      await store.append(
        stream,
        range(1, 510).map((n) => ({ data: String(n) })),
      );
      expect(await store.position(stream)).toMatchObject({ oldest: 11, head: 510 });
      await ctx.expectRetained(store, stream, 500);
    });
  });

  const clockNote = ctx.injectableClock ? 'manual clock' : 'real time: no injectable clock';
  describe(`retention by age (${clockNote})`, () => {
    it('drops events older than maxAgeMs on append and keeps younger ones', async () => {
      const window = ctx.ageWindowMs;
      const store = await ctx.create({ maxAgeMs: window });
      const stream = ctx.stream('age');
      await store.append(stream, [{ data: 'old' }]);
      await ctx.passTime(window * 0.6);
      await store.append(stream, [{ data: 'young' }]);
      await ctx.passTime(window * 0.5);
      // 'old' is now past the window, 'young' is not; an append must not resurrect or keep 'old'.
      await store.append(stream, [{ data: 'newest' }]);
      expect((await ctx.readAll(store, stream)).map((event) => event.data)).toEqual(['young', 'newest']);
      expect(await store.position(stream)).toMatchObject({ oldest: 2, head: 3 });
      await ctx.expectRetained(store, stream, 2);
    });

    it('drops expired events on read even with no new appends, keeping the head', async () => {
      const window = ctx.ageWindowMs;
      const store = await ctx.create({ maxAgeMs: window });
      const stream = ctx.stream('age-read');
      await store.append(stream, [{ data: 'a' }, { data: 'b' }]);
      expect(offsets(await ctx.readAll(store, stream))).toEqual([1, 2]);
      await ctx.passTime(window * 1.2);
      expect(await ctx.readAll(store, stream)).toEqual([]);
      expect(await store.readAfter(stream, 1, 10)).toEqual([]);
      expect(await store.position(stream)).toMatchObject({ oldest: null, head: 2 });
      const [next] = await store.append(stream, [{ data: 'c' }]);
      expect(next?.offset).toBe(3);
      expect(await store.position(stream)).toMatchObject({ oldest: 3, head: 3 });
    });
  });
}
