/**
 * Kill and restart: 10,000 events published over HTTP while a `@resumable-sse/client` is cut off
 * at 50 seeded random points and the server process is SIGKILLed and restarted 3 times.
 *
 * At each crash the client is first cut off and held away while 25 more events are published,
 * so it must get events it never saw from the restarted process. Then one event is stored but its
 * answer is lost (the publisher never learns it was stored), one more publish is left in flight,
 * and the server dies. The publisher retries both with their idempotency keys: the first must come
 * back `duplicate: true` from a durable store; the second is stored once whether or not the dead
 * process had committed it.
 * Durable stores (SQLite, Redis): 0 lost, 0 duplicated, order kept, no reset. Memory: each crash
 * loses the log; the client gets `reset{epoch}` and the events it lost are exactly those the dead
 * process had acknowledged and the client had not yet received — counted and printed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep, waitUntil } from '@resumable-sse/testkit/http';
import { type RedisServerHandle, startRedisServer } from '@resumable-sse/testkit/redis-server';
import { afterAll, describe, expect, it } from 'vitest';
import { type ControlledClient, controlledClient } from './support/controlled-client.ts';
import { recordFigure } from './support/figures.ts';
import {
  type FixtureProcess,
  startFixtureProcess,
  stopAllFixtureProcesses,
} from './support/fixture-process.ts';
import { Publisher } from './support/publisher.ts';
import { runSeed, seededRandom } from './support/seeded-random.ts';
import { checkSequence, describeSequence, range } from './support/sequence-check.ts';

const EVENTS = 10_000;
const DISCONNECTS = 50;
const CRASHES = 3;
/** Events published while the client is away, just before each crash. */
const AWAY_EVENTS = 25;

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  await stopAllFixtureProcesses();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface DrillResult {
  readonly client: ControlledClient;
  readonly publisher: Publisher;
  readonly server: FixtureProcess;
  /** Per crash: the epoch of the log that died with the process. */
  readonly deadEpochs: string[];
  /** Per crash: the event stored whose answer was lost, and the one in flight at the kill. */
  readonly ackLost: number[];
  readonly inFlight: number[];
  readonly elapsedMs: number;
}

async function crashDrill(
  store: 'sqlite' | 'redis' | 'memory',
  env: Record<string, string>,
  seed: number,
): Promise<DrillResult> {
  const started = Date.now();
  const random = seededRandom(seed);
  const disconnectAfter = random.distinct(DISCONNECTS, 1, EVENTS - 1);
  const third = Math.floor(EVENTS / CRASHES);
  const crashAt = [0, 1, 2].map((part) => random.int(part * third + 300, (part + 1) * third - 300));
  expect(crashAt).toHaveLength(CRASHES);

  const server = await startFixtureProcess({ env: { STORE: store, BUFFER_SIZE: '20000', ...env } });
  const publisher = new Publisher({ target: server.url });
  const client = controlledClient(`${server.url}/stream`, { disconnectAfter });
  cleanups.push(() => client.close());
  await waitUntil(() => client.caughtUps > 0, 'the first caught-up', 10_000);

  const deadEpochs: string[] = [];
  const ackLost: number[] = [];
  const inFlightSeqs: number[] = [];
  let seq = 1;
  while (seq <= EVENTS) {
    if (!crashAt.includes(seq)) {
      await publisher.publish(seq++);
      continue;
    }
    client.hold();
    client.disconnect();
    for (let away = 0; away < AWAY_EVENTS; away++) await publisher.publish(seq++);
    deadEpochs.push(publisher.acknowledged.at(-1)!.epoch);
    const unacknowledged = seq++;
    ackLost.push(unacknowledged);
    await publisher.publishLosingAck(unacknowledged);
    inFlightSeqs.push(seq);
    // Its retry waits for the ack-lost one's: a new memory log must get them in sequence order.
    let letInFlightRetry = (): void => {};
    const ackLostRetried = new Promise<void>((resolve) => {
      letInFlightRetry = resolve;
    });
    const inFlight = publisher.publish(seq++, { retriesWaitFor: ackLostRetried });
    await sleep(random.int(0, 2));
    await server.crash();
    await server.restart();
    await publisher.publish(unacknowledged);
    letInFlightRetry();
    await inFlight;
    const resetsBefore = client.resets.length;
    client.release();
    if (store === 'memory')
      await waitUntil(() => client.resets.length > resetsBefore, 'reset after the crash', 10_000);
  }
  const lastAck = publisher.acknowledged.at(-1)!;
  await waitUntil(
    () => client.received.at(-1)?.seq === EVENTS && client.client.status === 'live',
    `the client to receive event ${EVENTS} (has ${client.received.length}, last ${client.received.at(-1)?.seq})`,
    30_000,
  );
  expect(lastAck.seq).toBe(EVENTS);
  client.close();
  await server.stop();
  return {
    client,
    publisher,
    server,
    deadEpochs,
    ackLost,
    inFlight: inFlightSeqs,
    elapsedMs: Date.now() - started,
  };
}

