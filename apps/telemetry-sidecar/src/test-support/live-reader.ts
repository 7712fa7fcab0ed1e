import {
  type ClientStatus,
  createEventStreamClient,
  type ResetPayload,
  type StreamEvent,
} from '@resumable-sse/client';

/** A real client left connected to `GET /stream`, recording everything it sees. */
export interface LiveReader {
  readonly events: StreamEvent[];
  readonly statuses: ClientStatus[];
  readonly resets: ResetPayload[];
  /** The `event_id` of each envelope received, in order. */
  eventIds(): string[];
  /** Resolves once `count` events arrived (rejects after `timeoutMs`, default 10000). */
  waitForEvents(count: number, timeoutMs?: number): Promise<void>;
  /** Resolves once the client reported `status` (now or later). */
  waitForStatus(status: ClientStatus, timeoutMs?: number): Promise<void>;
  close(): void;
}

export function openLiveReader(baseUrl: string, options: { lastEventId?: string } = {}): LiveReader {
  const events: StreamEvent[] = [];
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
      events.push(event);
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
            `timed out after ${timeoutMs} ms waiting for ${what}; saw ${events.length} events, statuses ${statuses.join(' → ')}`,
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
    statuses,
    resets,
    eventIds: () => events.map((event) => (JSON.parse(event.data) as [{ event_id: string }])[0].event_id),
    waitForEvents: (count, timeoutMs = 10_000) =>
      waitUntil(() => events.length >= count, `${count} events`, timeoutMs),
    waitForStatus: (status, timeoutMs = 10_000) =>
      waitUntil(() => statuses.includes(status), `status ${status}`, timeoutMs),
    close: () => client.close(),
  };
}
