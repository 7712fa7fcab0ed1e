/**
 * Slow consumers: one client that never reads among eight that do. The same server and readers
 * run a fixed publish schedule twice — without the stalled client, then with it — and compare:
 * - the others' deliveries by the end of the schedule (+300 ms) stay within 10 % of the run
 *   without it (a count over a fixed schedule, not a wall-clock rate, so 2 busy cores do not make
 *   it flaky; the rates are printed too);
 * - the server's buffered memory (`arrayBuffers`, where queued frames live) grows by no more than
 *   the high-water mark plus slack, although 20 MB were published to the stalled client;
 * - the stalled client is disconnected (`slow-consumer`), and coming back with its cursor it gets
 *   everything it missed.
 */
import { sleep, waitUntil } from '@resumable-sse/testkit/http';
import { createParser } from 'eventsource-parser';
import { afterAll, describe, expect, it } from 'vitest';
import type { ServerStats } from './fixture/server-stats.ts';
import { type CountingReader, countingReader, stalledClient } from './support/counting-reader.ts';
import { recordFigure } from './support/figures.ts';
import {
  type FixtureProcess,
  startFixtureProcess,
  stopAllFixtureProcesses,
} from './support/fixture-process.ts';
import { MIB, mib } from './support/process-sampler.ts';
import { chunkedDecoder } from './support/raw-exchange.ts';
import { checkSequence, describeSequence, range } from './support/sequence-check.ts';
import { openStream } from './support/sse-reader.ts';

const READERS = 8;
const BATCHES = 50;
const BATCH_SIZE = 100;
const PERIOD_MS = 80;
const PADDING = 4_000;
const HWM_BYTES = 524_288;
const GRACE_MS = 300;
const PER_PHASE = BATCHES * BATCH_SIZE;
/**
 * Without the disconnect, the stalled connection would pin nearly everything published to it
 * (~20 MB per phase, minus the ~4 MB the kernel buffers). Frames are shared between connections,
 * so what the stalled client alone can pin is its own queue: the high-water mark, one batch in
 * flight (400 KB) and the socket's own buffer. 4 MiB of slack covers that and GC timing.
 */
const MEMORY_SLACK = 4 * MIB;

let cleanup: Array<() => void> = [];
afterAll(async () => {
  for (const close of cleanup) close();
  cleanup = [];
  await stopAllFixtureProcesses();
});

interface PhaseResult {
  readonly delivered: number;
  readonly byDeadline: number;
  /** Events per second per reader, from the first publish to its last event. */
  readonly rate: number;
  readonly peakArrayBuffers: number;
  readonly peakRss: number;
}

async function runPhase(
  server: FixtureProcess,
  readers: CountingReader[],
  firstSeq: number,
): Promise<PhaseResult> {
  const before = readers.map((reader) => reader.count);
  let peakArrayBuffers = 0;
  let peakRss = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const stats: ServerStats | undefined = await server.stats(true).catch(() => undefined);
      peakArrayBuffers = Math.max(peakArrayBuffers, stats?.arrayBuffers ?? 0);
      peakRss = Math.max(peakRss, stats?.rss ?? 0);
      await sleep(100);
    }
  })();
  try {
    return await publishAndMeasure(server, readers, firstSeq, before, () => ({ peakArrayBuffers, peakRss }));
  } finally {
    sampling = false;
    await sampler;
  }
}

