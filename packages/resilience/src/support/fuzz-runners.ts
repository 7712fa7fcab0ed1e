/**
 * The two fuzz loops of the hostile-input drill and the checks applied to every answer.
 *
 * Cursors: each request opens a real event stream with a hostile `Last-Event-ID` or
 * `?lastEventId=`, reads it until `caught-up` through `eventsource-parser`, and checks that what
 * came back is exactly a well-formed stream — known event names, cursor-shaped ids, JSON control
 * data — so junk echoed back (a `reset`'s `requested`) can never have injected a field or an event.
 *
 * Bodies: hostile requests over keep-alive; every answer must be a 4xx with a JSON `{ "error" }`
 * or a success, never a 5xx and never a dropped connection.
 */
import type { EventSourceMessage } from 'eventsource-parser';
import { type CursorPlace, fuzzCursor } from './cursor-fuzz.ts';
import type { PlainRequest } from './demo-apps.ts';
import { sendMany } from './keep-alive-sender.ts';
import { buildRequest, rawExchange } from './raw-exchange.ts';
import { seededRandom } from './seeded-random.ts';

const CURSOR_SHAPE = /^[A-Za-z0-9._~-]{1,64}$/;
const RESET_REASONS = new Set(['evicted', 'epoch', 'future', 'malformed']);

export interface FuzzReport {
  readonly requests: number;
  readonly statuses: Record<number, number>;
  readonly serverErrors: number;
  readonly noAnswer: number;
  /** Answers that broke the rules (first few described). */
  readonly anomalies: string[];
  readonly anomalyCount: number;
  readonly elapsedMs: number;
}

export interface CursorFuzzReport extends FuzzReport {
  readonly resets: Record<string, number>;
  readonly kinds: Record<string, number>;
}

function bump(counts: Record<string | number, number>, key: string | number): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

/** True when `id` is spelled as a cursor can be: what every event and control event must carry. */
function isCursor(id: string | undefined): id is string {
  return id !== undefined && CURSOR_SHAPE.test(id);
}

/** Why a parsed stream head is not exactly a well-formed resumable stream; undefined when it is. */
export function streamViolation(
  events: readonly EventSourceMessage[],
  retries: number,
  appEvents: ReadonlySet<string>,
): string | undefined {
  if (retries > 1) return `${retries} retry fields`;
  const caughtUp = events.filter((event) => event.event === 'caught-up');
  if (caughtUp.length !== 1) return `${caughtUp.length} caught-up events`;
  for (const event of events) {
    if (event.event === 'caught-up') {
      // caught-up names the position it was reached at: a resumable cursor, the head when not null.
      if (!isCursor(event.id)) return `caught-up id ${JSON.stringify(event.id)}`;
      const data = JSON.parse(event.data) as { replayed?: unknown; head?: unknown };
      if (typeof data.replayed !== 'number' || (data.head !== null && typeof data.head !== 'string'))
        return `caught-up data ${event.data}`;
      if (data.head !== null && data.head !== event.id)
        return `caught-up id ${event.id} is not its head ${data.head}`;
    } else if (event.event === 'reset') {
      if (!isCursor(event.id)) return `reset id ${JSON.stringify(event.id)}`;
      const data = JSON.parse(event.data) as { reason?: unknown; requested?: unknown; oldest?: unknown };
      if (!RESET_REASONS.has(String(data.reason)) || typeof data.requested !== 'string')
        return `reset data ${event.data.slice(0, 200)}`;
      if (Object.keys(data).some((key) => !['reason', 'requested', 'oldest'].includes(key)))
        return `reset data has extra keys ${event.data.slice(0, 200)}`;
    } else if (appEvents.has(event.event ?? 'message')) {
      if (!isCursor(event.id)) return `event id ${JSON.stringify(event.id)}`;
    } else {
      return `unexpected event ${JSON.stringify(event.event)} (id ${JSON.stringify(event.id)}, data ${JSON.stringify(event.data.slice(0, 100))})`;
    }
  }
  return undefined;
}

export interface CursorFuzzOptions {
  readonly port: number;
  readonly path: string;
  readonly headers: ReadonlyArray<[string, string]>;
  /** Real cursors of the stream, for near misses. */
  readonly cursors: readonly string[];
  readonly appEvents: ReadonlySet<string>;
  readonly count: number;
  readonly seed: number;
  readonly concurrency?: number;
}

