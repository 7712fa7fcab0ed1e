import { type RedisServerHandle, startRedisServer } from '@resumable-sse/testkit/redis-server';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisStore } from './index.ts';
import { Recorder, range } from './test-support/recorder.ts';
import { sleep, waitFor } from './test-support/wait.ts';

let server: RedisServerHandle;
let client: Redis;
let backdoor: Redis;

beforeAll(async () => {
  server = await startRedisServer();
  client = new Redis(server.url);
  backdoor = new Redis(server.url);
});

afterAll(async () => {
  client?.disconnect();
  backdoor?.disconnect();
  await server?.stop();
});

/** Writes events into the log the way the append script does, but announces nothing: a lost notification. */
async function appendSilently(stream: string, from: number, to: number, time: number): Promise<void> {
  for (const offset of range(from, to)) {
    await backdoor.xadd(`rsse:{${stream}}:log`, `${offset}-0`, 't', String(time), 'd', `silent-${offset}`);
  }
  await backdoor.hset(`rsse:{${stream}}:meta`, 'head', String(to), 'time', String(time));
}

function inlineNote(epoch: string, offset: number, data: string, time: number): string {
  return JSON.stringify({
    epoch,
    first: String(offset),
    last: String(offset),
    time: String(time),
    events: [{ d: data }],
  });
}

describe('gap fill', () => {
  it('reads events whose notification was lost from the log, in order, before the next one', async () => {
    const store = redisStore({ client });
    const stream = 'gap-lost';
    await store.append(stream, [{ data: 'before' }]);
    const recorder = new Recorder();
    await store.subscribe(stream, recorder).ready;
    await appendSilently(stream, 2, 4, Date.now());
    await store.append(stream, [{ data: 'announced' }]);
    await recorder.waitForEvents(4);
    await sleep(100);
    expect(recorder.events.map((event) => [event.offset, event.data])).toEqual([
      [2, 'silent-2'],
      [3, 'silent-3'],
      [4, 'silent-4'],
      [5, 'announced'],
    ]);
    const { epoch } = await store.position(stream);
    expect(recorder.events.every((event) => event.epoch === epoch)).toBe(true);
    expect(recorder.closes).toEqual([]);
    await store.close();
  });

  it('puts notifications that arrive out of order back in offset order, each event once', async () => {
    const store = redisStore({ client });
    const stream = 'gap-reordered';
    const { epoch } = await store.position(stream);
    const recorder = new Recorder();
    await store.subscribe(stream, recorder).ready;
    const time = Date.now();
    await appendSilently(stream, 1, 3, time);
    const channel = store.keysOf(stream).channel;
    // 3 and 2 arrive before 1, and 2 arrives twice.
    await backdoor.publish(channel, inlineNote(epoch, 3, 'silent-3', time));
    await backdoor.publish(channel, inlineNote(epoch, 2, 'silent-2', time));
    await backdoor.publish(channel, inlineNote(epoch, 2, 'silent-2', time));
    await backdoor.publish(channel, inlineNote(epoch, 1, 'silent-1', time));
    await recorder.waitForEvents(3);
    await sleep(100);
    expect(recorder.offsets).toEqual([1, 2, 3]);
    expect(recorder.events.map((event) => event.data)).toEqual(['silent-1', 'silent-2', 'silent-3']);
    await store.close();
  });

  it('announces large appends by offset only and every process reads them from the log', async () => {
    const store = redisStore({ client, notificationInlineBytes: 0 });
    const stream = 'gap-not-inlined';
    const notes: string[] = [];
    const listener = client.duplicate();
    await listener.subscribe(store.keysOf(stream).channel);
    listener.on('message', (_channel: string, message: string) => notes.push(message));
    const recorder = new Recorder();
    await store.subscribe(stream, recorder).ready;
    await store.append(stream, [{ data: 'x' }, { event: 'named', data: 'y' }]);
    await recorder.waitForEvents(2);
    await waitFor(
      () => notes.length === 1,
      () => 'no notification seen',
    );
    expect(JSON.parse(notes[0] as string)).not.toHaveProperty('events');
    expect(recorder.events.map((event) => [event.offset, event.event, event.data])).toEqual([
      [1, undefined, 'x'],
      [2, 'named', 'y'],
    ]);
    listener.disconnect();
    await store.close();
  });

  it('delivers a large append announced by offset as one burst, not one per page read', async () => {
    const store = redisStore({ client, notificationInlineBytes: 0, maxEvents: 10_000 });
    const stream = 'gap-one-burst';
    // Events heard within one run of synchronous work: the hub's unit of live delivery.
    const bursts: number[] = [];
    const recorder = new Recorder();
    let burstOpen = false;
    const heard = recorder.onEvent.bind(recorder);
    recorder.onEvent = (event) => {
      if (!burstOpen) {
        burstOpen = true;
        bursts.push(0);
        queueMicrotask(() => {
          burstOpen = false;
        });
      }
      bursts[bursts.length - 1]! += 1;
      heard(event);
    };
    await store.subscribe(stream, recorder).ready;
    await store.append(
      stream,
      range(1, 2_000).map((n) => ({ data: `${n}` })),
    );
    await recorder.waitForEvents(2_000);
    expect(recorder.offsets).toEqual(range(1, 2_000));
    expect(bursts.filter((count) => count > 0)).toEqual([2_000]);
    await store.close();
  });

  it('resubscribes after the Pub/Sub connection is killed and delivers what was appended meanwhile', async () => {
    const store = redisStore({ client, resubscribeGraceMs: 5_000 });
    const stream = 'gap-reconnect';
    const recorder = new Recorder();
    await store.subscribe(stream, recorder).ready;
    await store.append(stream, [{ data: '1' }]);
    await recorder.waitForEvents(1);
    // Kill only the store's Pub/Sub connection (the app's client stays up and keeps appending).
    const killed = await backdoor.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    expect(Number(killed)).toBeGreaterThanOrEqual(1);
    for (const n of range(2, 30)) await store.append(stream, [{ data: String(n) }]);
    await recorder.waitForEvents(30, 10_000);
    await store.append(stream, [{ data: '31' }]);
    await recorder.waitForEvents(31);
    expect(recorder.offsets).toEqual(range(1, 31));
    expect(recorder.closes).toEqual([]);
    await store.close();
  });

  it('ends live subscribers with store-unavailable when missed events were trimmed before they could be read', async () => {
    const store = redisStore({ client, maxEvents: 3 });
    const stream = 'gap-trimmed';
    const recorder = new Recorder();
    await store.subscribe(stream, recorder).ready;
    await appendSilently(stream, 1, 10, Date.now());
    await backdoor.xtrim(`rsse:{${stream}}:log`, 'MINID', '8-0');
    await store.append(stream, [{ data: '11' }]);
    await recorder.waitForClose();
    expect(recorder.closes.map((reason) => reason.code)).toEqual(['store-unavailable']);
    // Nothing is skipped silently: no event after the hole reached the subscriber.
    expect(recorder.events).toEqual([]);
    await store.close();
  });
});

