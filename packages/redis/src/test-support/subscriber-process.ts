/**
 * Child process for the multi-process tests. Prints `{"ready":true}` once subscribed, then one
 * JSON line per event it hands on, in order, and exits after the event with offset `until`.
 *
 * Without a cursor it follows the stream live. With one (from another process) it does what a
 * resuming SSE connection does: subscribe first, then read everything after the cursor, holding
 * live events that arrive meanwhile and merging them by offset.
 * Usage: node --conditions=@resumable-sse/source subscriber-process.ts <redisUrl> <stream> <until> [cursor]
 */
import type { LiveEvent, StoredEvent } from '@resumable-sse/core';
import { createCursorCodec } from '@resumable-sse/core/protocol';
import { Redis } from 'ioredis';
import { redisStore } from '../index.ts';

const [url, streamArg, untilText, cursorText] = process.argv.slice(2);
const stream = streamArg as string;
const until = Number(untilText);
const client = new Redis(url as string);
const store = redisStore({ client });

let delivered: number | undefined;
let replaying = cursorText !== undefined;
const held: LiveEvent[] = [];

function emit(event: StoredEvent, via: 'replay' | 'live'): void {
  if (delivered !== undefined && event.offset <= delivered) return;
  delivered = event.offset;
  process.stdout.write(
    `${JSON.stringify({ offset: event.offset, data: event.data, event: event.event, via })}\n`,
  );
  if (event.offset >= until) void finish(0);
}

let finishing = false;

async function finish(code: number): Promise<void> {
  if (finishing) return;
  finishing = true;
  await store.close();
  client.disconnect();
  process.exit(code);
}

const subscription = store.subscribe(stream, {
  onEvent(event) {
    if (replaying) held.push(event);
    else emit(event, 'live');
  },
  onClose(reason) {
    process.stdout.write(`${JSON.stringify({ closed: reason.code })}\n`);
    void finish(1);
  },
});
await subscription.ready;
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);

if (cursorText !== undefined) {
  const decoded = createCursorCodec().decode(cursorText);
  const position = await store.position(stream);
  if (!decoded.ok || decoded.cursor.epoch !== position.epoch) {
    process.stdout.write(`${JSON.stringify({ error: 'cursor from another epoch', position })}\n`);
    await finish(2);
  } else {
    delivered = decoded.cursor.offset;
    for (;;) {
      const page = await store.readAfter(stream, delivered, 50);
      if (page.length === 0) break;
      for (const event of page) emit(event, 'replay');
    }
    replaying = false;
    held.sort((a, b) => a.offset - b.offset);
    for (const event of held.splice(0)) emit(event, 'live');
  }
}
