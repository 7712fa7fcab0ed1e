import { afterEach, describe, expect, it } from 'vitest';
import { createEventStreamClient } from './client.ts';
import type { CursorStorage } from './cursor-storage.ts';
import { EventStreamError } from './errors.ts';
import { type RecordedClient, recordClient } from './test-support/record-client.ts';
import {
  type PlainReply,
  startTestSseServer,
  type TestSseServer,
  type TestSseServerOptions,
} from './test-support/test-sse-server.ts';
import { sleep, waitFor } from './test-support/wait.ts';
import type { EventStreamClientOptions } from './types.ts';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(options?: TestSseServerOptions): Promise<TestSseServer> {
  const started = await startTestSseServer(options);
  cleanups.push(() => started.close());
  return started;
}

/** Fast reconnects unless a test is about the backoff itself. */
const QUICK: EventStreamClientOptions = { backoff: { initialMs: 20, maxMs: 100 } };

function client(url: string, options: EventStreamClientOptions = QUICK): RecordedClient {
  const recorded = recordClient(url, options);
  cleanups.push(() => recorded.client.close());
  return recorded;
}

function memoryStorage(initial: Record<string, string> = {}): CursorStorage & { map: Map<string, string> } {
  const map = new Map(Object.entries(initial));
  return {
    map,
    getItem: (key) => map.get(key) ?? null,
    setItem: (key, value) => void map.set(key, value),
    removeItem: (key) => void map.delete(key),
  };
}

describe('delivery and status', () => {
  it('delivers replayed then live events in order, with connecting → catching-up → live', async () => {
    const srv = await server();
    srv.publish('a');
    srv.publish('b', 'custom');
    const c = client(srv.streamUrl);
    await waitFor(() => c.client.status === 'live', 'live');
    srv.publish('c');
    await waitFor(() => c.events.length === 3, 'three events');
    expect(c.events).toEqual([
      { id: srv.events[0]!.id, event: 'message', data: 'a' },
      { id: srv.events[1]!.id, event: 'custom', data: 'b' },
      { id: srv.events[2]!.id, event: 'message', data: 'c' },
    ]);
    expect(c.statuses()).toEqual(['catching-up', 'live']);
    c.client.close();
    expect(c.statuses()).toEqual(['catching-up', 'live', 'closed']);
    expect(c.client.lastEventId).toBe(srv.events[2]!.id);
  });

  it('reports caught-up with the replay count and time to sync, and sums it in metrics', async () => {
    const srv = await server();
    for (const data of ['1', '2', '3']) srv.publish(data);
    let ticks = 0;
    // A clock that advances 10 ms per reading: connect, three events, caught-up.
    const c = client(srv.streamUrl, { ...QUICK, now: () => (ticks += 10) });
    await waitFor(() => c.client.status === 'live', 'live');
    const caughtUp = c.log.find((entry) => entry.kind === 'caught-up');
    expect(caughtUp).toEqual({
      kind: 'caught-up',
      info: { replayed: 3, head: srv.events[2]!.id, timeToSyncMs: 40 },
    });
    expect(c.client.metrics).toMatchObject({ eventsCaughtUp: 3, timeToSyncMs: 40, lastEventAt: 40 });
    // The first event arrives during catching-up, never before the connection is open.
    expect(c.log.map((entry) => entry.kind)).toEqual([
      'status',
      'event',
      'event',
      'event',
      'status',
      'caught-up',
    ]);
  });

  it('never passes control events to onEvent', async () => {
    const srv = await server();
    srv.misbehave.resetEveryConnection = 'malformed';
    srv.publish('x');
    const c = client(srv.streamUrl);
    await waitFor(() => c.client.status === 'live', 'live');
    expect(c.events.map((event) => event.event)).toEqual(['message']);
  });
});

