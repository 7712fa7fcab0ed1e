import { connect, type Socket } from 'node:net';
import { expect, it } from 'vitest';
import type { Served, SuiteContext } from '../fixture.ts';
import { recordHooks } from '../hook-recorder.ts';
import { waitUntil } from '../wait.ts';
import { dataOf, numbers, waitForEach } from './isolation-support.ts';

const KEEP = { keepDataChars: 8 };
const MiB = 1_048_576;
/**
 * 16 MiB in 2 MiB events: far more than loopback's socket buffers take from a client that does
 * not read (about 4 MiB), so most of it waits unsent in the server.
 */
const BACKLOG = { events: 8, pad: 2 * MiB };
const DRAIN_GRACE_MS = 500;
/** Long enough for any server to notice the stalled socket and drop it, far below a test timeout. */
const DROPPED_WITHIN_MS = 3_000;

/**
 * A client that stops reading must not hold its socket, or a closing server, for ever: after a
 * graceful end what it left unsent gets `drainGraceMs` to drain, and one large frame excuses it
 * from the high-water mark only while the socket takes some of it. Readers that read lose nothing.
 */
export function stalledReaderCases<Req>(ctx: SuiteContext<Req>): void {
  /** Sends the request and never reads a byte of the answer: the client's buffers fill, then the server's. */
  const neverReads = (url: string, headers: Readonly<Record<string, string>>): Socket => {
    const { host, hostname, port, pathname, search } = new URL(url);
    const socket = connect(Number(port), hostname);
    socket.pause();
    // The server may reset it; that is the point, not a failure.
    socket.on('error', () => {});
    const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
    socket.write(
      `GET ${pathname}${search} HTTP/1.1\r\nHost: ${host}\r\nAccept: text/event-stream\r\n${lines.join('')}\r\n`,
    );
    ctx.onCleanup(() => socket.destroy());
    return socket;
  };

  /** Waits until the server holds only `left` connections: the stalled one was dropped. */
  const stalledSocketDropped = (served: Served, left = 0): Promise<void> =>
    waitUntil(
      async () => (await served.server.connections()) === left,
      'the stalled socket to be dropped',
      DROPPED_WITHIN_MS,
    );

  it('a reader that never reads is dropped drainGraceMs after hub.close(); readers that read get everything and a clean end', async () => {
    const record = recordHooks();
    const served = await ctx.serve({
      hooks: record.hooks,
      maxEvents: 100,
      // A mark above the backlog: the stalled reader is not a slow consumer, only behind the end.
      endpoint: { heartbeatMs: 0, highWaterMarkBytes: 64 * MiB, drainGraceMs: DRAIN_GRACE_MS },
    });
    const [first] = await served.publish(1);
    // Live from now: what is published next queues unsent behind a client that never reads.
    neverReads(served.url, {});
    await waitUntil(() => record.caughtUps.length === 1, 'the stalled connection to go live');
    const readers = await Promise.all(
      [1, 2].map(() => ctx.open(served.url, { ...KEEP, headers: { 'last-event-id': first!.id } })),
    );
    await Promise.all(readers.map((reader) => reader.waitForCaughtUp()));
    await served.publish(BACKLOG.events, { pad: BACKLOG.pad });
    await waitForEach(readers, BACKLOG.events, 20_000);

    await served.hub.close();
    await Promise.all(readers.map((reader) => reader.waitForEnd()));
    for (const reader of readers) {
      expect(dataOf(reader.appEvents)).toEqual(numbers(2, 1 + BACKLOG.events));
      expect(reader.complete).toBe(true);
    }
    await stalledSocketDropped(served);
    expect(record.disconnects).toEqual(['hub-closed', 'hub-closed', 'hub-closed']);
  }, 30_000);

  it('a reader that never reads its replay is cut as a slow consumer drainGraceMs later; readers replaying beside it get everything', async () => {
    const record = recordHooks();
    const served = await ctx.serve({
      hooks: record.hooks,
      maxEvents: 100,
      endpoint: { heartbeatMs: 0, drainGraceMs: DRAIN_GRACE_MS },
    });
    const [first] = await served.publish(1);
    await served.publish(BACKLOG.events, { pad: BACKLOG.pad });
    const resume = { 'last-event-id': first!.id };
    neverReads(served.url, resume);
    await waitUntil(() => record.connects.length === 1, 'the stalled connection');
    const readers = await Promise.all([1, 2].map(() => ctx.open(served.url, { ...KEEP, headers: resume })));
    await Promise.all(readers.map((reader) => reader.waitForCaughtUp(20_000)));
    for (const reader of readers) expect(dataOf(reader.appEvents)).toEqual(numbers(2, 1 + BACKLOG.events));
    // The hub stays open: only the connection that stopped reading goes.
    await stalledSocketDropped(served, readers.length);
    expect(record.disconnects).toEqual(['slow-consumer']);
    expect(record.caughtUps).toHaveLength(2);
    await served.publish(1);
    await waitForEach(readers, BACKLOG.events + 1);
  }, 30_000);

  it('a reader that never reads is dropped drainGraceMs after its maxConnectionMs; a reader that reads ends cleanly', async () => {
    const record = recordHooks();
    const served = await ctx.serve({
      hooks: record.hooks,
      maxEvents: 100,
      // A mark above the backlog: the stalled reader is not a slow consumer, only behind the end.
      endpoint: {
        heartbeatMs: 0,
        maxConnectionMs: 1_500,
        highWaterMarkBytes: 64 * MiB,
        drainGraceMs: DRAIN_GRACE_MS,
      },
    });
    // Live from now (a stalled replay would be cut on its own): the backlog queues unsent behind it.
    neverReads(served.url, {});
    await waitUntil(() => record.caughtUps.length === 1, 'the stalled connection to go live');
    const published = await served.publish(BACKLOG.events, { pad: BACKLOG.pad });
    const reader = await ctx.open(served.url, {
      ...KEEP,
      headers: { 'last-event-id': published.at(-1)!.id },
    });
    await reader.waitForCaughtUp();
    await served.publish(1);
    await waitForEach([reader], 1);

    await reader.waitForEnd(5_000);
    expect(dataOf(reader.appEvents)).toEqual(numbers(1 + BACKLOG.events, 1 + BACKLOG.events));
    expect(reader.complete).toBe(true);
    await stalledSocketDropped(served);
    expect(record.disconnects).toEqual(['max-connection-time', 'max-connection-time']);
    expect(served.hub.stats().connections).toBe(0);
  }, 30_000);

  it('a reader that stopped reading is dropped drainGraceMs after the terminal event; readers that read, even slowly, get it and a clean end', async () => {
    const record = recordHooks();
    const served = await ctx.serve({
      hooks: record.hooks,
      maxEvents: 100,
      // A mark above the backlog: the stalled reader is not a slow consumer, only behind the end.
      endpoint: {
        heartbeatMs: 0,
        highWaterMarkBytes: 64 * MiB,
        terminalEvents: ['completed'],
        drainGraceMs: DRAIN_GRACE_MS,
      },
    });
    const stalled = await ctx.open(served.url, KEEP);
    const readers = await Promise.all([
      ctx.open(served.url, KEEP),
      ctx.open(served.url, KEEP),
      // Takes the backlog in over longer than the grace: the grace must never cut a reader that reads.
      ctx.open(served.url, { ...KEEP, slowRead: { bytes: 256 * 1024, pauseMs: 20 } }),
    ]);
    await Promise.all([stalled, ...readers].map((client) => client.waitForCaughtUp()));
    stalled.pause();

    await served.publish(BACKLOG.events, { pad: BACKLOG.pad });
    await served.publish(1, { event: 'completed' });
    await Promise.all(readers.map((reader) => reader.waitForEnd(20_000)));
    for (const reader of readers) {
      expect(dataOf(reader.appEvents)).toEqual(numbers(1, BACKLOG.events + 1));
      expect(reader.appEvents.at(-1)?.event).toBe('completed');
      expect(reader.complete).toBe(true);
    }
    await stalledSocketDropped(served);
    expect(record.disconnects).toEqual(['stream-ended', 'stream-ended', 'stream-ended', 'stream-ended']);
    stalled.resume();
    await stalled.waitForEnd();
    expect(stalled.complete).toBe(false);
  }, 30_000);

  for (const burst of [false, true]) {
    const what = burst ? 'one burst larger than the high-water mark (with a filter)' : 'one oversized frame';
    it(`a reader that stopped reading behind ${what} is cut as a slow consumer after drainGraceMs; fast readers stay`, async () => {
      const record = recordHooks();
      const served = await ctx.serve({
        hooks: record.hooks,
        maxEvents: 100,
        endpoint: {
          highWaterMarkBytes: 64 * 1024,
          // Heartbeats are what must notice: nothing else is published until the cut.
          heartbeatMs: 100,
          // Longer than a fast reader needs to take 16 MiB in, even on a busy machine.
          drainGraceMs: 1_000,
          ...(burst && { filter: () => true }),
        },
      });
      const stalled = await ctx.open(served.url, KEEP);
      const readers = await Promise.all([1, 2].map(() => ctx.open(served.url, KEEP)));
      await Promise.all([stalled, ...readers].map((client) => client.waitForCaughtUp()));
      stalled.pause();

      const count = burst ? BACKLOG.events : 1;
      await served.publish(count, { pad: burst ? BACKLOG.pad : BACKLOG.events * BACKLOG.pad });
      await waitForEach(readers, count, 20_000);
      await waitUntil(() => record.disconnects.length > 0, 'the stalled reader to be cut', DROPPED_WITHIN_MS);

      expect(record.disconnects).toEqual(['slow-consumer']);
      await served.publish(1);
      await waitForEach(readers, count + 1);
      for (const reader of readers) {
        expect(dataOf(reader.appEvents)).toEqual(numbers(1, count + 1));
        expect(reader.ended).toBe(false);
      }
      expect(served.hub.stats().connections).toBe(2);
      stalled.resume();
      await stalled.waitForEnd();
      expect(stalled.complete).toBe(false);
    }, 30_000);
  }
}
