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
import { messageEnvelope, newEventId, postEnvelope, SIDECAR_ENTRY } from './test-support/envelopes.ts';
import { openLiveReader } from './test-support/live-reader.ts';
import { replayStream } from './test-support/read-stream.ts';

const running: RunningApp[] = [];
const readers: { close(): void }[] = [];
let scratch: string;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'telemetry-sidecar-'));
});
afterEach(async () => {
  for (const reader of readers.splice(0)) reader.close();
  await Promise.all(running.splice(0).map((app) => app.stop('SIGKILL')));
});
afterAll(() => {
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
    const { status } = await postEnvelope(app.url, messageEnvelope(eventId, `message ${i}`));
    expect(status).toBe(200);
    ids.push(eventId);
  }
  return ids;
}

function eventIdsOf(envelopes: unknown[]): string[] {
  return envelopes.map((envelope) => (envelope as [{ event_id: string }])[0].event_id);
}

describe('STORE=sqlite (the default)', () => {
  it('defaults to a SQLite file under the app’s data/ directory', async () => {
    const app = await start({ STORE: '', SQLITE_PATH: '' });
    const dataFile = fileURLToPath(new URL('../data/telemetry-sidecar.db', import.meta.url));
    expect(app.output()).toBe(`telemetry-sidecar listening on ${app.url} (store: sqlite ${dataFile})\n`);
  });

  it('keeps envelopes and their ids across a restart, so a client resumes without a reset', async () => {
    const env = { STORE: 'sqlite', SQLITE_PATH: join(scratch, 'restart.db') };
    const first = await start(env);
    const sent = await post(first, 3);
    const before = await replayStream(first.url);
    expect((await first.stop('SIGTERM')).code).toBe(0);

    const second = await start(env);
    const after = await replayStream(second.url);
    expect(eventIdsOf(after.envelopes)).toEqual(sent);
    expect(after.events.map((event) => event.id)).toEqual(before.events.map((event) => event.id));

    const reader = openLiveReader(second.url, { lastEventId: before.events[1]!.id! });
    readers.push(reader);
    await reader.waitForStatus('live');
    expect(reader.resets).toEqual([]);
    expect(reader.eventIds()).toEqual([sent[2]]);
  });

  it('retains BUFFER_SIZE envelopes, newest', async () => {
    const app = await start({ STORE: 'sqlite', SQLITE_PATH: join(scratch, 'buffer.db'), BUFFER_SIZE: '2' });
    const sent = await post(app, 5);
    expect(eventIdsOf((await replayStream(app.url)).envelopes)).toEqual(sent.slice(3));
  });
});

describe('STORE=memory', () => {
  it('serves envelopes, and after a restart tells a returning client its log is gone (reset: epoch)', async () => {
    const first = await start({ STORE: 'memory' });
    const [sent] = await post(first, 1);
    const replay = await replayStream(first.url);
    expect(eventIdsOf(replay.envelopes)).toEqual([sent]);
    await first.stop();

    const second = await start({ STORE: 'memory' });
    const [fresh] = await post(second, 1);
    const reader = openLiveReader(second.url, { lastEventId: replay.events[0]!.id! });
    readers.push(reader);
    await reader.waitForEvents(1);
    expect(reader.resets.map((reset) => reset.reason)).toEqual(['epoch']);
    expect(reader.eventIds()).toEqual([fresh]);
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

  startupErrorCases(SIDECAR_ENTRY);

  it('refuses a bad MAX_BODY_BYTES in one line', async () => {
    const result = await runUntilExit({
      entry: SIDECAR_ENTRY,
      env: { STORE: 'memory', MAX_BODY_BYTES: '1MB' },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'error: MAX_BODY_BYTES="1MB" is not valid: set MAX_BODY_BYTES to a whole number from 1 to 2147483648.\n',
    );
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

  it('two instances on one Redis behave as one: post to either, read from either, ids agree', async () => {
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
    expect(onB.eventIds()).toEqual([...fromA, ...fromB]);

    const replayA = await replayStream(a.url);
    const replayB = await replayStream(b.url);
    expect(replayA.events.map((event) => event.id)).toEqual(onB.events.map((event) => event.id));
    expect(replayB.events.map((event) => event.id)).toEqual(onB.events.map((event) => event.id));

    // B goes away; its client fails over to A with its cursor and misses nothing.
    const onA = openLiveReader(a.url, { lastEventId: onB.events[2]!.id! });
    readers.push(onA);
    await b.stop();
    const later = await post(a, 1);
    await onA.waitForEvents(1);
    expect(onA.resets).toEqual([]);
    expect(onA.eventIds()).toEqual(later);
  });
});
