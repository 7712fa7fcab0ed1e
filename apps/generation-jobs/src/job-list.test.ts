/** `GET /jobs` on every store: a user's jobs, every state, paged, never another user's. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningApp, startApp } from '@resumable-sse/demo-support/testing';
import { type RedisServerHandle, startRedisServer } from '@resumable-sse/testkit/redis-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAIL_MARKER, outputFor } from './jobs/generator.ts';
import {
  allJobs,
  bearer,
  cancel,
  createJob,
  JOBS_ENTRY,
  listJobs,
  openJobStream,
  recover,
  request,
  waitForEnd,
} from './test-support/jobs-api.ts';

/** Short enough to wait for: a finished job's terminal event is kept this long, then it is `expired`. */
const COMPLETION_TTL_MS = 1_500;

let redis: RedisServerHandle;
let scratch: string;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'generation-jobs-list-'));
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const STORES: ReadonlyArray<readonly [string, () => Record<string, string>]> = [
  ['memory', () => ({ STORE: 'memory' })],
  ['sqlite', () => ({ STORE: 'sqlite', SQLITE_PATH: join(scratch, 'list.db') })],
  ['redis', () => ({ STORE: 'redis', REDIS_URL: redis.url })],
];

for (const [store, env] of STORES) {
  describe(`GET /jobs on STORE=${store}`, () => {
    let app: RunningApp;
    beforeAll(async () => {
      app = await startApp({
        entry: JOBS_ENTRY,
        env: { ...env(), COMPLETION_TTL_MS: String(COMPLETION_TTL_MS), CANCEL_CHECK_MS: '50' },
      });
    });
    afterAll(async () => {
      await app?.stop();
    });

    it('two users with several jobs each see only their own, newest first, in every state, page by page', async () => {
      // Unique per run: a Redis or SQLite file may hold jobs of an earlier case.
      const ada = `ada-${store}-${Date.now()}`;
      const bob = `bob-${store}-${Date.now()}`;
      const done = await createJob(app.url, ada, {
        prompt: 'ada done',
        tokens: 3,
        delayMs: 0,
        type: 'export',
      });
      await waitForEnd(app.url, ada, done.id);
      const broken = await createJob(app.url, ada, { prompt: `ada ${FAIL_MARKER}`, tokens: 4, delayMs: 0 });
      await waitForEnd(app.url, ada, broken.id);
      const cancelled = await createJob(app.url, ada, { prompt: 'ada cancelled', tokens: 1000, delayMs: 20 });
      expect((await cancel(app.url, ada, cancelled.id)).status).toBe(200);
      const running = await createJob(app.url, ada, {
        prompt: 'ada running',
        tokens: 1000,
        delayMs: 20,
        type: 'chat',
      });
      const bobs = [];
      for (const index of [0, 1, 2]) {
        bobs.push(await createJob(app.url, bob, { prompt: `bob ${index}`, tokens: 1000, delayMs: 20 }));
      }

      const adaJobs = await allJobs(app.url, ada, 3);
      expect(adaJobs.map((job) => job.id)).toEqual([running.id, cancelled.id, broken.id, done.id]);
      expect(adaJobs.map((job) => [job.type, job.state])).toEqual([
        ['chat', 'active'],
        ['generation', 'failed'],
        ['generation', 'failed'],
        ['export', 'completed'],
      ]);
      const [runningJob, cancelledJob, brokenJob, doneJob] = adaJobs;
      expect(runningJob).toMatchObject({
        prompt: 'ada running',
        tokens: 1000,
        terminal: null,
        streamUrl: `/jobs/${running.id}/stream`,
      });
      expect(Date.parse(runningJob!.lastHeartbeat)).toBeGreaterThanOrEqual(Date.parse(runningJob!.startedAt));
      expect(cancelledJob?.terminal).toMatchObject({ event: 'failed', data: { reason: 'cancelled' } });
      expect(brokenJob?.terminal).toMatchObject({ event: 'failed', data: { reason: 'error' } });
      expect(doneJob?.terminal).toMatchObject({
        event: 'completed',
        state: 'completed',
        data: { result: { tokens: 3, text: outputFor('ada done', 3) } },
      });

      const bobJobs = await allJobs(app.url, bob, 2);
      expect(bobJobs.map((job) => job.id)).toEqual(bobs.map((job) => job.id).reverse());
      expect(bobJobs.every((job) => job.state === 'active')).toBe(true);
      // A cursor of Ada's pages shows Bob nothing of hers.
      const adaFirst = await listJobs(app.url, ada, '?limit=1');
      const bobWithAdaCursor = await listJobs(
        app.url,
        bob,
        `?limit=10&after=${encodeURIComponent(adaFirst.body.next!)}`,
      );
      expect(bobWithAdaCursor.status).toBe(200);
      expect(bobWithAdaCursor.body.jobs.every((job) => bobJobs.some((own) => own.id === job.id))).toBe(true);
      expect((await listJobs(app.url, `carol-${store}-${Date.now()}`)).body).toEqual({
        jobs: [],
        next: null,
      });

      for (const job of [running, ...bobs]) await cancel(app.url, job === running ? ada : bob, job.id);
    });

    it('a finished job moves to expired after the completion TTL: still listed and answerable, its result gone', async () => {
      const user = `eve-${store}-${Date.now()}`;
      const prompt = 'soon expired';
      const { id } = await createJob(app.url, user, { prompt, tokens: 4, delayMs: 0 });
      const ended = await waitForEnd(app.url, user, id);
      const terminalId = ended.terminal!.id;
      const [listed] = (await listJobs(app.url, user)).body.jobs;
      expect(listed).toMatchObject({ id, state: 'completed', terminal: { id: terminalId } });

      await new Promise((resolve) => setTimeout(resolve, COMPLETION_TTL_MS + 200));
      const [expired] = (await listJobs(app.url, user)).body.jobs;
      expect(expired).toMatchObject({ id, state: 'expired', terminal: null, prompt });
      const view = await recover(app.url, user, id);
      expect(view.status).toBe(200);
      expect(view.body).toMatchObject({ status: 'expired', terminal: null });
      // The log still has the job: a viewer without a cursor gets all of it, up to the end…
      const viewer = await openJobStream(app.url, user, id);
      await viewer.waitForEnd();
      expect(viewer.appEvents.map((event) => event.event)).toEqual([
        'token',
        'token',
        'token',
        'token',
        'completed',
      ]);
      expect(viewer.appEvents.at(-1)!.id).toBe(terminalId);
      // …and one resuming from the terminal event is told there is nothing more (204).
      const resumed = await openJobStream(app.url, user, id, terminalId);
      await resumed.waitForEnd();
      expect(resumed.status).toBe(204);
      // Not another user's, not cancellable.
      expect((await recover(app.url, 'mallory', id)).status).toBe(404);
      expect((await cancel(app.url, user, id)).status).toBe(409);
    });

    it('answers 401 without credentials and 400 for a bad limit or cursor, listing nothing', async () => {
      const unauthenticated = await request(`${app.url}/jobs`);
      expect(unauthenticated.status).toBe(401);
      expect(unauthenticated.headers.get('www-authenticate')).toBe('Bearer realm="generation-jobs"');
      for (const query of [
        '?limit=0',
        '?limit=101',
        '?limit=abc',
        '?limit=1.5',
        '?limit=-1',
        '?limit=1&limit=2',
      ]) {
        const refused = await request(`${app.url}/jobs${query}`, { headers: bearer('ada') });
        expect(refused.status, query).toBe(400);
        expect(String(refused.body.error)).toMatch(/"limit"|once/);
      }
      for (const after of [
        '',
        'garbage',
        `0000000000000001.${'x'.repeat(400)}`,
        '0000000000000001.has%20space',
      ]) {
        const refused = await request(`${app.url}/jobs?after=${after}`, { headers: bearer('ada') });
        expect(refused.status, after).toBe(400);
        expect(refused.body.error).toBe(
          '"after" must be the "next" of an earlier page of GET /jobs; start again without it.',
        );
      }
    });
  });
}
