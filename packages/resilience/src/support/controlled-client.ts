/**
 * `@resumable-sse/client` in Node, with two levers a test needs: cut the current connection at
 * any moment (as a flaky network would) and hold reconnection (as a client that is away would).
 * It records every application event's sequence number and epoch, and every `reset`.
 *
 * Deduplication is turned off (`dedupWindow: 0`): a duplicate the server sends must show up in
 * the count, not be hidden by the client.
 */
import { createEventStreamClient, type EventStreamClient, type FetchLike } from '@resumable-sse/client';
import type { ResetPayload } from '@resumable-sse/core/protocol';

export interface ReceivedEvent {
  readonly seq: number;
  readonly id: string;
  /** The epoch part of the cursor (`<epoch>.<offset>`; the test knows the format, clients need not). */
  readonly epoch: string;
}

/** One thing the client saw, in arrival order: an application event or a `reset`. */
export type TimelineEntry =
  | { readonly kind: 'event'; readonly seq: number }
  | { readonly kind: 'reset'; readonly reset: ResetPayload };

export interface ControlledClientOptions {
  /** Cut the connection right after receiving this many events (each count once). */
  readonly disconnectAfter?: Iterable<number>;
}

export interface ControlledClient {
  readonly client: EventStreamClient;
  readonly received: ReceivedEvent[];
  readonly resets: ResetPayload[];
  /** Events and resets interleaved as they arrived (where in the stream each reset came). */
  readonly timeline: TimelineEntry[];
  /** Connections cut on purpose (disconnect points reached, `disconnect()` calls). */
  readonly forcedDisconnects: number;
  /** Disconnect points reached (a subset of `forcedDisconnects`). */
  readonly pointsReached: number;
  /** Requests made (first connect and every reconnect). */
  readonly requests: number;
  readonly caughtUps: number;
  /** Cuts the current connection; the client reconnects with its cursor. */
  disconnect(): void;
  /** Holds every new request until `release()`. */
  hold(): void;
  release(): void;
  close(): void;
}

export function controlledClient(url: string, options: ControlledClientOptions = {}): ControlledClient {
  const points = new Set(options.disconnectAfter ?? []);
  let current: AbortController | undefined;
  let gate: Promise<void> | undefined;
  let open: (() => void) | undefined;
  let forcedDisconnects = 0;
  let pointsReached = 0;
  let requests = 0;
  let caughtUps = 0;
  const received: ReceivedEvent[] = [];
  const resets: ResetPayload[] = [];
  const timeline: TimelineEntry[] = [];

  const disconnect = (): void => {
    forcedDisconnects++;
    current?.abort();
  };

  const controllableFetch: FetchLike = async (target, init) => {
    if (gate) await gate;
    const ours = new AbortController();
    current = ours;
    requests++;
    const signals = init.signal ? [init.signal, ours.signal] : [ours.signal];
    return fetch(target, { ...init, signal: AbortSignal.any(signals) });
  };

  const client = createEventStreamClient(url, {
    fetch: controllableFetch,
    dedupWindow: 0,
    backoff: { initialMs: 20, maxMs: 250 },
    heartbeatTimeoutMs: 5_000,
    onEvent: (event) => {
      const seq = (JSON.parse(event.data) as { seq: number }).seq;
      const id = event.id ?? '';
      received.push({ seq, id, epoch: id.split('.')[0]! });
      timeline.push({ kind: 'event', seq });
      if (points.has(received.length)) {
        pointsReached++;
        disconnect();
      }
    },
    onReset: (payload) => {
      resets.push(payload);
      timeline.push({ kind: 'reset', reset: payload });
    },
    onCaughtUp: () => {
      caughtUps++;
    },
    // Network errors are expected here: the server is killed and connections are cut.
    onError: () => {},
  });

  return {
    client,
    received,
    resets,
    timeline,
    get forcedDisconnects() {
      return forcedDisconnects;
    },
    get pointsReached() {
      return pointsReached;
    },
    get requests() {
      return requests;
    },
    get caughtUps() {
      return caughtUps;
    },
    disconnect,
    hold() {
      gate ??= new Promise<void>((resolve) => {
        open = resolve;
      });
    },
    release() {
      open?.();
      gate = undefined;
      open = undefined;
    },
    close() {
      open?.();
      client.close();
    },
  };
}
