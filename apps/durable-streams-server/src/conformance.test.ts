import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runConformanceTests } from '@durable-streams/server-conformance-tests';
import { type RunningApp, startApp } from '@resumable-sse/demo-support/testing';
import { type RedisServerHandle, startRedisServer } from '@resumable-sse/testkit/redis-server';
import { afterAll, beforeAll, describe } from 'vitest';

/**
 * The official conformance suite against this app as a real process, exactly as
 * `server-conformance-tests --run <url>` would point at it, on each store.
 * `DURABLE_STREAMS_APP_STORES=sqlite` (or a list, or `all`) takes only the stores named.
 */
const ENTRY = new URL('./main.ts', import.meta.url).pathname;
const LONG_POLL_TIMEOUT_MS = 500;
const ALL = ['memory', 'sqlite', 'redis'] as const;
type Store = (typeof ALL)[number];

function storesToRun(spec: string | undefined): readonly Store[] {
  if (spec === undefined || spec === '' || spec === 'all') return ALL;
  return spec.split(',').map((name) => {
    if (!(ALL as readonly string[]).includes(name.trim())) {
      throw new Error(`DURABLE_STREAMS_APP_STORES: "${name}" is not one of ${ALL.join(', ')}.`);
    }
    return name.trim() as Store;
  });
}

for (const store of storesToRun(process.env.DURABLE_STREAMS_APP_STORES)) {
  describe(`durable-streams-server on ${store}`, () => {
    const target = { baseUrl: '', longPollTimeoutMs: LONG_POLL_TIMEOUT_MS };
    let app: RunningApp | undefined;
    let redis: RedisServerHandle | undefined;
    let dir: string | undefined;
    beforeAll(async () => {
      const env: Record<string, string> = {
        STORE: store,
        LONG_POLL_TIMEOUT_MS: String(LONG_POLL_TIMEOUT_MS),
      };
      if (store === 'sqlite') {
        dir = mkdtempSync(join(tmpdir(), 'durable-streams-app-'));
        env.SQLITE_PATH = join(dir, 'streams.db');
      }
      if (store === 'redis') {
        redis = await startRedisServer();
        env.REDIS_URL = redis.url;
      }
      app = await startApp({ entry: ENTRY, env });
      target.baseUrl = app.url;
    });
    afterAll(async () => {
      await app?.stop();
      await redis?.stop();
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    });
    runConformanceTests(target);
  });
}
