import { afterEach, describe, expect, it } from 'vitest';
import { memoryStore } from '../store/memory-store.ts';
import type { EventStore } from '../store/types.ts';
import { closeHubs, hubOver, wrapStore } from '../test-support/hubs.ts';
import { startJob } from './job.ts';
import { memoryLifecycle } from './memory-lifecycle.ts';
import { recoverStream } from './recover.ts';

afterEach(async () => {
  await closeHubs();
});

describe('recoverStream', () => {
  it('a running stream: status active, retained events with cursors that resume after them, no terminal', async () => {
    const hub = hubOver();
    const lifecycle = memoryLifecycle();
    let finish!: () => void;
    const job = await startJob(
      hub,
      lifecycle,
      { streamId: 'job-r1', type: 'generation', owner: 'ada' },
      async (emit) => {
        await emit({ event: 'token', data: 'a' });
        await emit({ event: 'token', data: 'b' });
        await new Promise<void>((resolve) => {
          finish = resolve;
        });
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 10));
    const view = await recoverStream(hub, lifecycle, 'job-r1');
    expect(view.status).toBe('active');
    expect(view.record?.owner).toBe('ada');
    expect(view.terminal).toBeNull();
    expect(view.truncated).toBe(false);
    expect(view.events.map((event) => [event.event, event.data])).toEqual([
      ['token', 'a'],
      ['token', 'b'],
    ]);
    const { epoch } = await hub.store.position('job-r1');
    expect(view.events.map((event) => hub.codec.decode(event.id))).toEqual([
      { ok: true, cursor: { epoch, offset: 1, tag: expect.any(String) } },
      { ok: true, cursor: { epoch, offset: 2, tag: expect.any(String) } },
    ]);
    finish();
    await job.done;
  });

  it('an ended stream: its final state, every event including the terminal one, and the completion record', async () => {
    const hub = hubOver();
    const lifecycle = memoryLifecycle();
    const job = await startJob(
      hub,
      lifecycle,
      { streamId: 'job-r2', type: 'generation', owner: 'ada' },
      async (emit) => {
        await emit({ event: 'token', data: 'a' });
        throw new Error('boom');
      },
    );
    const outcome = await job.done;
    const view = await recoverStream(hub, lifecycle, 'job-r2');
    expect(view.status).toBe('failed');
    expect(view.terminal).toMatchObject({ event: 'failed', state: 'failed', id: outcome.terminal?.id });
    expect(view.events.at(-1)).toMatchObject({ event: 'failed', id: outcome.terminal?.id });
  });

  it('reports expired when only the events are left, and the terminal state when only the completion is', async () => {
    const hub = hubOver();
    let now = 1_000_000;
    const lifecycle = memoryLifecycle({ now: () => now, recordTtlMs: 1_000 });
    const job = await startJob(
      hub,
      lifecycle,
      { streamId: 'job-r3', type: 'generation', owner: 'ada' },
      async () => 'x',
    );
    await job.done;
    expect((await recoverStream(hub, lifecycle, 'job-r3')).status).toBe('completed');
    now += 1_000; // the record is gone, the completion (5 min) is not
    const onlyCompletion = await recoverStream(hub, lifecycle, 'job-r3');
    expect(onlyCompletion.record).toBeNull();
    expect(onlyCompletion.status).toBe('completed');
    now += 300_000; // the completion is gone too
    const onlyEvents = await recoverStream(hub, lifecycle, 'job-r3');
    expect(onlyEvents).toMatchObject({ status: 'expired', record: null, terminal: null });
    expect(onlyEvents.events).toHaveLength(1);
  });

  it('an unknown stream is `unknown`, and looking does not create its log', async () => {
    const inner = memoryStore();
    let positions = 0;
    const store: EventStore = wrapStore(inner, {
      position: (stream: string) => {
        positions += 1;
        return inner.position(stream);
      },
    });
    const hub = hubOver(store);
    const view = await recoverStream(hub, memoryLifecycle(), 'nobody-knows');
    expect(view).toEqual({
      streamId: 'nobody-knows',
      status: 'unknown',
      record: null,
      events: [],
      truncated: false,
      terminal: null,
    });
    expect(positions).toBe(0);
  });

  it('returns at most maxEvents events, oldest first, and says it truncated', async () => {
    const hub = hubOver(memoryStore({ maxEvents: 1_000 }));
    const lifecycle = memoryLifecycle();
    await lifecycle.register({ streamId: 'job-r4', type: 'export', owner: 'ada' });
    await hub.publishBatch(
      'job-r4',
      Array.from({ length: 600 }, (_, index) => ({ data: String(index) })),
    );
    const view = await recoverStream(hub, lifecycle, 'job-r4', { maxEvents: 300 });
    expect(view.truncated).toBe(true);
    expect(view.events.map((event) => event.data)).toEqual(
      Array.from({ length: 300 }, (_, index) => String(index)),
    );
    const all = await recoverStream(hub, lifecycle, 'job-r4');
    expect(all.truncated).toBe(false);
    expect(all.events).toHaveLength(600);
  });
});
