import {
  type ClientStatus,
  createEventStreamClient,
  type ResetPayload,
  type StreamEvent,
} from '@resumable-sse/client';

/** A real client left connected to `GET /stream`, recording everything it sees. */
export interface LiveReader {
  /** `cloudevent` events, in order. */
  readonly events: StreamEvent[];
  /** `ping` events. */
  readonly pings: StreamEvent[];
  readonly statuses: ClientStatus[];
  readonly resets: ResetPayload[];
  /** The cursor the client would resume from. */
  lastEventId(): string | undefined;
  /** The CloudEvent each event carries, parsed. */
  cloudEvents(): Record<string, unknown>[];
  /** Resolves once `count` CloudEvents arrived (rejects after `timeoutMs`, default 10000). */
  waitForEvents(count: number, timeoutMs?: number): Promise<void>;
  waitForPings(count: number, timeoutMs?: number): Promise<void>;
  /** Resolves once the client reported `status` (now or earlier). */
  waitForStatus(status: ClientStatus, timeoutMs?: number): Promise<void>;
  close(): void;
}

export function openLiveReader(baseUrl: string, options: { lastEventId?: string } = {}): LiveReader {
  const events: StreamEvent[] = [];
  const pings: StreamEvent[] = [];
  const statuses: ClientStatus[] = [];
  const resets: ResetPayload[] = [];
  const waiters = new Set<() => void>();
  const poke = (): void => {
    for (const waiter of waiters) waiter();
  };
  const client = createEventStreamClient(`${baseUrl}/stream`, {
    ...options,
    // A restarted test server comes back within a second: retry fast.
    backoff: { initialMs: 200, maxMs: 1_000 },
    onEvent(event) {
      if (event.event === 'ping') pings.push(event);
      else events.push(event);
      poke();
    },
    onReset(payload) {
      resets.push(payload);
      events.length = 0;
      poke();
    },
    onStatus(status) {
      statuses.push(status);
      poke();
    },
    onError() {},
  });

  const waitUntil = (done: () => boolean, what: string, timeoutMs: number): Promise<void> =>
    new Promise((resolve, reject) => {
      if (done()) return resolve();
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${what}; saw ${events.length} events, ${pings.length} pings, statuses ${statuses.join(' → ')}`,
          ),
        );
      }, timeoutMs);
      const check = (): void => {
        if (!done()) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
    });

  return {
    events,
    pings,
    statuses,
    resets,
    lastEventId: () => client.lastEventId,
    cloudEvents: () => events.map((event) => JSON.parse(event.data) as Record<string, unknown>),
    waitForEvents: (count, timeoutMs = 10_000) =>
      waitUntil(() => events.length >= count, `${count} events`, timeoutMs),
    waitForPings: (count, timeoutMs = 10_000) =>
      waitUntil(() => pings.length >= count, `${count} pings`, timeoutMs),
    waitForStatus: (status, timeoutMs = 10_000) =>
      waitUntil(() => statuses.includes(status), `status ${status}`, timeoutMs),
    close: () => client.close(),
  };
}
