/**
 * Redis goes away. Two server processes on one Redis, four `@resumable-sse/client`s, a publisher
 * that retries with idempotency keys:
 * - Redis stops mid-stream and starts again with its data: no server crashes; every publish while
 *   it is down answers 503 with a JSON error; the streams close, the clients reconnect, and once
 *   Redis is back they resume — 0 lost, 0 duplicated, no reset.
 * - FLUSHALL mid-stream, then a restart that comes back empty: each time the log is gone, every
 *   client gets exactly one `reset{epoch}` and then everything published since.
 * - Each demo app on `STORE=redis`: while Redis is down its publish route answers 503 with a JSON
 *   `{ "error" }` (not 500, not a hang, not a crash), and works again once Redis is back.
 */

import { type RunningApp, startApp } from '@resumable-sse/demo-support/testing';
import { sleep, waitUntil } from '@resumable-sse/testkit/http';
import { startRedisServer } from '@resumable-sse/testkit/redis-server';
import { afterAll, describe, expect, it } from 'vitest';
import { type ControlledClient, controlledClient } from './support/controlled-client.ts';
import { DEMO_APPS } from './support/demo-apps.ts';
import { startDurableRedis } from './support/durable-redis.ts';
import { recordFigure } from './support/figures.ts';
import {
  type FixtureProcess,
  startFixtureProcess,
  stopAllFixtureProcesses,
} from './support/fixture-process.ts';
import { sendOne } from './support/keep-alive-sender.ts';
import { Publisher } from './support/publisher.ts';
import { checkSequence, describeSequence, range } from './support/sequence-check.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await stopAllFixtureProcesses();
});

async function twoServersFourClients(
  redisUrl: string,
): Promise<{ servers: FixtureProcess[]; clients: ControlledClient[] }> {
  const env = { STORE: 'redis', REDIS_URL: redisUrl, BUFFER_SIZE: '20000' };
  const servers = await Promise.all([startFixtureProcess({ env }), startFixtureProcess({ env })]);
  const clients = [0, 1, 2, 3].map((index) => controlledClient(`${servers[index % 2]!.url}/stream`));
  cleanups.push(() => {
    for (const client of clients) client.close();
  });
  await waitUntil(() => clients.every((client) => client.caughtUps > 0), 'every client caught up', 10_000);
  return { servers, clients };
}

function expectCleanOutput(servers: FixtureProcess[]): void {
  for (const server of servers) {
    expect(server.alive()).toBe(true);
    expect(server.output()).not.toMatch(/unhandled|uncaught|publish failed/i);
  }
}