describe('Last-Event-ID', () => {
  it('is sent on every reconnect, with the last id seen at that time', async () => {
    const srv = await server();
    srv.publish('a');
    const c = client(srv.streamUrl);
    await waitFor(() => c.client.status === 'live', 'live');
    srv.dropConnections();
    await srv.waitForRequests(2);
    await waitFor(() => c.client.status === 'live', 'live again');
    srv.publish('b');
    await waitFor(() => c.events.length === 2, 'b');
    srv.dropConnections();
    await srv.waitForRequests(3);
    expect(srv.requests.map((request) => request.lastEventId)).toEqual([
      undefined,
      srv.events[0]!.id,
      srv.events[1]!.id,
    ]);
    expect(c.data()).toEqual(['a', 'b']);
    expect(c.client.metrics.reconnects).toBe(2);
  });

  it('is sent on the first connect when a starting id is given', async () => {
    const srv = await server();
    for (const data of ['a', 'b', 'c']) srv.publish(data);
    const c = client(srv.streamUrl, { ...QUICK, lastEventId: srv.events[0]!.id });
    await waitFor(() => c.client.status === 'live', 'live');
    expect(srv.requests[0]!.lastEventId).toBe(srv.events[0]!.id);
    expect(c.data()).toEqual(['b', 'c']);
  });

  it('is persisted to storage per event, and storage wins over the lastEventId option', async () => {
    const srv = await server();
    for (const data of ['a', 'b', 'c']) srv.publish(data);
    const storage = memoryStorage({ key: srv.events[1]!.id });
    const c = client(srv.streamUrl, { ...QUICK, storage, storageKey: 'key', lastEventId: srv.events[0]!.id });
    await waitFor(() => c.client.status === 'live', 'live');
    expect(srv.requests[0]!.lastEventId).toBe(srv.events[1]!.id);
    expect(c.data()).toEqual(['c']);
    srv.publish('d');
    await waitFor(() => c.events.length === 2, 'd');
    expect(storage.map.get('key')).toBe(srv.events[3]!.id);
  });

  it('storage failures do not stop the stream', async () => {
    const srv = await server();
    srv.publish('a');
    const broken: CursorStorage = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
      removeItem: () => {},
    };
    const c = client(srv.streamUrl, { ...QUICK, storage: broken });
    await waitFor(() => c.events.length === 1, 'a');
    expect(c.errors()).toEqual([]);
  });
});

