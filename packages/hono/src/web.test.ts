/**
 * Hono off Node: the same handler through `app.request()`, with Web `Request`/`Response` only —
 * no socket, no `@hono/node-server`. Backpressure and disconnects come from the body stream alone.
 */
import { createHub, memoryStore } from '@resumable-sse/core';
import {
  countingStore,
  expectConsecutiveIds,
  expectSession,
  sleep,
  WebSseReader,
  type WebSseReaderOptions,
  waitUntil,
} from '@resumable-sse/testkit/http';
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
  /** Opens `path` (default `/stream`); `reader: false` leaves the body unread. */
  const open = async (
    init: RequestInit & { path?: string } = {},
    reader: WebSseReaderOptions | false = { keepDataChars: 8 },
  ) => {
    const { path = '/stream', ...rest } = init;
    const controller = new AbortController();
    const response = await app.request(path, { signal: controller.signal, ...rest });
    const body = reader ? new WebSseReader(response, reader) : undefined;
    cleanups.push(() => controller.abort());
    return { response, body, controller };
  };
  return { app, hub, store, publish, open };
}

/** Whole event data, for the control events' JSON. */
const WHOLE: WebSseReaderOptions = {};

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

/**
 * The replay table (docs/protocol.md §5.1) through `app.request()`, as the HTTP conformance suite runs it over
 * sockets: the store keeps 5 events and 8 are published, so offsets 4–8 (e4–e8) are retained.
 */
describe('the replay table through app.request()', () => {
  const retained = ['e4', 'e5', 'e6', 'e7', 'e8'];
  const replaySetup = async (options: Partial<SseOptions> = {}) => {
    const served = setup(options, 5);
    const published = await served.publish(8);
    /** Opens the stream with `Last-Event-ID: cursor` (none when undefined), reading whole events. */
    const resume = async (cursor?: string) =>
      (await served.open(cursor === undefined ? {} : { headers: { 'last-event-id': cursor } }, WHOLE)).body!;
    return { ...served, resume, ids: published.map((p) => p.id), epoch: published[0]!.epoch };
  };
  type ReplaySetup = Awaited<ReturnType<typeof replaySetup>>;
  /** The reset's id must resume to exactly what followed it. */
  const expectBaselineResumes = async (
    served: ReplaySetup,
    resetId: string | undefined,
    replay: string[],
  ) => {
    await expectSession(served, await served.resume(resetId!), { replay });
  };

  it.each([
    ['initial now (the default): nothing replayed', {}, []],
    ['initial earliest: everything retained, no reset', { initial: 'earliest' }, retained],
    ['initial last N: the last N events', { initial: { last: 2 } }, ['e7', 'e8']],
    ['initial last N above what is retained: everything retained', { initial: { last: 50 } }, retained],
  ] as const)('absent cursor, %s', async (_, options, replay) => {
    const served = await replaySetup(options as Partial<SseOptions>);
    await expectSession(served, await served.resume(), { replay });
  });

  it('absent cursor, initial now: then live', async () => {
    const served = await replaySetup();
    const body = await served.resume();
    await expectSession(served, body, { replay: [] });
    const [live] = await served.publish(1);
    await body.waitForEvents(1);
    expect(body.appEvents).toEqual([{ id: live!.id, event: undefined, data: 'e9' }]);
  });

  it('absent cursor, initial earliest: consecutive ids from the oldest retained', async () => {
    const served = await replaySetup({ initial: 'earliest' });
    const body = await served.resume();
    await expectSession(served, body, { replay: retained });
    expectConsecutiveIds(
      served,
      body.appEvents.map((event) => event.id),
      4,
    );
  });

  it('absent cursor on an empty stream: caught-up with head null', async () => {
    const served = setup({ initial: 'earliest' }, 5);
    const { body } = await served.open({}, WHOLE);
    await expectSession(served, body!, { replay: [] });
    expect(JSON.parse(body!.caughtUps[0]!.data)).toEqual({ replayed: 0, head: null });
  });

  it('malformed cursor: reset{malformed}, then as if absent (initial last 2)', async () => {
    const served = await replaySetup({ initial: { last: 2 } });
    const { resetId } = await expectSession(served, await served.resume('not-a-cursor'), {
      reset: { reason: 'malformed', requested: 'not-a-cursor' },
      replay: ['e7', 'e8'],
    });
    await expectBaselineResumes(served, resetId, ['e7', 'e8']);
  });

  it('malformed cursor of 10,000 characters: reset{malformed} echoing at most 256', async () => {
    const served = await replaySetup();
    const body = await served.resume('x'.repeat(10_000));
    await expectSession(served, body, {
      reset: { reason: 'malformed', requested: 'x'.repeat(10_000) },
      replay: [],
    });
    expect(JSON.parse(body.resets[0]!.data).requested.length).toBeLessThanOrEqual(256);
  });

  it('other epoch: reset{epoch}, then everything retained', async () => {
    const served = await replaySetup();
    const foreign = served.hub.codec.encode({
      epoch: served.epoch === 'OtherEpoch' ? 'ElseEpoch0' : 'OtherEpoch',
      offset: 6,
    });
    const { resetId } = await expectSession(served, await served.resume(foreign), {
      reset: { reason: 'epoch', requested: foreign },
      replay: retained,
    });
    await expectBaselineResumes(served, resetId, retained);
  });

  it('older than the oldest retained: reset{evicted}, then everything retained', async () => {
    const served = await replaySetup();
    const { resetId } = await expectSession(served, await served.resume(served.ids[1]), {
      reset: { reason: 'evicted', requested: served.ids[1]! },
      replay: retained,
    });
    await expectBaselineResumes(served, resetId, retained);
  });

  it('just before the oldest retained: every event after it, no reset', async () => {
    const served = await replaySetup();
    await expectSession(served, await served.resume(served.ids[2]), { replay: retained });
  });

  it('ahead of the head: waits out futureGraceMs, then reset{future}, then as if absent', async () => {
    const served = await replaySetup({ futureGraceMs: 200, initial: { last: 1 } });
    const future = served.hub.codec.encode({ epoch: served.epoch, offset: 11 });
    const started = performance.now();
    const { resetId } = await expectSession(served, await served.resume(future), {
      reset: { reason: 'future', requested: future },
      replay: ['e8'],
    });
    expect(performance.now() - started).toBeGreaterThanOrEqual(180);
    await expectBaselineResumes(served, resetId, ['e8']);
  });

  it('ahead of the head but reached within the grace (replica lag): no reset, the events after it', async () => {
    const served = await replaySetup({ futureGraceMs: 3_000 });
    const body = await served.resume(served.hub.codec.encode({ epoch: served.epoch, offset: 9 }));
    await sleep(100);
    await served.publish(3);
    await expectSession(served, body, { replay: ['e10', 'e11'] });
    expect(body.resets).toEqual([]);
  });

  it('within retention: exactly the events after it, then live', async () => {
    const served = await replaySetup();
    const body = await served.resume(served.ids[4]);
    await expectSession(served, body, { replay: ['e6', 'e7', 'e8'] });
    expectConsecutiveIds(
      served,
      body.appEvents.map((event) => event.id),
      6,
    );
    await served.publish(1);
    await body.waitForEvents(4);
    expect(body.appEvents.map((event) => event.data)).toEqual(['e6', 'e7', 'e8', 'e9']);
  });

  it('at the head: nothing replayed, caught-up, then live', async () => {
    const served = await replaySetup();
    const body = await served.resume(served.ids[7]);
    await expectSession(served, body, { replay: [] });
    await served.publish(1);
    await body.waitForEvents(1);
    expect(body.appEvents.map((event) => event.data)).toEqual(['e9']);
  });
});

