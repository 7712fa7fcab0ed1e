import { type EventStore, memoryStore } from '@resumable-sse/core';
import { afterEach, expect, it } from 'vitest';
import { createDurableStreamsHandler } from './index.ts';
import { MEMORY_MAX_EVENTS } from './test-support/stores.ts';

const URL_BASE = 'http://streams.test/v1/stream';
const POLL_MS = 300;
let stores: EventStore[] = [];

afterEach(async () => {
  for (const store of stores) await store.close();
  stores = [];
});

/**
 * A real memory store whose live notifications never arrive, as when they are late (Redis
 * Pub/Sub behind the append's reply) or lost: every long-poll ends by its timeout.
 */
function storeWithSilentLiveFeed(): EventStore {
  const inner = memoryStore({ maxEvents: MEMORY_MAX_EVENTS });
  stores.push(inner);
  return {
    kind: inner.kind,
    append: (stream, events) => inner.append(stream, events),
    readAfter: (stream, after, limit) => inner.readAfter(stream, after, limit),
    position: (stream) => inner.position(stream),
    subscribe: () => ({ ready: Promise.resolve(), unsubscribe: () => {} }),
    close: () => inner.close(),
  };
}

it('serves an append that landed while the long-poll waited, though no notification woke it', async () => {
  const handler = createDurableStreamsHandler({
    store: storeWithSilentLiveFeed(),
    longPollTimeoutMs: POLL_MS,
  });
  const stream = `${URL_BASE}/late-notification`;
  const created = await handler(
    new Request(stream, { method: 'PUT', headers: { 'content-type': 'text/plain' } }),
  );
  expect(created.status).toBe(201);
  const tail = created.headers.get('stream-next-offset');
  expect(tail).toBeTruthy();

  const poll = handler(new Request(`${stream}?offset=${encodeURIComponent(tail!)}&live=long-poll`));
  await new Promise((resolve) => setTimeout(resolve, POLL_MS / 3));
  const appended = await handler(
    new Request(stream, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'late' }),
  );
  expect(appended.status).toBe(204);

  const answer = await poll;
  const body = await answer.text();
  // A 204 here would carry a next offset past "late": the client would never read it.
  expect({ status: answer.status, body }).toEqual({ status: 200, body: 'late' });
  expect(answer.headers.get('stream-next-offset')).toBe(appended.headers.get('stream-next-offset'));
});