describe('reconnection and backoff', () => {
  it('waits the jittered delays chosen with the injected random between failed attempts', async () => {
    const srv = await server();
    srv.respond({ status: 503 }, 3);
    srv.publish('a');
    const delays: (number | undefined)[] = [];
    const c = client(srv.streamUrl, {
      backoff: { initialMs: 200, maxMs: 10_000, factor: 2 },
      random: () => 0.5,
      onError: () => delays.push(c.client.metrics.retryDelayMs),
    });
    await waitFor(() => c.events.length === 1, 'a', 5000);
    // Full jitter: 0.5 × 200, 0.5 × 400, 0.5 × 800.
    expect(delays).toEqual([100, 200, 400]);
    const gaps = srv.requests.slice(1).map((request, i) => request.at - srv.requests[i]!.at);
    gaps.forEach((gap, i) => {
      expect(gap).toBeGreaterThanOrEqual(delays[i]! - 5);
      expect(gap).toBeLessThan(delays[i]! + 1000);
    });
    expect(c.errors().map((error) => [error.code, error.status, error.fatal])).toEqual([
      ['SERVER_ERROR', 503, false],
      ['SERVER_ERROR', 503, false],
      ['SERVER_ERROR', 503, false],
    ]);
  });

  it('keeps the delay under the cap, and a near-1 random never reaches the ceiling', async () => {
    const srv = await server();
    srv.respond({ status: 500 }, 4);
    const delays: (number | undefined)[] = [];
    const c = client(srv.streamUrl, {
      backoff: { initialMs: 40, maxMs: 100, factor: 2 },
      random: () => 0.999_999,
      onError: () => delays.push(c.client.metrics.retryDelayMs),
    });
    await waitFor(() => c.client.status === 'live', 'live', 5000);
    expect(delays).toEqual([39, 79, 99, 99]);
  });

  it('starts the backoff over once events flow', async () => {
    const srv = await server();
    srv.respond({ status: 500 }, 2);
    srv.publish('a');
    const c = client(srv.streamUrl, { backoff: { initialMs: 200, maxMs: 10_000 }, random: () => 0.5 });
    await waitFor(() => c.client.status === 'live', 'live', 5000);
    expect(c.client.metrics.retryDelayMs).toBe(200); // second failure: 0.5 × 400
    srv.dropConnections();
    await srv.waitForRequests(4);
    expect(c.client.metrics.retryDelayMs).toBe(100); // back to 0.5 × 200, not 0.5 × 800
  });

  it("honours the server's retry: over its own initial delay", async () => {
    const srv = await server({ retryMs: 50 });
    const c = client(srv.streamUrl, { backoff: { initialMs: 60_000 }, random: () => 0.99 });
    await waitFor(() => c.client.status === 'live', 'live');
    srv.dropConnections();
    await srv.waitForRequests(2, 2000);
    expect(c.client.metrics.retryDelayMs).toBe(49);
  });

  it('retries a 5xx until the stream opens', async () => {
    const srv = await server();
    srv.respond({ status: 500, contentType: 'text/plain', body: 'boom' }, 2);
    srv.publish('a');
    const c = client(srv.streamUrl);
    await waitFor(() => c.events.length === 1, 'a');
    expect(srv.requests).toHaveLength(3);
    expect(c.statuses()).toEqual(['reconnecting', 'catching-up', 'live']);
  });

  it('retries a network error (nothing listening) until the server is back', async () => {
    const srv = await server();
    srv.publish('a');
    await srv.stop();
    const c = client(srv.streamUrl);
    await waitFor(() => c.errors().length >= 2, 'two failed attempts');
    expect(c.errors().every((error) => error.code === 'NETWORK_ERROR' && !error.fatal)).toBe(true);
    expect(c.client.status).toBe('reconnecting');
    await srv.start();
    await waitFor(() => c.events.length === 1, 'a after restart');
  });

  it('survives a server restart mid-stream: reconnects and continues with no loss and no duplicate', async () => {
    const srv = await server();
    const c = client(srv.streamUrl);
    await waitFor(() => c.client.status === 'live', 'live');
    for (let i = 0; i < 5; i++) srv.publish(`before-${i}`);
    await waitFor(() => c.events.length === 5, 'first five');
    await srv.stop();
    // Published while the server is down: retained in the log, delivered by replay.
    for (let i = 0; i < 5; i++) srv.publish(`down-${i}`);
    await waitFor(() => c.client.status === 'reconnecting', 'reconnecting');
    await sleep(100);
    await srv.start();
    await waitFor(() => c.client.status === 'live', 'live again');
    for (let i = 0; i < 5; i++) srv.publish(`after-${i}`);
    await waitFor(() => c.events.length === 15, 'all fifteen');
    await sleep(50);
    expect(c.data()).toEqual(srv.events.map((event) => event.data));
    expect(c.events.map((event) => event.id)).toEqual(srv.events.map((event) => event.id));
    expect(srv.requests.at(-1)!.lastEventId).toBe(srv.events[4]!.id);
  });

  it('reconnects after the server ends the response cleanly', async () => {
    const srv = await server();
    srv.publish('a');
    const c = client(srv.streamUrl);
    await waitFor(() => c.client.status === 'live', 'live');
    srv.endOpenStreams();
    await srv.waitForRequests(2);
    expect(srv.requests[1]!.lastEventId).toBe(srv.events[0]!.id);
    expect(c.errors()).toEqual([]);
  });
});

describe('WHATWG id handling', () => {
  it('a block with only an id: moves the cursor without delivering anything', async () => {
    const srv = await server();
    srv.misbehave.rawAfterCaughtUp = 'id: moved-here\n\n';
    const c = client(srv.streamUrl);
    await waitFor(() => c.client.lastEventId === 'moved-here', 'the cursor to move');
    srv.misbehave.rawAfterCaughtUp = undefined;
    srv.dropConnections();
    await srv.waitForRequests(2);
    expect(srv.requests[1]!.lastEventId).toBe('moved-here');
    expect(c.events).toEqual([]);
  });

  it('an empty id: clears the cursor, so the next request carries none', async () => {
    const srv = await server();
    srv.publish('a');
    srv.misbehave.rawAfterCaughtUp = 'id\ndata: b\n\n';
    const c = client(srv.streamUrl);
    await waitFor(() => c.events.length === 2, 'b');
    expect(c.events[1]).toEqual({ id: '', event: 'message', data: 'b' });
    srv.misbehave.rawAfterCaughtUp = undefined;
    srv.dropConnections();
    await srv.waitForRequests(2);
    expect(srv.requests[1]!.lastEventId).toBeUndefined();
  });
});