describe('fan-out', () => {
  it('keeps Redis connections at client + 1 with 500 subscribers over 20 streams, each getting its events', async () => {
    // Only the app's client and the backdoor remain once earlier stores' connections are gone.
    await expectConnections(2);
    const store = redisStore({ client });
    const streams = range(1, 20).map((n) => `fan-${n}`);
    const recorders = range(0, 499).map((n) => new Recorder(`subscriber-${n}`));
    const subscriptions = recorders.map((recorder, n) =>
      store.subscribe(streams[n % 20] as string, recorder),
    );
    await Promise.all(subscriptions.map((subscription) => subscription.ready));
    await expectConnections(3);
    await Promise.all(
      streams.map((stream) => store.append(stream, [{ data: `${stream}-a` }, { data: `${stream}-b` }])),
    );
    await Promise.all(recorders.map((recorder) => recorder.waitForEvents(2)));
    recorders.forEach((recorder, n) => {
      expect(recorder.events.map((event) => event.data)).toEqual([
        `${streams[n % 20]}-a`,
        `${streams[n % 20]}-b`,
      ]);
    });
    expect(await backdoor.pubsub('CHANNELS', 'rsse:*')).toHaveLength(20);
    // A channel stays subscribed while one local subscriber wants it, and goes with the last one.
    for (const subscription of subscriptions.slice(0, 480)) subscription.unsubscribe();
    await sleep(50);
    expect(await backdoor.pubsub('CHANNELS', 'rsse:*')).toHaveLength(20);
    for (const subscription of subscriptions.slice(480)) subscription.unsubscribe();
    await sleep(50);
    expect(await backdoor.pubsub('CHANNELS', 'rsse:*')).toEqual([]);
    await store.close();
    await expectConnections(2);
  });
});

/** Connections the server sees, polled briefly because a closed socket leaves the list a moment later. */
async function expectConnections(expected: number): Promise<void> {
  let count = -1;
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const list = String(await backdoor.client('LIST'));
    count = list.split('\n').filter((line) => line.trim() !== '').length;
    if (count === expected) return;
    await sleep(20);
  }
  expect(count, 'connections in CLIENT LIST').toBe(expected);
}

describe('two clients appending at once', () => {
  it('gives interleaved batches from two connections consecutive, gap-free offsets', async () => {
    const other = new Redis(server.url);
    const a = redisStore({ client });
    const b = redisStore({ client: other });
    const stream = 'two-clients';
    const batches = await Promise.all(
      range(1, 100).map((n) =>
        (n % 2 === 0 ? a : b).append(
          stream,
          range(1, 5).map((item) => ({ data: `${n}:${item}` })),
        ),
      ),
    );
    for (const results of batches) {
      const first = results[0]?.offset ?? 0;
      expect(results.map((result) => result.offset)).toEqual(range(first, first + 4));
    }
    const all = await a.readAfter(stream, 0, 1_000);
    expect(all.map((event) => event.offset)).toEqual(range(1, 500));
    expect(new Set(batches.map((results) => results[0]?.epoch)).size).toBe(1);
    await a.close();
    await b.close();
    other.disconnect();
  });
});

describe('client settings', () => {
  it("works on a lazyConnect client with ioredis' own keyPrefix", async () => {
    const lazy = new Redis(server.url, { lazyConnect: true, keyPrefix: 'app:' });
    const store = redisStore({ client: lazy });
    const stream = 'lazy-prefixed';
    const recorder = new Recorder();
    await store.subscribe(stream, recorder).ready;
    const results = await store.append(stream, [{ data: 'a' }, { data: 'b', idempotencyKey: 'k' }]);
    expect(results.map((result) => result.offset)).toEqual([1, 2]);
    await recorder.waitForEvents(2);
    expect(recorder.events.map((event) => event.data)).toEqual(['a', 'b']);
    expect((await store.readAfter(stream, 1, 10)).map((event) => event.data)).toEqual(['b']);
    expect((await backdoor.keys('app:rsse:{lazy-prefixed}:*')).sort()).toEqual([
      'app:rsse:{lazy-prefixed}:idem',
      'app:rsse:{lazy-prefixed}:idem-exp',
      'app:rsse:{lazy-prefixed}:log',
      'app:rsse:{lazy-prefixed}:meta',
    ]);
    await store.close();
    lazy.disconnect();
  });
});
