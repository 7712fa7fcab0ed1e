import { isResumableSseError, type RetentionOptions } from '@resumable-sse/core';
import { describe, expect, it } from 'vitest';
import type { SuiteContext } from '../context.ts';

/** Values no store may take, whichever backing it has: each must be refused the same way. */
const INVALID: ReadonlyArray<readonly [keyof RetentionOptions, unknown]> = [
  ['maxEvents', 0],
  ['maxEvents', -1],
  ['maxEvents', 1.5],
  ['maxEvents', Number.POSITIVE_INFINITY],
  ['maxEvents', Number.NaN],
  ['maxEvents', '10'],
  ['maxAgeMs', 0],
  ['maxAgeMs', -5],
  ['maxAgeMs', 2.5],
  ['maxAgeMs', Number.POSITIVE_INFINITY],
  ['maxAgeMs', Number.NaN],
  ['idempotencyWindowMs', -1],
  ['idempotencyWindowMs', 0.5],
  ['idempotencyWindowMs', Number.POSITIVE_INFINITY],
  ['idempotencyWindowMs', Number.NaN],
];

export function optionCases(ctx: SuiteContext): void {
  describe('options', () => {
    it.each(INVALID)('refuses %s = %s with INVALID_OPTION naming the option', async (name, value) => {
      let thrown: unknown;
      try {
        await ctx.create({ [name]: value } as RetentionOptions);
      } catch (error) {
        thrown = error;
      }
      expect(isResumableSseError(thrown, 'INVALID_OPTION'), `got ${String(thrown)}`).toBe(true);
      expect((thrown as Error).message).toContain(name);
      expect((thrown as Error).message).toContain('whole number');
    });

    it('takes the smallest valid values and honours them', async () => {
      const store = await ctx.create({ maxEvents: 1, maxAgeMs: 1_000_000, idempotencyWindowMs: 0 });
      const stream = ctx.stream('smallest-options');
      await store.append(stream, [{ data: 'a', idempotencyKey: 'k' }]);
      const [again] = await store.append(stream, [{ data: 'b', idempotencyKey: 'k' }]);
      // A window of 0 remembers no key: the second append is a new event, not a duplicate.
      expect(again).toMatchObject({ offset: 2, duplicate: false });
      expect((await ctx.readAll(store, stream)).map((event) => event.data)).toEqual(['b']);
      expect(await store.position(stream)).toMatchObject({ oldest: 2, head: 2 });
    });
  });
}
