import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningApp, startApp } from '@resumable-sse/demo-support/testing';
import type { RawSseConnection } from '@resumable-sse/testkit/http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FAIL_MARKER, outputFor, tokensFor } from './jobs/generator.ts';
import {
  cancel,
  createJob,
  JOBS_ENTRY,
  metric,
  metrics,
  openJobStream,
  recover,
  request,
  tokenTexts,
  waitForEnd,
  waitForTerminal,
} from './test-support/jobs-api.ts';

let app: RunningApp;
let scratch: string;
const connections: RawSseConnection[] = [];

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'generation-jobs-'));
  app = await startApp({
    entry: JOBS_ENTRY,
    env: { STORE: 'sqlite', SQLITE_PATH: join(scratch, 'jobs.db'), HEARTBEAT_MS: '1000' },
  });
});
afterEach(() => {
  for (const connection of connections.splice(0)) connection.close();
});
afterAll(async () => {
  await app?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

async function watch(user: string, id: string, lastEventId?: string): Promise<RawSseConnection> {
  const connection = await openJobStream(app.url, user, id, lastEventId);
  connections.push(connection);
  return connection;
}

describe('a job from start to end', () => {
  it('streams its tokens in order from the first one, then `completed`, then the stream ends', async () => {
    const prompt = 'tell me about lighthouses';
    const { id } = await createJob(app.url, 'ada', { prompt, tokens: 12, delayMs: 30 });
    // Tuning in late still shows the job from its first token (initial policy `earliest`).
    await new Promise((resolve) => setTimeout(resolve, 150));
    const viewer = await watch('ada', id);
    expect(viewer.status).toBe(200);
    await waitForTerminal(viewer);

    expect(tokenTexts(viewer)).toEqual(tokensFor(prompt, 12));
    expect(
      viewer.appEvents.map((event) => (event.event === 'token' ? JSON.parse(event.data).index : event.event)),
    ).toEqual([...Array.from({ length: 12 }, (_, index) => index), 'completed']);
    const terminal = viewer.appEvents.at(-1)!;
    expect(JSON.parse(terminal.data)).toEqual({ result: { tokens: 12, text: outputFor(prompt, 12) } });
    // The server ends the stream after the terminal event: nothing follows it.
    await viewer.waitForEnd(2_000);
    expect(viewer.appEvents.at(-1)).toBe(terminal);
  });

  it('keeps running when its viewer disconnects, and a reconnect after the end gets the terminal event at once', async () => {
    const prompt = 'a job nobody watches to the end';
    const { id } = await createJob(app.url, 'ada', { prompt, tokens: 10, delayMs: 40 });
    const early = await watch('ada', id);
    await early.waitForEvents(2);
    early.close();
    const lastSeen = early.appEvents.at(-1)!.id!;

    const ended = await waitForEnd(app.url, 'ada', id);
    expect(ended.status).toBe('completed');
    expect(
      ended.events
        .filter((event) => event.event === 'token')
        .map((event) => event.data.text)
        .join(''),
    ).toBe(outputFor(prompt, 10));

    // Back from the last token: everything missed, the terminal event, then the end — no waiting.
    const lastToken = ended.events.at(-2)!;
    const opened = performance.now();
    const late = await watch('ada', id, lastToken.id);
    await waitForTerminal(late, 5_000);
    expect(performance.now() - opened).toBeLessThan(1_000);
    await late.waitForEnd(2_000);
    expect(late.appEvents.map((event) => event.event)).toEqual(['completed']);
    expect(late.appEvents[0]!.id).toBe(ended.terminal!.id);

    // Back from where the early viewer left: the rest of the tokens once, then the terminal event.
    const resumed = await watch('ada', id, lastSeen);
    await waitForTerminal(resumed, 5_000);
    expect([...tokenTexts(early).slice(0, 2), ...tokenTexts(resumed)]).toEqual(tokensFor(prompt, 10));
    expect(resumed.appEvents.at(-1)!.event).toBe('completed');
  });

  it('answers 204 No Content to a cursor at the terminal event (header or query), and nothing else', async () => {
    const { id } = await createJob(app.url, 'ada', { prompt: 'short', tokens: 2, delayMs: 0 });
    const { terminal, events } = await waitForEnd(app.url, 'ada', id);
    expect(terminal!.id).toBe(events.at(-1)!.id);

    const byHeader = await watch('ada', id, terminal!.id);
    await byHeader.waitForEnd();
    expect(byHeader.status).toBe(204);
    expect(byHeader.text).toBe('');

    const byQuery = await fetch(
      `${app.url}/jobs/${id}/stream?lastEventId=${encodeURIComponent(terminal!.id)}`,
      {
        headers: { authorization: 'Bearer ada' },
      },
    );
    expect(byQuery.status).toBe(204);

    // The terminal event's cursor is nobody else's business: another user still gets 404.
    const stranger = await watch('grace', id, terminal!.id);
    await stranger.waitForEnd();
    expect(stranger.status).toBe(404);
  });

  it(`fails with \`failed\` when the generator throws (prompt with ${FAIL_MARKER})`, async () => {
    const prompt = `please ${FAIL_MARKER} halfway`;
    const { id } = await createJob(app.url, 'ada', { prompt, tokens: 8, delayMs: 5 });
    const viewer = await watch('ada', id);
    await waitForTerminal(viewer);
    expect(tokenTexts(viewer)).toEqual(tokensFor(prompt, 8).slice(0, 4));
    const failed = viewer.appEvents.at(-1)!;
    expect(failed.event).toBe('failed');
    expect(JSON.parse(failed.data)).toEqual({
      reason: 'error',
      message: `The generator failed after 4 tokens (the prompt contains "${FAIL_MARKER}").`,
    });
    const view = await recover(app.url, 'ada', id);
    expect(view.body).toMatchObject({
      status: 'failed',
      terminal: { event: 'failed', state: 'failed', id: failed.id },
    });
  });
});

describe('GET /jobs/:id/recover', () => {
  it('shows a running job’s events so far with their cursors, then the terminal event once it ends', async () => {
    const prompt = 'recover me';
    const { id } = await createJob(app.url, 'ada', { prompt, tokens: 30, delayMs: 40 });
    const viewer = await watch('ada', id);
    await viewer.waitForEvents(3);

    const running = await recover(app.url, 'ada', id);
    expect(running.status).toBe(200);
    expect(running.headers.get('cache-control')).toBe('no-store');
    expect(running.body).toMatchObject({
      id,
      status: 'active',
      job: { prompt, tokens: 30, delayMs: 40 },
      truncated: false,
      terminal: null,
    });
    const seen = running.body.events;
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(seen.length).toBeLessThan(30);
    expect(seen.map((event) => event.data)).toEqual(
      tokensFor(prompt, 30)
        .slice(0, seen.length)
        .map((text, index) => ({ index, text })),
    );
    expect(seen.map((event) => event.id)).toEqual(
      viewer.appEvents.slice(0, seen.length).map((event) => event.id),
    );

    // An event's cursor resumes the stream right after it.
    const fromThird = await watch('ada', id, seen[2]!.id);
    await waitForTerminal(fromThird);
    expect(tokenTexts(fromThird)).toEqual(tokensFor(prompt, 30).slice(3));

    const ended = await recover(app.url, 'ada', id);
    expect(ended.body.status).toBe('completed');
    expect(ended.body.events).toHaveLength(31);
    expect(ended.body.terminal).toEqual({
      id: ended.body.events[30]!.id,
      event: 'completed',
      state: 'completed',
      data: { result: { tokens: 30, text: outputFor(prompt, 30) } },
      completedAt: expect.any(String),
    });
  });
});

describe('POST /jobs/:id/cancel on the instance running the job', () => {
  it('ends the job with `failed` (reason cancelled) for every viewer; a second cancel is a 409', async () => {
    const cancelledBefore =
      metric(await metrics(app.url), 'generation_jobs_failed_total', '{reason="cancelled"}') ?? 0;
    const { id } = await createJob(app.url, 'ada', { prompt: 'cancel me', tokens: 200, delayMs: 30 });
    const viewer = await watch('ada', id);
    await viewer.waitForEvents(2);

    const cancelled = await cancel(app.url, 'ada', id);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toEqual({
      id,
      status: 'failed',
      terminal: { id: expect.any(String), event: 'failed', state: 'failed', data: { reason: 'cancelled' } },
    });
    await waitForTerminal(viewer, 5_000);
    const last = viewer.appEvents.at(-1)!;
    expect({ event: last.event, data: JSON.parse(last.data), id: last.id }).toEqual({
      event: 'failed',
      data: { reason: 'cancelled' },
      id: (cancelled.body.terminal as { id: string }).id,
    });
    expect(viewer.appEvents.length).toBeLessThan(200);

    const again = await cancel(app.url, 'ada', id);
    expect(again).toMatchObject({ status: 409, body: { error: expect.stringContaining('already ended') } });
    expect((await recover(app.url, 'ada', id)).body.status).toBe('failed');
    expect(metric(await metrics(app.url), 'generation_jobs_failed_total', '{reason="cancelled"}')).toBe(
      cancelledBefore + 1,
    );
  });
});

describe('GET /metrics', () => {
  it('exposes active streams, ends by kind, connected subscribers, events replayed and time to sync', async () => {
    const before = await metrics(app.url);
    const { id } = await createJob(app.url, 'ada', { prompt: 'metered', tokens: 40, delayMs: 25 });
    const viewer = await watch('ada', id);
    await viewer.waitForEvents(3);

    await expect
      .poll(async () => metric(await metrics(app.url), 'generation_jobs_connected_subscribers'))
      .toBe(1);
    const during = await metrics(app.url);
    expect(metric(during, 'generation_jobs_active_streams')).toBe(1);
    expect(metric(during, 'generation_jobs_started_total')).toBe(
      (metric(before, 'generation_jobs_started_total') ?? 0) + 1,
    );

    // A second viewer, joining late, replays what was already there.
    const late = await watch('ada', id);
    await late.waitForCaughtUp();
    // What came before `caught-up` was replayed; a live event may share its chunk and follow it.
    const caughtUpAt = late.events.findIndex((event) => event.event === 'caught-up');
    const replayed = late.events
      .slice(0, caughtUpAt)
      .filter((event) => late.appEvents.includes(event)).length;
    expect(replayed).toBeGreaterThan(0);
    await waitForTerminal(viewer);
    await waitForTerminal(late);
    viewer.close();
    late.close();

    await expect
      .poll(async () => metric(await metrics(app.url), 'generation_jobs_connected_subscribers'))
      .toBe(0);
    const after = await metrics(app.url);
    expect(metric(after, 'generation_jobs_active_streams')).toBe(0);
    expect(metric(after, 'generation_jobs_completed_total')).toBe(
      (metric(before, 'generation_jobs_completed_total') ?? 0) + 1,
    );
    expect(metric(after, 'generation_jobs_events_replayed_total')).toBeGreaterThanOrEqual(
      (metric(before, 'generation_jobs_events_replayed_total') ?? 0) + replayed,
    );
    expect(metric(after, 'generation_jobs_time_to_sync_seconds_count')).toBe(
      (metric(before, 'generation_jobs_time_to_sync_seconds_count') ?? 0) + 2,
    );
    expect(after).toContain('# TYPE generation_jobs_time_to_sync_seconds histogram');
    expect(after).toMatch(/^generation_jobs_time_to_sync_seconds_bucket\{le="\+Inf"\} \d+$/m);
    expect(after).toContain('# TYPE generation_jobs_orphaned_total counter');
    const response = await request(`${app.url}/health`);
    expect(response.body).toMatchObject({ activeJobs: 0, runningHere: 0 });
  });
});
