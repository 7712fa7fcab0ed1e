/**
 * No injection, as a property over arbitrary input, through the real server (Hono adapter, child
 * process) and a real parser (`eventsource-parser`):
 * - Published event names, data and idempotency keys full of CR, LF, NUL, `data:`/`id:` lookalikes
 *   and unicode: a name with CR/LF/NUL is refused (400, nothing stored — the next offset follows
 *   on); otherwise a subscriber parses exactly one event per publish, with the server's id, the
 *   same name, and the same data (line breaks normalised to LF, as every SSE parser does) — no
 *   extra event, no extra field, no `retry:` beyond the first.
 * - Resume positions full of the same: the `reset` echoes them as JSON data, so the stream head is
 *   exactly `retry`, `reset{malformed}` (whose `requested` is the input, cut at 256 characters),
 *   `caught-up`.
 * - The reserved control names (`reset`, `caught-up`) are refused as event names: a publisher must
 *   not be able to forge the server's control events.
 */
import { CONTROL_EVENTS } from '@resumable-sse/core/protocol';
import { waitUntil } from '@resumable-sse/testkit/http';
import type { EventSourceMessage } from 'eventsource-parser';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FixtureProcess,
  startFixtureProcess,
  stopAllFixtureProcesses,
} from './support/fixture-process.ts';
import { buildRequest, rawExchange } from './support/raw-exchange.ts';
import { runSeed } from './support/seeded-random.ts';
import { type OpenStream, openStream } from './support/sse-reader.ts';

const RUNS = 1_000;

/** Characters and fragments that break naive SSE writers, mixed with arbitrary unicode. */
const piece = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      '\r',
      '\n',
      '\0',
      '\r\n',
      '\n\n',
      ':',
      ' ',
      'id: x',
      'event: y',
      'data: z',
      'retry: 1',
      '\uFEFF',
      '\u2028',
      '\u0085',
    ),
  },
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 3 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 2 }) },
);
const nasty = fc.array(piece, { maxLength: 24 }).map((parts) => wellFormed(parts.join('')));

/** Lone surrogates cannot survive UTF-8 (they become U+FFFD on the wire): keep the input encodable. */
function wellFormed(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

interface Published {
  readonly id: string;
  readonly event: string;
  readonly data: string;
}

let server: FixtureProcess;
let subscriber: OpenStream;
const received: EventSourceMessage[] = [];
const retries: number[] = [];

beforeAll(async () => {
  server = await startFixtureProcess({ env: { STORE: 'memory', BUFFER_SIZE: '100000', INITIAL: 'now' } });
  subscriber = await openStream(`${server.url}/stream`, {
    onEvent: (event) => received.push(event),
    onRetry: (retry) => retries.push(retry),
  });
  await waitUntil(() => received.some((event) => event.event === CONTROL_EVENTS.caughtUp), 'caught-up');
  received.length = 0;
});
afterAll(async () => {
  subscriber?.close();
  await stopAllFixtureProcesses();
});

async function publish(
  events: ReadonlyArray<{ event: string; data: string; key: string }>,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${server.url}/publish`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ events }),
  });
  return { status: response.status, body: await response.json() };
}

describe('nothing can inject a field or an event', () => {
  it(`event names, data and keys with CR, LF, NUL (${RUNS} batches)`, async () => {
    let lastOffset = 0;
    let expected: Published[] = [];
    let accepted = 0;
    let refusedBatches = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ event: nasty, data: nasty, key: nasty }), { minLength: 1, maxLength: 4 }),
        async (batch) => {
          const refused = batch.some((item) => /[\r\n\0]/.test(item.event) || item.key === '');
          const answer = await publish(batch);
          if (refused) {
            refusedBatches++;
            expect(answer.status).toBe(400);
            expect(typeof (answer.body as { error: unknown }).error).toBe('string');
            return;
          }
          expect(answer.status).toBe(200);
          accepted++;
          const results = (
            answer.body as { results: Array<{ id: string; offset: number; duplicate: boolean }> }
          ).results;
          results.forEach((result, index) => {
            // A repeated key inside the window is a duplicate; everything else continues the offsets.
            if (result.duplicate) return;
            expect(result.offset).toBe(++lastOffset);
            expected.push({ id: result.id, event: batch[index]!.event, data: batch[index]!.data });
          });
          await waitUntil(() => received.length >= expected.length, `${expected.length} events`, 5_000);
          expect(received.length).toBe(expected.length);
          received.forEach((event, index) => {
            const sent = expected[index]!;
            expect(event.id).toBe(sent.id);
            expect(event.event ?? '').toBe(sent.event);
            expect(event.data).toBe(sent.data.replace(/\r\n|\r/g, '\n'));
          });
          received.length = 0;
          expected = [];
        },
      ),
      { numRuns: RUNS, seed: runSeed(41) },
    );
    console.log(`injection: ${accepted} batches delivered exactly, ${refusedBatches} refused with 400`);
    // Both branches were exercised, and the only retry: field is the one sent at connect.
    expect(accepted).toBeGreaterThan(RUNS / 10);
    expect(refusedBatches).toBeGreaterThan(RUNS / 10);
    expect(retries).toEqual([100]);
    expect(subscriber.isEnded()).toBe(false);
  }, 120_000);

  it(`resume positions with CR, LF, NUL are echoed as JSON, never as fields (${RUNS} requests)`, async () => {
    await fc.assert(
      fc.asyncProperty(
        nasty.filter((text) => /[\r\n\0]/.test(text)),
        async (position) => {
          const target = `/stream?lastEventId=${encodeURIComponent(position)}`;
          const answer = await rawExchange(
            server.port,
            buildRequest('GET', target, [['Accept', 'text/event-stream']]),
          );
          expect(answer.status).toBe(200);
          expect(answer.retries).toBe(1);
          expect(answer.events.map((event) => event.event)).toEqual([
            CONTROL_EVENTS.reset,
            CONTROL_EVENTS.caughtUp,
          ]);
          const reset = JSON.parse(answer.events[0]!.data) as { reason: string; requested: string };
          expect(reset.reason).toBe('malformed');
          expect(reset.requested).toBe(position.slice(0, 256));
        },
      ),
      { numRuns: RUNS, seed: runSeed(42) },
    );
  }, 120_000);

  it.each([CONTROL_EVENTS.reset, CONTROL_EVENTS.caughtUp])(
    'refuses the reserved name "%s" as a published event name',
    async (name) => {
      const before = received.length;
      const answer = await publish([
        {
          event: name,
          data: JSON.stringify({ reason: 'epoch', requested: '', oldest: null }),
          key: `forged-${name}`,
        },
      ]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const forged = received.slice(before).filter((event) => event.event === name);
      received.length = 0;
      expect({ status: answer.status, forgedControlEvents: forged.length }).toEqual({
        status: 400,
        forgedControlEvents: 0,
      });
    },
  );
});
