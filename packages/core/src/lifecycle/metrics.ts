/**
 * Counters for finite streams and replay, fed by hooks: pass `metrics.hubHooks` to `createHub`
 * and `metrics.hooks` to `startJob` and the guardian, then expose `snapshot()` or `prometheus()`.
 */
import type { HubHooks } from '../hub-hooks.ts';
import type { LifecycleHooks } from './hooks.ts';

/** Upper bounds (ms) of the time-to-sync histogram buckets. */
const SYNC_BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000] as const;

export interface LifecycleMetricsSnapshot {
  /** Active streams across every process, as of the last guardian run in this process (null before one). */
  readonly activeStreams: number | null;
  readonly streamsStarted: number;
  readonly streamsCompleted: number;
  /** Failed by their producer, cancelled ones included. */
  readonly streamsFailed: number;
  readonly streamsCancelled: number;
  /** Ended by this process's guardian. */
  readonly streamsOrphaned: number;
  /** Events sent during replay (catch-up) across all connections. */
  readonly eventsReplayed: number;
  /** Connections that caught up; `timeToSyncMs` describes how long that took. */
  readonly timeToSyncMs: {
    readonly count: number;
    readonly sum: number;
    readonly max: number;
    /** Cumulative counts per upper bound in ms, Prometheus-style (the last bound is +Inf). */
    readonly buckets: ReadonlyArray<readonly [number, number]>;
  };
}

export interface LifecycleMetrics {
  readonly hooks: LifecycleHooks;
  readonly hubHooks: HubHooks;
  snapshot(): LifecycleMetricsSnapshot;
  /** The snapshot in the Prometheus text format, metric names starting with `prefix`. */
  prometheus(prefix?: string): string;
}

export function lifecycleMetrics(): LifecycleMetrics {
  let activeStreams: number | null = null;
  const counts = { started: 0, completed: 0, failed: 0, cancelled: 0, orphaned: 0, replayed: 0 };
  const sync = { count: 0, sum: 0, max: 0, buckets: SYNC_BUCKETS_MS.map(() => 0) };

  const snapshot = (): LifecycleMetricsSnapshot => {
    let cumulative = 0;
    const buckets = SYNC_BUCKETS_MS.map((bound, index): readonly [number, number] => {
      cumulative += sync.buckets[index] ?? 0;
      return [bound, cumulative];
    });
    buckets.push([Number.POSITIVE_INFINITY, sync.count]);
    return {
      activeStreams,
      streamsStarted: counts.started,
      streamsCompleted: counts.completed,
      streamsFailed: counts.failed,
      streamsCancelled: counts.cancelled,
      streamsOrphaned: counts.orphaned,
      eventsReplayed: counts.replayed,
      timeToSyncMs: { count: sync.count, sum: sync.sum, max: sync.max, buckets },
    };
  };

  return {
    hooks: {
      onStreamStarted: () => {
        counts.started += 1;
      },
      onStreamEnded: ({ state, reason }) => {
        counts[state] += 1;
        if (reason === 'cancelled') counts.cancelled += 1;
      },
      onGuardianRun: ({ active }) => {
        activeStreams = active;
      },
    },
    hubHooks: {
      onCaughtUp: ({ replayed, timeToSyncMs }) => {
        counts.replayed += replayed;
        sync.count += 1;
        sync.sum += timeToSyncMs;
        sync.max = Math.max(sync.max, timeToSyncMs);
        const index = SYNC_BUCKETS_MS.findIndex((bound) => timeToSyncMs <= bound);
        if (index >= 0) sync.buckets[index] = (sync.buckets[index] ?? 0) + 1;
      },
    },
    snapshot,
    prometheus: (prefix = 'rsse') => renderPrometheus(prefix, snapshot()),
  };
}

function renderPrometheus(prefix: string, s: LifecycleMetricsSnapshot): string {
  const lines: string[] = [];
  const metric = (
    name: string,
    type: string,
    help: string,
    samples: ReadonlyArray<readonly [string, number]>,
  ) => {
    lines.push(`# HELP ${prefix}_${name} ${help}`, `# TYPE ${prefix}_${name} ${type}`);
    for (const [labels, value] of samples) lines.push(`${prefix}_${name}${labels} ${value}`);
  };
  if (s.activeStreams !== null) {
    metric('streams_active', 'gauge', 'Finite streams active, as of the last guardian run.', [
      ['', s.activeStreams],
    ]);
  }
  metric('streams_started_total', 'counter', 'Finite streams started by this process.', [
    ['', s.streamsStarted],
  ]);
  metric('streams_ended_total', 'counter', 'Finite streams ended by this process, by final state.', [
    ['{state="completed"}', s.streamsCompleted],
    ['{state="failed"}', s.streamsFailed],
    ['{state="orphaned"}', s.streamsOrphaned],
  ]);
  metric('streams_cancelled_total', 'counter', 'Finite streams ended by a cancel request.', [
    ['', s.streamsCancelled],
  ]);
  metric('events_replayed_total', 'counter', 'Events sent while catching up connections.', [
    ['', s.eventsReplayed],
  ]);
  const seconds = (ms: number) => (Number.isFinite(ms) ? String(ms / 1000) : '+Inf');
  metric('time_to_sync_seconds', 'histogram', 'Time from connect to caught-up.', [
    ...s.timeToSyncMs.buckets.map(([bound, count]): readonly [string, number] => [
      `_bucket{le="${seconds(bound)}"}`,
      count,
    ]),
    ['_sum', s.timeToSyncMs.sum / 1000],
    ['_count', s.timeToSyncMs.count],
  ]);
  return `${lines.join('\n')}\n`;
}
