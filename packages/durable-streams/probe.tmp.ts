import { DurableStream } from '@durable-streams/client';
import { serve } from '@hono/node-server';
import { memoryStore } from '@resumable-sse/core';
import { Hono } from 'hono';
import { createDurableStreamsHandler } from './src/index.ts';

const handler = createDurableStreamsHandler({
  store: memoryStore({ maxEvents: 1_000_000 }),
  longPollTimeoutMs: 500,
});
const app = new Hono();
app.all('*', async (c) => {
  const r = await handler(c.req.raw);
  console.log(c.req.method, c.req.url, r.status);
  return r;
});
serve({ fetch: app.fetch, port: 4438, hostname: '127.0.0.1' });
const url = 'http://127.0.0.1:4438/v1/stream/x';
await DurableStream.create({ url, contentType: 'text/plain' });
try {
  await DurableStream.create({ url, contentType: 'application/json' });
} catch (e) {
  console.log('rejected', String(e).slice(0, 200));
}
setInterval(() => console.log('heap', Math.round(process.memoryUsage().heapUsed / 1e6)), 300);
setTimeout(() => process.exit(0), 2500);
