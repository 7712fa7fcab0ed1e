import type { CaughtUpPayload, ResetPayload } from '@resumable-sse/core/protocol';
import type { BackoffOptions } from './backoff.ts';
import type { CursorStorage } from './cursor-storage.ts';
import type { EventStreamError } from './errors.ts';

/**
 * - `connecting`: first request in flight.
 * - `catching-up`: connected; the server is replaying what was missed.
 * - `live`: the server said `caught-up`; events now arrive as they happen.
 * - `reconnecting`: the connection was lost; waiting out the backoff, or its request is in flight.
 * - `closed`: for good — `close()`, the `signal`, or a fatal error (see `client.error`).
 */
export type ClientStatus = 'connecting' | 'catching-up' | 'live' | 'reconnecting' | 'closed';

/** An application event. Control events (`reset`, `caught-up`) never arrive here. */
export interface StreamEvent {
  /** The event's own `id:` (its cursor), `undefined` when it had none. */
  readonly id: string | undefined;
  /** The `event:` name; `message` when the server sent none. */
  readonly event: string;
  readonly data: string;
}

export interface CaughtUpInfo extends CaughtUpPayload {
  /** Milliseconds from the start of this connection's request to its `caught-up`. */
  readonly timeToSyncMs: number;
}

export interface ClientMetrics {
  /** Reconnection attempts made (requests after the first). */
  readonly reconnects: number;
  /** Sum of `replayed` over every `caught-up`: events received to catch up. */
  readonly eventsCaughtUp: number;
  /** Time to sync of the latest connection that reached `caught-up`, in ms. */
  readonly timeToSyncMs: number | undefined;
  /** When the latest application event was delivered (`now()` clock, ms). */
  readonly lastEventAt: number | undefined;
  /** Events dropped because their ID had already been delivered. */
  readonly duplicatesDropped: number;
  /** The delay chosen before the latest reconnection attempt, in ms. */
  readonly retryDelayMs: number | undefined;
}

/** Minimal `fetch` the client needs; pass your own to add tracing, a proxy agent, etc. */
export type FetchLike = (url: string | URL, init: RequestInit) => Promise<Response>;

/** What `onUnauthorized` is told about the refused attempt. */
export interface UnauthorizedInfo {
  /** The refusal, as `onError` would get it if the client stopped here. */
  readonly error: EventStreamError;
  /** The response's `WWW-Authenticate` header, when it sent one. */
  readonly wwwAuthenticate: string | undefined;
}

export interface EventStreamClientOptions {
  /** Extra request headers; a function is called before every attempt (for refreshed tokens). */
  readonly headers?: HeadersInit | (() => HeadersInit | Promise<HeadersInit>);
  /** `fetch` credentials mode. @default fetch's own default, `'same-origin'` */
  readonly credentials?: RequestCredentials;
  /** Cursor to resume from on the first connect, when `storage` holds none. */
  readonly lastEventId?: string;
  /** Where to persist the last event ID (e.g. `sessionStorage`), so a reload resumes. */
  readonly storage?: CursorStorage;
  /** Key in `storage`. @default `resumable-sse:` + url */
  readonly storageKey?: string;
  /** @default `{ initialMs: 3000, maxMs: 30000, factor: 2 }`, no attempt limit */
  readonly backoff?: BackoffOptions;
  /** Reconnect when no byte arrives for this long (0 disables). Twice the server's 15 s heartbeat. @default 30000 */
  readonly heartbeatTimeoutMs?: number;
  /** How many recent event IDs are remembered to drop duplicates (0 disables). @default 1000 */
  readonly dedupWindow?: number;
  /** @default globalThis.fetch */
  readonly fetch?: FetchLike;
  /** Aborting it closes the client; an already-aborted signal means no request is made. */
  readonly signal?: AbortSignal;
  /** Source of jitter, in `[0, 1)`. @default Math.random */
  readonly random?: () => number;
  /** Clock for metrics and time to sync, in ms. @default Date.now */
  readonly now?: () => number;

  /**
   * Each application event, once, in order. A returned promise is awaited before the next event;
   * any other return value is ignored, so `(event) => seen.push(event)` is fine.
   */
  onEvent?(event: StreamEvent): unknown;
  /** The server cannot resume where you were: drop what you built from this stream. Runs before any later event. */
  onReset?(payload: ResetPayload): unknown;
  /** Replay is done; the stream is live. */
  onCaughtUp?(info: CaughtUpInfo): unknown;
  onStatus?(status: ClientStatus): void;
  /** Every failure: `error.fatal` says whether the client has stopped. */
  onError?(error: EventStreamError): void;
  /**
   * An attempt got HTTP 401. Refresh the credentials your `headers` function returns, then
   * resolve `true`: the client retries at once, calling `headers` again. Anything else (`false`,
   * a throw, another value) stops the client with a fatal `UNAUTHORIZED`. Called at most once per
   * 401 in a row: a 401 right after a refresh is final, so a refresh that does not help never loops.
   * Without it, a 401 is final.
   */
  onUnauthorized?(info: UnauthorizedInfo): boolean | Promise<boolean>;
}

export interface EventStreamClient {
  readonly status: ClientStatus;
  /** A snapshot. */
  readonly metrics: ClientMetrics;
  /** The cursor the next connection resumes from (`undefined` when none). */
  readonly lastEventId: string | undefined;
  /** The fatal error that closed the client, if any. */
  readonly error: EventStreamError | undefined;
  /** Stops for good: aborts the request and any pending reconnection. Idempotent. */
  close(): void;
}
