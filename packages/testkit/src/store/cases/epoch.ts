import { describe, expect, it } from 'vitest';
import type { SuiteContext } from '../context.ts';

export function epochCases(ctx: SuiteContext): void {
  const { loseLog, reopen } = ctx.setup;
  describe('epoch', () => {
    it.skipIf(loseLog === undefined)(
      `changes when the log is lost, and offsets start again at 1${loseLog ? '' : ' — skipped: setup has no loseLog()'}`,
      async () => {
        const store = await ctx.create();
        const stream = ctx.stream('lost');
        await store.append(stream, [{ data: '1' }, { data: '2' }, { data: '3' }]);
        const before = await store.position(stream);
        const after = ctx.track(await (loseLog as NonNullable<typeof loseLog>)(stream, store));
        const position = await after.position(stream);
        expect(position.epoch).not.toBe(before.epoch);
        expect(position).toMatchObject({ oldest: null, head: 0 });
        expect(await after.readAfter(stream, 0, 100)).toEqual([]);
        const [appended] = await after.append(stream, [{ data: 'fresh' }]);
        expect(appended).toMatchObject({ epoch: position.epoch, offset: 1, duplicate: false });
        expect((await after.position(stream)).epoch).toBe(position.epoch);
      },
    );

    it.skipIf(reopen === undefined)(
      `survives a reopen on the same backing data, with the events and head${reopen ? '' : ' — skipped: the store keeps nothing across instances (no reopen())'}`,
      async () => {
        const store = await ctx.create();
        const stream = ctx.stream('reopen');
        await store.append(stream, [{ data: '1' }, { event: 'e', data: '2' }, { data: '3' }]);
        const before = await store.position(stream);
        const reopened = ctx.track(await (reopen as NonNullable<typeof reopen>)(store));
        expect(await reopened.position(stream)).toEqual(before);
        expect(
          (await reopened.readAfter(stream, 0, 100)).map((event) => [event.offset, event.event, event.data]),
        ).toEqual([
          [1, undefined, '1'],
          [2, 'e', '2'],
          [3, undefined, '3'],
        ]);
        const [next] = await reopened.append(stream, [{ data: '4' }]);
        expect(next).toMatchObject({ epoch: before.epoch, offset: 4, duplicate: false });
      },
    );
  });
}
