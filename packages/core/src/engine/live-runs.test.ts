/**
 * A burst of publishes reaches each connection as one write, and nothing about what a
 * connection is sent changes: filters, terminal events and the slow-consumer check still act on
 * every event of the burst.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Hub } from '../hub.ts';
import { CollectingSink, until } from '../test-support/collecting-sink.ts';
import { closeHubs, hubOver } from '../test-support/hubs.ts';
import { openSession } from '../test-support/open-session.ts';

afterEach(closeHubs);

/** A sink that also counts `write` calls. */
class CountingSink extends CollectingSink {
  writes = 0;
  override write(chunk: Uint8Array): boolean {
    this.writes++;
    return super.write(chunk);
  }
}

async function liveSession(hub: Hub, options: Parameters<typeof openSession>[1] = {}) {
  const sink = options.sink ?? new CountingSink();
  const session = await openSession(hub, { stream: 'burst', ...options, sink });
  await until(() => sink.named('caught-up').length === 1, 2_000, 'caught-up');
  return { ...session, sink: sink as CountingSink };
}

/** Ten publishes started in one synchronous block, as a busy producer makes them. */
function burst(hub: Hub, names: ReadonlyArray<string | undefined> = []): Promise<unknown> {
  return Promise.all(
    Array.from({ length: 10 }, (_, i) => hub.publish('burst', { event: names[i], data: `e${i + 1}` })),
  );
}

describe('live runs', () => {
  it('writes a burst of ten events to each connection at once, in order, with every id', async () => {
    const hub = hubOver();
    const readers = [await liveSession(hub), await liveSession(hub)];
    const before = readers.map((reader) => reader.sink.writes);
    await burst(hub);
    for (const [i, reader] of readers.entries()) {
      // Delivered by the time the publishes resolve, as before batching.
      expect(reader.sink.events.map((frame) => frame.data)).toEqual(
        Array.from({ length: 10 }, (_, n) => `e${n + 1}`),
      );
      expect(reader.sink.writes - before[i]!).toBe(1);
      expect(new Set(reader.sink.events.map((frame) => frame.id)).size).toBe(10);
    }
    expect(readers[0]!.sink.events.map((frame) => frame.id)).toEqual(
      readers[1]!.sink.events.map((frame) => frame.id),
    );
  });

  it('asks a filter about every event of a burst', async () => {
    const hub = hubOver();
    const asked: string[] = [];
    const reader = await liveSession(hub, {
      filter: (event) => {
        asked.push(event.data);
        return Number(event.data.slice(1)) % 2 === 0;
      },
    });
    await burst(hub);
    expect(asked).toEqual(Array.from({ length: 10 }, (_, n) => `e${n + 1}`));
    expect(reader.sink.events.map((frame) => frame.data)).toEqual(['e2', 'e4', 'e6', 'e8', 'e10']);
  });

  it('ends the connection at a terminal event in the middle of a burst', async () => {
    const hub = hubOver();
    const reader = await liveSession(hub, { terminalEvents: ['done'] });
    const names = Array.from({ length: 10 }, (_, i) => (i === 3 ? 'done' : undefined));
    await burst(hub, names);
    await reader.done;
    expect(reader.sink.events.map((frame) => frame.data)).toEqual(['e1', 'e2', 'e3', 'e4']);
    expect(reader.sink.closed).toBe(true);
  });

  it('cuts a reader that is behind at the burst, and no other', async () => {
    const hub = hubOver();
    const slow = await liveSession(hub, {
      highWaterMarkBytes: 1_000,
      sink: new CountingSink({ paused: true }),
    });
    const fast = await liveSession(hub, { highWaterMarkBytes: 1_000 });
    // Two events under the mark each, unread by the slow client: it is behind at the burst.
    await hub.publish('burst', { data: 'x'.repeat(600) });
    await hub.publish('burst', { data: 'y'.repeat(600) });
    await burst(hub);
    await slow.done;
    expect(slow.sink.closed).toBe(true);
    expect(slow.sink.events.map((frame) => frame.data)).not.toContain('e1');
    expect(fast.sink.events.map((frame) => frame.data)).toEqual([
      'x'.repeat(600),
      'y'.repeat(600),
      ...Array.from({ length: 10 }, (_, n) => `e${n + 1}`),
    ]);
    expect(fast.sink.closed).toBe(false);
  });
});
