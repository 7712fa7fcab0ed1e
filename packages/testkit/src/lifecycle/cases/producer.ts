import { type Hub, isResumableSseError, type StoredEvent } from '@resumable-sse/core';
import { type StreamJob, startJob } from '@resumable-sse/core/lifecycle';
import { eventTag } from '@resumable-sse/core/protocol';
import { describe, expect, it } from 'vitest';
import { waitUntil } from '../../store/wait.ts';
import type { LifecycleContext } from '../context.ts';

/** Fast timers so the cases run in milliseconds; the defaults are exercised by core's unit tests. */
const FAST = { heartbeatMs: 20, cancelCheckMs: 10 } as const;

function readLog(hub: Hub, streamId: string): Promise<StoredEvent[]> {
  return hub.store.readAfter(streamId, 0, 10_000);
}

function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  let met = false;
  const check = async () => {
    met = await condition();
  };
  return waitUntil(
    () => {
      check().catch(() => {});
      return met;
    },
    () => what,
  );
}

export function producerCases(ctx: LifecycleContext): void {
  describe('producer (startJob)', () => {
    it('publishes what the producer emits, then one terminal `completed` whose cursor the completion record keeps', async () => {
      const store = await ctx.create();
      const other = await ctx.other(store);
      const hub = ctx.hub();
      const streamId = ctx.id('job-ok');
      const job = await startJob(
        hub,
        store,
        { streamId, type: 'generation', owner: ctx.owner(), ...FAST },
        async (emit) => {
          for (const token of ['Hel', 'lo', '!']) await emit({ event: 'token', data: token });
          return { tokens: 3 };
        },
      );
      const outcome = await job.done;
      expect(outcome.state).toBe('completed');
      const log = await readLog(hub, streamId);
      expect(log.map((event) => [event.event, event.data])).toEqual([
        ['token', 'Hel'],
        ['token', 'lo'],
        ['token', '!'],
        ['completed', '{"result":{"tokens":3}}'],
      ]);
      const { epoch } = await hub.store.position(streamId);
      const terminalId = hub.codec.encode({ epoch, offset: 4, tag: eventTag(log[3]!) });
      expect(outcome.terminal).toEqual({
        event: 'completed',
        data: '{"result":{"tokens":3}}',
        id: terminalId,
        state: 'completed',
      });
      expect(await other.completion(streamId)).toMatchObject({
        id: terminalId,
        event: 'completed',
        state: 'completed',
      });
      expect((await other.get(streamId))?.state).toBe('completed');
      expect(job.signal.aborted).toBe(true);
    });

    it('refuses a stream id that is already registered, with STREAM_EXISTS, and runs nothing', async () => {
      const store = await ctx.create();
      const hub = ctx.hub();
      const streamId = ctx.id('job-dup');
      await store.register({ streamId, type: 'generation', owner: ctx.owner() });
      let ran = false;
      const error = await startJob(
        hub,
        store,
        { streamId, type: 'generation', owner: 'x', ...FAST },
        async () => {
          ran = true;
        },
      ).then(
        () => undefined,
        (reason: unknown) => reason,
      );
      expect(isResumableSseError(error, 'STREAM_EXISTS')).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(ran).toBe(false);
      expect(await readLog(hub, streamId)).toEqual([]);
    });

    it('a producer that throws ends the stream with `failed` {reason: "error", message}', async () => {
      const store = await ctx.create();
      const hub = ctx.hub();
      const streamId = ctx.id('job-throw');
      const job = await startJob(
        hub,
        store,
        { streamId, type: 'generation', owner: ctx.owner(), ...FAST },
        async (emit) => {
          await emit({ event: 'token', data: 'partial' });
          throw new Error('model overloaded');
        },
      );
      const outcome = await job.done;
      expect(outcome).toMatchObject({ state: 'failed', reason: 'error' });
      const log = await readLog(hub, streamId);
      expect(log.map((event) => [event.event, event.data])).toEqual([
        ['token', 'partial'],
        ['failed', '{"reason":"error","message":"model overloaded"}'],
      ]);
      expect((await store.get(streamId))?.state).toBe('failed');
      expect((await store.completion(streamId))?.state).toBe('failed');
    });

    it('a cancel request from another instance aborts the producer and ends the stream with `failed` {reason: "cancelled"}', async () => {
      const store = await ctx.create();
      const elsewhere = await ctx.other(store);
      const hub = ctx.hub();
      const streamId = ctx.id('job-cancel');
      let emitted = 0;
      let sawAbort = false;
      const job = await startJob(
        hub,
        store,
        { streamId, type: 'generation', owner: ctx.owner(), ...FAST },
        async (emit, signal) => {
          // A producer that only stops when told to.
          while (!signal.aborted) {
            await emit({ event: 'token', data: String(emitted) }).catch(() => {});
            emitted += 1;
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
          sawAbort = true;
          return 'ignored';
        },
      );
      ctx.defer(() => job.cancel());
      await until(() => emitted >= 3, 'the producer to emit');
      expect(await elsewhere.requestCancel(streamId)).toBe(true);
      const outcome = await job.done;
      expect(outcome).toMatchObject({ state: 'failed', reason: 'cancelled' });
      await until(() => sawAbort, 'the producer to see its signal abort');
      const log = await readLog(hub, streamId);
      const last = log.at(-1);
      expect(last).toMatchObject({ event: 'failed', data: '{"reason":"cancelled"}' });
      expect(log.filter((event) => event.event === 'failed' || event.event === 'completed')).toHaveLength(1);
      expect((await elsewhere.completion(streamId))?.id).toBe(outcome.terminal?.id);
      expect((await elsewhere.get(streamId))?.state).toBe('failed');
    });

    it('after the end, emit rejects with STREAM_ENDED; terminal event names are refused while running', async () => {
      const store = await ctx.create();
      const hub = ctx.hub();
      const streamId = ctx.id('job-emit');
      let emitLater: ((data: string) => Promise<unknown>) | undefined;
      let reservedError: unknown;
      const job = await startJob(
        hub,
        store,
        { streamId, type: 'generation', owner: ctx.owner(), ...FAST },
        async (emit) => {
          reservedError = await emit({ event: 'completed', data: 'early' }).then(
            () => undefined,
            (error: unknown) => error,
          );
          emitLater = (data) => emit({ data });
        },
      );
      await job.done;
      expect(isResumableSseError(reservedError, 'INVALID_FIELD')).toBe(true);
      const late = await emitLater!('late').then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(isResumableSseError(late, 'STREAM_ENDED')).toBe(true);
      expect((await readLog(hub, streamId)).map((event) => event.event)).toEqual(['completed']);
    });

    it('heartbeats while running, so a stale-check leaves a live producer alone', async () => {
      const store = await ctx.create();
      const hub = ctx.hub();
      const streamId = ctx.id('job-beat');
      let release!: () => void;
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      const job: StreamJob = await startJob(
        hub,
        store,
        { streamId, type: 'generation', owner: ctx.owner(), ...FAST },
        () => released,
      );
      ctx.defer(() => {
        release();
        return job.done;
      });
      await ctx.passTime(ctx.thresholdMs * 2);
      const mark = ctx.now();
      await until(
        async () => ((await store.get(streamId))?.lastHeartbeat ?? 0) >= mark,
        'a heartbeat after the clock moved',
      );
      const claimed = await store.claimStale(ctx.thresholdMs, ctx.now());
      expect(claimed.map((record) => record.streamId)).not.toContain(streamId);
      release();
      expect((await job.done).state).toBe('completed');
    });

    it('a producer whose stream another process orphaned stops, and publishes no terminal event of its own', async () => {
      const store = await ctx.create();
      const elsewhere = await ctx.other(store);
      const hub = ctx.hub();
      const streamId = ctx.id('job-orphaned');
      const job = await startJob(
        hub,
        store,
        { streamId, type: 'generation', owner: ctx.owner(), ...FAST },
        async (_emit, signal) => {
          await new Promise<void>((resolve) =>
            signal.addEventListener('abort', () => resolve(), { once: true }),
          );
          return 'done anyway';
        },
      );
      expect(await elsewhere.setState(streamId, 'orphaned', { from: 'active' })).toBe(true);
      const outcome = await job.done;
      expect(outcome).toEqual({ state: 'orphaned', reason: 'orphaned', terminal: null });
      expect(job.signal.aborted).toBe(true);
      expect(await readLog(hub, streamId)).toEqual([]);
      expect((await store.get(streamId))?.state).toBe('orphaned');
    });
  });
}