async function publishAndMeasure(
  server: FixtureProcess,
  readers: CountingReader[],
  firstSeq: number,
  before: number[],
  peaks: () => { peakArrayBuffers: number; peakRss: number },
): Promise<PhaseResult> {
  const padding = 'x'.repeat(PADDING);
  const started = performance.now();
  for (let batch = 0; batch < BATCHES; batch++) {
    const due = started + batch * PERIOD_MS;
    if (performance.now() < due) await sleep(due - performance.now());
    const events = Array.from({ length: BATCH_SIZE }, (_, index) => ({
      event: 'seq',
      data: JSON.stringify({ seq: firstSeq + batch * BATCH_SIZE + index, pad: padding }),
    }));
    const response = await fetch(`${server.url}/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ events }),
    });
    expect(response.status).toBe(200);
    await response.arrayBuffer();
  }
  const deadline = started + BATCHES * PERIOD_MS + GRACE_MS;
  await waitUntil(
    () => readers.every((reader, index) => reader.count - before[index]! >= PER_PHASE),
    'every reader to get the phase',
    30_000,
  );
  let byDeadline = 0;
  let rateSum = 0;
  readers.forEach((reader, index) => {
    const mine = reader.arrivals.slice(before[index]!, before[index]! + PER_PHASE);
    byDeadline += mine.filter((at) => at <= deadline).length;
    rateSum += PER_PHASE / ((mine.at(-1)! - started) / 1_000);
  });
  return { delivered: PER_PHASE * readers.length, byDeadline, rate: rateSum / readers.length, ...peaks() };
}

describe('a client that never reads', () => {
  it('does not slow the others, pins no more than the high-water mark, and is disconnected', async () => {
    const server = await startFixtureProcess({
      env: {
        STORE: 'memory',
        BUFFER_SIZE: '20000',
        HWM_BYTES: String(HWM_BYTES),
        INITIAL: 'now',
        HEARTBEAT_MS: '1000',
        MAX_BODY_BYTES: '1048576',
        NODE_OPTIONS: '--expose-gc',
      },
    });
    const readers = await Promise.all(
      Array.from({ length: READERS }, () => countingReader(`${server.url}/stream`, 'seq')),
    );
    cleanup.push(...readers.map((reader) => () => reader.close()));
    await waitUntil(async () => (await server.stats()).connections === READERS, 'readers connected', 5_000);

    // A first run warms the JIT and the allocator, so the two measured runs start alike.
    await runPhase(server, readers, 1);
    const without = await runPhase(server, readers, PER_PHASE + 1);
    const stalled = await stalledClient(server.port, '/stream');
    cleanup.push(() => stalled.socket.destroy());
    await waitUntil(
      async () => (await server.stats()).connections === READERS + 1,
      'the stalled client connected',
      5_000,
    );
    const withStalled = await runPhase(server, readers, 2 * PER_PHASE + 1);
    const cutOff = await waitUntil(
      async () => (await server.stats()).disconnects['slow-consumer'] === 1,
      'the slow-consumer disconnect',
      10_000,
    ).then(
      () => true,
      () => false,
    );
    const stats = await server.stats();

    // The stalled client reads at last: it gets what the kernel held, then the server's FIN.
    const seqs: number[] = [];
    let beforeResume = 0;
    if (cutOff) {
      const raw = await stalled.drainToEnd(10_000);
      const head = raw.indexOf('\r\n\r\n');
      let lastId: string | undefined;
      const parser = createParser({
        onEvent: (event) => {
          if (event.event !== 'seq') return;
          seqs.push((JSON.parse(event.data) as { seq: number }).seq);
          lastId = event.id;
        },
      });
      const decoder = new TextDecoder();
      chunkedDecoder((bytes) => parser.feed(decoder.decode(bytes, { stream: true }))).feed(
        raw.subarray(head + 4),
      );
      beforeResume = seqs.length;
      // Back with its cursor: the rest, nothing missing.
      const resumed = await openStream(`${server.url}/stream`, {
        lastEventId: lastId,
        onEvent: (event) => {
          if (event.event === 'seq') seqs.push((JSON.parse(event.data) as { seq: number }).seq);
        },
      });
      cleanup.push(() => resumed.close());
      await waitUntil(() => seqs.at(-1) === 3 * PER_PHASE, 'the resumed client to catch up', 15_000);
      resumed.close();
    }
    const caughtUp = checkSequence(seqs, range(2 * PER_PHASE + 1, 3 * PER_PHASE));

    const summary = [
      `slow consumer: ${READERS} readers, ${PER_PHASE} events of ${PADDING} B per phase over ${(BATCHES * PERIOD_MS) / 1000} s, high-water mark ${HWM_BYTES} B`,
      `  without the stalled client: delivered by deadline ${without.byDeadline}/${without.delivered}, rate ${without.rate.toFixed(0)} events/s per reader, peak arrayBuffers ${mib(without.peakArrayBuffers)}, peak RSS ${mib(without.peakRss)}`,
      `  with it: delivered by deadline ${withStalled.byDeadline}/${withStalled.delivered}, rate ${withStalled.rate.toFixed(0)} events/s per reader, peak arrayBuffers ${mib(withStalled.peakArrayBuffers)}, peak RSS ${mib(withStalled.peakRss)}`,
      `  disconnects ${JSON.stringify(stats.disconnects)}; the stalled client had ${beforeResume} events when cut off, then resumed: ${describeSequence(caughtUp)}`,
    ].join('\n');
    console.log(summary);
    recordFigure('slow consumer', summary);

    expect(cutOff).toBe(true);
    expect(withStalled.byDeadline).toBeGreaterThanOrEqual(0.9 * without.byDeadline);
    expect(withStalled.peakArrayBuffers - without.peakArrayBuffers).toBeLessThan(HWM_BYTES + MEMORY_SLACK);
    expect(stats.disconnects['slow-consumer']).toBe(1);
    expect(stats.connections).toBe(READERS);
    expect(readers.every((reader) => !reader.ended)).toBe(true);
    expect(beforeResume).toBeLessThan(PER_PHASE);
    expect(caughtUp.lost).toEqual([]);
    expect(caughtUp.duplicated).toEqual([]);
    expect(caughtUp.outOfOrder).toBe(0);
  }, 90_000);
});

describe.each(['hono', 'express', 'fastify'])('a stalled client on the %s adapter', (framework) => {
  it('is disconnected at the socket, not only at the stream, so its buffers are freed', async () => {
    const server = await startFixtureProcess({
      env: {
        FRAMEWORK: framework,
        STORE: 'memory',
        BUFFER_SIZE: '20000',
        HWM_BYTES: String(HWM_BYTES),
        INITIAL: 'now',
        MAX_BODY_BYTES: '1048576',
      },
    });
    const stalled = await stalledClient(server.port, '/stream');
    cleanup.push(() => stalled.socket.destroy());
    await waitUntil(
      async () => (await server.stats()).connections === 1,
      'the stalled client connected',
      5_000,
    );
    const padding = 'x'.repeat(PADDING);
    for (let batch = 0; batch < BATCHES; batch++) {
      const events = Array.from({ length: BATCH_SIZE }, (_, index) => ({
        event: 'seq',
        data: `${index}${padding}`,
      }));
      const response = await fetch(`${server.url}/publish`, {
        method: 'POST',
        body: JSON.stringify({ events }),
      });
      await response.arrayBuffer();
    }
    await waitUntil(
      async () => (await server.stats()).disconnects['slow-consumer'] === 1,
      'the slow-consumer disconnect',
      10_000,
    );
    // The client still does not read. A server that only ended the stream gracefully keeps the
    // socket — and everything queued behind it — until the client reads again, which it may never do.
    const port = stalled.socket.localPort ?? 0;
    const closed = await waitUntil(
      async () => !(await server.stats()).peers.includes(port),
      'the server to close the socket',
      3_000,
    ).then(
      () => true,
      () => false,
    );
    console.log(
      `${framework}: 3 s after the slow-consumer disconnect, the server's socket to the stalled client is ${closed ? 'closed' : 'still open'}`,
    );
    expect(closed).toBe(true);
  }, 30_000);
});
