/**
 * The terminal gate is part of the resume path: it reads the cursor the replay plan reads, and
 * its store reads are connection reads like any other — decoded once, limited and retried.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { memoryStore } from '../store/memory-store.ts';
import type { EventStore } from '../store/types.ts';
import { closeHubs, hubOver, wrapStore } from '../test-support/hubs.ts';
import { openSession } from '../test-support/open-session.ts';

afterEach(closeHubs);

/** A store that counts its reads and fails the first `failures` of them. */
function countingStore(failures = 0): { store: EventStore; reads: () => number } {
  const inner = memoryStore();
  let reads = 0;
  let failed = 0;
  const read = <T>(run: () => Promise<T>): Promise<T> => {
    reads++;
    if (failed < failures) {
      failed++;
      return Promise.reject(new Error('the store blinked'));
    }
    return run();
  };
  const store = wrapStore(inner, {
    readAfter: (stream, after, limit) => read(() => inner.readAfter(stream, after, limit)),
    position: (stream) => read(() => inner.position(stream)),
  });
  return { store, reads: () => reads };
}

describe('terminal gate', () => {
  it('decodes the resume cursor once per request, for the gate and the replay plan together', async () => {
    const hub = hubOver();
    const [first] = await hub.publishBatch('export', [
      { event: 'row', data: '1' },
      { event: 'row', data: '2' },
    ]);
    const decode = vi.spyOn(hub.codec, 'decode');
    const session = await openSession(hub, {
      stream: 'export',
      terminalEvents: ['done'],
      lastEventId: first!.id,
    });
    await vi.waitFor(() => expect(session.sink.named('caught-up')).toHaveLength(1));
    session.abort();
    await session.done;
    expect(decode).toHaveBeenCalledTimes(1);
    expect(session.sink.frames.map((frame) => frame.data)).toContain('2');
  });

  it('runs its store reads through the hub limiter, and retries a failed one instead of opening the stream blind', async () => {
    const { store, reads } = countingStore(1);
    const hub = hubOver(store);
    const results = await hub.publishBatch('export', [
      { event: 'row', data: '1' },
      { event: 'done', data: '{}' },
    ]);
    const limited = vi.spyOn(hub.replayReads, 'run');
    const before = reads();
    const session = await openSession(hub, {
      stream: 'export',
      terminalEvents: ['done'],
      lastEventId: results[1]!.id,
    });
    // The first read failed and was retried: the gate still sees the terminal event at the head.
    expect(session.plan).toMatchObject({ kind: 'response', status: 204 });
    expect(reads() - before).toBe(3);
    expect(limited).toHaveBeenCalledTimes(3);
  });
});
