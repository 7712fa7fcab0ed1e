import { DurableStream, type LiveMode, stream } from '@durable-streams/client';
import { memoryStore } from '@resumable-sse/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdapterName, type RunningServer, startServer, TEST_TIMINGS } from './test-support/servers.ts';
import { MEMORY_MAX_EVENTS } from './test-support/stores.ts';

/**
 * Every mount (Hono, Express, Fastify, bare node:http) with the official client: create, append,
 * read live over SSE and long-poll, and see later appends arrive once, in order.
 */
const ADAPTERS: readonly AdapterName[] = ['hono', 'express', 'fastify', 'node'];
const MODES: readonly LiveMode[] = ['sse', 'long-poll'];

for (const adapter of ADAPTERS) {
  describe(`official client through ${adapter}`, () => {
    const store = memoryStore({ maxEvents: MEMORY_MAX_EVENTS });
    let server: RunningServer;
    beforeAll(async () => {
      server = await startServer(adapter, store, { ...TEST_TIMINGS, maxBodyBytes: 16 * 1024 });
    });
    afterAll(async () => {
      await server.close();
      await store.close();
    });

    for (const live of MODES) {
      it(`reads a JSON stream live over ${live}`, async () => {
        const url = `${server.baseUrl}/v1/stream/${adapter}-${live}`;
        const handle = await DurableStream.create({
          url,
          contentType: 'application/json',
          warnOnHttp: false,
        });
        await handle.append(JSON.stringify({ n: 1 }));
        const response = await stream<{ n: number }>({ url, offset: '-1', live, warnOnHttp: false });
        const items: number[] = [];
        const arrived = new Promise<void>((resolve) => {
          response.subscribeJson((batch) => {
            items.push(...batch.items.map((item) => item.n));
            if (items.length >= 3) resolve();
          });
        });
        await handle.append(JSON.stringify({ n: 2 }));
        await handle.append(JSON.stringify({ n: 3 }));
        await arrived;
        response.cancel();
        expect(items).toEqual([1, 2, 3]);
      });
    }

    it('refuses a body over maxBodyBytes with 413 over HTTP and keeps the stream as it was', async () => {
      const url = `${server.baseUrl}/v1/stream/${adapter}-big`;
      expect(
        (await fetch(url, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'kept' })).status,
      ).toBe(201);
      const big = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'x'.repeat(64 * 1024),
      });
      expect(big.status).toBe(413);
      expect(await (await fetch(`${url}?offset=-1`)).text()).toBe('kept');
    });

    it('keeps binary appends byte-exact and answers HEAD with the tail', async () => {
      const url = `${server.baseUrl}/v1/stream/${adapter}-bytes`;
      const bytes = Uint8Array.from({ length: 256 }, (_, index) => index);
      const created = await fetch(url, {
        method: 'PUT',
        headers: { 'content-type': 'application/octet-stream' },
        body: bytes,
      });
      expect(created.status).toBe(201);
      const head = await fetch(url, { method: 'HEAD' });
      expect(head.headers.get('stream-next-offset')).toBe(created.headers.get('stream-next-offset'));
      const read = await fetch(`${url}?offset=-1`);
      expect(new Uint8Array(await read.arrayBuffer())).toEqual(bytes);
    });
  });
}