export async function fuzzCursors(options: CursorFuzzOptions): Promise<CursorFuzzReport> {
  const started = Date.now();
  const random = seededRandom(options.seed);
  const statuses: Record<number, number> = {};
  const resets: Record<string, number> = {};
  const kinds: Record<string, number> = {};
  const anomalies: string[] = [];
  let anomalyCount = 0;
  let serverErrors = 0;
  let noAnswer = 0;
  const flag = (what: string) => {
    anomalyCount++;
    if (anomalies.length < 10) anomalies.push(what);
  };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < options.count) {
      const index = next++;
      const place: CursorPlace = index % 2 === 0 ? 'header' : 'query';
      const cursor = fuzzCursor(random, options.cursors, place);
      bump(kinds, cursor.kind);
      const target =
        place === 'query' ? Buffer.concat([Buffer.from(`${options.path}?`), cursor.wire]) : options.path;
      const headers: Array<[string, string | Uint8Array]> = [
        ['Accept', 'text/event-stream'],
        ...options.headers,
      ];
      if (place === 'header') headers.push(['Last-Event-ID', cursor.wire]);
      let result: Awaited<ReturnType<typeof rawExchange>>;
      try {
        result = await rawExchange(options.port, buildRequest('GET', target, headers));
      } catch (error) {
        noAnswer++;
        flag(`${cursor.kind} ${place}: ${(error as Error).message}`);
        continue;
      }
      bump(statuses, result.status);
      if (result.status === 0) {
        noAnswer++;
        flag(`${cursor.kind} ${place}: connection closed without an answer`);
        continue;
      }
      if (result.status >= 500) {
        serverErrors++;
        flag(`${cursor.kind} ${place}: ${result.status} ${result.body.slice(0, 200)}`);
        continue;
      }
      if (cursor.kind === 'oversized' && result.status !== 431)
        flag(`oversized ${place} cursor answered ${result.status}, not 431`);
      if (result.status !== 200) continue;
      if (result.endedEarly) {
        flag(`${cursor.kind} ${place}: stream ended before caught-up`);
        continue;
      }
      for (const event of result.events)
        if (event.event === 'reset') bump(resets, (JSON.parse(event.data) as { reason: string }).reason);
      let violation: string | undefined;
      try {
        violation = streamViolation(result.events, result.retries, options.appEvents);
      } catch (error) {
        violation = `unparseable control data (${(error as Error).message})`;
      }
      if (violation)
        flag(
          `${cursor.kind} ${place} ${JSON.stringify(cursor.wire.toString('latin1').slice(0, 80))}: ${violation}`,
        );
      if (
        cursor.kind === 'valid' &&
        cursor.faithful &&
        result.events.some((event) => event.event === 'reset' && !event.data.includes('"evicted"'))
      ) {
        flag(`a valid cursor got ${result.events.find((event) => event.event === 'reset')?.data}`);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 24 }, worker));
  return {
    requests: options.count,
    statuses,
    serverErrors,
    noAnswer,
    anomalies,
    anomalyCount,
    resets,
    kinds,
    elapsedMs: Date.now() - started,
  };
}

export async function fuzzBodies(
  baseUrl: string,
  count: number,
  make: (index: number) => PlainRequest,
): Promise<FuzzReport> {
  const started = Date.now();
  const statuses: Record<number, number> = {};
  const anomalies: string[] = [];
  let anomalyCount = 0;
  let serverErrors = 0;
  let noAnswer = 0;
  const flag = (what: string) => {
    anomalyCount++;
    if (anomalies.length < 10) anomalies.push(what);
  };
  await sendMany(baseUrl, count, make, (result, sent) => {
    bump(statuses, result.status);
    const what = `${sent.method} ${sent.path} ${JSON.stringify(sent.headers).slice(0, 160)} body ${sent.body?.byteLength ?? 0} B`;
    if (result.status === 0) {
      noAnswer++;
      flag(`${what}: no answer (${result.body})`);
    } else if (result.status >= 500) {
      serverErrors++;
      flag(`${what}: ${result.status} ${result.body.slice(0, 300)}`);
    } else if (result.status >= 400) {
      let ok = false;
      try {
        ok =
          result.contentType.includes('json') &&
          typeof (JSON.parse(result.body) as { error?: unknown }).error === 'string';
      } catch {
        ok = false;
      }
      if (!ok)
        flag(
          `${what}: ${result.status} without a JSON { error } body (${result.contentType}: ${result.body.slice(0, 120)})`,
        );
    }
  });
  return {
    requests: count,
    statuses,
    serverErrors,
    noAnswer,
    anomalies,
    anomalyCount,
    elapsedMs: Date.now() - started,
  };
}
