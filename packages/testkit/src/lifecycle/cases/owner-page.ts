import { isResumableSseError } from '@resumable-sse/core';
import type { LifecycleStore, StreamRecord } from '@resumable-sse/core/lifecycle';
import { describe, expect, it } from 'vitest';
import type { LifecycleContext } from '../context.ts';

/** Every page of the owner's streams, following `next`, with the ids of each page. */
async function allPages(store: LifecycleStore, owner: string, limit: number): Promise<string[][]> {
  const pages: string[][] = [];
  let after: string | undefined;
  for (let guard = 0; guard < 1_000; guard += 1) {
    const page = await store.pageByOwner(owner, { after, limit });
    pages.push(page.records.map((record) => record.streamId));
    if (page.next === null) return pages;
    after = page.next;
  }
  throw new Error('pageByOwner never reached the last page');
}

async function refusal(operation: () => Promise<unknown>): Promise<string | undefined> {
  const error = await operation().then(
    () => undefined,
    (reason: unknown) => reason,
  );
  return isResumableSseError(error) ? error.code : `not refused: ${String(error)}`;
}

export function ownerPageCases(ctx: LifecycleContext): void {
  describe("pageByOwner (a user's streams)", () => {
    it('pages newest first (ties by stream id), limit per page, next null on the last page', async () => {
      const store = await ctx.create();
      const owner = ctx.owner('ada');
      const ids: string[] = [];
      for (let index = 0; index < 5; index += 1) {
        const streamId = ctx.id(`page-${index}`);
        ids.push(streamId);
        await store.register({ streamId, type: index % 2 ? 'export' : 'generation', owner });
        // Two pairs share a start time: the stream id orders them, the same in every store.
        if (index % 2 === 1) await ctx.passTime(10);
      }
      const byStartThenId = (await store.listByOwner(owner)).map((record) => record.streamId);
      const newest = [...byStartThenId].reverse();
      expect(await allPages(store, owner, 2)).toEqual([
        newest.slice(0, 2),
        newest.slice(2, 4),
        newest.slice(4),
      ]);
      expect(new Set(newest)).toEqual(new Set(ids));
      const whole = await store.pageByOwner(owner, { limit: 5 });
      expect(whole.next).toBeNull();
      expect(whole.records.map((record) => record.streamId)).toEqual(newest);
      expect(whole.records[0]).toMatchObject({ owner, state: 'active' });
      expect((await store.pageByOwner(owner)).records).toHaveLength(5);
      expect(await store.pageByOwner(ctx.owner('nobody'))).toEqual({ records: [], next: null });
    });

    it('pages without a skip or a repeat while streams heartbeat, end, get orphaned and new ones start', async () => {
      const store = await ctx.create();
      const other = await ctx.other(store);
      const owner = ctx.owner('busy');
      const before: string[] = [];
      for (let index = 0; index < 7; index += 1) {
        const streamId = ctx.id(`busy-${index}`);
        before.push(streamId);
        await store.register({ streamId, type: 'generation', owner });
        await ctx.passTime(5);
      }
      const seen: string[] = [];
      const first = await store.pageByOwner(owner, { limit: 3 });
      seen.push(...first.records.map((record) => record.streamId));
      // Meanwhile, on another instance: every kind of write, to records on both sides of the cursor.
      await other.setState(before[6]!, 'completed', { from: 'active' });
      await other.setState(before[1]!, 'failed', { from: 'active' });
      await other.heartbeat(before[0]!);
      await ctx.passTime(ctx.thresholdMs + 1_000);
      await other.heartbeat(before[2]!);
      await other.claimStale(ctx.thresholdMs, ctx.now());
      const newer = ctx.id('busy-new');
      await other.register({ streamId: newer, type: 'generation', owner });
      let after = first.next;
      while (after !== null) {
        const page = await store.pageByOwner(owner, { after, limit: 3 });
        seen.push(...page.records.map((record) => record.streamId));
        after = page.next;
      }
      expect(seen).toEqual([...before].reverse());
      // The one started meanwhile is newer than any of them: it heads a fresh first page.
      expect((await store.pageByOwner(owner, { limit: 1 })).records[0]?.streamId).toBe(newer);
      const states = new Map(
        (await store.pageByOwner(owner, { limit: 10 })).records.map((r) => [r.streamId, r.state]),
      );
      expect(states.get(before[6]!)).toBe('completed');
      expect(states.get(before[1]!)).toBe('failed');
      expect(states.get(before[2]!)).toBe('active');
      expect(states.get(before[3]!)).toBe('orphaned');
    });

    it('shows each owner only their own streams, for owners that look alike or try to break out of a key or query', async () => {
      const store = await ctx.create();
      const other = await ctx.other(store);
      const base = ctx.owner('ada');
      const owners = [
        base,
        `${base}:x`,
        `${base}*`,
        `${base}%`,
        `${base}_`,
        `${base}?`,
        `{${base}}`,
        `${base}}`,
        `${base}\0`,
        `${base}\n`,
        `${base} `,
        `${base}' OR '1'='1`,
        `${base}ü`,
        `${base}🦄`,
        `owned:${base}`,
        `${base}${'x'.repeat(200 - base.length)}`,
      ];
      const mine = new Map<string, string[]>();
      for (const [index, owner] of owners.entries()) {
        const ids = [ctx.id(`iso-${index}-a`), ctx.id(`iso-${index}-b`)];
        mine.set(owner, ids);
        for (const streamId of ids) await store.register({ streamId, type: 'chat', owner });
      }
      for (const owner of owners) {
        const page = await other.pageByOwner(owner, { limit: 10 });
        expect(page.records.map((record) => record.streamId).sort(), JSON.stringify(owner)).toEqual(
          [...mine.get(owner)!].sort(),
        );
        expect(page.records.every((record: StreamRecord) => record.owner === owner)).toBe(true);
        expect((await other.listByOwner(owner)).map((record) => record.streamId).sort()).toEqual(
          [...mine.get(owner)!].sort(),
        );
      }
    });

    it('drops a record from its owner’s pages once its retention passed, and one re-registered by someone else', async () => {
      const ttl = ctx.ttlMs;
      const store = await ctx.create({ recordTtlMs: ttl });
      const ada = ctx.owner('ada');
      const bob = ctx.owner('bob');
      const kept = ctx.id('kept');
      const gone = ctx.id('gone');
      await store.register({ streamId: gone, type: 'generation', owner: ada });
      await store.setState(gone, 'completed');
      await ctx.passTtl(Math.floor(ttl * 0.6));
      await store.register({ streamId: kept, type: 'generation', owner: ada });
      await ctx.passTtl(Math.floor(ttl * 0.6));
      await store.expire(ctx.now());
      expect((await store.pageByOwner(ada)).records.map((record) => record.streamId)).toEqual([kept]);
      // The id is free again: its new owner sees it, the old one does not.
      expect(await store.register({ streamId: gone, type: 'export', owner: bob })).toBe(true);
      expect((await store.pageByOwner(ada)).records.map((record) => record.streamId)).toEqual([kept]);
      expect((await store.pageByOwner(bob)).records.map((record) => record.streamId)).toEqual([gone]);
    });

    it('refuses a cursor no page wrote, a limit outside 1–1000 and an owner register would refuse', async () => {
      const store = await ctx.create();
      const owner = ctx.owner();
      for (const after of ['', 'garbage', '12.job', '0000000000000001.has space', '0000000000000001.']) {
        expect(await refusal(() => store.pageByOwner(owner, { after })), after).toBe('INVALID_OPTION');
      }
      for (const limit of [0, -1, 1.5, 1_001, Number.NaN]) {
        expect(await refusal(() => store.pageByOwner(owner, { limit })), String(limit)).toBe(
          'INVALID_OPTION',
        );
      }
      expect(await refusal(() => store.pageByOwner(''))).toBe('INVALID_OPTION');
      expect(await refusal(() => store.pageByOwner('x'.repeat(201)))).toBe('INVALID_OPTION');
      // A lone surrogate: stores keeping UTF-8 would read it as U+FFFD, the same as its twin.
      for (const lone of [`${owner}\uD800`, `${owner}\uDC00`]) {
        expect(await refusal(() => store.pageByOwner(lone))).toBe('INVALID_OPTION');
        expect(
          await refusal(() => store.register({ streamId: ctx.id('lone'), type: 'generation', owner: lone })),
        ).toBe('INVALID_OPTION');
      }
      expect(await store.pageByOwner(`${owner}\uD83E\uDD84`)).toEqual({ records: [], next: null });
    });
  });
}