describe('the lastEventId query parameter through app.request()', () => {
  const query = (cursor: string) => `/stream?lastEventId=${encodeURIComponent(cursor)}`;

  it('resumes from ?lastEventId= when there is no Last-Event-ID header (a first EventSource connect)', async () => {
    const served = setup({}, 5);
    const ids = (await served.publish(8)).map((p) => p.id);
    const { body } = await served.open({ path: query(ids[5]!) }, WHOLE);
    await expectSession(served, body!, { replay: ['e7', 'e8'] });
  });

  it('prefers the Last-Event-ID header to the query parameter', async () => {
    const served = setup({}, 5);
    const ids = (await served.publish(8)).map((p) => p.id);
    const { body } = await served.open(
      { path: query(ids[3]!), headers: { 'last-event-id': ids[6]! } },
      WHOLE,
    );
    await expectSession(served, body!, { replay: ['e8'] });
  });

  it('treats an empty header as absent and falls back to the query parameter', async () => {
    const served = setup({}, 5);
    const ids = (await served.publish(8)).map((p) => p.id);
    const { body } = await served.open({ path: query(ids[6]!), headers: { 'last-event-id': '' } }, WHOLE);
    await expectSession(served, body!, { replay: ['e8'] });
  });

  it('answers junk in the query parameter with reset{malformed}', async () => {
    const served = setup({ initial: 'earliest' }, 5);
    const ids = (await served.publish(8)).map((p) => p.id);
    const junk = `${ids[7]}\u0000/?&=`;
    const { body } = await served.open({ path: query(junk) }, WHOLE);
    await expectSession(served, body!, {
      reset: { reason: 'malformed', requested: junk },
      replay: ['e4', 'e5', 'e6', 'e7', 'e8'],
    });
  });
});

describe('heartbeats and retry through app.request()', () => {
  it('sends a comment every heartbeatMs on an idle stream', async () => {
    const { open } = setup({ heartbeatMs: 40 });
    const { body } = await open();
    await body!.waitForCaughtUp();
    const before = body!.comments.length;
    await waitUntil(() => body!.comments.length >= before + 3, 'three heartbeat comments');
    expect(body!.appEvents).toEqual([]);
  });

  it('sends the heartbeat as an event when heartbeatEvent is set', async () => {
    const { open } = setup({
      heartbeatMs: 40,
      heartbeatEvent: { event: 'ping', data: (now) => String(now) },
    });
    const { body } = await open({}, WHOLE);
    await body!.waitForCaughtUp();
    await body!.waitForEvents(2);
    expect(body!.appEvents.slice(0, 2).map((event) => event.event)).toEqual(['ping', 'ping']);
    expect(Number(body!.appEvents[0]!.data)).toBeGreaterThan(0);
    expect(body!.appEvents[0]!.id).toBeUndefined();
  });

  it('sends no heartbeat with heartbeatMs 0', async () => {
    const { open } = setup({ heartbeatMs: 0 });
    const { body } = await open();
    await body!.waitForCaughtUp();
    const before = body!.comments.length;
    await sleep(150);
    expect(body!.comments.length).toBe(before);
  });

  it('sends retry: 3000 by default, the configured value, or none with retry: false', async () => {
    const reading = async (options: Partial<SseOptions>) => {
      const { body } = await setup(options).open();
      await body!.waitForCaughtUp();
      return body!.retries;
    };
    expect(await reading({})).toEqual([3000]);
    expect(await reading({ retry: 250 })).toEqual([250]);
    expect(await reading({ retry: false })).toEqual([]);
  });
});
