/**
 * Many channels on one link while a reshard moves some of their slots. Every
 * channel must keep hearing appends, none may be closed, and the subscriber must not flood the
 * node with SSUBSCRIBE retries (each MOVED reply to one is reported as a 'moved' of the whole link).
 */
import { describe, expect, it } from 'vitest';
import type { RedisStore } from '../redis-store.ts';
import { streamWhere, useRedisCluster } from '../test-support/cluster-fixture.ts';
import { clusterCommandCalls } from '../test-support/command-stats.ts';
import { Recorder } from '../test-support/recorder.ts';
import { sleep } from '../test-support/wait.ts';

const fixture = useRedisCluster();

function store(): RedisStore {
  return fixture.store({ resubscribeGraceMs: 15_000 });
}

describe('many channels on one link through a reshard', () => {
  it.each([
    { moves: 4, stays: 4, slots: 8 },
    { moves: 32, stays: 32, slots: 64 },
  ])(
    '$moves moving + $stays staying channels, $slots slots resharded: every channel keeps hearing appends, none is closed, SSUBSCRIBE retries stay bounded',
    async ({ moves, stays, slots }) => {
      const masters = await fixture.masters();
      const [from, to] = masters as [number, number];
      const lowest = await fixture.cluster.lowestSlots(from, 200);
      const moving = lowest.slice(0, slots);
      const movingStreams = moving
        .filter((_, index) => index % Math.floor(slots / moves) === 0)
        .slice(0, moves)
        .map((slot) => streamWhere(`mv${slots}`, (candidate) => candidate === slot));
      const stayingStreams = lowest
        .slice(100, 100 + stays)
        .map((slot) => streamWhere(`st${slots}`, (candidate) => candidate === slot));
      const streams = [...movingStreams, ...stayingStreams];

      const writer = store();
      const reader = store();
      const recorders = streams.map((stream) => new Recorder(stream));
      await Promise.all(streams.map((stream, index) => reader.subscribe(stream, recorders[index]!).ready));
      for (const stream of streams) await writer.append(stream, [{ data: 'before' }]);
      for (const recorder of recorders) await recorder.waitForEvents(1, 5_000);

      const ssubscribeBefore = await clusterCommandCalls(fixture.cluster, [from], 'ssubscribe');
      const started = Date.now();
      let sampling = true;
      const samples: string[] = [];
      const sampler = (async () => {
        while (sampling) {
          await sleep(500);
          try {
            samples.push(
              `${Date.now() - started}ms:${(await clusterCommandCalls(fixture.cluster, [from], 'ssubscribe')) - ssubscribeBefore}`,
            );
          } catch (error) {
            samples.push(`${Date.now() - started}ms:${String(error).slice(0, 60)}`);
          }
        }
      })();
      try {
        await fixture.cluster.reshard(from, to, moving.length);
      } finally {
        sampling = false;
        await sampler;
        console.log(`SSUBSCRIBE on the source node since the reshard began: ${samples.join(' ')}`);
      }
      const reshardMs = Date.now() - started;
      await sleep(1_000);
      const ssubscribeDuring =
        (await clusterCommandCalls(fixture.cluster, [from], 'ssubscribe')) - ssubscribeBefore;
      console.log(
        `${streams.length} channels (${movingStreams.length} moving) on node ${from}; reshard of ${moving.length} slots took ${reshardMs} ms; ${ssubscribeDuring} SSUBSCRIBE on the source node`,
      );

      for (const stream of streams) await writer.append(stream, [{ data: 'after' }]);
      const missing: string[] = [];
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && recorders.some((recorder) => recorder.events.length < 2))
        await sleep(20);
      for (const recorder of recorders) {
        if (recorder.events.length < 2 || recorder.closes.length > 0)
          missing.push(
            `${recorder.label}: ${recorder.offsets.join(',')} closes=${recorder.closes.map((c) => c.code).join(',')}`,
          );
      }
      expect(missing).toEqual([]);
      for (const recorder of recorders) expect(recorder.offsets, recorder.label).toEqual([1, 2]);
      // One resubscribe per channel per move is the need; allow a generous multiple.
      expect(ssubscribeDuring).toBeLessThan(streams.length * 10);
    },
    120_000,
  );
});
