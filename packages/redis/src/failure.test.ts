import { isResumableSseError } from '@resumable-sse/core';
import { type RedisServerHandle, startRedisServer } from '@resumable-sse/testkit/redis-server';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { redisStore } from './index.ts';
import { Recorder } from './test-support/recorder.ts';
import { waitFor } from './test-support/wait.ts';

let server: RedisServerHandle;
let client: Redis;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  server = await startRedisServer();
  process.on('unhandledRejection', onUnhandled);
});

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await server?.stop();
});

beforeEach(async () => {
  client = new Redis(server.url);
  // What the README asks of an app: listen for errors (ioredis logs them loudly otherwise).
  client.on('error', () => {});
  await client.ping();
});

afterEach(() => {
  client.disconnect();
  expect(unhandled, 'unhandled rejections').toEqual([]);
});

async function failureOf(operation: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  try {
    await operation();
  } catch (error) {
    return { error, ms: performance.now() - started };
  }
  throw new Error('expected the operation to fail');
}

/** Until Redis answers the store again (ioredis reconnects with backoff). */
async function untilAvailable(operation: () => Promise<unknown>): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      await operation();
      return;
    } catch (error) {
      if (!isResumableSseError(error, 'STORE_UNAVAILABLE') || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

describe('when Redis goes away', () => {
  it('fails appends fast with STORE_UNAVAILABLE, closes subscribers, and works again once Redis is back', async () => {
    const store = redisStore({ client, commandTimeoutMs: 1_000, resubscribeGraceMs: 300 });
    const stream = 'outage';
    const live = new Recorder('live');
    await store.subscribe(stream, live).ready;
    const [first] = await store.append(stream, [{ data: 'before' }]);
    await live.waitForEvents(1);

    server.kill('SIGKILL');
    // An append racing the crash: bounded by commandTimeoutMs, never queued until Redis returns.
    const inFlight = await failureOf(() => store.append(stream, [{ data: 'during the crash' }]));
    expect(isResumableSseError(inFlight.error, 'STORE_UNAVAILABLE'), String(inFlight.error)).toBe(true);
    expect(inFlight.ms).toBeLessThan(2_000);

    await waitFor(
      () => client.status !== 'ready',
      () => `client status still ${client.status}`,
    );
    // Once the client knows Redis is gone, every operation fails at once.
    for (const operation of [
      () => store.append(stream, [{ data: 'while down' }]),
      () => store.readAfter(stream, 0, 10),
      () => store.position(stream),
    ]) {
      const { error, ms } = await failureOf(operation);
      expect(isResumableSseError(error, 'STORE_UNAVAILABLE'), String(error)).toBe(true);
      expect(ms).toBeLessThan(200);
    }

    // Live subscribers are told, so their HTTP connections end and the clients resume later.
    await live.waitForClose(3_000);
    expect(live.closes.map((reason) => reason.code)).toEqual(['store-unavailable']);

    // Subscribing while Redis is down fails promptly instead of hanging.
    const late = new Recorder('late');
    const lateSubscription = store.subscribe(stream, late);
    const lateFailure = await failureOf(() => lateSubscription.ready);
    expect(isResumableSseError(lateFailure.error, 'STORE_UNAVAILABLE')).toBe(true);
    expect(lateFailure.ms).toBeLessThan(2_000);
    expect(late.closes.map((reason) => reason.code)).toEqual(['store-unavailable']);

    // Redis comes back empty (no persistence): ioredis reconnects by itself, the log starts a new epoch.
    await server.restart();
    await untilAvailable(() => store.position(stream));
    const position = await store.position(stream);
    expect(position.epoch).not.toBe(first?.epoch);
    expect(position).toMatchObject({ head: 0, oldest: null });

    const again = new Recorder('again');
    await store.subscribe(stream, again).ready;
    const [after] = await store.append(stream, [{ data: 'after' }]);
    expect(after).toMatchObject({ epoch: position.epoch, offset: 1, duplicate: false });
    await again.waitForEvents(1);
    expect(again.events.map((event) => event.data)).toEqual(['after']);
    await store.close();
  });

  it('never stores an append after telling its caller it failed, even when Redis runs it later', async () => {
    const store = redisStore({ client, commandTimeoutMs: 300 });
    const stream = 'frozen';
    await store.append(stream, [{ data: 'before' }]);
    // A frozen server keeps the connection open: the append sits in the socket until it thaws.
    server.kill('SIGSTOP');
    try {
      const { error, ms } = await failureOf(() => store.append(stream, [{ data: 'timed out' }]));
      expect(isResumableSseError(error, 'STORE_UNAVAILABLE'), String(error)).toBe(true);
      expect(ms).toBeLessThan(1_000);
      await new Promise((resolve) => setTimeout(resolve, 500));
    } finally {
      server.kill('SIGCONT');
    }
    // Redis now runs the queued script, past its deadline: it must refuse it.
    await client.ping();
    expect((await store.readAfter(stream, 0, 10)).map((event) => event.data)).toEqual(['before']);
    expect(await store.position(stream)).toMatchObject({ head: 1 });
    const [next] = await store.append(stream, [{ data: 'after' }]);
    expect(next?.offset).toBe(2);
    await store.close();
  });

  it('ends live subscribers with epoch-changed when Redis restarts empty within the grace period', async () => {
    const store = redisStore({ client, resubscribeGraceMs: 10_000 });
    const stream = 'restart-in-grace';
    const live = new Recorder('live');
    await store.subscribe(stream, live).ready;
    const [first] = await store.append(stream, [{ data: 'x' }]);
    await live.waitForEvents(1);
    await server.restart();
    await live.waitForClose(10_000);
    expect(live.closes.map((reason) => reason.code)).toEqual(['epoch-changed']);
    expect((await store.position(stream)).epoch).not.toBe(first?.epoch);
    await store.close();
  });

  it('starts a new epoch after FLUSHALL and ends live subscribers with epoch-changed on the next append', async () => {
    const store = redisStore({ client });
    const other = redisStore({ client });
    const stream = 'flushed';
    const live = new Recorder('live');
    await store.subscribe(stream, live).ready;
    await store.append(stream, [{ data: '1' }, { data: '2' }, { data: '3' }]);
    const before = await store.position(stream);
    await live.waitForEvents(3);

    await server.flushAll();
    // Another process publishes first: it creates the new epoch, and its notification carries it.
    const [fresh] = await other.append(stream, [{ data: 'fresh' }]);
    expect(fresh?.epoch).not.toBe(before.epoch);
    expect(fresh?.offset).toBe(1);
    await live.waitForClose();
    expect(live.closes.map((reason) => reason.code)).toEqual(['epoch-changed']);
    // No event of the new log was passed off as part of the old one.
    expect(live.events.map((event) => event.offset)).toEqual([1, 2, 3]);
    expect(await store.position(stream)).toEqual({ epoch: fresh?.epoch, oldest: 1, head: 1 });
    await store.close();
    await other.close();
  });
});
