import { describe, expect, it } from 'vitest';
import { collector } from '../collector.ts';
import { expectStoreError, type SuiteContext } from '../context.ts';
import { SETTLE_MS, sleep } from '../wait.ts';

export function idempotencyCases(ctx: SuiteContext): void {
  describe('idempotent append', () => {
    it('returns the first offset with duplicate:true for a repeated key and stores nothing', async () => {
      const store = await ctx.create();
      const stream = ctx.stream('idempotent');
      const listener = collector();
      await store.subscribe(stream, listener).ready;
      const [first] = await store.append(stream, [{ data: 'once', idempotencyKey: 'order-1' }]);
      await store.append(stream, [{ data: 'other' }]);
      const [again] = await store.append(stream, [{ data: 'once (retried)', idempotencyKey: 'order-1' }]);
      expect(first).toMatchObject({ offset: 1, duplicate: false });
      expect(again).toEqual({ epoch: first?.epoch, offset: 1, duplicate: true });
      expect(await store.position(stream)).toMatchObject({ head: 2 });
      expect((await ctx.readAll(store, stream)).map((event) => event.data)).toEqual(['once', 'other']);
      await ctx.expectRetained(store, stream, 2);
      await listener.waitForEvents(2);
      await sleep(SETTLE_MS);
      expect(listener.events.map((event) => event.data)).toEqual(['once', 'other']);
    });

    it('stores a key repeated inside one batch once', async () => {
      const store = await ctx.create();
      const stream = ctx.stream('idempotent-batch');
      const results = await store.append(stream, [
        { data: 'a', idempotencyKey: 'k' },
        { data: 'b' },
        { data: 'a again', idempotencyKey: 'k' },
      ]);
      expect(results.map(({ offset, duplicate }) => [offset, duplicate])).toEqual([
        [1, false],
        [2, false],
        [1, true],
      ]);
      expect((await ctx.readAll(store, stream)).map((event) => event.data)).toEqual(['a', 'b']);
      await ctx.expectRetained(store, stream, 2);
    });

    it('scopes keys to their stream', async () => {
      const store = await ctx.create();
      const a = ctx.stream('keys-a');
      const b = ctx.stream('keys-b');
      const [inA] = await store.append(a, [{ data: 'x', idempotencyKey: 'shared-key' }]);
      const [inB] = await store.append(b, [{ data: 'x', idempotencyKey: 'shared-key' }]);
      expect(inA).toMatchObject({ offset: 1, duplicate: false });
      expect(inB).toMatchObject({ offset: 1, duplicate: false });
      await ctx.expectRetained(store, b, 1);
    });

    it('treats different keys as different events', async () => {
      const store = await ctx.create();
      const stream = ctx.stream('distinct-keys');
      const results = await store.append(stream, [
        { data: '1', idempotencyKey: 'k1' },
        { data: '2', idempotencyKey: 'k2' },
      ]);
      expect(results.map((result) => result.duplicate)).toEqual([false, false]);
      await ctx.expectRetained(store, stream, 2);
    });

    // UTF-8 has no form for a lone surrogate: SQLite and Redis stored both keys below as
    // `order-\uFFFD`, so the second publish was answered duplicate and dropped.
    it.each([
      ['a lone high surrogate', 'order-\uD800'],
      ['a lone low surrogate', 'order-\uDC00'],
      ['a high surrogate at the end', 'order-\uDBFF'],
      ['two surrogate pairs in reversed order', 'order-\uDE00\uD83D'],
    ])('refuses a key with %s (INVALID_FIELD), storing none of the batch', async (_, key) => {
      const store = await ctx.create();
      const stream = ctx.stream('ill-formed-key');
      await store.append(stream, [{ data: 'before' }]);
      await expectStoreError(
        () =>
          store.append(stream, [
            { data: 'ok', idempotencyKey: 'fine' },
            { data: 'x', idempotencyKey: key },
          ]),
        'INVALID_FIELD',
      );
      expect(await store.position(stream)).toMatchObject({ head: 1 });
      // The refused batch consumed no key either: `fine` is still new.
      const [next] = await store.append(stream, [{ data: 'after', idempotencyKey: 'fine' }]);
      expect(next).toMatchObject({ offset: 2, duplicate: false });
      expect((await ctx.readAll(store, stream)).map((event) => event.data)).toEqual(['before', 'after']);
    });

    it('keeps keys apart that differ only in a surrogate pair or against U+FFFD', async () => {
      const store = await ctx.create();
      const stream = ctx.stream('astral-keys');
      const keys = ['k-\u{1F642}', 'k-\u{1F643}', 'k-\uFFFD', 'k-\u{10FFFF}'];
      const results = await store.append(
        stream,
        keys.map((idempotencyKey, index) => ({ data: String(index), idempotencyKey })),
      );
      expect(results.map(({ offset, duplicate }) => [offset, duplicate])).toEqual([
        [1, false],
        [2, false],
        [3, false],
        [4, false],
      ]);
      const again = await store.append(
        stream,
        keys.map((idempotencyKey) => ({ data: 'retry', idempotencyKey })),
      );
      expect(again.map(({ offset, duplicate }) => [offset, duplicate])).toEqual([
        [1, true],
        [2, true],
        [3, true],
        [4, true],
      ]);
      await ctx.expectRetained(store, stream, 4);
    });

    it(`forgets a key after idempotencyWindowMs (${ctx.injectableClock ? 'manual clock' : 'real time: no injectable clock'})`, async () => {
      const window = ctx.ageWindowMs;
      const store = await ctx.create({ idempotencyWindowMs: window });
      const stream = ctx.stream('key-expiry');
      await store.append(stream, [{ data: 'first', idempotencyKey: 'k' }]);
      await ctx.passTime(window * 0.4);
      const [inside] = await store.append(stream, [{ data: 'retry', idempotencyKey: 'k' }]);
      expect(inside).toMatchObject({ offset: 1, duplicate: true });
      await ctx.passTime(window * 0.8);
      const [outside] = await store.append(stream, [{ data: 'later', idempotencyKey: 'k' }]);
      expect(outside).toMatchObject({ offset: 2, duplicate: false });
      expect((await ctx.readAll(store, stream)).map((event) => event.data)).toEqual(['first', 'later']);
    });
  });
}
