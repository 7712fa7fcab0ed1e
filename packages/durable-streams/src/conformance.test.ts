import { runConformanceTests } from '@durable-streams/server-conformance-tests';
import { memoryStore } from '@resumable-sse/core';
import { afterAll, beforeAll } from 'vitest';
import { type RunningServer, startServer, TEST_TIMINGS } from './test-support/servers.ts';

// The official suite reads `baseUrl` when each case runs, so it is filled in once the server listens.
const target = { baseUrl: '', longPollTimeoutMs: TEST_TIMINGS.longPollTimeoutMs };
let server: RunningServer;

beforeAll(async () => {
  server = await startServer('hono', memoryStore({ maxEvents: 20_000 }));
  target.baseUrl = server.baseUrl;
});
afterAll(() => server.close());

runConformanceTests(target);
