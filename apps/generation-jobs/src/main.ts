/**
 * Starts the generation-jobs demo: `pnpm --dir apps/generation-jobs start`.
 * Environment: see README.md (HOST, PORT, STORE, SQLITE_PATH, REDIS_URL, BUFFER_SIZE,
 * HEARTBEAT_MS, MAX_BODY_BYTES, JOB_HEARTBEAT_MS, ORPHAN_AFTER_MS, GUARDIAN_INTERVAL_MS,
 * CANCEL_CHECK_MS, COMPLETION_TTL_MS).
 */

import { fileURLToPath } from 'node:url';
import { createHub } from '@resumable-sse/core';
import { createStreamGuardian } from '@resumable-sse/core/lifecycle';
import {
  installGracefulShutdown,
  listen,
  listeningLine,
  openStore,
  readDemoConfig,
  runMain,
} from '@resumable-sse/demo-support';
import { createJobsApp } from './app.ts';
import { JobRunner } from './jobs/job-runner.ts';
import { createJobMetrics } from './metrics.ts';
import { openLifecycle } from './open-lifecycle.ts';
import { buildJobsPage } from './page/jobs-page.ts';
import { readJobSettings } from './settings.ts';

const APP_NAME = 'generation-jobs';
/** How long running jobs get at shutdown to store their terminal `failed`. */
const JOB_SHUTDOWN_MS = 2_000;

runMain(async () => {
  const config = readDemoConfig({
    appName: APP_NAME,
    defaultPort: 3000,
    dataDir: fileURLToPath(new URL('../data/', import.meta.url)),
  });
  const settings = readJobSettings(process.env);
  const logError = (line: string) => console.error(line);
  const logInfo = (line: string) => console.log(line);
  const page = await buildJobsPage({ heartbeatMs: config.heartbeatMs });
  const opened = await openStore(config);
  const { lifecycle, close: closeLifecycle } = await openLifecycle(config, opened);
  const metrics = createJobMetrics({ lifecycle, logError, logInfo });
  const hub = createHub({ store: opened.store, hooks: metrics.hubHooks });
  const runner = new JobRunner({
    hub,
    lifecycle,
    heartbeatMs: settings.jobHeartbeatMs,
    cancelCheckMs: settings.cancelCheckMs,
    completionTtlMs: settings.completionTtlMs,
    hooks: metrics.lifecycleHooks,
    logError,
  });
  // Every instance runs one: claims are atomic, so exactly one acts on each orphaned job.
  const guardian = createStreamGuardian({
    lifecycle,
    hub,
    intervalMs: settings.guardianIntervalMs,
    thresholdMs: settings.orphanAfterMs,
    completionTtlMs: settings.completionTtlMs,
    hooks: metrics.lifecycleHooks,
  }).start();
  const app = await createJobsApp({
    hub,
    lifecycle,
    runner,
    metrics,
    page,
    maxBodyBytes: settings.maxBodyBytes,
    heartbeatMs: config.heartbeatMs,
    cancelWaitMs: Math.max(2_000, settings.cancelCheckMs * 4),
    logError,
  });
  await app.ready();
  const url = await listen(app.server, config.host, config.port);
  installGracefulShutdown({
    servers: [app.server],
    closeStreams: async () => {
      await guardian.stop();
      // Viewers of jobs running here get their terminal `failed` before their streams end.
      await runner.shutdown(JOB_SHUTDOWN_MS);
      await hub.close();
    },
    closeStore: async () => {
      await closeLifecycle();
      await opened.close();
    },
  });
  console.log(listeningLine(APP_NAME, url, opened.description));
});
