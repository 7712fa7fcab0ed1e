import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DurableStream, type LiveMode } from '@durable-streams/client';
import { type RunningApp, startApp } from '@resumable-sse/demo-support/testing';
import { type RedisServerHandle, startRedisServer } from '@resumable-sse/testkit/redis-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readJson } from './test-support/json-reader.ts';

const ENTRY = new URL('./main.ts', import.meta.url).pathname;
const running: RunningApp[] = [];

async function start(env: Record<string, string>): Promise<RunningApp> {
  const app = await startApp({ entry: ENTRY, env: { LONG_POLL_TIMEOUT_MS: '1000', ...env } });
  running.push(app);
  return app;
}

afterEach(async () => {
  for (const app of running.splice(0)) await app.stop('SIGKILL');
});

async function append(url: string, values: readonly number[]): Promise<void> {
  const handle = new DurableStream({ url, contentType: 'application/json', warnOnHttp: false });
  for (const value of values) await handle.append(JSON.stringify(value));
}

const MODES: readonly LiveMode[] = ['sse', 'long-poll'];

describe('official client resumes across a server restart on SQLite', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'durable-streams-app-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const live of MODES) {
    it(`reads live over ${live}, is cut off, resumes from its offset with nothing lost or repeated`, async () => {
      const env = { STORE: 'sqlite', SQLITE_PATH: join(dir, `${live}.db`) };
      const first = await start(env);
      const path = `/v1/stream/resume-${live}`;
      await DurableStream.create({
        url: `${first.url}${path}`,
        contentType: 'application/json',
        warnOnHttp: false,
      });
      await append(`${first.url}${path}`, [1, 2, 3]);

      const reader = await readJson(`${first.url}${path}`, '-1', live);
      await reader.waitFor(3);
      await append(`${first.url}${path}`, [4]);
      await reader.waitFor(4);
      await first.stop('SIGKILL');
      reader.cancel();

      const second = await start(env);
      await append(`${second.url}${path}`, [5, 6]);
      const resumed = await readJson(`${second.url}${path}`, reader.offset, live, reader.items);
      await resumed.waitFor(6);
      await append(`${second.url}${path}`, [7]);
      await resumed.waitFor(7);
      resumed.cancel();
      expect(reader.items).toEqual([1, 2, 3, 4, 5, 6, 7]);
    });
  }
});

describe('official client resumes across two server processes on one Redis', () => {
  let redis: RedisServerHandle;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(() => redis.stop());

  for (const live of MODES) {
    it(`reads ${live} on one process while the other appends, then resumes on the other`, async () => {
      const env = { STORE: 'redis', REDIS_URL: redis.url };
      const [one, two] = await Promise.all([start(env), start(env)]);
      const path = `/v1/stream/two-${live}`;
      await DurableStream.create({
        url: `${one.url}${path}`,
        contentType: 'application/json',
        warnOnHttp: false,
      });

      const reader = await readJson(`${one.url}${path}`, '-1', live);
      await append(`${two.url}${path}`, [1, 2]);
      await reader.waitFor(2);
      await one.stop('SIGKILL');
      reader.cancel();

      await append(`${two.url}${path}`, [3]);
      const resumed = await readJson(`${two.url}${path}`, reader.offset, live, reader.items);
      await resumed.waitFor(3);
      await append(`${two.url}${path}`, [4, 5]);
      await resumed.waitFor(5);
      resumed.cancel();
      expect(reader.items).toEqual([1, 2, 3, 4, 5]);
    });
  }
});