describe('Redis goes away', () => {
  it('stops and starts again with its data: 503 while down, no crash, clients resume losing nothing', async () => {
    const redis = await startDurableRedis();
    cleanups.push(() => redis.destroy());
    const { servers, clients } = await twoServersFourClients(redis.url);
    let turn = 0;
    const publisher = new Publisher({ target: () => servers[turn++ % 2]!.url, deadlineMs: 20_000 });
    const total = 3_000;
    const stopAt = 1_000;
    let requestsBeforeOutage: number[] = [];
    let outage: Promise<void> | undefined;
    let downForMs = 0;

    for (let seq = 1; seq <= total; seq++) {
      if (seq === stopAt) {
        requestsBeforeOutage = clients.map((client) => client.requests);
        await redis.stop();
        const downAt = Date.now();
        // Longer than the store's 1 s resubscribe grace, so live streams must end.
        outage = sleep(2_500).then(async () => {
          expectCleanOutput(servers);
          await redis.start();
          downForMs = Date.now() - downAt;
        });
      }
      await publisher.publish(seq);
    }
    await outage;
    await waitUntil(
      () => clients.every((client) => client.received.at(-1)?.seq === total),
      'every client to receive the last event',
      20_000,
    );

    const answersWhileDown = publisher.failures;
    const lines = clients.map((client, index) => {
      const sequence = checkSequence(
        client.received.map((event) => event.seq),
        range(1, total),
      );
      return `client ${index}: ${describeSequence(sequence)}, resets ${client.resets.length}, requests ${client.requests}`;
    });
    const summary = `redis stop/start (down ${downForMs} ms): ${answersWhileDown.length} publish attempts refused while down, statuses ${[...new Set(answersWhileDown.map((failure) => failure.status))].join(',')}`;
    console.log([summary, ...lines].join('\n'));
    recordFigure('redis stop/start', [summary, ...lines]);

    expect(answersWhileDown.length).toBeGreaterThan(0);
    for (const failure of answersWhileDown) {
      expect(failure.status).toBe(503);
      expect(typeof (JSON.parse(failure.body) as { error?: unknown }).error).toBe('string');
    }
    clients.forEach((client, index) => {
      const sequence = checkSequence(
        client.received.map((event) => event.seq),
        range(1, total),
      );
      expect(sequence.lost).toEqual([]);
      expect(sequence.duplicated).toEqual([]);
      expect(sequence.outOfOrder).toBe(0);
      expect(client.resets).toEqual([]);
      // Its stream was closed under it and it came back (more than one request per client).
      expect(client.requests).toBeGreaterThan(requestsBeforeOutage[index]!);
    });
    expectCleanOutput(servers);
  }, 90_000);

  it('after FLUSHALL, and after a restart that comes back empty, every client gets reset{epoch}', async () => {
    const redis = await startRedisServer();
    cleanups.push(() => redis.stop());
    const { servers, clients } = await twoServersFourClients(redis.url);
    let turn = 0;
    const publisher = new Publisher({ target: () => servers[turn++ % 2]!.url, deadlineMs: 20_000 });
    const everyoneHas = (seq: number, what: string) =>
      waitUntil(() => clients.every((client) => client.received.at(-1)?.seq === seq), what, 20_000);

    for (let seq = 1; seq <= 1_000; seq++) await publisher.publish(seq);
    await everyoneHas(1_000, 'every client to receive event 1000');
    await redis.flushAll();
    for (let seq = 1_001; seq <= 2_000; seq++) await publisher.publish(seq);
    await everyoneHas(2_000, 'every client to receive event 2000 after the flush');
    expect(clients.map((client) => client.resets.map((reset) => reset.reason))).toEqual(
      clients.map(() => ['epoch']),
    );

    await redis.restart();
    for (let seq = 2_001; seq <= 3_000; seq++) await publisher.publish(seq);
    await everyoneHas(3_000, 'every client to receive event 3000 after the empty restart');

    const epochs = new Set(publisher.acknowledged.map((ack) => ack.epoch));
    const lines = clients.map((client, index) => {
      const sequence = checkSequence(
        client.received.map((event) => event.seq),
        range(1, 3_000),
      );
      return `client ${index}: ${describeSequence(sequence)}, resets ${client.resets.map((reset) => reset.reason).join(',')}`;
    });
    const summary = `redis FLUSHALL + empty restart: ${epochs.size} epochs, publish attempts refused ${publisher.failures.length} (statuses ${[...new Set(publisher.failures.map((failure) => failure.status))].join(',') || 'none'})`;
    console.log([summary, ...lines].join('\n'));
    recordFigure('redis flush', [summary, ...lines]);

    expect(epochs.size).toBe(3);
    for (const failure of publisher.failures) expect(failure.status).toBe(503);
    for (const client of clients) {
      expect(client.resets.map((reset) => reset.reason)).toEqual(['epoch', 'epoch']);
      const sequence = checkSequence(
        client.received.map((event) => event.seq),
        range(1, 3_000),
      );
      expect(sequence.lost).toEqual([]);
      expect(sequence.duplicated).toEqual([]);
      expect(sequence.outOfOrder).toBe(0);
    }
    expectCleanOutput(servers);
  }, 90_000);
});

describe.each(DEMO_APPS.map((app) => [app.name, app] as const))('Redis goes away under %s', (name, app) => {
  it.skipIf(!app.exists)(
    'answers 503 with a JSON error while Redis is down, and recovers',
    async () => {
      const redis = await startDurableRedis();
      cleanups.push(() => redis.destroy());
      const server: RunningApp = await startApp({
        entry: app.entry,
        env: { STORE: 'redis', REDIS_URL: redis.url, ...app.env },
      });
      cleanups.push(async () => {
        await server.stop('SIGKILL');
      });
      let exited = false;
      void server.exited.then(() => {
        exited = true;
      });
      const before = await sendOne(server.url, app.validPublish(1));
      await redis.stop();
      const whileDown = [];
      for (let attempt = 0; attempt < 5; attempt++) {
        const started = Date.now();
        whileDown.push({
          ...(await sendOne(server.url, app.validPublish(2 + attempt))),
          ms: Date.now() - started,
        });
      }
      const aliveWhileDown = !exited;
      await redis.start();
      let after = await sendOne(server.url, app.validPublish(10));
      const deadline = Date.now() + 15_000;
      while (after.status !== app.publishedStatus && Date.now() < deadline) {
        await sleep(200);
        after = await sendOne(server.url, app.validPublish(10));
      }
      const line = `${name} on Redis: before ${before.status}; while down ${whileDown.map((answer) => `${answer.status} in ${answer.ms} ms`).join(', ')}; after ${after.status}`;
      console.log(line);
      recordFigure(`redis outage ${name}`, line);

      expect(before.status).toBe(app.publishedStatus);
      for (const answer of whileDown) {
        expect(answer.status, answer.body).toBe(503);
        expect(answer.contentType).toContain('json');
        expect(typeof (JSON.parse(answer.body) as { error?: unknown }).error).toBe('string');
      }
      expect(aliveWhileDown).toBe(true);
      expect(exited).toBe(false);
      expect(after.status).toBe(app.publishedStatus);
      expect(server.output()).not.toMatch(/uncaught|unhandled/i);
    },
    60_000,
  );
});
