import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHub } from '../hub.ts';
import { memoryStore } from '../store/memory-store.ts';
import { createStreamGuardian } from './guardian.ts';
import { memoryLifecycle } from './memory-lifecycle.ts';
import type { LifecycleStore } from './types.ts';

/** `inner` with some methods replaced (the store keeps private fields, so no prototype tricks). */
function wrapLifecycle(inner: LifecycleStore, overrides: Partial<LifecycleStore>): LifecycleStore {
  const delegate = <K extends keyof LifecycleStore>(key: K) =>
    (inner[key] as (...args: unknown[]) => unknown).bind(inner);
  const methods = [
    'register',
    'heartbeat',
    'get',
    'listByOwner',
    'pageByOwner',
    'countActive',
    'setState',
    'complete',
    'completion',
    'claimStale',
    'requestCancel',
    'cancelRequested',
    'expire',
    'close',
  ] as const;
  return Object.assign(
    { kind: inner.kind },
    Object.fromEntries(methods.map((key) => [key, delegate(key)])),
    overrides,
  ) as LifecycleStore;
}

describe('StreamGuardian defaults (fake timers: time is the subject)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs every 15 s and orphans a stream 30 s after its last heartbeat, ending it for viewers', async () => {
    const hub = createHub({ store: memoryStore() });
    const lifecycle = memoryLifecycle();
    await lifecycle.register({ streamId: 'job-1', type: 'generation', owner: 'ada' });
    const orphaned: string[] = [];
    const guardian = createStreamGuardian({
      lifecycle,
      hub,
      onOrphaned: (record) => void orphaned.push(record.streamId),
    }).start();

    await vi.advanceTimersByTimeAsync(15_000); // run 1: 15 s since the heartbeat
    expect(orphaned).toEqual([]);
    await lifecycle.heartbeat('job-1'); // at 15 s
    await vi.advanceTimersByTimeAsync(30_000); // runs at 30 s and 45 s: 15 s and 30 s after it
    expect(orphaned).toEqual(['job-1']);
    expect((await lifecycle.get('job-1'))?.state).toBe('orphaned');
    const log = await hub.store.readAfter('job-1', 0, 10);
    expect(log.map((event) => [event.event, event.data])).toEqual([['failed', '{"reason":"orphaned"}']]);

    await vi.advanceTimersByTimeAsync(60_000);
    expect(orphaned).toEqual(['job-1']);
    await guardian.stop();
    await hub.close();
  });

  it('does not start a run while the previous one is still going', async () => {
    const lifecycle = memoryLifecycle();
    let claims = 0;
    let release!: () => void;
    const slow = wrapLifecycle(lifecycle, {
      claimStale: async () => {
        claims += 1;
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return [];
      },
    });
    const guardian = createStreamGuardian({ lifecycle: slow, intervalMs: 1_000 }).start();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(claims).toBe(1);
    release();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(claims).toBe(2);
    release();
    await guardian.stop();
  });

  it('a failing run is reported to onError and the next run goes on', async () => {
    const lifecycle = memoryLifecycle();
    await lifecycle.register({ streamId: 'job-2', type: 'generation', owner: 'ada' });
    let failures = 1;
    const flaky = wrapLifecycle(lifecycle, {
      claimStale: (thresholdMs: number, now?: number) => {
        if (failures-- > 0) return Promise.reject(new Error('store down'));
        return lifecycle.claimStale(thresholdMs, now);
      },
    });
    const errors: string[] = [];
    const orphaned: string[] = [];
    const guardian = createStreamGuardian({
      lifecycle: flaky,
      intervalMs: 40_000,
      onOrphaned: (record) => void orphaned.push(record.streamId),
      hooks: { onError: ({ operation, error }) => errors.push(`${operation}: ${(error as Error).message}`) },
    }).start();
    await vi.advanceTimersByTimeAsync(40_000);
    expect(errors).toEqual(['guardian-run: store down']);
    expect(orphaned).toEqual([]);
    await vi.advanceTimersByTimeAsync(40_000);
    expect(orphaned).toEqual(['job-2']);
    expect(errors).toHaveLength(1);
    await guardian.stop();
  });

  it('refuses a missing lifecycle store and bad durations', () => {
    expect(() => createStreamGuardian({} as never)).toThrow(/lifecycle store/);
    expect(() => createStreamGuardian({ lifecycle: memoryLifecycle(), intervalMs: 0 })).toThrow(/intervalMs/);
    expect(() => createStreamGuardian({ lifecycle: memoryLifecycle(), thresholdMs: 1.5 })).toThrow(
      /thresholdMs/,
    );
  });
});
