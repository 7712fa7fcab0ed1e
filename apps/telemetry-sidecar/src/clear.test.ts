import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, type RunningApp, startApp } from '@resumable-sse/demo-support/testing';
import { type RedisServerHandle, startRedisServer } from '@resumable-sse/testkit/redis-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { messageEnvelope, newEventId, postEnvelope, SIDECAR_ENTRY } from './test-support/envelopes.ts';
import { openLiveReader, type SidecarReader } from './test-support/live-reader.ts';
import { replayStream } from './test-support/read-stream.ts';

const running: RunningApp[] = [];
const readers: SidecarReader[] = [];
let scratch: string;
let redis: RedisServerHandle;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'telemetry-clear-'));
  redis = await startRedisServer();
});
afterEach(async () => {
  for (const reader of readers.splice(0)) reader.close();
  await Promise.all(running.splice(0).map((app) => app.stop('SIGKILL')));
});
afterAll(async () => {
  await redis?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

async function start(env: Record<string, string>, port?: number): Promise<RunningApp> {
  const app = await startApp({ entry: SIDECAR_ENTRY, env, port });
  running.push(app);
  return app;
}

async function post(app: RunningApp, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const eventId = newEventId();
    expect((await postEnvelope(app.url, messageEnvelope(eventId, `message ${i}`))).status).toBe(200);
    ids.push(eventId);
  }
  return ids;
}

async function retainedIds(app: RunningApp): Promise<string[]> {
  const { envelopes } = await replayStream(app.url, {});
  return envelopes.map((envelope) => (envelope as [{ event_id: string }])[0].event_id);
}

/** Clears as Spotlight's UI does: `DELETE /clear` from the UI's origin. */
async function clear(app: RunningApp): Promise<Response> {
  return fetch(`${app.url}/clear`, { method: 'DELETE', headers: { origin: `http://localhost:${app.port}` } });
}

/**
 * Everything a clear promises, on one store: the connected client is told (a `cleared` event,
 * then a `reset` on the new log, and only what came after), a fresh page gets nothing old, and
 * `/health` counts from zero.
 */
async function clearsForEveryone(app: RunningApp): Promise<void> {
  const old = await post(app, 3);
  const reader = openLiveReader(app.url);
  readers.push(reader);
  await reader.waitForEvents(3);

  const answer = await clear(app);
  expect(answer.status).toBe(200);
  expect(await answer.json()).toEqual({ cleared: true });
  expect(answer.headers.get('access-control-allow-origin')).toBe(`http://localhost:${app.port}`);

  await expect.poll(() => reader.resets.length, { timeout: 10_000 }).toBe(1);
  expect(reader.resets[0]!.reason).toBe('epoch');
  const fresh = await post(app, 2);
  await expect.poll(() => reader.eventIds(), { timeout: 10_000 }).toEqual(fresh);
  expect(await retainedIds(app)).toEqual(fresh);
  expect(old.some((id) => reader.eventIds().includes(id))).toBe(false);
  const health = (await (await fetch(`${app.url}/health`)).json()) as { envelopes: number };
  expect(health.envelopes).toBe(2);
}

describe('DELETE /clear empties the log for good', () => {
  it('STORE=memory', async () => {
    await clearsForEveryone(await start({ STORE: 'memory' }));
  });

  it('STORE=sqlite: still empty after a restart, and an old cursor is answered with reset', async () => {
    const port = await freePort();
    const env = { STORE: 'sqlite', SQLITE_PATH: join(scratch, 'clear.db') };
    const app = await start(env, port);
    const [before] = await post(app, 1);
    const { events } = await replayStream(app.url, {});
    const oldCursor = events.at(-1)!.id!;
    await clearsForEveryone(app);
    const afterClear = await retainedIds(app);
    expect(afterClear).not.toContain(before);

    await app.stop('SIGKILL');
    const restarted = await start(env, port);
    expect(await retainedIds(restarted)).toEqual(afterClear);
    const resumed = openLiveReader(restarted.url, { lastEventId: oldCursor });
    readers.push(resumed);
    await expect.poll(() => resumed.resets.length, { timeout: 10_000 }).toBe(1);
    await expect.poll(() => resumed.eventIds(), { timeout: 10_000 }).toEqual(afterClear);
  });

  it('STORE=redis: a clear on one instance empties the log every instance serves', async () => {
    const env = { STORE: 'redis', REDIS_URL: redis.url, BUFFER_SIZE: '100' };
    const [first, second] = await Promise.all([start(env), start(env)]);
    const watcher = openLiveReader(second.url);
    readers.push(watcher);
    await watcher.waitForStatus('live');
    await clearsForEveryone(first);
    // The reader on the other instance was told too, and sees only what came after.
    await expect.poll(() => watcher.resets.length, { timeout: 10_000 }).toBe(1);
    await expect.poll(() => watcher.eventIds(), { timeout: 10_000 }).toEqual(await retainedIds(first));
    expect(await retainedIds(second)).toEqual(await retainedIds(first));
  });
});