describe('deduplication by cursor', () => {
  it('delivers once an event the server sends twice', async () => {
    const srv = await server();
    for (const data of ['a', 'b', 'c']) srv.publish(data);
    srv.misbehave.repeatOffset = 2;
    const c = client(srv.streamUrl);
    await waitFor(() => c.client.status === 'live', 'live');
    expect(c.data()).toEqual(['a', 'b', 'c']);
    expect(c.client.metrics.duplicatesDropped).toBe(1);
  });

  it('drops what a server that ignores Last-Event-ID replays again', async () => {
    const srv = await server();
    for (const data of ['a', 'b']) srv.publish(data);
    srv.misbehave.ignoreLastEventId = true;
    const c = client(srv.streamUrl);
    await waitFor(() => c.client.status === 'live', 'live');
    srv.publish('c');
    await waitFor(() => c.events.length === 3, 'c');
    srv.dropConnections();
    await srv.waitForRequests(2);
    await waitFor(() => c.client.status === 'live', 'live again');
    srv.publish('d');
    await waitFor(() => c.events.length === 4, 'd');
    expect(c.data()).toEqual(['a', 'b', 'c', 'd']);
    expect(c.client.metrics.duplicatesDropped).toBe(3);
  });

  it('dedupWindow: 0 turns deduplication off', async () => {
    const srv = await server();
    for (const data of ['a', 'b']) srv.publish(data);
    srv.misbehave.repeatOffset = 1;
    const c = client(srv.streamUrl, { ...QUICK, dedupWindow: 0 });
    await waitFor(() => c.client.status === 'live', 'live');
    expect(c.data()).toEqual(['a', 'a', 'b']);
  });
});

describe('reset', () => {
  it('calls onReset before any later event and resumes from the baseline cursor', async () => {
    const srv = await server();
    srv.publish('old');
    const storage = memoryStorage();
    const c = client(srv.streamUrl, { ...QUICK, storage, storageKey: 'k' });
    await waitFor(() => c.events.length === 1, 'old');
    await srv.stop();
    srv.loseLog(); // a memory store restarted: new epoch
    srv.publish('new-1');
    srv.publish('new-2');
    await srv.start();
    await waitFor(() => c.events.length === 3, 'new events');
    const kinds = c.log.filter((entry) => entry.kind === 'event' || entry.kind === 'reset');
    expect(
      kinds.map((entry) => (entry.kind === 'event' ? entry.event.data : `reset:${entry.reason}`)),
    ).toEqual(['old', 'reset:epoch', 'new-1', 'new-2']);
    expect(c.client.lastEventId).toBe(srv.events[1]!.id);
    expect(storage.map.get('k')).toBe(srv.events[1]!.id);
  });

  it('awaits an async onReset before the next event', async () => {
    const srv = await server();
    srv.misbehave.resetEveryConnection = 'evicted';
    srv.publish('a');
    const order: string[] = [];
    const c = client(srv.streamUrl, {
      ...QUICK,
      onReset: async () => {
        order.push('reset:start');
        await sleep(100);
        order.push('reset:done');
      },
      // Returns push's number on purpose: callbacks may return anything (a type check, too).
      onEvent: (event) => order.push(event.data),
    });
    await waitFor(() => c.events.length === 1, 'a');
    expect(order).toEqual(['reset:start', 'reset:done', 'a']);
  });

  it('clears the dedup state: events after a reset are delivered even if seen before it', async () => {
    const srv = await server();
    for (const data of ['a', 'b']) srv.publish(data);
    srv.misbehave.resetEveryConnection = 'malformed';
    const c = client(srv.streamUrl);
    await waitFor(() => c.client.status === 'live', 'live');
    srv.dropConnections();
    await srv.waitForRequests(2);
    await waitFor(() => c.events.length === 4, 'the replay after the second reset');
    const sequence = c.log
      .filter((entry) => entry.kind === 'event' || entry.kind === 'reset')
      .map((entry) => (entry.kind === 'event' ? entry.event.data : 'reset'));
    expect(sequence).toEqual(['reset', 'a', 'b', 'reset', 'a', 'b']);
  });
});

