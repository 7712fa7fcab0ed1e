import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEventStreamClient, type EventStreamError } from '@resumable-sse/client';
import { freePort, type RunningApp, runUntilExit, startApp } from '@resumable-sse/demo-support/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PLAYER_ENTRY, postEvents, sampleEvent } from '../test-support/player.ts';
import { parseAuthKeys } from './auth-keys.ts';

const READER = 'reader-key-0001';
const PUBLISHER = 'publisher-key-01';
const BOTH = 'admin-key-000001';
const AUTH_TOKENS = `${READER}:read,${PUBLISHER}:publish,${BOTH}`;

const running: RunningApp[] = [];
let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'cloudevents-player-auth-'));
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((app) => app.stop('SIGKILL')));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function start(env: Record<string, string> = {}, port?: number): Promise<RunningApp> {
  const app = await startApp({
    entry: PLAYER_ENTRY,
    env: { STORE: 'sqlite', SQLITE_PATH: join(scratch, `${Math.random()}.db`), AUTH_TOKENS, ...env },
    ...(port === undefined ? {} : { port }),
  });
  running.push(app);
  return app;
}

async function signIn(url: string, key: string): Promise<Response> {
  return fetch(`${url}/auth/token`, { method: 'POST', headers: { authorization: `Bearer ${key}` } });
}

async function tokenFor(url: string, key: string): Promise<string> {
  const answer = await signIn(url, key);
  expect(answer.status).toBe(200);
  return ((await answer.json()) as { token: string }).token;
}

const streamWith = (url: string, token?: string) =>
  fetch(`${url}/stream`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });

describe('AUTH_TOKENS', () => {
  it('reads keys with permissions and refuses bad values with a message that says what to do', () => {
    expect(parseAuthKeys(undefined)).toBeUndefined();
    expect(parseAuthKeys('  ')).toBeUndefined();
    const keys = parseAuthKeys(AUTH_TOKENS)!;
    expect(keys.map((key) => [key.key, [...key.permissions]])).toEqual([
      [READER, ['read']],
      [PUBLISHER, ['publish']],
      [BOTH, ['read', 'publish']],
    ]);
    expect(() => parseAuthKeys('short')).toThrow(/8 to 200 printable ASCII/);
    expect(() => parseAuthKeys(`${READER}:write`)).toThrow(/permission "write": use read, publish/);
    expect(() => parseAuthKeys(`${READER},${READER}`)).toThrow(/same key twice/);
    expect(() => parseAuthKeys(',,')).toThrow(/lists no key/);
  });

  it('stops the app at startup on a bad AUTH_TOKENS, in one line', async () => {
    const result = await runUntilExit({
      entry: PLAYER_ENTRY,
      env: { STORE: 'memory', AUTH_TOKENS: 'k:read' },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: AUTH_TOKENS has a key that is not 8 to 200 printable ASCII/);
  });
});

describe('the player with auth on', () => {
  it('answers 401 with JSON and WWW-Authenticate without a valid token, 403 without the permission', async () => {
    const app = await start();
    const bare = await streamWith(app.url);
    expect(bare.status).toBe(401);
    expect(bare.headers.get('www-authenticate')).toBe('Bearer');
    expect(await bare.json()).toEqual({ error: expect.stringMatching(/^Sign in first: POST \/auth\/token/) });

    const unknown = await streamWith(app.url, 'not-a-token');
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');

    const refused = await signIn(app.url, 'wrong-key-00000');
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({ error: expect.stringMatching(/not accepted/) });
    expect((await fetch(`${app.url}/auth/token`, { method: 'POST' })).status).toBe(401);

    const publisher = await tokenFor(app.url, PUBLISHER);
    const forbidden = await streamWith(app.url, publisher);
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toEqual({ error: expect.stringMatching(/may not read the event stream/) });

    const reader = await tokenFor(app.url, READER);
    const noPublish = await postEvents(app.url, sampleEvent(), {
      'content-type': 'application/cloudevents+json',
      authorization: `Bearer ${reader}`,
    });
    expect(noPublish).toMatchObject({
      status: 403,
      body: { error: expect.stringMatching(/may not publish/) },
    });
    expect((await postEvents(app.url, sampleEvent())).status).toBe(401);

    const published = await postEvents(app.url, sampleEvent(), {
      'content-type': 'application/cloudevents+json',
      authorization: `Bearer ${publisher}`,
    });
    expect(published.status).toBe(200);
    const stream = await streamWith(app.url, reader);
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await stream.body?.cancel();
    // Health stays open for probes.
    expect((await fetch(`${app.url}/health`)).status).toBe(200);
  });

  it('an expired token is a 401 that says so', async () => {
    const app = await start({ AUTH_TOKEN_TTL_MS: '1000' });
    const token = await tokenFor(app.url, READER);
    expect((await signIn(app.url, READER)).headers.get('cache-control')).toBe('no-store');
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const expired = await streamWith(app.url, token);
    expect(expired.status).toBe(401);
    expect(await expired.json()).toEqual({ error: expect.stringMatching(/has expired/) });
  });

  it('a client refreshes on 401 after a restart signed it out, and resumes without loss', async () => {
    const port = await freePort();
    const db = join(scratch, 'resume.db');
    let app = await start({ SQLITE_PATH: db }, port);
    const publish = async (count: number) => {
      const token = await tokenFor(app.url, PUBLISHER);
      for (let i = 0; i < count; i++) {
        const answer = await postEvents(app.url, sampleEvent({ subject: `s${seq++}` }), {
          'content-type': 'application/cloudevents+json',
          authorization: `Bearer ${token}`,
        });
        expect(answer.status).toBe(200);
      }
    };
    let seq = 0;
    await publish(3);

    let token = await tokenFor(app.url, READER);
    let refreshes = 0;
    const subjects: string[] = [];
    const errors: EventStreamError[] = [];
    const client = createEventStreamClient(`${app.url}/stream`, {
      backoff: { initialMs: 50, maxMs: 200 },
      headers: () => ({ authorization: `Bearer ${token}` }),
      async onUnauthorized() {
        refreshes++;
        token = await tokenFor(app.url, READER);
        return true;
      },
      onEvent: (event) => void subjects.push(String((JSON.parse(event.data) as { subject: string }).subject)),
      onError: (error) => void errors.push(error),
    });
    try {
      await until(() => subjects.length === 3);
      await app.stop('SIGTERM');
      running.splice(running.indexOf(app), 1);
      app = await start({ SQLITE_PATH: db }, port);
      await publish(2);
      await until(() => subjects.length === 5 && client.status === 'live');
      expect(subjects).toEqual(['s0', 's1', 's2', 's3', 's4']);
      expect(refreshes).toBe(1);
      expect(errors.filter((error) => error.code === 'UNAUTHORIZED')).toMatchObject([{ fatal: false }]);
    } finally {
      client.close();
    }
  });
});

async function until(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
