import { describe, expect, it } from 'vitest';
import type { LifecycleContext } from '../context.ts';

export function claimStaleCases(ctx: LifecycleContext): void {
  describe('claimStale (orphan detection)', () => {
    it('marks exactly the active streams whose heartbeat is older than the threshold, and returns them', async () => {
      const store = await ctx.create();
      const owner = ctx.owner();
      const stale = [ctx.id('stale-1'), ctx.id('stale-2')];
      const fresh = ctx.id('fresh');
      const ended = ctx.id('ended');
      for (const streamId of [...stale, fresh, ended])
        await store.register({ streamId, type: 'generation', owner });
      await store.setState(ended, 'completed');
      await ctx.passTime(ctx.thresholdMs + 1_000);
      await store.heartbeat(fresh);

      const claimed = await store.claimStale(ctx.thresholdMs, ctx.now());
      const mine = claimed.filter((record) => record.owner === owner);
      expect(mine.map((record) => record.streamId).sort()).toEqual([...stale].sort());
      expect(mine.every((record) => record.state === 'orphaned')).toBe(true);
      for (const streamId of stale) expect((await store.get(streamId))?.state).toBe('orphaned');
      expect((await store.get(fresh))?.state).toBe('active');
      expect((await store.get(ended))?.state).toBe('completed');
      if (ctx.setup.inspect) {
        for (const streamId of stale) expect(await ctx.setup.inspect.state(streamId)).toBe('orphaned');
        expect(await ctx.setup.inspect.state(fresh)).toBe('active');
      }
    });

    it('does not claim a stream whose heartbeat is just inside the threshold', async () => {
      const store = await ctx.create();
      const streamId = ctx.id('inside');
      await store.register({ streamId, type: 'generation', owner: ctx.owner() });
      const registeredAt = (await store.get(streamId))!.lastHeartbeat;
      const claimed = await store.claimStale(ctx.thresholdMs, registeredAt + ctx.thresholdMs - 1);
      expect(claimed.map((record) => record.streamId)).not.toContain(streamId);
      expect((await store.get(streamId))?.state).toBe('active');
      const later = await store.claimStale(ctx.thresholdMs, registeredAt + ctx.thresholdMs);
      expect(later.map((record) => record.streamId)).toContain(streamId);
    });

    it('claims a stale stream once: a second claim, here or on another instance, returns nothing for it', async () => {
      const store = await ctx.create();
      const other = await ctx.other(store);
      const streamId = ctx.id('once');
      await store.register({ streamId, type: 'generation', owner: ctx.owner() });
      await ctx.passTime(ctx.thresholdMs + 1_000);
      const first = await store.claimStale(ctx.thresholdMs, ctx.now());
      expect(first.map((record) => record.streamId)).toContain(streamId);
      const again = [
        ...(await store.claimStale(ctx.thresholdMs, ctx.now())),
        ...(await other.claimStale(ctx.thresholdMs, ctx.now())),
      ];
      expect(again.map((record) => record.streamId)).not.toContain(streamId);
    });

    it('with concurrent claimers on the same backing, each stale stream is claimed exactly once', async () => {
      const store = await ctx.create();
      const other = await ctx.other(store);
      const owner = ctx.owner('racing');
      const ids = Array.from({ length: 40 }, (_, index) => ctx.id(`race-${index}`));
      for (const streamId of ids) await store.register({ streamId, type: 'generation', owner });
      await ctx.passTime(ctx.thresholdMs + 1_000);
      const now = ctx.now();
      const claimers = [store, other, store, other, store, other];
      const results = await Promise.all(claimers.map((claimer) => claimer.claimStale(ctx.thresholdMs, now)));
      const claimedIds = results
        .flat()
        .filter((record) => record.owner === owner)
        .map((record) => record.streamId);
      expect(claimedIds).toHaveLength(ids.length);
      expect(new Set(claimedIds).size).toBe(ids.length);
      expect(new Set(claimedIds)).toEqual(new Set(ids));
      expect((await store.listByOwner(owner)).every((record) => record.state === 'orphaned')).toBe(true);
    });

    it('countActive no longer counts claimed streams', async () => {
      const store = await ctx.create();
      const streamId = ctx.id('count');
      await store.register({ streamId, type: 'generation', owner: ctx.owner() });
      await ctx.passTime(ctx.thresholdMs + 1_000);
      const keep = ctx.id('keep');
      await store.register({ streamId: keep, type: 'generation', owner: ctx.owner() });
      const before = await store.countActive();
      const claimed = await store.claimStale(ctx.thresholdMs, ctx.now());
      expect(claimed.map((record) => record.streamId)).toContain(streamId);
      expect(await store.countActive()).toBe(before - claimed.length);
      expect((await store.get(keep))?.state).toBe('active');
    });
  });
}