describe('heartbeat timeout', () => {
  it('reconnects with the cursor when no byte arrives for heartbeatTimeoutMs', async () => {
    const srv = await server({ heartbeatMs: 0 });
    srv.publish('a');
    const c = client(srv.streamUrl, { ...QUICK, heartbeatTimeoutMs: 300 });
    await waitFor(() => c.client.status === 'live', 'live');
    srv.muteOpenStreams(); // the server sends no heartbeats anyway: this connection is now silent
    await srv.waitForRequests(2, 3000);
    // The last byte came after the first request started, so the gap is at least the timeout.
    expect(srv.requests[1]!.at - srv.requests[0]!.at).toBeGreaterThanOrEqual(295);
    expect(c.errors().map((error) => error.code)).toEqual(['HEARTBEAT_TIMEOUT']);
    expect(srv.requests[1]!.lastEventId).toBe(srv.events[0]!.id);
  });

  it('keeps a quiet connection that receives heartbeats', async () => {
    const srv = await server({ heartbeatMs: 50 });
    const c = client(srv.streamUrl, { ...QUICK, heartbeatTimeoutMs: 600 });
    await waitFor(() => c.client.status === 'live', 'live');
    await sleep(1500);
    expect(srv.requests).toHaveLength(1);
    expect(c.client.status).toBe('live');
  });

  it('does not time out while an async onEvent holds the stream', async () => {
    const srv = await server({ heartbeatMs: 0 });
    srv.publish('slow');
    const c = client(srv.streamUrl, { ...QUICK, heartbeatTimeoutMs: 200, onEvent: () => sleep(600) });
    await waitFor(() => c.client.status === 'live', 'live', 3000);
    expect(srv.requests).toHaveLength(1);
  });
});

describe('stopping for good', () => {
  const fatal: [string, PlainReply, string][] = [
    ['204 No Content', { status: 204 }, 'NO_CONTENT'],
    ['401 Unauthorized', { status: 401, contentType: 'application/json', body: '{}' }, 'UNAUTHORIZED'],
    ['403 Forbidden', { status: 403, contentType: 'application/json', body: '{}' }, 'FORBIDDEN'],
    ['404 Not Found', { status: 404 }, 'BAD_STATUS'],
    [
      '200 with a wrong content type',
      { status: 200, contentType: 'text/html', body: '<p>' },
      'BAD_CONTENT_TYPE',
    ],
  ];
  it.each(fatal)('%s: closes with a typed error and never retries', async (_name, reply, code) => {
    const srv = await server();
    srv.respond(reply, 10);
    const c = client(srv.streamUrl, { backoff: { initialMs: 10 } });
    await waitFor(() => c.client.status === 'closed', 'closed');
    await sleep(300);
    expect(srv.requests).toHaveLength(1);
    const [error, ...more] = c.errors();
    expect(more).toEqual([]);
    expect(error).toBeInstanceOf(EventStreamError);
    expect(error).toMatchObject({ code, fatal: true, status: reply.status, name: 'ResumableSseError' });
    expect(c.client.error).toBe(error);
    expect(c.statuses()).toEqual(['closed']);
  });
});

