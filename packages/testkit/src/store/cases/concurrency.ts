import { describe, expect, it } from 'vitest';
import { expectStoreError, offsets, range, type SuiteContext } from '../context.ts';

const APPENDERS = 200;

export function concurrencyCases(ctx: SuiteContext): void {
  describe('concurrency', () => {
    it(`gives ${APPENDERS} concurrent appends distinct, gap-free offsets 1..${APPENDERS}`, async () => {
      const store = await ctx.create();
      const stream = ctx.stream('concurrent');
      const results = await Promise.all(
        range(1, APPENDERS).map((n) => store.append(stream, [{ data: `payload-${n}` }])),
      );
      const given = results.map((batch) => batch[0]?.offset ?? -1);
      expect([...given].sort((x, y) => x - y)).toEqual(range(1, APPENDERS));
      const events = await store.readAfter(stream, 0, APPENDERS * 2);
      expect(offsets(events)).toEqual(range(1, APPENDERS));
      // Each appender's event sits at the offset it was told.
      for (let index = 0; index < APPENDERS; index += 1) {
        expect(events[(given[index] ?? 0) - 1]?.data).toBe(`payload-${index + 1}`);
      }
      await ctx.expectRetained(store, stream, APPENDERS);
    });

    it('keeps each of 20 concurrent batches of 10 on consecutive offsets', async () => {
      const store = await ctx.create();
      const stream = ctx.stream('concurrent-batches');
      const batches = await Promise.all(
        range(1, 20).map((batch) =>
          store.append(
            stream,
            range(1, 10).map((item) => ({ data: `${batch}:${item}` })),
          ),
        ),
      );
      for (const [index, results] of batches.entries()) {
        const first = results[0]?.offset ?? -1;
        expect(offsets(results)).toEqual(range(first, first + 9));
        const stored = await store.readAfter(stream, first - 1, 10);
        expect(stored.map((event) => event.data)).toEqual(range(1, 10).map((item) => `${index + 1}:${item}`));
      }
      expect(batches.map((results) => results[0]?.offset ?? -1).sort((x, y) => x - y)).toEqual(
        range(0, 19).map((n) => n * 10 + 1),
      );
    });

    it('stores the appends to one stream made in one tick in call order, each batch consecutive', async () => {
      const store = await ctx.create();
      const stream = ctx.stream('same-tick-order');
      const sizes = [1, 3, 1, 5, 2, 1, 4];
      const calls = sizes.map((size, call) =>
        store.append(
          stream,
          range(1, size).map((item) => ({ data: `${call}:${item}` })),
        ),
      );
      const results = await Promise.all(calls);
      let next = 1;
      for (const [call, size] of sizes.entries()) {
        expect(offsets(results[call] ?? []), `offsets of call ${call}`).toEqual(range(next, next + size - 1));
        next += size;
      }
      const stored = await store.readAfter(stream, 0, 100);
      expect(stored.map((event) => event.data)).toEqual(
        sizes.flatMap((size, call) => range(1, size).map((item) => `${call}:${item}`)),
      );
    });

    it('answers a key that a later call in the same tick repeats as a duplicate of the earlier call', async () => {
      const store = await ctx.create();
      const stream = ctx.stream('same-tick-key');
      const [first, second, third] = await Promise.all([
        store.append(stream, [{ data: 'a', idempotencyKey: 'k' }]),
        store.append(stream, [{ data: 'b' }, { data: 'a again', idempotencyKey: 'k' }]),
        store.append(stream, [{ data: 'c', idempotencyKey: 'k' }]),
      ]);
      expect(first?.[0]).toMatchObject({ offset: 1, duplicate: false });
      expect(second?.map((result) => [result.offset, result.duplicate])).toEqual([
        [2, false],
        [1, true],
      ]);
      expect(third?.[0]).toMatchObject({ offset: 1, duplicate: true });
      expect((await store.readAfter(stream, 0, 10)).map((event) => event.data)).toEqual(['a', 'b']);
    });

    it('refuses an invalid append made in the same tick as valid ones alone, and stores the valid ones', async () => {
      const store = await ctx.create();
      const stream = ctx.stream('same-tick-invalid');
      const before = store.append(stream, [{ data: 'before' }]);
      const invalid = expectStoreError(
        () => store.append(stream, [{ data: 'fine' }, { data: 'bad', event: 'line\nbreak' }]),
        'INVALID_FIELD',
      );
      const after = store.append(stream, [{ data: 'after' }]);
      await invalid;
      expect((await before)[0]?.offset).toBe(1);
      expect((await after)[0]?.offset).toBe(2);
      expect((await store.readAfter(stream, 0, 10)).map((event) => event.data)).toEqual(['before', 'after']);
    });

    it.skipIf(!ctx.sharedBacking)(
      `shares one gap-free offset sequence between two instances on the same backing${ctx.sharedBacking ? '' : ' — skipped: capabilities.sharedBacking is off'}`,
      async () => {
        const first = await ctx.create();
        const second = await ctx.create();
        const stream = ctx.stream('shared');
        const half = APPENDERS / 2;
        const results = await Promise.all(
          range(1, APPENDERS).map((n) => (n <= half ? first : second).append(stream, [{ data: `p${n}` }])),
        );
        expect(results.map((batch) => batch[0]?.offset ?? -1).sort((x, y) => x - y)).toEqual(
          range(1, APPENDERS),
        );
        expect(offsets(await first.readAfter(stream, 0, APPENDERS * 2))).toEqual(range(1, APPENDERS));
        expect(offsets(await second.readAfter(stream, 0, APPENDERS * 2))).toEqual(range(1, APPENDERS));
        expect((await first.position(stream)).epoch).toBe((await second.position(stream)).epoch);
      },
    );
  });
}
