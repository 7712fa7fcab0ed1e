import { isResumableSseError } from '@resumable-sse/core';
import type { LifecycleStore } from '@resumable-sse/core/lifecycle';
import { describe, expect, it } from 'vitest';
import type { LifecycleContext } from '../context.ts';

async function expectRefused(operation: () => Promise<unknown>, code: string): Promise<void> {
  const error = await operation().then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(isResumableSseError(error), `expected a ResumableSseError ${code}, got ${String(error)}`).toBe(true);
  expect((error as { code: string }).code).toBe(code);
}

export function registryCases(ctx: LifecycleContext): void {
  describe('registry', () => {
    it('register creates an active record with owner, type, metadata and times; a second register returns false and changes nothing', async () => {
      const store = await ctx.create();
      const streamId = ctx.id('register');
      const owner = ctx.owner();
      const startedAt = ctx.now();
      expect(
        await store.register({ streamId, type: 'generation', owner, metadata: { jobId: 'j-1', tokens: 50 } }),
      ).toBe(true);
      await ctx.passTime(1_000);
      expect(await store.register({ streamId, type: 'export', owner: 'someone-else' })).toBe(false);
      const record = await store.get(streamId);
      expect(record).toMatchObject({
        streamId,
        type: 'generation',
        owner,
        state: 'active',
        cancelRequested: false,
        metadata: { jobId: 'j-1', tokens: 50 },
      });
      if (ctx.injectableClock) {
        expect(record?.startedAt).toBe(startedAt);
        expect(record?.lastHeartbeat).toBe(startedAt);
      } else {
        expect(Math.abs((record?.startedAt ?? 0) - startedAt)).toBeLessThan(1_000);
      }
      if (ctx.setup.inspect) expect(await ctx.setup.inspect.state(streamId)).toBe('active');
    });

    it('a record registered on one instance is seen by another on the same backing', async () => {
      const store = await ctx.create();
      const other = await ctx.other(store);
      const streamId = ctx.id('shared');
      await store.register({ streamId, type: 'export', owner: ctx.owner() });
      expect((await other.get(streamId))?.state).toBe('active');
      expect(await other.register({ streamId, type: 'export', owner: 'x' })).toBe(false);
    });

    it('get returns null for a stream that was never registered', async () => {
      const store = await ctx.create();
      expect(await store.get(ctx.id('unknown'))).toBeNull();
    });

    it("listByOwner returns that owner's streams in every state, oldest first, and no one else's", async () => {
      const store = await ctx.create();
      const owner = ctx.owner('ada');
      const stranger = ctx.owner('bob');
      const first = ctx.id('first');
      const second = ctx.id('second');
      const theirs = ctx.id('theirs');
      await store.register({ streamId: first, type: 'generation', owner });
      await ctx.passTime(10);
      await store.register({ streamId: theirs, type: 'generation', owner: stranger });
      await ctx.passTime(10);
      await store.register({ streamId: second, type: 'export', owner });
      await store.setState(first, 'completed');
      const listed = await store.listByOwner(owner);
      expect(listed.map((record) => [record.streamId, record.state])).toEqual([
        [first, 'completed'],
        [second, 'active'],
      ]);
      expect((await store.listByOwner(stranger)).map((record) => record.streamId)).toEqual([theirs]);
      expect(await store.listByOwner(ctx.owner('nobody'))).toEqual([]);
    });

    it('countActive counts active records only', async () => {
      const store = await ctx.create();
      const before = await store.countActive();
      const ids = [ctx.id('a'), ctx.id('b'), ctx.id('c')];
      for (const streamId of ids) await store.register({ streamId, type: 'generation', owner: ctx.owner() });
      expect(await store.countActive()).toBe(before + 3);
      await store.setState(ids[0]!, 'completed');
      await store.setState(ids[1]!, 'orphaned');
      expect(await store.countActive()).toBe(before + 1);
      await store.setState(ids[2]!, 'failed');
      expect(await store.countActive()).toBe(before);
    });

    it('refuses an invalid stream id, an empty owner or type, and metadata that is not a JSON object', async () => {
      const store: LifecycleStore = await ctx.create();
      await expectRefused(
        () => store.register({ streamId: 'has space', type: 't', owner: 'o' }),
        'INVALID_STREAM_NAME',
      );
      await expectRefused(
        () => store.register({ streamId: '{braces}', type: 't', owner: 'o' }),
        'INVALID_STREAM_NAME',
      );
      await expectRefused(
        () => store.register({ streamId: ctx.id('x'), type: '', owner: 'o' }),
        'INVALID_OPTION',
      );
      await expectRefused(
        () => store.register({ streamId: ctx.id('x'), type: 't', owner: '' }),
        'INVALID_OPTION',
      );
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      await expectRefused(
        () => store.register({ streamId: ctx.id('x'), type: 't', owner: 'o', metadata: cyclic }),
        'INVALID_OPTION',
      );
      await expectRefused(
        () =>
          store.register({
            streamId: ctx.id('x'),
            type: 't',
            owner: 'o',
            metadata: [1, 2] as unknown as Record<string, unknown>,
          }),
        'INVALID_OPTION',
      );
      await expectRefused(() => store.setState(ctx.id('x'), 'running' as 'active'), 'INVALID_OPTION');
    });
  });

  describe('heartbeat and state', () => {
    it('heartbeat moves lastHeartbeat to now and returns true; false for an unknown or ended stream', async () => {
      const store = await ctx.create();
      const streamId = ctx.id('beat');
      await store.register({ streamId, type: 'generation', owner: ctx.owner() });
      const registered = await store.get(streamId);
      await ctx.passTime(5_000);
      const beatAt = ctx.now();
      expect(await store.heartbeat(streamId)).toBe(true);
      const beaten = await store.get(streamId);
      if (ctx.injectableClock) expect(beaten?.lastHeartbeat).toBe(beatAt);
      else
        expect(beaten?.lastHeartbeat).toBeGreaterThan(registered?.lastHeartbeat ?? Number.POSITIVE_INFINITY);
      expect(beaten?.startedAt).toBe(registered?.startedAt);
      expect(await store.heartbeat(ctx.id('never'))).toBe(false);
      await store.setState(streamId, 'completed');
      expect(await store.heartbeat(streamId)).toBe(false);
      expect((await store.get(streamId))?.lastHeartbeat).toBe(beaten?.lastHeartbeat);
    });

    it('setState changes the state; with `from` only when the current state matches', async () => {
      const store = await ctx.create();
      const other = await ctx.other(store);
      const streamId = ctx.id('cas');
      await store.register({ streamId, type: 'generation', owner: ctx.owner() });
      expect(await store.setState(streamId, 'completed', { from: 'orphaned' })).toBe(false);
      expect((await store.get(streamId))?.state).toBe('active');
      // Two processes race to end the stream: exactly one wins.
      const results = await Promise.all([
        store.setState(streamId, 'completed', { from: 'active' }),
        other.setState(streamId, 'orphaned', { from: 'active' }),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results[0] ? 'completed' : 'orphaned';
      expect((await store.get(streamId))?.state).toBe(winner);
      if (ctx.setup.inspect) expect(await ctx.setup.inspect.state(streamId)).toBe(winner);
      expect(await store.setState(streamId, 'expired')).toBe(true);
      expect((await other.get(streamId))?.state).toBe('expired');
      expect(await store.setState(ctx.id('never'), 'failed')).toBe(false);
    });
  });
}
