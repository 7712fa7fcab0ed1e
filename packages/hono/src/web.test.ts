/**
 * Hono off Node: the same handler through `app.request()`, with Web `Request`/`Response` only —
 * no socket, no `@hono/node-server`. Backpressure and disconnects come from the body stream alone.
 */
import { createHub, memoryStore } from '@resumable-sse/core';
import { countingStore, sleep, WebSseReader, waitUntil } from '@resumable-sse/testkit/http';
import { Hono } from 'hono';
import { compress } from 'hono/compress';
import { afterEach, describe, expect, it } from 'vitest';
import { type SseOptions, sse } from './index.ts';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function setup(options: Partial<SseOptions> = {}, maxEvents = 500) {
  const store = countingStore(memoryStore({ maxEvents }));
  const hub = createHub({ store });
  cleanups.push(
    () => store.close(),
    () => hub.close(),
  );
  const app = new Hono();
  app.use(compress());
  app.use(async (c, next) => {
    c.header('x-request-id', 'r-1');
    await next();
  });
  app.on(['GET', 'OPTIONS'], '/stream', sse({ hub, stream: 'feed', ...options }));
  const publish = (count: number, pad = 0) =>
    hub.publishBatch(
      'feed',
      Array.from({ length: count }, () => ({ data: `e${++published}${pad ? ` ${'x'.repeat(pad)}` : ''}` })),
    );
  let published = 0;
  const open = async (init: RequestInit = {}, reader = true) => {
    const controller = new AbortController();
    const response = await app.request('/stream', { signal: controller.signal, ...init });
    const body = reader ? new WebSseReader(response, { keepDataChars: 8 }) : undefined;
    cleanups.push(() => controller.abort());
    return { response, body, controller };
  };
  return { app, hub, store, publish, open };
}

const numbers = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `e${from + i}`);
const dataOf = (events: ReadonlyArray<{ data: string }>) => events.map((event) => event.data.split(' ')[0]);

describe('hono through app.request() (Web Request/Response only)', () => {
  it('answers with the stream headers and a first chunk before any event', async () => {
    const { open } = setup({ retry: 1500 });
    const { response, body } = await open({ headers: { 'accept-encoding': 'gzip' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache, no-transform');
    expect(response.headers.get('x-request-id')).toBe('r-1');
    // compress() is mounted and the client accepts gzip: it must leave the stream alone.
    expect(response.headers.get('content-encoding')).toBeNull();
    await body!.waitForCaughtUp(1_000);
    expect(body!.retries).toEqual([1500]);
  });

  it('replays after Last-Event-ID, then goes live', async () => {
    const { open, publish } = setup();
    const ids = (await publish(4)).map((p) => p.id);
    const { body } = await open({ headers: { 'last-event-id': ids[1]! } });
    await body!.waitForCaughtUp();
    expect(dataOf(body!.appEvents)).toEqual(['e3', 'e4']);
    await publish(2);
    await body!.waitForEvents(4);
    expect(dataOf(body!.appEvents)).toEqual(numbers(3, 6));
    expect(body!.appEvents.map((event) => event.id)).toEqual([
      ids[2],
      ids[3],
      expect.any(String),
      expect.any(String),
    ]);
  });

  it('frees the subscription when the request signal aborts', async () => {
    const { open, hub, store } = setup();
    const { body, controller } = await open();
    await body!.waitForCaughtUp();
    expect(hub.stats().connections).toBe(1);
    controller.abort();
    await waitUntil(
      () => hub.stats().connections === 0 && store.activeSubscriptions === 0,
      'release after abort',
    );
    expect(hub.stats()).toEqual({ connections: 0, streams: 0, heartbeatTimers: 0 });
  });

  it('frees the subscription when the body is cancelled', async () => {
    const { open, hub, store } = setup();
    const { body } = await open();
    await body!.waitForCaughtUp();
    await body!.cancel();
    await waitUntil(
      () => hub.stats().connections === 0 && store.activeSubscriptions === 0,
      'release after cancel',
    );
  });

  it('disconnects a consumer that never reads once its queued bytes pass the high-water mark', async () => {
    const { open, hub, store, publish } = setup({ highWaterMarkBytes: 65_536 }, 1_000);
    await open({}, false);
    await waitUntil(() => hub.stats().connections === 1, 'the connection');
    await sleep(20);
    for (let i = 0; i < 40 && hub.stats().connections === 1; i++) await publish(4, 1_024);
    expect(hub.stats().connections).toBe(0);
    expect(store.activeSubscriptions).toBe(0);
  });

  it('honours backpressure from a slow reader: every event, in order, still connected', async () => {
    const { open, hub, publish } = setup(
      { initial: 'earliest', highWaterMarkBytes: 65_536, heartbeatMs: 0 },
      5_000,
    );
    await publish(2_000, 1_024);
    const response = await (await open({}, false)).response;
    const body = new WebSseReader(response, { keepDataChars: 8, slowRead: { reads: 16, pauseMs: 5 } });
    const live = (async () => {
      for (let i = 0; i < 10; i++) {
        await sleep(20);
        await publish(1, 1_024);
      }
    })();
    await body.waitForCaughtUp(20_000);
    await live;
    await body.waitForEvents(2_010);
    expect(dataOf(body.appEvents)).toEqual(numbers(1, 2_010));
    expect(hub.stats().connections).toBe(1);
  });

  it('refuses with JSON before any stream byte when authorize says no', async () => {
    const { open } = setup({ authorize: (c) => (c.req.header('authorization') ? true : { status: 401 }) });
    const { response } = await open({}, false);
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ error: expect.any(String) });
    expect(response.headers.get('x-request-id')).toBe('r-1');
    const allowed = await open({ headers: { authorization: 'Bearer x' } });
    expect(allowed.response.status).toBe(200);
  });

  it('answers the CORS preflight allowing Last-Event-ID', async () => {
    const { app } = setup({ cors: { origin: 'https://app.example' } });
    const response = await app.request('/stream', {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-headers': 'last-event-id' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(response.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('last-event-id');
  });
});
