import { afterEach, describe, expect, it, vi } from 'vitest';
import { memoryStore } from '../store/memory-store.ts';
import type { AppendInput, AppendResult, EventStore } from '../store/types.ts';
import { closeHubs, hubOver, wrapStore } from '../test-support/hubs.ts';
import { openSession } from '../test-support/open-session.ts';
import { createStreamGuardian } from './guardian.ts';
import { startJob } from './job.ts';
import { memoryLifecycle } from './memory-lifecycle.ts';

afterEach(async () => {
  vi.useRealTimers();
  await closeHubs();
});

describe('startJob', () => {
  it('heartbeats every 10 s and checks for cancellation every second by default (fake timers)', async () => {
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
    const hub = hubOver();
    const lifecycle = memoryLifecycle();
    let release!: () => void;
    const job = await startJob(
      hub,
      lifecycle,
      { streamId: 'job-beat', type: 'generation', owner: 'ada' },
      () =>
        new Promise<void>((resolve) => {
          release = resolve;
        }),
    );
    const start = Date.now();
    await vi.advanceTimersByTimeAsync(9_999);
    expect((await lifecycle.get('job-beat'))?.lastHeartbeat).toBe(start);
    await vi.advanceTimersByTimeAsync(1);
    expect((await lifecycle.get('job-beat'))?.lastHeartbeat).toBe(start + 10_000);

    await lifecycle.requestCancel('job-beat');
    await vi.advanceTimersByTimeAsync(999);
    expect(job.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(job.signal.aborted).toBe(true);
    release();
    expect((await job.done).reason).toBe('cancelled');
  });

  it('lets emits already on their way land before the terminal event', async () => {
    const inner = memoryStore();
    let holdNext = true;
    let releaseAppend!: () => void;
    const slowStore: EventStore = wrapStore(inner, {
      append: async (stream: string, events: readonly AppendInput[]): Promise<AppendResult[]> => {
        if (holdNext && events[0]?.event === 'token') {
          holdNext = false;
          await new Promise<void>((resolve) => {
            releaseAppend = resolve;
          });
        }
        return inner.append(stream, events);
      },
    });
    const hub = hubOver(slowStore);
    const lifecycle = memoryLifecycle();
    let emitted!: Promise<unknown>;
    const job = await startJob(
      hub,
      lifecycle,
      { streamId: 'job-order', type: 'generation', owner: 'ada' },
      async (emit, signal) => {
        emitted = emit({ event: 'token', data: 'slow' });
        await new Promise<void>((resolve) =>
          signal.addEventListener('abort', () => resolve(), { once: true }),
        );
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 10));
    const cancelling = job.cancel();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await inner.readAfter('job-order', 0, 10)).toEqual([]);
    releaseAppend();
    await emitted;
    await cancelling;
    const log = await inner.readAfter('job-order', 0, 10);
    expect(log.map((event) => event.event)).toEqual(['token', 'failed']);
  });

  it('keeps running when its viewers disconnect; a later viewer gets the whole job and the end', async () => {
    const hub = hubOver();
    const lifecycle = memoryLifecycle();
    let step!: () => void;
    const next = () =>
      new Promise<void>((resolve) => {
        step = resolve;
      });
    let gate = next();
    const job = await startJob(
      hub,
      lifecycle,
      { streamId: 'job-viewers', type: 'generation', owner: 'ada' },
      async (emit) => {
        for (let index = 0; index < 4; index += 1) {
          await gate;
          gate = next();
          await emit({ event: 'token', data: String(index) });
        }
        return 'ok';
      },
    );
    const viewer = await openSession(hub, { stream: 'job-viewers', initial: 'earliest' });
    step();
    await vi.waitFor(() => expect(viewer.sink.named('token')).toHaveLength(1));
    viewer.abort();
    await viewer.done;
    for (let index = 1; index < 4; index += 1) {
      step();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect((await job.done).state).toBe('completed');
    const later = await openSession(hub, { stream: 'job-viewers', initial: 'earliest' });
    await vi.waitFor(() => expect(later.sink.named('completed')).toHaveLength(1));
    expect(later.sink.named('token').map((frame) => frame.data)).toEqual(['0', '1', '2', '3']);
    later.abort();
    await later.done;
  });

  it('uses describeError for what viewers see when the producer throws', async () => {
    const hub = hubOver();
    const lifecycle = memoryLifecycle();
    const job = await startJob(
      hub,
      lifecycle,
      {
        streamId: 'job-secret',
        type: 'generation',
        owner: 'ada',
        describeError: () => ({ reason: 'error', message: 'Generation failed; try again' }),
      },
      async () => {
        throw new Error('password=hunter2');
      },
    );
    await job.done;
    const [terminal] = await hub.store.readAfter('job-secret', 0, 10);
    expect(terminal?.data).toBe('{"reason":"error","message":"Generation failed; try again"}');
  });

  it('uses custom terminal event names', async () => {
    const hub = hubOver();
    const lifecycle = memoryLifecycle();
    const job = await startJob(
      hub,
      lifecycle,
      {
        streamId: 'job-names',
        type: 'export',
        owner: 'ada',
        terminalEvents: { completed: 'done', failed: 'error' },
      },
      async () => 42,
    );
    expect((await job.done).terminal).toMatchObject({ event: 'done', data: '{"result":42}' });
    await expect(
      startJob(
        hub,
        lifecycle,
        { streamId: 'x', type: 't', owner: 'o', terminalEvents: { failed: 'caught-up' } },
        async () => {},
      ),
    ).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    expect(await lifecycle.get('x')).toBeNull();
  });

  it('when the terminal event cannot be stored, hands the stream back so a guardian ends it', async () => {
    const inner = memoryStore();
    let broken = false;
    const flakyStore: EventStore = wrapStore(inner, {
      append: (stream: string, events: readonly AppendInput[]) =>
        broken ? Promise.reject(new Error('disk full')) : inner.append(stream, events),
    });
    const hub = hubOver(flakyStore);
    const lifecycle = memoryLifecycle();
    const errors: string[] = [];
    const job = await startJob(
      hub,
      lifecycle,
      {
        streamId: 'job-lost-end',
        type: 'generation',
        owner: 'ada',
        hooks: { onError: ({ operation }) => errors.push(operation) },
      },
      async (emit) => {
        await emit({ event: 'token', data: 'a' });
        broken = true;
        return 'ok';
      },
    );
    const outcome = await job.done;
    expect(outcome).toMatchObject({ state: 'active', terminal: null });
    expect((outcome.error as Error).message).toBe('disk full');
    expect(errors).toEqual(['end-stream']);
    expect((await lifecycle.get('job-lost-end'))?.state).toBe('active');

    broken = false;
    const guardian = createStreamGuardian({ lifecycle, hub, thresholdMs: 1 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const run = await guardian.runOnce();
    expect(run.orphaned.map((record) => record.streamId)).toEqual(['job-lost-end']);
    const log = await inner.readAfter('job-lost-end', 0, 10);
    expect(log.map((event) => [event.event, event.data])).toEqual([
      ['token', 'a'],
      ['failed', '{"reason":"orphaned"}'],
    ]);
  });

  it('calls onStreamStarted and onStreamEnded with the outcome', async () => {
    const hub = hubOver();
    const lifecycle = memoryLifecycle();
    const calls: string[] = [];
    const hooks = {
      onStreamStarted: ({ streamId }: { streamId: string }) => calls.push(`started ${streamId}`),
      onStreamEnded: ({
        streamId,
        state,
        reason,
      }: {
        streamId: string;
        state: string;
        reason: string | undefined;
      }) => calls.push(`ended ${streamId} ${state} ${reason}`),
    };
    await (await startJob(hub, lifecycle, { streamId: 'a', type: 't', owner: 'o', hooks }, async () => 1))
      .done;
    const cancelled = await startJob(
      hub,
      lifecycle,
      { streamId: 'b', type: 't', owner: 'o', hooks },
      (_emit, signal) => new Promise((resolve) => signal.addEventListener('abort', resolve)),
    );
    await cancelled.cancel();
    expect(calls).toEqual([
      'started a',
      'ended a completed undefined',
      'started b',
      'ended b failed cancelled',
    ]);
  });
});
