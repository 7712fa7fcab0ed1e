/**
 * Failover: three server processes on one Redis form one system. Six readers hop between them at
 * random with their cursors while a publisher sends 5,000 events to random processes; one
 * process is SIGKILLed mid-run and comes back later. Every reader must end with exactly 1..5000,
 * in order: 0 lost, 0 duplicated, no reset.
 */
import { sleep } from '@resumable-sse/testkit/http';
import { startRedisServer } from '@resumable-sse/testkit/redis-server';
import { afterAll, describe, expect, it } from 'vitest';
import { recordFigure } from './support/figures.ts';
import {
  type FixtureProcess,
  startFixtureProcess,
  stopAllFixtureProcesses,
} from './support/fixture-process.ts';
import { hopUntilDone } from './support/hopping-reader.ts';
import { Publisher } from './support/publisher.ts';
import { runSeed, seededRandom } from './support/seeded-random.ts';
import { checkSequence, describeSequence, range } from './support/sequence-check.ts';

const EVENTS = 5_000;
const READERS = 6;
const CRASH_AT = 1_500;
const RESTART_AT = 3_500;

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  await stopAllFixtureProcesses();
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe('failover across 3 processes on one Redis', () => {
  it('readers hopping at random with their cursors lose and double nothing, also when a process dies', async () => {
    const started = Date.now();
    const redis = await startRedisServer();
    cleanups.push(() => redis.stop());
    const env = { STORE: 'redis', REDIS_URL: redis.url, BUFFER_SIZE: '20000' };
    const servers: FixtureProcess[] = await Promise.all([0, 1, 2].map(() => startFixtureProcess({ env })));
    const urls = servers.map((server) => server.url);
    const random = seededRandom(runSeed(21));
    // The publisher goes through a balancer that stops routing to a dead process; readers do not.
    const publisher = new Publisher({
      target: () => random.pick(servers.filter((server) => server.alive()).map((server) => server.url)),
    });
    const deadline = Date.now() + 90_000;

    const readers = Array.from({ length: READERS }, (_, index) =>
      hopUntilDone({
        urls: () => urls,
        random: seededRandom(runSeed(21) + 100 + index),
        lastSeq: EVENTS,
        deadline,
      }),
    );
    let crashing: Promise<void> | undefined;
    for (let seq = 1; seq <= EVENTS; seq++) {
      // Not awaited: publishes go on, and one may be in flight to the process as it dies.
      if (seq === CRASH_AT) crashing = servers[1]!.crash();
      if (seq === RESTART_AT) {
        await crashing;
        await servers[1]!.restart();
      }
      await publisher.publish(seq);
      // A steady pace, so readers hop many times while events are still coming.
      if (seq % 50 === 0) await sleep(5);
    }
    const results = await Promise.all(readers);

    const lines = results.map((result, index) => {
      const sequence = checkSequence(result.seqs, range(1, EVENTS));
      return `reader ${index}: ${describeSequence(sequence)}, resets ${result.resets.length}, hops ${result.hops}, cut under it ${result.cutUnderneath}, refused ${result.refused}`;
    });
    const summary = `failover: ${EVENTS} events over 3 processes (1 SIGKILLed and restarted), ${READERS} hopping readers, publish retries ${publisher.failures.length} (deduplicated ${publisher.deduplicatedRetries}); ${((Date.now() - started) / 1000).toFixed(1)} s`;
    console.log([summary, ...lines].join('\n'));
    recordFigure('failover', [summary, ...lines]);

    for (const result of results) {
      const sequence = checkSequence(result.seqs, range(1, EVENTS));
      expect(sequence.lost).toEqual([]);
      expect(sequence.duplicated).toEqual([]);
      expect(sequence.outOfOrder).toBe(0);
      expect(result.resets).toEqual([]);
      expect(result.hops).toBeGreaterThan(20);
    }
    // The crash really cut readers off and really refused some of them.
    expect(results.reduce((sum, result) => sum + result.cutUnderneath + result.refused, 0)).toBeGreaterThan(
      0,
    );
    expect(servers.every((server) => server.alive())).toBe(true);
  }, 150_000);
});