function report(store: string, result: DrillResult, lost: number): void {
  const sequence = checkSequence(
    result.client.received.map((event) => event.seq),
    range(1, EVENTS),
  );
  const line =
    `${store}: ${EVENTS} events, ${result.client.pointsReached} forced disconnects, ${result.server.starts - 1} SIGKILLs; ` +
    `${describeSequence(sequence)}; resets ${result.client.resets.map((reset) => reset.reason).join(',') || 'none'}; ` +
    `lost to crashes ${lost}; retries answered duplicate: ack-lost ${countDuplicates(result, result.ackLost)}/${CRASHES}, ` +
    `in flight at the kill ${countDuplicates(result, result.inFlight)}/${CRASHES}; ` +
    `client requests ${result.client.requests}; ${(result.elapsedMs / 1000).toFixed(1)} s`;
  console.log(line);
  recordFigure(`kill-restart ${store}`, line);
}

function countDuplicates(result: DrillResult, seqs: readonly number[]): number {
  return result.publisher.acknowledged.filter((ack) => ack.duplicate && seqs.includes(ack.seq)).length;
}

/** What a durable store must show after the drill: every event once, in order, in one epoch. */
function expectLosslessAcrossCrashes(result: Awaited<ReturnType<typeof crashDrill>>): void {
  const sequence = checkSequence(
    result.client.received.map((event) => event.seq),
    range(1, EVENTS),
  );
  expect(sequence.lost).toEqual([]);
  expect(sequence.duplicated).toEqual([]);
  expect(sequence.outOfOrder).toBe(0);
  expect(result.client.resets).toEqual([]);
  expect(result.client.pointsReached).toBe(DISCONNECTS);
  expect(result.server.starts).toBe(CRASHES + 1);
  // The stored-but-unanswered publishes were recognised by key, not appended twice.
  expect(countDuplicates(result, result.ackLost)).toBe(CRASHES);
  // One log across the crashes: the restarted process continued the same epoch.
  expect(new Set(result.client.received.map((event) => event.epoch)).size).toBe(1);
}

describe('kill and restart (SIGKILL ×3, 50 forced disconnects, 10,000 events)', () => {
  it('loses nothing and doubles nothing on SQLite', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rsse-resilience-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const result = await crashDrill('sqlite', { SQLITE_PATH: join(dir, 'events.db') }, runSeed(11));
    report('sqlite', result, 0);
    expectLosslessAcrossCrashes(result);
  }, 180_000);

  it('loses nothing and doubles nothing on Redis', async () => {
    const redis: RedisServerHandle = await startRedisServer();
    cleanups.push(() => redis.stop());
    const result = await crashDrill('redis', { REDIS_URL: redis.url }, runSeed(12));
    report('redis', result, 0);
    expectLosslessAcrossCrashes(result);
    await redis.stop();
  }, 180_000);

  it('on memory, says reset{epoch} after each crash and loses exactly what the dead process had', async () => {
    const result = await crashDrill('memory', {}, runSeed(13));
    const received = result.client.received;
    // What each dead process had acknowledged that the client had not received from it.
    const expectedLost = result.deadEpochs.flatMap((epoch) => {
      const got = new Set(received.filter((event) => event.epoch === epoch).map((event) => event.seq));
      return result.publisher.ackedIn(epoch).filter((seq) => !got.has(seq));
    });
    const sequence = checkSequence(
      received.map((event) => event.seq),
      range(1, EVENTS),
    );
    report('memory', result, sequence.lost.length);
    console.log(
      `memory: events lost with the dead processes' logs: ${sequence.lost.length} (expected ${expectedLost.length})`,
    );

    expect(result.client.resets.map((reset) => reset.reason)).toEqual(['epoch', 'epoch', 'epoch']);
    // A new process has a new log: the retried keys are new to it, so nothing reads as duplicate.
    expect(result.publisher.deduplicatedRetries).toBe(0);
    expect(sequence.lost).toEqual(expectedLost.sort((a, b) => a - b));
    // At least the events published while the client was away died with each process.
    expect(sequence.lost.length).toBeGreaterThanOrEqual(CRASHES * AWAY_EVENTS);
    expect(sequence.duplicated).toEqual([]);
    expect(sequence.outOfOrder).toBe(0);
    expect(new Set(received.map((event) => event.epoch)).size).toBe(CRASHES + 1);
  }, 180_000);
});
