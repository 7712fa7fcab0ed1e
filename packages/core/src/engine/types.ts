/**
 * The framework-neutral connection contract. A framework adapter maps its request onto
 * `SseRequest`, asks an `SseEndpoint` what to answer, and — for a stream — hands core an
 * `SseSink` wrapping its response. Everything else (protocol, replay, heartbeats, backpressure
 * policy) happens in core.
 */
import type { StoredEvent } from '../store/types.ts';
import type { CompletionSource } from './completion.ts';

/** What an adapter tells core about one incoming request. */
export interface SseRequest {
  /** Upper-case HTTP method (`GET`, `OPTIONS`, `HEAD`). */
  readonly method: string;
  /** A request header by case-insensitive name; the first value when repeated. */
  header(name: string): string | undefined;
  /** A query-string parameter by name; the first value when repeated. */
  query(name: string): string | undefined;
  /** Aborts when the client goes away. */
  readonly signal: AbortSignal;
  /**
   * Optional: calls `listener.handleEvent()` once when the client goes away — at once if it
   * already has. Where it is given, an open connection listens here instead of on `signal`, so
   * an adapter that can tell without an `AbortSignal` (a Node response's `close`) saves every
   * connection one, and the listener record it keeps. Core calls it at most once per request.
   */
  whenGone?(listener: ClientGoneListener): void;
  /**
   * The request's HTTP major version. `Connection: keep-alive` is sent on HTTP/1.x only,
   * never on HTTP/2 where it is forbidden. @default 1
   */
  readonly httpVersionMajor?: number;
}

/** What `SseRequest.whenGone` calls: an `EventListener`-style object, so no closure is needed. */
export interface ClientGoneListener {
  handleEvent(): void;
}

/** Where core writes a stream's bytes: a thin wrapper over the framework's response. */
export interface SseSink {
  /**
   * Queues bytes for the client. Returns false once the transport's buffer is above its
   * high-water mark: the writer should then `await drain()` before writing more.
   */
  write(chunk: Uint8Array): boolean;
  /** Resolves when the buffer has drained, or when the connection closed or failed. Never hangs. */
  drain(): Promise<void>;
  /**
   * Bytes queued but not yet handed to the kernel — also after `end()`, while the end still waits
   * behind them; 0 once the connection is gone. Core tells a reader that reads from one that
   * stopped by whether this shrinks.
   */
  readonly bufferedBytes: number;
  /** True once the client went away or `end()` was called. */
  readonly closed: boolean;
  /** Ends the response gracefully, after the bytes already queued. Idempotent. */
  end(): void;
  /**
   * Drops the connection at once, discarding bytes not yet sent — also after `end()`, when the
   * queued bytes did not drain within `drainGraceMs`. Used for a slow consumer, whose graceful end
   * would sit behind a buffer its client may never read. Without it, such a connection is only
   * ended (`end()`).
   */
  abort?(): void;
}

/** A plain HTTP answer: preflight, 401/403, 204 after a terminal event, 400. */
export interface SsePlainResponse {
  readonly kind: 'response';
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** A `200 text/event-stream` answer. The adapter sends status and headers, then calls `pipe`. */
export interface SseStreamResponse {
  readonly kind: 'stream';
  readonly status: 200;
  readonly headers: Readonly<Record<string, string>>;
  /** Writes the stream into the sink until the client leaves or the stream ends. */
  pipe(sink: SseSink): Promise<void>;
  /**
   * Ends the connection as a server shutting down does (`server-closed`): what is queued is sent,
   * within `drainGraceMs` for a client that stopped reading, and the client resumes elsewhere.
   * Before `pipe`, the connection ends as soon as it starts.
   */
  end(): void;
}

export type SseResponsePlan = SsePlainResponse | SseStreamResponse;

/** What to send a client that comes without a cursor. */
export type InitialPolicy = 'now' | 'earliest' | { readonly last: number };

/** An `authorize` hook's refusal. */
export interface AuthorizationRefusal {
  readonly status: 401 | 403 | 404;
  readonly message?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface CorsOptions {
  /** Allowed origins: `'*'`, one origin, a list, or a predicate. */
  readonly origin: '*' | string | readonly string[] | ((origin: string) => boolean);
  /** Sends `Access-Control-Allow-Credentials: true` (never with `'*'`). @default false */
  readonly credentials?: boolean;
  /** Preflight cache lifetime in seconds. @default 600 */
  readonly maxAgeSeconds?: number;
}

/** Options every framework adapter accepts, generic over the framework's request type. */
export interface SseEndpointOptions<Req> {
  /** Stream name, fixed or taken from the request. */
  readonly stream: string | ((request: Req) => string | Promise<string>);
  /** What a client without a cursor gets. @default 'now' */
  readonly initial?: InitialPolicy | ((request: Req) => InitialPolicy);
  /** Heartbeat comment interval in milliseconds; 0 turns heartbeats off. @default 15_000 */
  readonly heartbeatMs?: number;
  /**
   * Sends each heartbeat as this named event (without an `id:`, so it never moves a client's
   * cursor) instead of a comment — for clients that want a visible ping. `data` runs once per
   * tick and its bytes go to every connection.
   * @default undefined (heartbeats are `:` comments)
   */
  readonly heartbeatEvent?: { readonly event: string; readonly data: (now: number) => string };
  /** `retry:` sent at connect, in milliseconds; `false` sends none. @default 3_000 */
  readonly retry?: number | false;
  /**
   * Runs before any stream byte. Return `true` to allow, or a refusal (401/403/404) to answer
   * with a JSON error instead of a stream.
   */
  readonly authorize?: (
    request: Req,
  ) => boolean | AuthorizationRefusal | Promise<boolean | AuthorizationRefusal>;
  /** Per-subscription filter, applied to replay and live events alike. */
  readonly filter?: (event: StoredEvent, request: Req) => boolean;
  /** CORS for browsers on another origin; preflight allows `Last-Event-ID`. */
  readonly cors?: CorsOptions;
  /**
   * A subscriber whose unsent bytes pass this many is disconnected; it resumes with its cursor.
   * @default 1_048_576
   */
  readonly highWaterMarkBytes?: number;
  /** How long a cursor ahead of the head may wait for a lagging replica. @default 1_000 */
  readonly futureGraceMs?: number;
  /** Closes a connection gracefully after this long (±10 % jitter); the client resumes. @default undefined */
  readonly maxConnectionMs?: number;
  /**
   * How long a connection's unsent bytes may go without draining before its socket is dropped:
   * after a graceful end (hub closed, `maxConnectionMs`, a terminal event), so a client that
   * stopped reading cannot hold its socket or a server's `close()`; and, while live, for a reader
   * that is over `highWaterMarkBytes` only by one large frame or run of events, which is then cut
   * as a slow consumer. A client that keeps reading is never cut by it. @default 10_000
   */
  readonly drainGraceMs?: number;
  /** Events read from the store per replay page. @default 256 */
  readonly replayPageSize?: number;
  /**
   * Where finite streams (jobs, generations, exports) record their end — a `LifecycleStore` from
   * `@resumable-sse/core/lifecycle`, or any `CompletionSource`. With it, a client resuming
   * from the terminal event's id gets `204 No Content` (which ends a browser `EventSource`), and a
   * client that comes back after the end gets the terminal event at once — from the completion
   * record when the log no longer holds it.
   */
  readonly lifecycle?: CompletionSource;
  /**
   * Event names after which the connection ends (and from which a resume gets `204`).
   * @default ['completed', 'failed'] with `lifecycle`, none without
   */
  readonly terminalEvents?: readonly string[];
}
