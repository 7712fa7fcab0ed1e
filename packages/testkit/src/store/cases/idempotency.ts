import { describe, expect, it } from 'vitest';
import { collector } from '../collector.ts';
import type { SuiteContext } from '../context.ts';
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
