/** Several instances on one Redis (or one SQLite file) behave as one system: watch, cancel and recover from any. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningApp, startApp } from '@resumable-sse/demo-support/testing';
import type { RawSseConnection } from '@resumable-sse/testkit/http';
import { type RedisServerHandle, startRedisServer } from '@resumable-sse/testkit/redis-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FAIL_MARKER, outputFor, tokensFor } from './jobs/generator.ts';
import {
  cancel,
  createJob,
  guardianReports,
  JOBS_ENTRY,
  listJobs,
  metric,
  metrics,
  openJobStream,
  recover,
  tokenTexts,
  waitForEnd,
  waitForTerminal,
} from './test-support/jobs-api.ts';

let redis: RedisServerHandle;
const running: RunningApp[] = [];
const connections: RawSseConnection[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
});
afterEach(async () => {
  for (const connection of connections.splice(0)) connection.close();
  await Promise.all(running.splice(0).map((app) => app.stop('SIGKILL')));
});
afterAll(async () => {
  await redis?.stop();
});

async function start(env: Record<string, string> = {}): Promise<RunningApp> {
  const app = await startApp({ entry: JOBS_ENTRY, env: { STORE: 'redis', REDIS_URL: redis.url, ...env } });
  running.push(app);
  return app;
}

/** Polls `read` until it returns something. */
async function waitFor<T>(read: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function watch(app: RunningApp, user: string, id: string, lastEventId?: string) {
  const connection = await openJobStream(app.url, user, id, lastEventId);
  connections.push(connection);
  return connection;
}

describe('STORE=redis, two instances', () => {
  it('a job started on one instance is watched live from the other, with the same cursors', async () => {
    const [a, b] = await Promise.all([start(), start()]);
    const prompt = 'across instances';
    const { id } = await createJob(a.url, 'ada', { prompt, tokens: 15, delayMs: 40 });
    const onB = await watch(b, 'ada', id);
    expect(onB.status).toBe(200);
    await waitForTerminal(onB, 10_000);
    expect(tokenTexts(onB)).toEqual(tokensFor(prompt, 15));
    expect(onB.appEvents.at(-1)!.event).toBe('completed');

    const fromA = await recover(a.url, 'ada', id);
    expect(fromA.body.events.map((event) => event.id)).toEqual(onB.appEvents.map((event) => event.id));
    expect(fromA.body.terminal?.data).toEqual({ result: { tokens: 15, text: outputFor(prompt, 15) } });
    // Ownership is shared too.
    expect((await recover(b.url, 'grace', id)).status).toBe(404);
    // The terminal cursor is recognised on the instance that did not run the job.
    const done = await watch(b, 'ada', id, fromA.body.terminal!.id);
    await done.waitForEnd();
    expect(done.status).toBe(204);
  });

  it('a cancel on one instance stops the job running on the other: terminal `failed`, reason cancelled', async () => {
    const [a, b] = await Promise.all([start({ CANCEL_CHECK_MS: '100' }), start({ CANCEL_CHECK_MS: '100' })]);
    const { id } = await createJob(a.url, 'ada', { prompt: 'cancel me elsewhere', tokens: 500, delayMs: 20 });
    const onA = await watch(a, 'ada', id);
    await onA.waitForEvents(3);

    const cancelled = await cancel(b.url, 'ada', id);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({
      id,
      status: 'failed',
      terminal: { event: 'failed', data: { reason: 'cancelled' } },
    });

    await waitForTerminal(onA, 5_000);
    const last = onA.appEvents.at(-1)!;
    expect(last.event).toBe('failed');
    expect(JSON.parse(last.data)).toEqual({ reason: 'cancelled' });
    const tokensSent = onA.appEvents.length - 1;
    expect(tokensSent).toBeLessThan(500);

    // The producer on A really stopped: no token after the terminal event, on any instance.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const view = await recover(b.url, 'ada', id);
    expect(view.body.status).toBe('failed');
    expect(view.body.events).toHaveLength(tokensSent + 1);
    // A ran the job, so A counted the cancellation.
    expect(metric(await metrics(a.url), 'generation_jobs_failed_total', '{reason="cancelled"}')).toBe(1);
    expect(
      metric(await metrics(b.url), 'generation_jobs_failed_total', '{reason="cancelled"}'),
    ).toBeUndefined();
  });

  it('when the instance running a job dies, the other one’s guardian ends it as orphaned for its viewers', async () => {
    const fast = { JOB_HEARTBEAT_MS: '200', ORPHAN_AFTER_MS: '1000', GUARDIAN_INTERVAL_MS: '200' };
    const [a, b] = await Promise.all([start(fast), start(fast)]);
    const { id } = await createJob(a.url, 'ada', { prompt: 'doomed', tokens: 500, delayMs: 20 });
    const onB = await watch(b, 'ada', id);
    await onB.waitForEvents(3);

    await a.stop('SIGKILL');
    await waitForTerminal(onB, 10_000);
    const last = onB.appEvents.at(-1)!;
    expect(last.event).toBe('failed');
    expect(JSON.parse(last.data)).toEqual({ reason: 'orphaned' });
    const view = await waitForEnd(b.url, 'ada', id);
    expect(view.status).toBe('orphaned');
    expect(metric(await metrics(b.url), 'generation_jobs_orphaned_total')).toBe(1);
    // Ada's list, read from the surviving instance, shows the job as the guardian left it.
    const [listed] = (await listJobs(b.url, 'ada')).body.jobs;
    expect(listed).toMatchObject({
      id,
      state: 'orphaned',
      terminal: { event: 'failed', data: { reason: 'orphaned' } },
    });
    // B's guardian logged the check that orphaned it, as one JSON line.
    const reports = guardianReports(b.output());
    expect(reports.filter((report) => report.orphaned === 1)).toHaveLength(1);
    expect(reports.reduce((sum, report) => sum + report.orphaned, 0)).toBe(1);
    expect(guardianReports(a.output()).every((report) => report.orphaned === 0)).toBe(true);
  });

  it('the guardian logs one line per check and /metrics shows the same figures', async () => {
    const [a, b] = await Promise.all([
      start({ GUARDIAN_INTERVAL_MS: '2000' }),
      start({ GUARDIAN_INTERVAL_MS: '2000' }),
    ]);
    const done = await createJob(a.url, 'ada', { prompt: 'one', tokens: 2, delayMs: 0 });
    const failing = await createJob(a.url, 'ada', { prompt: `two ${FAIL_MARKER}`, tokens: 2, delayMs: 0 });
    await waitForEnd(a.url, 'ada', done.id);
    await waitForEnd(a.url, 'ada', failing.id);
    const running = await createJob(b.url, 'ada', { prompt: 'three', tokens: 1000, delayMs: 20 });
    const first = await waitFor(() =>
      guardianReports(a.output()).find((report) => report.completedSinceLast > 0),
    );
    // Scraped well within the next check, so these are the figures of the check just logged.
    const text = await metrics(a.url);
    expect(first).toMatchObject({
      msg: 'guardian check',
      active: 1,
      orphaned: 0,
      completedSinceLast: 1,
      failedSinceLast: 1,
    });
    expect(Date.parse(first.time)).toBeGreaterThan(0);
    expect(metric(text, 'generation_jobs_guardian_active')).toBe(first.active);
    expect(metric(text, 'generation_jobs_guardian_orphaned')).toBe(0);
    expect(metric(text, 'generation_jobs_guardian_completed_since_last')).toBe(1);
    expect(metric(text, 'generation_jobs_guardian_failed_since_last')).toBe(1);
    expect(metric(text, 'generation_jobs_guardian_checks_total')).toBe(guardianReports(a.output()).length);
    expect(metric(text, 'generation_jobs_guardian_last_check_timestamp_seconds')).toBe(
      Date.parse(first.time) / 1000,
    );
    // "Since last": the next check on A counts nothing new; B counts its own instance only.
    const second = await waitFor(() => guardianReports(a.output())[1]);
    expect(second).toMatchObject({ completedSinceLast: 0, failedSinceLast: 0, active: 1 });
    const onB = await waitFor(() => guardianReports(b.output())[0]);
    expect(onB).toMatchObject({ completedSinceLast: 0, failedSinceLast: 0, active: 1 });
    await cancel(b.url, 'ada', running.id);
  });
});

describe('STORE=sqlite, two instances on one file', () => {
  it('a job whose instance was SIGKILLed shows as orphaned in the list the other instance serves', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'generation-jobs-instances-'));
    try {
      const env = {
        STORE: 'sqlite',
        SQLITE_PATH: join(scratch, 'shared.db'),
        JOB_HEARTBEAT_MS: '200',
        ORPHAN_AFTER_MS: '1000',
        GUARDIAN_INTERVAL_MS: '200',
      };
      const [a, b] = await Promise.all([start(env), start(env)]);
      const { id } = await createJob(a.url, 'ada', { prompt: 'left behind', tokens: 500, delayMs: 20 });
      expect((await listJobs(b.url, 'ada')).body.jobs).toMatchObject([{ id, state: 'active' }]);
      await a.stop('SIGKILL');
      const view = await waitForEnd(b.url, 'ada', id);
      expect(view.status).toBe('orphaned');
      expect((await listJobs(b.url, 'ada')).body.jobs).toMatchObject([
        { id, state: 'orphaned', terminal: { data: { reason: 'orphaned' } } },
      ]);
      expect((await listJobs(b.url, 'grace')).body.jobs).toEqual([]);
    } finally {
      await Promise.all(running.splice(0).map((app) => app.stop('SIGKILL')));
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
