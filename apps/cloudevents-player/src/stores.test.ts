import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type RunningApp,
  runUntilExit,
  startApp,
  startupErrorCases,
} from '@resumable-sse/demo-support/testing';
import { type RedisServerHandle, startRedisServer } from '@resumable-sse/testkit/redis-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openLiveReader } from './test-support/live-reader.ts';
import { PLAYER_ENTRY, postEvents, sampleEvent } from './test-support/player.ts';
import { replayStream } from './test-support/read-stream.ts';

const running: RunningApp[] = [];
const readers: { close(): void }[] = [];
let scratch: string;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'cloudevents-player-'));
});
afterEach(async () => {
  for (const reader of readers.splice(0)) reader.close();
  await Promise.all(running.splice(0).map((app) => app.stop('SIGKILL')));
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

async function start(env: Record<string, string>): Promise<RunningApp> {
  const app = await startApp({ entry: PLAYER_ENTRY, env });
  running.push(app);
  return app;
}

/** Posts `count` structured events; returns their CloudEvent ids. */
async function post(app: RunningApp, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const event = sampleEvent({ subject: `order-${i}` });
    const { status } = await postEvents(app.url, event);
    expect(status).toBe(200);
    ids.push(event.id);
  }
  return ids;
}

function idsOf(cloudEvents: Record<string, unknown>[]): unknown[] {
  return cloudEvents.map((event) => event.id);
}

describe('STORE=sqlite (the default)', () => {
  it('defaults to a SQLite file under the app’s data/ directory', async () => {
    const app = await start({ STORE: '', SQLITE_PATH: '' });
    const dataFile = fileURLToPath(new URL('../data/cloudevents-player.db', import.meta.url));
    expect(app.output()).toBe(`cloudevents-player listening on ${app.url} (store: sqlite ${dataFile})\n`);
  });

  it('keeps events and their cursors across a restart, so a client resumes without a reset', async () => {
    const env = { STORE: 'sqlite', SQLITE_PATH: join(scratch, 'restart.db') };
    const first = await start(env);
    const sent = await post(first, 3);
    const before = await replayStream(first.url);
    expect((await first.stop('SIGTERM')).code).toBe(0);

    const second = await start(env);
    const after = await replayStream(second.url);
    expect(idsOf(after.cloudEvents)).toEqual(sent);
    expect(after.events.map((event) => event.id)).toEqual(before.events.map((event) => event.id));

    const reader = openLiveReader(second.url, { lastEventId: before.events[1]!.id! });
    readers.push(reader);
    await reader.waitForStatus('live');
    expect(reader.resets).toEqual([]);
    expect(idsOf(reader.cloudEvents())).toEqual([sent[2]]);
  });

  it('retains BUFFER_SIZE events, newest', async () => {
    const app = await start({ STORE: 'sqlite', SQLITE_PATH: join(scratch, 'buffer.db'), BUFFER_SIZE: '2' });
    const sent = await post(app, 5);
    expect(idsOf((await replayStream(app.url)).cloudEvents)).toEqual(sent.slice(3));
  });
});

describe('STORE=memory', () => {
  it('serves events, and after a restart tells a returning client its log is gone (reset: epoch)', async () => {
    const first = await start({ STORE: 'memory' });
    const [sent] = await post(first, 1);
    const replay = await replayStream(first.url);
    expect(idsOf(replay.cloudEvents)).toEqual([sent]);
    await first.stop();

    const second = await start({ STORE: 'memory' });
    const [fresh] = await post(second, 1);
    const reader = openLiveReader(second.url, { lastEventId: replay.events[0]!.id! });
    readers.push(reader);
    await reader.waitForEvents(1);
    expect(reader.resets.map((reset) => reset.reason)).toEqual(['epoch']);
    expect(idsOf(reader.cloudEvents())).toEqual([fresh]);
  });
});

describe('STORE=redis', () => {
  let redis: RedisServerHandle;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('two instances on one Redis behave as one: post to either, read from either', async () => {
    const env = { STORE: 'redis', REDIS_URL: redis.url };
    const a = await start(env);
    const b = await start(env);
    expect(a.output()).toContain(`(store: redis ${redis.url})`);

    const onB = openLiveReader(b.url);
    readers.push(onB);
    await onB.waitForStatus('live');
    const fromA = await post(a, 2);
    const fromB = await post(b, 1);
    await onB.waitForEvents(3);
    expect(idsOf(onB.cloudEvents())).toEqual([...fromA, ...fromB]);
    expect((await replayStream(a.url)).events.map((event) => event.id)).toEqual(
      onB.events.map((event) => event.id),
    );
  });
});

describe('shutdown and startup errors', () => {
  it('on SIGTERM ends open streams and exits 0 within the grace period', async () => {
    const app = await start({ STORE: 'memory' });
    const reader = openLiveReader(app.url);
    readers.push(reader);
    await reader.waitForStatus('live');
    const stopping = Date.now();
    expect(await app.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(Date.now() - stopping).toBeLessThan(2_500);
    await reader.waitForStatus('reconnecting');
  });

  startupErrorCases(PLAYER_ENTRY);

  it.each([
    ['MAX_BODY_BYTES', '1MB', 'a whole number from 1 to 2147483648'],
    ['PING_INTERVAL_MS', '30s', 'a whole number from 0 to 3600000'],
  ])('refuses a bad %s in one line', async (name, value, expected) => {
    const result = await runUntilExit({ entry: PLAYER_ENTRY, env: { STORE: 'memory', [name]: value } });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`error: ${name}="${value}" is not valid: set ${name} to ${expected}.\n`);
  });
});
