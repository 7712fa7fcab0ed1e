import {
  type ClientStatus,
  createEventStreamClient,
  type ResetPayload,
  type StreamEvent,
} from '@resumable-sse/client';

export interface LiveReaderOptions {
  readonly lastEventId?: string;
  /** Events by this name (an app's keep-alive, e.g. `ping`) go to `pings`, not `events`. */
  readonly pingEvent?: string;
}

/** A real client left connected to an event stream, recording everything it sees. */
export interface LiveReader {
  /** Events other than pings, in order; emptied by a reset. */
  readonly events: StreamEvent[];
  /** Events named `options.pingEvent`. */
  readonly pings: StreamEvent[];
  readonly statuses: ClientStatus[];
  readonly resets: ResetPayload[];
  /** The cursor the client would resume from. */
  lastEventId(): string | undefined;
  /** Each event's data, parsed as JSON. */
  payloads(): unknown[];
  /** Resolves once `count` events arrived (rejects after `timeoutMs`, default 10000). */
  waitForEvents(count: number, timeoutMs?: number): Promise<void>;
  waitForPings(count: number, timeoutMs?: number): Promise<void>;
  /** Resolves once the client reported `status` (now or earlier). */
  waitForStatus(status: ClientStatus, timeoutMs?: number): Promise<void>;
  close(): void;
}

/** Connects `createEventStreamClient` to `streamUrl` and keeps it connected until `close()`. */
export function openLiveReader(streamUrl: string, options: LiveReaderOptions = {}): LiveReader {
  const { pingEvent, ...clientOptions } = options;
  const events: StreamEvent[] = [];
  const pings: StreamEvent[] = [];
  const statuses: ClientStatus[] = [];
  const resets: ResetPayload[] = [];
  const waiters = new Set<() => void>();
  const poke = (): void => {
    for (const waiter of waiters) waiter();
  };
  const client = createEventStreamClient(streamUrl, {
    ...clientOptions,
    // A restarted test server comes back within a second: retry fast.
    backoff: { initialMs: 200, maxMs: 1_000 },
    onEvent(event) {
      if (pingEvent !== undefined && event.event === pingEvent) pings.push(event);
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

  const seen = (): string =>
    pingEvent === undefined ? `${events.length} events` : `${events.length} events, ${pings.length} pings`;
  const waitUntil = (done: () => boolean, what: string, timeoutMs: number): Promise<void> =>
    new Promise((resolve, reject) => {
      if (done()) return resolve();
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${what}; saw ${seen()}, statuses ${statuses.join(' → ')}`,
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
    payloads: () => events.map((event) => JSON.parse(event.data) as unknown),
    waitForEvents: (count, timeoutMs = 10_000) =>
      waitUntil(() => events.length >= count, `${count} events`, timeoutMs),
    waitForPings: (count, timeoutMs = 10_000) =>
      waitUntil(() => pings.length >= count, `${count} pings`, timeoutMs),
    waitForStatus: (status, timeoutMs = 10_000) =>
      waitUntil(() => statuses.includes(status), `status ${status}`, timeoutMs),
    close: () => client.close(),
  };
}
