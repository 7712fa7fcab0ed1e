import { runConformanceTests } from '@durable-streams/server-conformance-tests';
import { afterAll, beforeAll, describe } from 'vitest';
import { type AdapterName, type RunningServer, startServer, TEST_TIMINGS } from './test-support/servers.ts';
import { type OpenStore, openTestStore, type StoreName } from './test-support/stores.ts';

/**
 * The official Durable Streams conformance suite against real HTTP servers. The default run takes
 * every adapter and every store once (memory through Hono, SQLite through Express, Redis through
 * Fastify); `DURABLE_STREAMS_CONFORMANCE=all` runs every store through every adapter, or name
 * combinations: `sqlite:hono,redis:express`.
 */
const STORES: readonly StoreName[] = ['memory', 'sqlite', 'redis'];
const ADAPTERS: readonly AdapterName[] = ['hono', 'express', 'fastify'];

function combinations(spec: string | undefined): [StoreName, AdapterName][] {
  if (spec === undefined || spec === '')
    return [
      ['memory', 'hono'],
      ['sqlite', 'express'],
      ['redis', 'fastify'],
    ];
  if (spec === 'all')
    return STORES.flatMap((store) => ADAPTERS.map((adapter): [StoreName, AdapterName] => [store, adapter]));
  return spec.split(',').map((pair) => {
    const [store, adapter] = pair.trim().split(':') as [StoreName, AdapterName];
    if (!STORES.includes(store) || !ADAPTERS.includes(adapter)) {
      throw new Error(
        `DURABLE_STREAMS_CONFORMANCE: "${pair}" is not store:adapter with a store of ${STORES.join('|')} and an adapter of ${ADAPTERS.join('|')}.`,
      );
    }
    return [store, adapter];
  });
}

for (const [storeName, adapter] of combinations(process.env.DURABLE_STREAMS_CONFORMANCE)) {
  describe(`${storeName} store through ${adapter}`, () => {
    // The suite reads `baseUrl` when each case runs, so it is filled in once the server listens.
    const target = { baseUrl: '', longPollTimeoutMs: TEST_TIMINGS.longPollTimeoutMs };
    let store: OpenStore;
    let server: RunningServer;
    beforeAll(async () => {
      store = await openTestStore(storeName);
      server = await startServer(adapter, store.store);
      target.baseUrl = server.baseUrl;
    });
    afterAll(async () => {
      await server?.close();
      await store?.close();
    });
    runConformanceTests(target);
  });
}
