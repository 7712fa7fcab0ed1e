import { createEventStreamClient } from '../client.ts';
import type { EventStreamError } from '../errors.ts';
import type {
  CaughtUpInfo,
  ClientStatus,
  EventStreamClient,
  EventStreamClientOptions,
  StreamEvent,
} from '../types.ts';

/** One callback as it happened, so tests can check the order across callbacks. */
export type Entry =
  | { kind: 'event'; event: StreamEvent }
  | { kind: 'reset'; reason: string }
  | { kind: 'caught-up'; info: CaughtUpInfo }
  | { kind: 'status'; status: ClientStatus }
  | { kind: 'error'; error: EventStreamError };

export interface RecordedClient {
  client: EventStreamClient;
  log: Entry[];
  events: StreamEvent[];
  data(): string[];
  statuses(): ClientStatus[];
  errors(): EventStreamError[];
}

/** A real client whose every callback is recorded (and still forwarded to `options`). */
export function recordClient(url: string, options: EventStreamClientOptions = {}): RecordedClient {
  const log: Entry[] = [];
  const events: StreamEvent[] = [];
  const client = createEventStreamClient(url, {
    ...options,
    onEvent: (event) => {
      events.push(event);
      log.push({ kind: 'event', event });
      return options.onEvent?.(event);
    },
    onReset: (payload) => {
      log.push({ kind: 'reset', reason: payload.reason });
      return options.onReset?.(payload);
    },
    onCaughtUp: (info) => {
      log.push({ kind: 'caught-up', info });
      return options.onCaughtUp?.(info);
    },
    onStatus: (status) => {
      log.push({ kind: 'status', status });
      options.onStatus?.(status);
    },
    onError: (error) => {
      log.push({ kind: 'error', error });
      options.onError?.(error);
    },
  });
  const pick = <K extends Entry['kind']>(kind: K) =>
    log.filter((entry): entry is Extract<Entry, { kind: K }> => entry.kind === kind);
  return {
    client,
    log,
    events,
    data: () => events.map((event) => event.data),
    statuses: () => pick('status').map((entry) => entry.status),
    errors: () => pick('error').map((entry) => entry.error),
  };
}
