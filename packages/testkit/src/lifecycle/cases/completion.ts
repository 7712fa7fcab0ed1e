import type { TerminalEvent } from '@resumable-sse/core/lifecycle';
import { describe, expect, it } from 'vitest';
import type { LifecycleContext } from '../context.ts';

const TERMINAL: TerminalEvent = {
  event: 'completed',
  data: '{"result":{"tokens":50}}',
  id: 'ep0ch1234a.1e',
  state: 'completed',
};

export function completionCases(ctx: LifecycleContext): void {
  describe('completion record', () => {
    it('complete keeps the terminal event and moves an active record to its terminal state', async () => {
      const store = await ctx.create();
      const other = await ctx.other(store);
      const streamId = ctx.id('complete');
      await store.register({ streamId, type: 'generation', owner: ctx.owner() });
      const before = await store.countActive();
      const completedAt = ctx.now();
      await store.complete(streamId, TERMINAL);
      const completion = await other.completion(streamId);
      expect(completion).toMatchObject({ streamId, ...TERMINAL });
      if (ctx.injectableClock) expect(completion?.completedAt).toBe(completedAt);
      expect((await other.get(streamId))?.state).toBe('completed');
      expect(await store.countActive()).toBe(before - 1);
      if (ctx.setup.inspect) expect(await ctx.setup.inspect.hasCompletion(streamId)).toBe(true);
    });

    it('a failed terminal event moves the record to failed; an orphaned record stays orphaned', async () => {
      const store = await ctx.create();
      const failing = ctx.id('failing');
      const orphan = ctx.id('orphan');
      for (const streamId of [failing, orphan])
        await store.register({ streamId, type: 'generation', owner: ctx.owner() });
      const failed: TerminalEvent = {
        event: 'failed',
        data: '{"reason":"error"}',
        id: 'ep0ch1234a.3',
        state: 'failed',
      };
      await store.complete(failing, failed);
      expect((await store.get(failing))?.state).toBe('failed');
      await store.setState(orphan, 'orphaned', { from: 'active' });
      await store.complete(orphan, { ...failed, data: '{"reason":"orphaned"}' });
      expect((await store.get(orphan))?.state).toBe('orphaned');
      expect((await store.completion(orphan))?.data).toBe('{"reason":"orphaned"}');
    });

    it('completion is null for a stream that has not ended', async () => {
      const store = await ctx.create();
      const streamId = ctx.id('running');
      await store.register({ streamId, type: 'generation', owner: ctx.owner() });
      expect(await store.completion(streamId)).toBeNull();
      expect(await store.completion(ctx.id('never'))).toBeNull();
    });

    it('keeps the completion record for its TTL, then it is gone', async () => {
      const store = await ctx.create();
      const streamId = ctx.id('ttl');
      await store.register({ streamId, type: 'generation', owner: ctx.owner() });
      const ttl = ctx.ttlMs;
      await store.complete(streamId, TERMINAL, ttl);
      await ctx.passTtl(Math.floor(ttl / 3));
      expect((await store.completion(streamId))?.id).toBe(TERMINAL.id);
      await ctx.passTtl(ttl);
      expect(await store.completion(streamId)).toBeNull();
      await store.expire(ctx.now());
      if (ctx.setup.inspect) expect(await ctx.setup.inspect.hasCompletion(streamId)).toBe(false);
      // The record outlives its completion: the stream is still known, as `expired`.
      expect((await store.get(streamId))?.state).toBe('expired');
    });

    it('an ended stream reads as expired once its completion TTL passed, in every read and every instance', async () => {
      const store = await ctx.create();
      const other = await ctx.other(store);
      const owner = ctx.owner();
      const done = ctx.id('expires-done');
      const orphan = ctx.id('expires-orphan');
      const later = ctx.id('expires-later');
      const noRecord = ctx.id('expires-no-completion');
      for (const streamId of [done, orphan, later, noRecord])
        await store.register({ streamId, type: 'generation', owner });
      const ttl = ctx.ttlMs;
      await store.complete(done, TERMINAL, ttl);
      await store.setState(orphan, 'orphaned', { from: 'active' });
      await store.complete(orphan, { ...TERMINAL, event: 'failed', state: 'failed' }, ttl);
      await store.complete(later, TERMINAL, ttl * 20);
      // Ended without a completion record: nothing to lapse, it stays as it ended.
      await store.setState(noRecord, 'failed', { from: 'active' });
      await ctx.passTtl(Math.floor(ttl / 3));
      expect((await other.get(done))?.state).toBe('completed');
      expect((await other.get(orphan))?.state).toBe('orphaned');
      await ctx.passTtl(ttl);

      const states = async (reader: typeof store) =>
        Object.fromEntries(
          (await reader.pageByOwner(owner)).records.map((record) => [record.streamId, record.state]),
        );
      const expected = { [done]: 'expired', [orphan]: 'expired', [later]: 'completed', [noRecord]: 'failed' };
      expect(await states(store)).toEqual(expected);
      expect(await states(other)).toEqual(expected);
      expect((await other.get(done))?.state).toBe('expired');
      expect(
        Object.fromEntries((await other.listByOwner(owner)).map((record) => [record.streamId, record.state])),
      ).toEqual(expected);
      // `from` compares with the state as read, so a stale writer cannot act on the ended state.
      expect(await other.setState(done, 'failed', { from: 'completed' })).toBe(false);
      expect(await other.setState(orphan, 'expired', { from: 'expired' })).toBe(true);
      // The expiry sweep keeps the record (it has its own retention) and changes none of this.
      await store.expire(ctx.now());
      expect((await store.get(done))?.state).toBe('expired');
      expect((await store.get(later))?.state).toBe('completed');
    });

    it('refuses a terminal event without an id or with a state other than completed or failed', async () => {
      const store = await ctx.create();
      const streamId = ctx.id('bad-terminal');
      await expect(store.complete(streamId, { ...TERMINAL, id: '' })).rejects.toMatchObject({
        code: 'INVALID_OPTION',
      });
      await expect(
        store.complete(streamId, { ...TERMINAL, state: 'orphaned' as 'failed' }),
      ).rejects.toMatchObject({
        code: 'INVALID_OPTION',
      });
      expect(await store.completion(streamId)).toBeNull();
    });
  });

  describe('cancellation', () => {
    it('requestCancel flags an active stream, and another instance sees it; false for unknown or ended streams', async () => {
      const store = await ctx.create();
      const other = await ctx.other(store);
      const streamId = ctx.id('cancel');
      await store.register({ streamId, type: 'generation', owner: ctx.owner() });
      expect(await store.cancelRequested(streamId)).toBe(false);
      expect(await other.requestCancel(streamId)).toBe(true);
      expect(await store.cancelRequested(streamId)).toBe(true);
      expect((await store.get(streamId))?.cancelRequested).toBe(true);
      expect((await store.get(streamId))?.state).toBe('active');
      expect(await other.requestCancel(ctx.id('never'))).toBe(false);
      expect(await store.cancelRequested(ctx.id('never'))).toBe(false);
      const ended = ctx.id('ended');
      await store.register({ streamId: ended, type: 'generation', owner: ctx.owner() });
      await store.setState(ended, 'completed');
      expect(await other.requestCancel(ended)).toBe(false);
      expect(await store.cancelRequested(ended)).toBe(false);
    });
  });

  describe('retention', () => {
    it('an ended record is removed recordTtlMs after its last write', async () => {
      const ttl = ctx.ttlMs;
      const store = await ctx.create({ recordTtlMs: ttl });
      const owner = ctx.owner();
      const streamId = ctx.id('retained');
      await store.register({ streamId, type: 'generation', owner });
      await store.setState(streamId, 'completed');
      await ctx.passTtl(Math.floor(ttl / 3));
      expect((await store.get(streamId))?.state).toBe('completed');
      await ctx.passTtl(ttl);
      await store.expire(ctx.now());
      expect(await store.get(streamId)).toBeNull();
      expect(await store.listByOwner(owner)).toEqual([]);
      if (ctx.setup.inspect) expect(await ctx.setup.inspect.state(streamId)).toBeUndefined();
    });

    it('heartbeats keep an active record past recordTtlMs; without them it is removed', async () => {
      const ttl = ctx.ttlMs;
      const store = await ctx.create({ recordTtlMs: ttl });
      const beating = ctx.id('beating');
      const silent = ctx.id('silent');
      for (const streamId of [beating, silent])
        await store.register({ streamId, type: 'generation', owner: ctx.owner() });
      const step = Math.floor(ttl * 0.6);
      await ctx.passTtl(step);
      expect(await store.heartbeat(beating)).toBe(true);
      await ctx.passTtl(step);
      await store.expire(ctx.now());
      expect((await store.get(beating))?.state).toBe('active');
      expect(await store.get(silent)).toBeNull();
      expect(await store.heartbeat(silent)).toBe(false);
    });

    it('registering an id again after its record expired starts afresh and forgets the old completion', async () => {
      const ttl = ctx.ttlMs;
      const store = await ctx.create({ recordTtlMs: ttl });
      const streamId = ctx.id('reuse');
      await store.register({ streamId, type: 'generation', owner: ctx.owner() });
      await store.complete(streamId, TERMINAL, ttl * 20);
      await ctx.passTtl(ttl);
      expect(await store.register({ streamId, type: 'export', owner: ctx.owner() })).toBe(true);
      expect((await store.get(streamId))?.state).toBe('active');
      expect((await store.get(streamId))?.type).toBe('export');
      expect(await store.completion(streamId)).toBeNull();
    });
  });
}
