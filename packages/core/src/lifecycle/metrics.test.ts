import { describe, expect, it } from 'vitest';
import { createHub } from '../hub.ts';
import { memoryStore } from '../store/memory-store.ts';
import { openSession } from '../test-support/open-session.ts';
import { createStreamGuardian } from './guardian.ts';
import { startJob } from './job.ts';
import { memoryLifecycle } from './memory-lifecycle.ts';
import { lifecycleMetrics } from './metrics.ts';

describe('lifecycleMetrics', () => {
  it('counts started, completed, failed, cancelled and orphaned streams, active streams, events replayed and time to sync', async () => {
    const metrics = lifecycleMetrics();
    const hub = createHub({ store: memoryStore(), hooks: metrics.hubHooks });
    let now = 5_000_000;
    const lifecycle = memoryLifecycle({ now: () => now });
    const hooks = metrics.hooks;
    await (
      await startJob(hub, lifecycle, { streamId: 'ok', type: 't', owner: 'o', hooks }, async (emit) => {
        await emit({ data: '1' });
        await emit({ data: '2' });
      })
    ).done;
    await (
      await startJob(hub, lifecycle, { streamId: 'bad', type: 't', owner: 'o', hooks }, async () => {
        throw new Error('x');
      })
    ).done;
    const cancelled = await startJob(
      hub,
      lifecycle,
      { streamId: 'stop', type: 't', owner: 'o', hooks },
      (_emit, signal) => new Promise((resolve) => signal.addEventListener('abort', resolve)),
    );
    await cancelled.cancel();
    await lifecycle.register({ streamId: 'dead', type: 't', owner: 'o' });
    await lifecycle.register({ streamId: 'alive', type: 't', owner: 'o' });
    now += 60_000;
    await lifecycle.heartbeat('alive');
    await createStreamGuardian({ lifecycle, hub, hooks, now: () => now }).runOnce();

    const viewer = await openSession(hub, { stream: 'ok', initial: 'earliest' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    viewer.abort();
    await viewer.done;

    const snapshot = metrics.snapshot();
    expect(snapshot).toMatchObject({
      activeStreams: 1,
      streamsStarted: 3,
      streamsCompleted: 1,
      streamsFailed: 2,
      streamsCancelled: 1,
      streamsOrphaned: 1,
      eventsReplayed: 3,
    });
    expect(snapshot.timeToSyncMs.count).toBe(1);
    expect(snapshot.timeToSyncMs.buckets.at(-1)).toEqual([Number.POSITIVE_INFINITY, 1]);

    const text = metrics.prometheus('jobs');
    expect(text).toContain('# TYPE jobs_streams_active gauge\njobs_streams_active 1\n');
    expect(text).toContain('jobs_streams_ended_total{state="failed"} 2\n');
    expect(text).toContain('jobs_events_replayed_total 3\n');
    expect(text).toContain('jobs_time_to_sync_seconds_bucket{le="+Inf"} 1\n');
    expect(text).toContain('jobs_time_to_sync_seconds_count 1\n');
    await hub.close();
  });
});
