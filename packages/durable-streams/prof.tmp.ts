import { memoryStore } from '@resumable-sse/core';
import { createDurableStreamsHandler } from './src/index.ts';

const h = createDurableStreamsHandler({ store: memoryStore({ maxEvents: 2000 }) });
await h(new Request('http://x/v1/stream/a', { method: 'PUT', headers: { 'content-type': 'text/plain' } }));
const body = 'a'.repeat(256);
let t = performance.now();
for (let i = 0; i < 1000; i++)
  await h(
    new Request('http://x/v1/stream/a', { method: 'POST', headers: { 'content-type': 'text/plain' }, body }),
  );
console.log('handler append µs', (((performance.now() - t) * 1000) / 1000).toFixed(0));
t = performance.now();
for (let i = 0; i < 200; i++) await (await h(new Request('http://x/v1/stream/a?offset=-1'))).arrayBuffer();
console.log('handler read µs', (((performance.now() - t) * 1000) / 200).toFixed(0));
