import { describe, expect, it } from 'vitest';
import { offsets, range, type SuiteContext } from '../context.ts';

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
