import { serve } from '@hono/node-server';
import { memoryStore } from '@resumable-sse/core';
import { Hono } from 'hono';
import { createDurableStreamsHandler } from './src/index.ts';

const handler = createDurableStreamsHandler({
  store: memoryStore({ maxEvents: 20_000 }),
  longPollTimeoutMs: 500,
});
const app = new Hono();
app.all('*', (c) => handler(c.req.raw));
serve({ fetch: app.fetch, port: 4437, hostname: '127.0.0.1' });
console.log('up');
