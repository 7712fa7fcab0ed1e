import { createStreamGuardian, type StreamRecord } from '@resumable-sse/core/lifecycle';
import { eventTag } from '@resumable-sse/core/protocol';
import { describe, expect, it } from 'vitest';
import type { LifecycleContext } from '../context.ts';

export function guardianCases(ctx: LifecycleContext): void {
  describe('guardian', () => {
    it('guardians in two processes orphan each stale stream exactly once and end it with one `failed` {reason: "orphaned"}', async () => {
      const storeA = await ctx.create();
      const storeB = await ctx.other(storeA);
      // One event log shared by both processes, as with a Redis or SQLite event store.
      const hub = ctx.hub();
      const owner = ctx.owner('guarded');
      const stale = Array.from({ length: 12 }, (_, index) => ctx.id(`stale-${index}`));
      const fresh = ctx.id('fresh');
      for (const streamId of [...stale, fresh]) {
        await storeA.register({ streamId, type: 'generation', owner });
        await hub.publish(streamId, { event: 'token', data: 'before the crash' });
      }
      await ctx.passTime(ctx.thresholdMs + 1_000);
      await storeA.heartbeat(fresh);

      const orphanedBy: Record<'A' | 'B', StreamRecord[]> = { A: [], B: [] };
      const endedHook: string[] = [];
      const guardian = (name: 'A' | 'B', lifecycle: typeof storeA) =>
        createStreamGuardian({
          lifecycle,
          hub,
          thresholdMs: ctx.thresholdMs,
          now: () => ctx.now(),
          onOrphaned: (record) => {
            orphanedBy[name].push(record);
          },
          hooks: {
            onStreamEnded: ({ streamId, state }) => {
              if (state === 'orphaned') endedHook.push(streamId);
            },
          },
        });
      const [runA, runB] = await Promise.all([
        guardian('A', storeA).runOnce(),
        guardian('B', storeB).runOnce(),
      ]);

      const mine = (records: readonly StreamRecord[]) =>
        records.filter((record) => record.owner === owner).map((r) => r.streamId);
      const claimed = [...mine(orphanedBy.A), ...mine(orphanedBy.B)];
      expect(claimed.sort()).toEqual([...stale].sort());
      expect([...mine(runA.orphaned), ...mine(runB.orphaned)].sort()).toEqual([...stale].sort());
      expect(endedHook.filter((streamId) => stale.includes(streamId)).sort()).toEqual([...stale].sort());
      for (const streamId of stale) {
        const log = await hub.store.readAfter(streamId, 0, 100);
        expect(log.map((event) => [event.event, event.data])).toEqual([
          ['token', 'before the crash'],
          ['failed', '{"reason":"orphaned"}'],
        ]);
        const { epoch } = await hub.store.position(streamId);
        expect(await storeB.completion(streamId)).toMatchObject({
          event: 'failed',
          state: 'failed',
          id: hub.codec.encode({ epoch, offset: 2, tag: eventTag(log[1]!) }),
        });
        expect((await storeB.get(streamId))?.state).toBe('orphaned');
      }
      expect((await storeA.get(fresh))?.state).toBe('active');
      expect((await hub.store.readAfter(fresh, 0, 100)).map((event) => event.event)).toEqual(['token']);
    });

    it('reports active, orphaned and expired counts after each run', async () => {
      const store = await ctx.create();
      const streamId = ctx.id('counted');
      await store.register({ streamId, type: 'generation', owner: ctx.owner() });
      const runs: Array<{ active: number; orphaned: number }> = [];
      const guardian = createStreamGuardian({
        lifecycle: store,
        thresholdMs: ctx.thresholdMs,
        now: () => ctx.now(),
        hooks: { onGuardianRun: ({ active, orphaned }) => runs.push({ active, orphaned }) },
      });
      const first = await guardian.runOnce();
      expect(first.orphaned.map((record) => record.streamId)).not.toContain(streamId);
      expect(first.active).toBeGreaterThanOrEqual(1);
      await ctx.passTime(ctx.thresholdMs + 1_000);
      const second = await guardian.runOnce();
      expect(second.orphaned.map((record) => record.streamId)).toContain(streamId);
      expect(runs).toHaveLength(2);
      expect(runs[1]?.orphaned).toBe(second.orphaned.length);
      expect(runs[1]?.active).toBe(first.active - second.orphaned.length);
      // Without a hub the guardian only marks: nothing is published, no completion is kept.
      expect(await store.completion(streamId)).toBeNull();
    });

    it('start() runs the guardian on its interval until stop()', async () => {
      const store = await ctx.create();
      const streamId = ctx.id('interval');
      await store.register({ streamId, type: 'generation', owner: ctx.owner() });
      await ctx.passTime(ctx.thresholdMs + 1_000);
      const orphaned: string[] = [];
      const guardian = createStreamGuardian({
        lifecycle: store,
        intervalMs: 20,
        thresholdMs: ctx.thresholdMs,
        now: () => ctx.now(),
        onOrphaned: (record) => {
          orphaned.push(record.streamId);
        },
      }).start();
      ctx.defer(() => guardian.stop());
      const deadline = Date.now() + 5_000;
      while (!orphaned.includes(streamId) && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 10));
      expect(orphaned).toContain(streamId);
      await guardian.stop();
      expect(guardian.started).toBe(false);
    });
  });
}
