/**
 * Child process for the multi-process tests: appends `count` events to one stream and prints
 * one JSON line per event with its offset and cursor, then `{"done":true}`.
 * Usage: node --conditions=@resumable-sse/source publisher-process.ts <redisUrl> <stream> <count> <batch> <pauseMs> [holdAfter]
 *
 * With `holdAfter`, it stops once that offset is published and goes on when a line arrives on
 * stdin: a test lets another process get ready meanwhile, however slowly the machine starts it.
 */
import { createInterface } from 'node:readline';
import { createCursorCodec } from '@resumable-sse/core/protocol';
import { Redis } from 'ioredis';
import { redisStore } from '../index.ts';

const [url, stream, countText, batchText, pauseText, holdText] = process.argv.slice(2);
const holdAfter = holdText === undefined ? Number.POSITIVE_INFINITY : Number(holdText);
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
let held = false;
const count = Number(countText);
const batch = Number(batchText);
const pauseMs = Number(pauseText);
const client = new Redis(url as string);
const store = redisStore({ client });
const codec = createCursorCodec();

let next = 1;
while (next <= count) {
  const size = Math.min(next % 3 === 0 ? batch : 1, count - next + 1);
  const inputs = Array.from({ length: size }, (_, index) => ({ event: 'n', data: `event-${next + index}` }));
  const results = await store.append(stream as string, inputs);
  for (const result of results) {
    const cursor = codec.encode({ epoch: result.epoch, offset: result.offset });
    process.stdout.write(`${JSON.stringify({ offset: result.offset, cursor, pid: process.pid })}\n`);
  }
  next += size;
  if (!held && next > holdAfter) {
    held = true;
    process.stdout.write(`${JSON.stringify({ holding: next - 1 })}\n`);
    await lines.next();
  }
  if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
}
process.stdout.write(`${JSON.stringify({ done: true })}\n`);
await store.close();
client.disconnect();
process.stdin.destroy();
