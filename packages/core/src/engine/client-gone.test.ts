import { afterEach, describe, expect, it } from 'vitest';
import { createHub, type Hub } from '../hub.ts';
import type { DisconnectReason } from '../hub-hooks.ts';
import { memoryStore } from '../store/memory-store.ts';
import { CollectingSink, until } from '../test-support/collecting-sink.ts';
import { type RequestShape, sseRequest } from '../test-support/open-session.ts';
import { createSseEndpoint } from './endpoint.ts';
import type { ClientGoneListener, SseRequest } from './types.ts';

let hub: Hub | undefined;
afterEach(async () => {
  await hub?.close();
});

/**
 * A request that says when its client is gone through `whenGone`, and whose `signal` must not be
 * read: an adapter offering `whenGone` saves each connection the signal only if core never asks.
 */
function requestWithWhenGone(): { request: SseRequest; leave(): void; listeners(): number } {
  const base = sseRequest({});
  const listeners: ClientGoneListener[] = [];
  let gone = false;
  const request: SseRequest = {
    method: base.method,
    header: base.header,
    query: base.query,
    get signal(): AbortSignal {
      throw new Error('signal read although whenGone was given');
    },
    whenGone(listener) {
      if (gone) listener.handleEvent();
      else listeners.push(listener);
    },
  };
  return {
    request,
    leave() {
      gone = true;
      for (const listener of listeners.splice(0)) listener.handleEvent();
    },
    listeners: () => listeners.length,
  };
}

async function open(request: SseRequest) {
  const disconnects: DisconnectReason[] = [];
  hub = createHub({
    store: memoryStore(),
    hooks: { onDisconnect: ({ reason }) => disconnects.push(reason) },
  });
  const endpoint = createSseEndpoint<RequestShape>(hub, { stream: 'gone', heartbeatMs: 0 });
  const plan = await endpoint.handle(request, {});
  if (plan.kind !== 'stream') throw new Error(`expected a stream, got ${plan.status}`);
  const sink = new CollectingSink();
  const done = plan.pipe(sink);
  return { hub, sink, done, disconnects };
}

describe('a request that offers whenGone', () => {
  it('is listened to there, never through its signal, and ends the connection as client-closed', async () => {
    const client = requestWithWhenGone();
    const { hub, sink, done, disconnects } = await open(client.request);
    await until(() => sink.frames.some((frame) => frame.event === 'caught-up'), 5_000, 'caught-up');
    expect(client.listeners()).toBe(1);
    await hub.publish('gone', { data: 'live' });
    await until(() => sink.frames.some((frame) => frame.data === 'live'), 5_000, 'the live event');

    client.leave();
    await done;
    expect(disconnects).toEqual(['client-closed']);
    expect(hub.stats().connections).toBe(0);
  });

  it('ends at once when the client left before the stream started', async () => {
    const client = requestWithWhenGone();
    client.leave();
    const { sink, done, disconnects } = await open(client.request);
    await done;
    expect(disconnects).toEqual(['client-closed']);
    expect(sink.frames).toEqual([]);
  });
});
