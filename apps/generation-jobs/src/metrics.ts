import type { HubHooks } from '@resumable-sse/core';
import type { LifecycleHooks, LifecycleStore } from '@resumable-sse/core/lifecycle';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

const PREFIX = 'generation_jobs_';

export interface JobMetrics {
  /** Pass to `createHub({ hooks })`: connections, replay, time to sync. */
  readonly hubHooks: HubHooks;
  /** Pass to `startJob` and the guardian: jobs started and ended. */
  readonly lifecycleHooks: LifecycleHooks;
  readonly registry: Registry;
}

export interface JobMetricsOptions {
  /** Counted at every scrape, so on a shared store the gauge covers every instance. */
  readonly lifecycle: LifecycleStore;
  /** Where a failed background step (a heartbeat, a guardian run) is reported. */
  readonly logError: (line: string) => void;
  /** Where the guardian's report of each check goes: one JSON line (see `GuardianReport`). */
  readonly logInfo: (line: string) => void;
}

/** What the guardian logs after each check, as one JSON line, and `/metrics` shows as gauges. */
export interface GuardianReport {
  readonly msg: 'guardian check';
  /** ISO time the check finished. */
  readonly time: string;
  /** Jobs running now, across every instance sharing the store. */
  readonly active: number;
  /** Jobs this check found without heartbeats and ended as `orphaned`. */
  readonly orphaned: number;
  /** Jobs that ended `completed` on this instance since the previous check. */
  readonly completedSinceLast: number;
  /** Jobs that ended `failed` on this instance since the previous check. */
  readonly failedSinceLast: number;
  /** Registry records this check removed because their retention passed. */
  readonly recordsRemoved: number;
  readonly durationMs: number;
}

/**
 * The Prometheus metrics of `GET /metrics`, fed by the hub's and the lifecycle's hooks. Counters
 * are this instance's; `generation_jobs_active_streams` is read from the lifecycle store (all
 * instances sharing it) at scrape time.
 */
export function createJobMetrics(options: JobMetricsOptions): JobMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: PREFIX });
  const registers = [registry];

  new Gauge({
    name: `${PREFIX}active_streams`,
    help: 'Jobs running now (streams in state active), across every instance sharing the store.',
    registers,
    async collect() {
      this.set(await options.lifecycle.countActive());
    },
  });
  const started = new Counter({
    name: `${PREFIX}started_total`,
    help: 'Jobs started by this instance.',
    registers,
  });
  const completed = new Counter({
    name: `${PREFIX}completed_total`,
    help: 'Jobs that ended with `completed`, on this instance.',
    registers,
  });
  const failed = new Counter({
    name: `${PREFIX}failed_total`,
    help: 'Jobs that ended with `failed` on this instance, by reason (error, cancelled).',
    labelNames: ['reason'] as const,
    registers,
  });
  const orphaned = new Counter({
    name: `${PREFIX}orphaned_total`,
    help: "Jobs whose producer stopped heartbeating, ended by this instance's guardian.",
    registers,
  });
  const subscribers = new Gauge({
    name: `${PREFIX}connected_subscribers`,
    help: 'Open SSE connections on this instance.',
    registers,
  });
  const replayed = new Counter({
    name: `${PREFIX}events_replayed_total`,
    help: 'Events sent to connections while they caught up.',
    registers,
  });
  const resets = new Counter({
    name: `${PREFIX}resets_total`,
    help: 'Connections told their resume position could not be honoured, by reason.',
    labelNames: ['reason'] as const,
    registers,
  });
  const timeToSync = new Histogram({
    name: `${PREFIX}time_to_sync_seconds`,
    help: 'Time from a connection opening to its caught-up.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const backgroundErrors = new Counter({
    name: `${PREFIX}background_errors_total`,
    help: 'Failed background steps (heartbeats, cancel checks, guardian runs); each is retried.',
    labelNames: ['operation'] as const,
    registers,
  });

  const guardianChecks = new Counter({
    name: `${PREFIX}guardian_checks_total`,
    help: "Checks run by this instance's guardian.",
    registers,
  });
  const guardianFigure = (name: string, help: string) =>
    new Gauge({
      name: `${PREFIX}guardian_${name}`,
      help: `At the guardian's last check: ${help}`,
      registers,
    });
  const figures = {
    active: guardianFigure('active', 'jobs running, across every instance sharing the store.'),
    orphaned: guardianFigure('orphaned', 'jobs it ended as orphaned.'),
    completedSinceLast: guardianFigure(
      'completed_since_last',
      'jobs that ended completed on this instance since the check before.',
    ),
    failedSinceLast: guardianFigure(
      'failed_since_last',
      'jobs that ended failed on this instance since the check before.',
    ),
    recordsRemoved: guardianFigure('records_removed', 'registry records removed as past their retention.'),
    lastCheck: guardianFigure('last_check_timestamp_seconds', 'when it finished (Unix time).'),
  };
  const endedSinceLast = { completed: 0, failed: 0 };

  return {
    registry,
    hubHooks: {
      onConnect: () => subscribers.inc(),
      onDisconnect: () => subscribers.dec(),
      onCaughtUp: (info) => {
        replayed.inc(info.replayed);
        timeToSync.observe(info.timeToSyncMs / 1000);
      },
      onReset: (info) => resets.inc({ reason: info.reason }),
    },
    lifecycleHooks: {
      onStreamStarted: () => started.inc(),
      onStreamEnded: (info) => {
        if (info.state === 'completed') {
          completed.inc();
          endedSinceLast.completed += 1;
        } else if (info.state === 'failed') {
          failed.inc({ reason: info.reason ?? 'error' });
          endedSinceLast.failed += 1;
        } else orphaned.inc();
      },
      onGuardianRun: (info) => {
        const finished = Date.now();
        const report: GuardianReport = {
          msg: 'guardian check',
          time: new Date(finished).toISOString(),
          active: info.active,
          orphaned: info.orphaned,
          completedSinceLast: endedSinceLast.completed,
          failedSinceLast: endedSinceLast.failed,
          recordsRemoved: info.expired,
          durationMs: info.durationMs,
        };
        endedSinceLast.completed = 0;
        endedSinceLast.failed = 0;
        guardianChecks.inc();
        figures.active.set(report.active);
        figures.orphaned.set(report.orphaned);
        figures.completedSinceLast.set(report.completedSinceLast);
        figures.failedSinceLast.set(report.failedSinceLast);
        figures.recordsRemoved.set(report.recordsRemoved);
        figures.lastCheck.set(finished / 1000);
        options.logInfo(JSON.stringify(report));
      },
      onError: (info) => {
        backgroundErrors.inc({ operation: info.operation });
        const why = info.error instanceof Error ? info.error.message : String(info.error);
        options.logError(`${info.operation}${info.streamId ? ` ${info.streamId}` : ''} failed: ${why}`);
      },
    },
  };
}