describe('abort and close', () => {
  it('makes no request at all when the signal is already aborted', async () => {
    const srv = await server();
    const controller = new AbortController();
    controller.abort();
    let fetches = 0;
    const c = client(srv.streamUrl, {
      signal: controller.signal,
      fetch: (url, init) => {
        fetches++;
        return fetch(url, init);
      },
    });
    expect(c.client.status).toBe('closed');
    await sleep(300);
    expect(srv.requests).toHaveLength(0);
    expect(fetches).toBe(0);
  });

  it('aborting the signal mid-stream closes the connection and stops reconnecting', async () => {
    const srv = await server();
    const controller = new AbortController();
    const c = client(srv.streamUrl, { ...QUICK, signal: controller.signal });
    await waitFor(() => c.client.status === 'live', 'live');
    controller.abort();
    expect(c.client.status).toBe('closed');
    await waitFor(() => srv.openStreamCount() === 0, 'the server to see the close');
    srv.publish('late');
    await sleep(200);
    expect(srv.requests).toHaveLength(1);
    expect(c.events).toEqual([]);
  });

  it('close() during the backoff wait cancels the pending reconnection', async () => {
    const srv = await server();
    srv.respond({ status: 500 });
    const c = client(srv.streamUrl, { backoff: { initialMs: 200 }, random: () => 0.99 });
    await waitFor(() => c.client.status === 'reconnecting', 'reconnecting');
    c.client.close();
    await sleep(400);
    expect(srv.requests).toHaveLength(1);
    expect(c.statuses()).toEqual(['reconnecting', 'closed']);
  });
});

describe('request options', () => {
  it('sends static headers and calls a header function before every attempt', async () => {
    const srv = await server();
    let token = 0;
    const c = client(srv.streamUrl, {
      ...QUICK,
      headers: () => ({ authorization: `Bearer t${++token}`, 'x-static': 'yes' }),
    });
    await waitFor(() => c.client.status === 'live', 'live');
    srv.dropConnections();
    await srv.waitForRequests(2);
    expect(srv.requests.map((request) => request.headers.authorization)).toEqual(['Bearer t1', 'Bearer t2']);
    expect(srv.requests.map((request) => request.headers.accept)).toEqual([
      'text/event-stream',
      'text/event-stream',
    ]);
    expect(srv.requests[0]!.headers['x-static']).toBe('yes');
  });

  it('passes credentials and no-store caching to fetch', async () => {
    const srv = await server();
    const inits: RequestInit[] = [];
    const c = client(srv.streamUrl, {
      ...QUICK,
      credentials: 'include',
      fetch: (url, init) => {
        inits.push(init);
        return fetch(url, init);
      },
    });
    await waitFor(() => c.client.status === 'live', 'live');
    expect(inits[0]).toMatchObject({ credentials: 'include', cache: 'no-store' });
  });
});

describe('callbacks', () => {
  it('a throwing onEvent is reported as HANDLER_ERROR and the stream goes on', async () => {
    const srv = await server();
    for (const data of ['a', 'b']) srv.publish(data);
    const c = client(srv.streamUrl, {
      ...QUICK,
      onEvent: (event) => {
        if (event.data === 'a') throw new Error('bug in the app');
      },
    });
    await waitFor(() => c.client.status === 'live', 'live');
    expect(c.data()).toEqual(['a', 'b']);
    const [error] = c.errors();
    expect(error).toMatchObject({ code: 'HANDLER_ERROR', fatal: false });
    expect((error!.cause as Error).message).toBe('bug in the app');
    expect(srv.requests).toHaveLength(1);
  });

  it('awaits an async onEvent before delivering the next one', async () => {
    const srv = await server();
    for (const data of ['a', 'b', 'c']) srv.publish(data);
    const order: string[] = [];
    const c = client(srv.streamUrl, {
      ...QUICK,
      onEvent: async (event) => {
        order.push(`start:${event.data}`);
        await sleep(20);
        order.push(`end:${event.data}`);
      },
    });
    await waitFor(() => c.client.status === 'live', 'live');
    expect(order).toEqual(['start:a', 'end:a', 'start:b', 'end:b', 'start:c', 'end:c']);
  });
});

describe('environment', () => {
  it('needs no window or document', async () => {
    expect('window' in globalThis || 'document' in globalThis).toBe(false);
    const srv = await server();
    srv.publish('a');
    const events: string[] = [];
    const c = createEventStreamClient(srv.streamUrl, { onEvent: (event) => void events.push(event.data) });
    cleanups.push(() => c.close());
    await waitFor(() => events.length === 1, 'a');
  });
});
