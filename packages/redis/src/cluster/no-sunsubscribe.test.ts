/**
 * A link never sends SUNSUBSCRIBE. ioredis matches unsubscribe replies to the command queue's
 * head, so a node's unsolicited `sunsubscribe` (a slot left) arriving while our own is unanswered
 * is taken for its answer; the node's real answer (MOVED: Redis redirects SUNSUBSCRIBE for a
 * slot it no longer serves) then settles whatever command is next, and every later reply on the
 * connection lands on the wrong command — a channel subscribed afterwards can end up recorded on
 * a node that does not deliver it. Channels that leave a link stay subscribed there, ignored.
 */
import { describe, expect, it } from 'vitest';
import { streamWhere, useRedisCluster } from '../test-support/cluster-fixture.ts';
import { Recorder } from '../test-support/recorder.ts';
import { startReplyHoldingProxy } from '../test-support/reply-holding-proxy.ts';
import { sleep, waitFor } from '../test-support/wait.ts';

const fixture = useRedisCluster();

async function viaProxy(from: number) {
  const proxy = await startReplyHoldingProxy(from);
  const reader = fixture.store(
    { commandTimeoutMs: 30_000, resubscribeGraceMs: 15_000 },
    fixture.connect(fixture.through(from, proxy.port)),
  );
  return { proxy, reader };
}

describe('through a proxy in front of one master', () => {
  it('channels unsubscribed while their slots leave send no SUNSUBSCRIBE, and every channel subscribed next hears its appends', async () => {
    const masters = await fixture.masters();
    const [from, to] = masters as [number, number];
    const slots = await fixture.cluster.lowestSlots(from, 200);
    const leaving = streamWhere('shift-leaving', (slot) => slot === slots[0]); // unsubscribed as its slot leaves
    const late = streamWhere('shift-late', (slot) => slot === slots[1]); // its slot leaves too; subscribed after
    const keeper = streamWhere('shift-keeper', (slot) => slot === slots[150]); // keeps the link open
    const next = streamWhere('shift-next', (slot) => slot === slots[151]); // stays; subscribed after
    const { proxy, reader } = await viaProxy(from);
    const writer = fixture.store();
    try {
      const keeperRecorder = new Recorder(keeper);
      await reader.subscribe(keeper, keeperRecorder).ready;
      const leavingRecorder = new Recorder(leaving);
      const leavingSubscription = reader.subscribe(leaving, leavingRecorder);
      await leavingSubscription.ready;

      leavingSubscription.unsubscribe();
      await fixture.cluster.reshard(from, to, 2);
      expect(await fixture.cluster.ownerOf(slots[1]!)).toBe(to);
      const nextRecorder = new Recorder(next);
      const lateRecorder = new Recorder(late);
      await Promise.all([
        reader.subscribe(next, nextRecorder).ready,
        reader.subscribe(late, lateRecorder).ready,
      ]);
      for (const stream of [keeper, next, late, leaving]) await writer.append(stream, [{ data: 'one' }]);
      await waitFor(
        () => [keeperRecorder, nextRecorder, lateRecorder].every((recorder) => recorder.events.length >= 1),
        () =>
          [keeperRecorder, nextRecorder, lateRecorder]
            .map((recorder) => `${recorder.label}: ${recorder.offsets.join(',')}`)
            .join('; '),
        10_000,
      );
      await sleep(300);
      for (const recorder of [keeperRecorder, nextRecorder, lateRecorder]) {
        expect({ events: recorder.offsets, closes: recorder.closes }, recorder.label).toEqual({
          events: [1],
          closes: [],
        });
      }
      expect(leavingRecorder.events, 'unsubscribed, so nothing more').toEqual([]);
      expect(proxy.requests()).toContain('ssubscribe');
      expect(proxy.requests()).not.toContain('sunsubscribe');
    } finally {
      await proxy.close();
    }
  }, 60_000);
});
