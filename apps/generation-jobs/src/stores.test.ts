import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  freePort,
  type RunningApp,
  runUntilExit,
  startApp,
  startupErrorCases,
} from '@resumable-sse/demo-support/testing';
import { type RedisServerHandle, startRedisServer } from '@resumable-sse/testkit/redis-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { outputFor } from './jobs/generator.ts';
import {
  createJob,
  JOBS_ENTRY,
  openJobStream,
  recover,
  waitForEnd,
  waitForTerminal,
} from './test-support/jobs-api.ts';

const running: RunningApp[] = [];
let scratch: string;
let redis: RedisServerHandle;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'generation-jobs-stores-'));
  redis = await startRedisServer();
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((app) => app.stop('SIGKILL')));
});
afterAll(async () => {
  await redis?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

async function start(env: Record<string, string>, port?: number): Promise<RunningApp> {
  const app = await startApp({ entry: JOBS_ENTRY, env, port });
  running.push(app);
  return app;
}

/** A whole job, start to `completed`, read back through the recover view. */
async function runJob(app: RunningApp): Promise<void> {
  const { id } = await createJob(app.url, 'ada', { prompt: `on ${app.url}`, tokens: 5, delayMs: 0 });
  const view = await waitForEnd(app.url, 'ada', id);
  expect(view.status).toBe('completed');
  expect(view.terminal?.data).toEqual({ result: { tokens: 5, text: outputFor(`on ${app.url}`, 5) } });
}

describe('each store runs jobs', () => {
  it('STORE=sqlite (the default) in the app’s data/ directory', async () => {
    const app = await start({ STORE: '', SQLITE_PATH: '' });
    const dataFile = fileURLToPath(new URL('../data/generation-jobs.db', import.meta.url));
    expect(app.output()).toBe(`generation-jobs listening on ${app.url} (store: sqlite ${dataFile})\n`);
    await runJob(app);
  });

  it('STORE=memory', async () => {
    const app = await start({ STORE: 'memory' });
    expect(app.output()).toContain('(store: memory)');
    await runJob(app);
  });

  it('STORE=redis', async () => {
    const app = await start({ STORE: 'redis', REDIS_URL: redis.url });
    expect(app.output()).toContain(`(store: redis ${redis.url})`);
    await runJob(app);
  });
});

describe('shutdown', () => {
  it('on SIGTERM ends the jobs it runs with `failed` for their viewers, exits 0, and the record survives on SQLite', async () => {
    const env = { STORE: 'sqlite', SQLITE_PATH: join(scratch, 'shutdown.db') };
    const port = await freePort();
    const first = await start(env, port);
    const { id } = await createJob(first.url, 'ada', { prompt: 'interrupted', tokens: 500, delayMs: 20 });
    const viewer = await openJobStream(first.url, 'ada', id);
    await viewer.waitForEvents(2);

    const stopping = Date.now();
    expect(await first.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(Date.now() - stopping).toBeLessThan(3_000);
    await waitForTerminal(viewer, 1_000);
    const failed = viewer.appEvents.at(-1)!;
    expect(JSON.parse(failed.data)).toEqual({
      reason: 'error',
      message: 'The server running this job shut down; start it again.',
    });
    await viewer.waitForEnd(1_000);
    viewer.close();

    const second = await start(env, port);
    const view = await recover(second.url, 'ada', id);
    expect(view.body).toMatchObject({ status: 'failed', terminal: { id: failed.id, event: 'failed' } });
  });
});

describe('startup errors are one line', () => {
  startupErrorCases(JOBS_ENTRY);

  it('refuses job heartbeats that would read as orphans', async () => {
    const result = await runUntilExit({
      entry: JOBS_ENTRY,
      env: { STORE: 'memory', JOB_HEARTBEAT_MS: '5000', ORPHAN_AFTER_MS: '5000' },
    });
    expect(result).toMatchObject({
      code: 1,
      stderr:
        'error: JOB_HEARTBEAT_MS (5000) must be shorter than ORPHAN_AFTER_MS (5000), or every running job would be taken for an orphan.\n',
    });
  });

  it('refuses a malformed MAX_BODY_BYTES', async () => {
    const result = await runUntilExit({ entry: JOBS_ENTRY, env: { STORE: 'memory', MAX_BODY_BYTES: '16k' } });
    expect(result).toMatchObject({
      code: 1,
      stderr:
        'error: MAX_BODY_BYTES="16k" is not valid: set MAX_BODY_BYTES to a whole number from 1 to 2147483648.\n',
    });
  });
});
